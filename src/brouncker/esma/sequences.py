r"""Integer sequences: Berlekamp–Massey and the guessing of recurrences.

Two kinds of recurrence are found from terms alone.

*Linear recurrences with constant coefficients* (linear feedback shift registers),
by the Berlekamp–Massey algorithm, over $\mathrm{GF}(p)$ (fast, the ESMA filter) or
exactly over $\mathbb{Q}$. The answer is a connection polynomial
$C(x) = 1 + c_1 x + \dots + c_L x^L$ and a length $L$ such that

$$u(n) = -\sum_{j=1}^{L} c_j\, u(n-j) \qquad (n \ge L).$$

Its coefficients are listed **lowest power first**, ``(1, c_1, …, c_L)``: the usual
register convention, and the ``recurrence`` field of ESMA results. ($L$ may exceed
$\deg C$ when the first terms are irregular; the partial quotients of $e$ are such a
sequence.)

*P-recursive recurrences* $\sum_{j=0}^{r} P_j(n)\, u(n-j) = 0$ with polynomial
coefficients, by exact linear algebra (a nullspace over $\mathbb{Z}$ with
python-flint), checked on terms that the guess did not use. Their polynomials follow
the code base's convention: integer coefficients, highest degree first.

>>> fib = [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
>>> berlekamp_massey(fib)
LinearRecurrence(coefficients=(1, -1, -1), length=2)
>>> berlekamp_massey(fib).extend(fib[:2], 12)
[0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import flint

from ..pcf.polynomial import evaluate, normalize, primitive

DEFAULT_PRIME = 199  # the prime of the ESMA reference implementation (arXiv 2212.09470)
CHECK_TERMS = 5  # terms beyond those used by a P-recursive guess that it must also predict

Number = int | Fraction


# --- linear recurrences with constant coefficients -------------------------------------


@dataclass(frozen=True, slots=True)
class LinearRecurrence:
    r"""$u(n) = -\sum_{j=1}^{L} c_j u(n-j)$ for $n \ge L$.

    ``coefficients`` is $(1, c_1, \dots, c_d)$ with $d = \deg C \le L$ (lowest power first);
    ``length`` is $L$, the number of initial terms the recurrence needs.
    """

    coefficients: tuple[Number, ...]
    length: int

    @property
    def order(self) -> int:
        """The number of initial terms, $L$."""
        return self.length

    def padded(self) -> tuple[Number, ...]:
        """The coefficients padded with zeros to $L + 1$ entries."""
        return tuple(self.coefficients) + (0,) * (self.length + 1 - len(self.coefficients))

    def extend(self, initial: Sequence[Number], count: int) -> list[Number]:
        """The first ``count`` terms, from the first $L$ terms ``initial``.

        >>> LinearRecurrence((1, 0, -2, 0, 1), 4).extend([1, 2, 3, 2], 10)
        [1, 2, 3, 2, 5, 2, 7, 2, 9, 2]
        """
        return extend_linear(self.coefficients, initial, count, length=self.length)

    def as_dict(self) -> dict:
        return {"coefficients": [_plain(c) for c in self.coefficients], "length": self.length}


def _plain(c: Number) -> int | str:
    """An int stays an int; a non-integral Fraction becomes its text (JSON-safe)."""
    if isinstance(c, Fraction):
        return int(c) if c.denominator == 1 else str(c)
    return int(c)


def extend_linear(
    coefficients: Sequence[Number], initial: Sequence[Number], count: int, length: int | None = None
) -> list[Number]:
    r"""Extend ``initial`` to ``count`` terms by $u(n) = -\sum_{j \ge 1} c_j u(n-j)$.

    ``coefficients`` starts with $c_0 = 1$. ``length`` ($L$, default $\deg C$) is how many
    initial terms are taken as given; ``initial`` must hold at least that many.

    >>> extend_linear([1, -1, -1], [1, 1], 8)
    [1, 1, 2, 3, 5, 8, 13, 21]
    """
    if not coefficients or coefficients[0] != 1:
        raise ValueError("a connection polynomial starts with the coefficient 1")
    length = len(coefficients) - 1 if length is None else length
    if length < len(coefficients) - 1:
        raise ValueError("the length L cannot be smaller than the degree of C")
    if len(initial) < length:
        raise ValueError(f"the recurrence needs {length} initial terms, got {len(initial)}")
    terms = list(initial[: max(length, 0)])
    c = list(coefficients)
    while len(terms) < count:
        n = len(terms)
        terms.append(-sum(c[j] * terms[n - j] for j in range(1, len(c)) if c[j]))
    return terms[:count]


def berlekamp_massey(sequence: Sequence[Number]) -> LinearRecurrence:
    r"""The shortest linear recurrence of ``sequence``, exactly over $\mathbb{Q}$.

    Coefficients are ints where they are integral, else ``Fraction``.

    >>> berlekamp_massey([1, 2, 4, 8, 16, 32])
    LinearRecurrence(coefficients=(1, -2), length=1)
    >>> berlekamp_massey([1, 1, 2, 2, 3, 3, 4])          # interleaved growth
    LinearRecurrence(coefficients=(1, -1, -1, 1), length=3)
    """
    s = [Fraction(x) for x in sequence]
    c: list[Fraction] = [Fraction(1)]
    b: list[Fraction] = [Fraction(1)]
    length, shift, last = 0, 1, Fraction(1)
    for n in range(len(s)):
        d = s[n] + sum(c[j] * s[n - j] for j in range(1, min(len(c), length + 1)))
        if d == 0:
            shift += 1
            continue
        factor = d / last
        update = [Fraction(0)] * shift + [factor * x for x in b]
        new = [x for x in c] + [Fraction(0)] * max(0, len(update) - len(c))
        for j, x in enumerate(update):
            new[j] -= x
        if 2 * length <= n:
            b, last, length, shift = c, d, n + 1 - length, 1
        else:
            shift += 1
        c = new
    return LinearRecurrence(_trim(tuple(_int_if_integral(x) for x in c[: length + 1])), length)


def _int_if_integral(x: Fraction) -> Number:
    return int(x) if x.denominator == 1 else x


def _trim(coefficients: tuple[Number, ...]) -> tuple[Number, ...]:
    """Drop trailing zero coefficients (keep $c_0 = 1$)."""
    end = len(coefficients)
    while end > 1 and coefficients[end - 1] == 0:
        end -= 1
    return coefficients[:end]


def symmetric_lift(x: int, p: int) -> int:
    r"""The representative of $x \bmod p$ in $[-\lfloor p/2 \rfloor, p - 1 - \lfloor p/2 \rfloor]$.

    >>> [symmetric_lift(x, 199) for x in (0, 1, 99, 100, 198)]
    [0, 1, 99, -99, -1]
    """
    return (x + p // 2) % p - p // 2


def berlekamp_massey_mod(
    sequence: Sequence[int], p: int = DEFAULT_PRIME, max_length: int | None = None
) -> LinearRecurrence | None:
    r"""The shortest linear recurrence of ``sequence`` over $\mathrm{GF}(p)$.

    The connection polynomial is normalised ($c_0 = 1$) and its coefficients lifted to
    the symmetric range, so small integer recurrences come back as they are over
    $\mathbb{Z}$. With ``max_length``, gives up (``None``) as soon as $L$ exceeds it: $L$
    never decreases, and most sequences are rejected after about $2\,$``max_length`` terms.
    Plain integer lists: for the short registers ESMA looks for, faster than numpy.

    >>> berlekamp_massey_mod([1, 2, 3, 2, 5, 2, 7, 2, 9, 2, 11, 2])
    LinearRecurrence(coefficients=(1, 0, -2, 0, 1), length=4)
    """
    if p < 2:
        raise ValueError(f"the modulus must be a prime >= 2, got {p}")
    s = [int(x) % p for x in sequence]
    c: list[int] = [1]  # current connection polynomial, lowest power first
    b: list[int] = [1]  # the polynomial before the last length change
    length, shift, last = 0, 1, 1
    for n in range(len(s)):
        d = s[n]
        for j in range(1, min(len(c), length + 1)):  # deg C <= L <= n
            d += c[j] * s[n - j]
        d %= p
        if d == 0:
            shift += 1
            continue
        factor = d * pow(last, p - 2, p) % p
        new = c + [0] * (len(b) + shift - len(c))
        for j, bj in enumerate(b):
            if bj:
                new[j + shift] = (new[j + shift] - factor * bj) % p
        if 2 * length <= n:
            b, last, length, shift = c, d, n + 1 - length, 1
            if max_length is not None and length > max_length:
                return None
        else:
            shift += 1
        c = new
    coefficients = tuple(symmetric_lift(x, p) for x in c[: length + 1])
    return LinearRecurrence(_trim(coefficients), length)


# --- interleaved polynomials ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interleaved:
    r"""$u(\mathrm{start} + k m + r) = P_r(m)$ for $r = 0, \dots, k-1$ and $m \ge 0$: the
    closed form of a sequence whose channels modulo $k$ are polynomials (what the
    partial quotients of ESMA results usually are). ``polynomials[r]`` has rational
    coefficients, highest degree first."""

    period: int
    polynomials: tuple[tuple[Fraction, ...], ...]
    start: int = 0

    def term(self, n: int) -> Fraction:
        m, r = divmod(n - self.start, self.period)
        return Fraction(evaluate(self.polynomials[r], m))

    def __str__(self) -> str:
        from ..printing import format_polynomial

        parts = []
        for r, poly in enumerate(self.polynomials):
            index = _index_text(self.period, r + self.start)
            denominator = 1
            for c in poly:
                denominator = denominator * c.denominator // _gcd(denominator, c.denominator)
            text = format_polynomial(tuple(int(c * denominator) for c in poly), variable="m")
            if denominator != 1:
                text = f"({text})/{denominator}"
            parts.append(f"a({index}) = {text}")
        return "; ".join(parts)


def _index_text(period: int, offset: int) -> str:
    if period == 1:
        return "m" if offset == 0 else f"m+{offset}"
    return f"{period}m" if offset == 0 else f"{period}m+{offset}"


def _interpolate(values: Sequence[int], degree: int) -> tuple[Fraction, ...]:
    r"""The polynomial of ``degree`` through $(m, values[m])$ for $m \le$ degree (exact)."""
    coefficients = [Fraction(0)] * (degree + 1)  # highest degree first
    for i in range(degree + 1):
        basis = [Fraction(1)]  # prod_{j != i} (m - j) / (i - j), highest first
        scale = Fraction(1)
        for j in range(degree + 1):
            if j != i:
                basis = [a - j * b for a, b in zip(basis + [Fraction(0)], [Fraction(0)] + basis)]
                scale *= i - j
        for k, b in enumerate(basis):
            coefficients[k] += values[i] * b / scale
    return tuple(coefficients)


def interleaved_polynomials(terms: Sequence[int], max_period: int = 12, max_degree: int = 4,
                            start: int = 0, check: int = 3) -> Interleaved | None:
    """The shortest period $k$, then smallest degree, whose channels are polynomials.

    Each channel needs ``check`` terms beyond those that fix its polynomial; all terms
    from ``start`` on must agree.

    >>> str(interleaved_polynomials([1, 2, 3, 2, 5, 2, 7, 2, 9, 2, 11, 2, 13, 2]))
    'a(2m) = 2m + 1; a(2m+1) = 2'
    """
    for period in range(1, max_period + 1):
        for degree in range(max_degree + 1):
            channels = [list(terms[start + r :: period]) for r in range(period)]
            if min(len(c) for c in channels) < degree + 1 + check:
                break
            polys = []
            for values in channels:
                poly = _interpolate(values, degree)
                if any(evaluate(poly, m) != v for m, v in enumerate(values)):
                    break
                polys.append(_strip_fraction(poly))
            else:
                return Interleaved(period, tuple(polys), start)
    return None


def _strip_fraction(poly: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    i = 0
    while i < len(poly) - 1 and poly[i] == 0:
        i += 1
    return poly[i:]


# --- P-recursive recurrences ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PRecurrence:
    r"""$\sum_{j=0}^{r} P_j(n)\, u(n-j) = 0$, valid for $n \ge$ ``start``.

    ``polynomials[j]`` is $P_j$ (integer coefficients, highest degree first); the
    whole relation is primitive and $P_0$ has a positive leading coefficient.
    """

    polynomials: tuple[tuple[int, ...], ...]
    start: int

    @property
    def order(self) -> int:
        return len(self.polynomials) - 1

    @property
    def degree(self) -> int:
        return max(len(normalize(p)) for p in self.polynomials) - 1

    def extend(self, initial: Sequence[Number], count: int) -> list[Number]:
        r"""The first ``count`` terms from ``initial`` (at least ``start`` terms, and at
        least the order). Terms are ints while the division by $P_0(n)$ is exact.

        >>> r = PRecurrence(((1, 0), (-4, 2)), start=1)     # n u(n) = (4n-2) u(n-1)
        >>> r.extend([1], 7)                                # central binomial numbers
        [1, 2, 6, 20, 70, 252, 924]
        """
        return extend_p_recursive(self, initial, count)

    def __str__(self) -> str:
        from ..printing import format_polynomial

        parts = []
        for j, poly in enumerate(self.polynomials):
            if any(poly):
                parts.append(f"({format_polynomial(poly)})*u(n{'-' + str(j) if j else ''})")
        return " + ".join(parts) + " = 0"

    def as_dict(self) -> dict:
        return {"polynomials": [list(p) for p in self.polynomials], "start": self.start,
                "order": self.order, "degree": self.degree}


def extend_p_recursive(recurrence: PRecurrence, initial: Sequence[Number], count: int) -> list[Number]:
    r"""Extend ``initial`` by $u(n) = -\sum_{j \ge 1} P_j(n) u(n-j) / P_0(n)$.

    Raises ``ZeroDivisionError`` where $P_0(n) = 0$ beyond the initial terms.
    """
    need = max(recurrence.start, recurrence.order)
    if len(initial) < need:
        raise ValueError(f"the recurrence needs {need} initial terms, got {len(initial)}")
    terms: list[Number] = list(initial)
    p0 = recurrence.polynomials[0]
    while len(terms) < count:
        n = len(terms)
        total = sum(evaluate(p, n) * terms[n - j] for j, p in enumerate(recurrence.polynomials) if j)
        lead = evaluate(p0, n)
        if lead == 0:
            raise ZeroDivisionError(f"P_0({n}) = 0: the recurrence does not determine u({n})")
        value = Fraction(-total, lead)
        terms.append(int(value) if value.denominator == 1 else value)
    return terms[:count]


def _nullspace(rows: list[list[int]]) -> list[list[int]]:
    """A basis of the integer nullspace of a matrix (python-flint, exact)."""
    matrix = flint.fmpz_mat(rows)
    basis, nullity = matrix.nullspace()
    columns = [[int(basis[i, k]) for i in range(basis.nrows())] for k in range(nullity)]
    return columns


def guess_p_recursive(
    terms: Sequence[int | Fraction],
    max_order: int = 4,
    max_degree: int = 6,
    check: int = CHECK_TERMS,
) -> PRecurrence | None:
    r"""Guess a P-recursive recurrence of ``terms`` (u(0), u(1), …), smallest order first,
    then smallest degree.

    For order $r$ and degree $d$ the $(r+1)(d+1)$ unknown coefficients of the $P_j$
    solve one linear equation per $n \ge r$; the equations from all but the last
    ``check`` terms must have a one-dimensional nullspace, and the recurrence it gives
    must also hold on the ``check`` terms it did not see. ``None`` when nothing fits.

    >>> from math import factorial
    >>> str(guess_p_recursive([factorial(n) for n in range(16)]))
    '(1)*u(n) + (-n)*u(n-1) = 0'
    """
    values = [Fraction(t) for t in terms]
    scale = 1
    for v in values:  # clear denominators so the matrix is over Z
        scale = scale * v.denominator // _gcd(scale, v.denominator)
    ints = [int(v * scale) for v in values]
    for order in range(1, max_order + 1):
        for degree in range(0, max_degree + 1):
            unknowns = (order + 1) * (degree + 1)
            usable = len(ints) - check - order  # equations for n = order .. len - check - 1
            if usable < unknowns + 2:  # demand at least two more equations than unknowns
                break
            rows = [_row(ints, n, order, degree) for n in range(order, len(ints) - check)]
            basis = _nullspace(rows)
            if len(basis) != 1:
                continue
            vector = primitive(basis[0], leading=range(degree + 1))  # P_0's leading coefficient positive
            if not all(sum(a * b for a, b in zip(_row(ints, n, order, degree), vector)) == 0
                       for n in range(len(ints) - check, len(ints))):
                continue
            polys = [tuple(vector[j * (degree + 1) : (j + 1) * (degree + 1)]) for j in range(order + 1)]
            if not any(polys[0]):
                continue  # P_0 = 0 is a recurrence of lower order in disguise
            return PRecurrence(tuple(normalize(p) for p in polys), start=order)
    return None


def _gcd(a: int, b: int) -> int:
    from math import gcd

    return gcd(a, b)


def _row(ints: Sequence[int], n: int, order: int, degree: int) -> list[int]:
    """The equation at $n$: coefficients of $P_j$'s monomials (highest degree first)."""
    row: list[int] = []
    for j in range(order + 1):
        u = ints[n - j]
        row.extend(u * n**k for k in range(degree, -1, -1))
    return row
