r"""Safe parsing and exact arithmetic of integer polynomials in $n$.

A polynomial is a tuple of integer coefficients, **highest degree first** (like
``numpy.polyval``): $34n^3+51n^2+27n+5$ is ``(34, 51, 27, 5)``. The zero polynomial is
``(0,)``. Text is parsed by a small operator-precedence parser, without recursion, over a
whitelist of tokens; nothing is ever passed to ``eval``. Printing is :mod:`brouncker.printing`'s
(``format_polynomial``).

>>> parse("(2n+1)(3n^2+3n+1)")
(6, 9, 5, 1)
>>> evaluate((34, 51, 27, 5), 2)
535
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol, TypeAlias, TypeVar, overload

import flint

from ..errors import ParseError
from ..limits import COEFFICIENT_DIGITS, POLYNOMIAL_DEGREE, TEXT_LENGTH, large_allowed

Coefficients: TypeAlias = tuple[int, ...]
"""Integer coefficients, highest degree first."""


def normalize(coefficients: Sequence[int]) -> Coefficients:
    """Strip leading zeros; the zero polynomial is ``(0,)``.

    >>> normalize([0, 0, 1, 2])
    (1, 2)
    """
    coeffs = [int(c) for c in coefficients]
    while len(coeffs) > 1 and coeffs[0] == 0:
        coeffs.pop(0)
    return tuple(coeffs) if coeffs else (0,)


def degree(coefficients: Coefficients) -> int:
    """Degree of the polynomial; the zero polynomial has degree $-1$ by convention here."""
    coeffs = normalize(coefficients)
    return -1 if coeffs == (0,) else len(coeffs) - 1


@overload
def evaluate(coefficients: Sequence[int], n: int) -> int: ...
@overload
def evaluate(coefficients: Sequence[Any], n: Any) -> Any: ...


def evaluate(coefficients: Sequence[Any], n: Any) -> Any:
    """$f(n)$ by Horner's rule: exactly for integers and Fractions, at the working precision
    for an mpf; the one evaluation of a coefficient tuple.

    >>> from fractions import Fraction
    >>> from mpmath import mpf
    >>> evaluate((2, 0, -1), 3), evaluate((Fraction(1, 2), 1), 3), evaluate((1, 1), mpf(1) / 4)
    (17, Fraction(5, 2), mpf('1.25'))
    """
    value = 0
    for c in coefficients:
        value = value * n + c
    return value


def add(f: Coefficients, g: Coefficients) -> Coefficients:
    """$f + g$."""
    width = max(len(f), len(g))
    f = (0,) * (width - len(f)) + tuple(f)
    g = (0,) * (width - len(g)) + tuple(g)
    return normalize([x + y for x, y in zip(f, g)])


def multiply(f: Coefficients, g: Coefficients) -> Coefficients:
    """$f \\cdot g$."""
    out = [0] * (len(f) + len(g) - 1)
    for i, x in enumerate(f):
        if x:
            for j, y in enumerate(g):
                out[i + j] += x * y
    return normalize(out)


def scale(f: Coefficients, c: int) -> Coefficients:
    """$c \\cdot f$."""
    return normalize([c * x for x in f])


def power(f: Coefficients, k: int) -> Coefficients:
    """$f^k$ for $k \\ge 0$, by repeated squaring."""
    out: Coefficients = (1,)
    while k:
        if k & 1:
            out = multiply(out, f)
        k >>= 1
        if k:
            f = multiply(f, f)
    return out


def compose(f: Coefficients, g: Coefficients) -> Coefficients:
    """$f(g(n))$, exactly (Horner in polynomial arithmetic).

    >>> compose((1, 0, 0), (2, 1))
    (4, 4, 1)
    """
    out: Coefficients = (0,)
    for c in f:
        out = add(multiply(out, g), (c,))
    return out


def shift(f: Coefficients, s: int) -> Coefficients:
    """$f(n + s)$, exactly.

    >>> shift((1, 0, 0), -1)
    (1, -2, 1)
    """
    return compose(f, (1, s))


def keeps_sign_beyond(f: Coefficients, start: int) -> bool:
    r"""Whether $f$ is nowhere 0 on $(start, \infty)$, by a sufficient test: every
    coefficient of $f(x + start)$ has the sign of the leading one, or is 0.

    >>> keeps_sign_beyond((1, -10), 20), keeps_sign_beyond((1, -10), 5), keeps_sign_beyond((0,), 5)
    (True, False, False)
    """
    shifted = shift(normalize(f), start)
    lead = shifted[0]
    return lead != 0 and all(c == 0 or (c > 0) == (lead > 0) for c in shifted)


def content(f: Coefficients) -> int:
    """The gcd of the coefficients (0 for the zero polynomial)."""
    return math.gcd(*f)


def primitive(values: Sequence[int], leading: Sequence[int] | None = None) -> Coefficients:
    """The primitive part: ``values`` divided by the gcd of all of them, signed so that the
    first non-zero entry is positive; ``leading`` names the positions to look at for it, in
    order (default: all of them, left to right). The one "divide by the gcd and fix the
    sign" of polynomials, relations, Möbius maps and lattice directions.

    >>> primitive((-4, 0, 0, 2)), primitive((2, -4, 0, 6), leading=(3, 0)), primitive((0, 0))
    ((2, 0, 0, -1), (1, -2, 0, 3), (0, 0))
    """
    r = [int(c) for c in values]
    g = math.gcd(*r)
    if g == 0:
        return tuple(r)
    r = [c // g for c in r]
    order = range(len(r)) if leading is None else leading
    first = next((r[i] for i in order if r[i]), next((c for c in r if c), 1))
    return tuple(-c for c in r) if first < 0 else tuple(r)


# --- the bridge to python-flint ------------------------------------------------------


def to_flint(coefficients: Sequence[int]) -> flint.fmpz_poly:
    """The polynomial as ``flint.fmpz_poly`` (which stores the lowest degree first).

    >>> to_flint((2, 0, -1))
    2*x^2 + (-1)
    """
    return flint.fmpz_poly(list(reversed(coefficients)))


def from_flint(poly: flint.fmpz_poly) -> Coefficients:
    """The coefficients of a ``flint.fmpz_poly`` (or an integral ``fmpq_poly``), highest degree
    first; the zero polynomial is ``(0,)``.

    >>> from_flint(flint.fmpz_poly([-1, 0, 2])), from_flint(flint.fmpz_poly([]))
    ((2, 0, -1), (0,))
    """
    coeffs = [int(c) for c in reversed(poly.coeffs())]
    return normalize(coeffs) if coeffs else (0,)


def shift_flint(poly: flint.fmpz_poly, s: int) -> flint.fmpz_poly:
    """$f(n + s)$ of a ``flint.fmpz_poly``.

    >>> shift_flint(to_flint((1, 0, 0)), -1)
    x^2 + (-2)*x + 1
    """
    return poly(flint.fmpz_poly([s, 1])) if poly.degree() > 0 else poly


ROOT_SCAN = 64  # up to this many candidates n are tried one by one; beyond, flint finds the integer roots


def root_bound(f: Coefficients) -> int:
    r"""An upper bound on the integer roots $n \ge 1$ of a non-zero $f$ (0 when it has none).

    With $f = n^m g$, $g(0) \ne 0$: a root divides $g(0)$, and
    $|c_0| n^d \le \sum_{i \ge 1} |c_i| n^{d-i} \le n^{d-1} \sum_{i \ge 1} |c_i|$
    gives $n \le \sum_{i \ge 1} |c_i| / |c_0|$ ($c_0$ the leading coefficient). Both
    bounds are taken after dividing by the content.

    >>> root_bound((1, -7, 12)), root_bound((5, 3, -2)), root_bound((-65536, 0, 0, 0, 0, 0, 0))
    (12, 1, 0)
    """
    nonzero = [c for c in normalize(f) if c]
    if not nonzero:
        raise ValueError("the zero polynomial vanishes at every n")
    g = content(tuple(nonzero))
    lead, rest = abs(nonzero[0]) // g, sum(abs(c) for c in nonzero[1:]) // g
    return min(abs(nonzero[-1]) // g, rest // lead)


def first_root(f: Sequence[int], limit: int) -> int | None:
    r"""The least $n$ with $1 \le n \le limit$ and $f(n) = 0$, exactly (``None`` if there is
    none); the zero polynomial vanishes at $n = 1$.

    Only $n \le$ :func:`root_bound` can be roots: a few are tried by exact evaluation,
    more go to flint's integer roots, so huge coefficients cost no integer factoring.

    >>> first_root((1, -7, 12), 10), first_root((1, -7, 12), 2), first_root((1024,) + (0,) * 12, 10**6)
    (3, None, None)
    >>> first_root((1, -(10**12 + 2), 2 * 10**12), 10)          # (n - 2)(n - 10^12)
    2
    """
    f = normalize(f)
    if limit < 1:
        return None
    if f == (0,):
        return 1
    top = min(limit, root_bound(f))
    if top < 1:
        return None
    if top <= ROOT_SCAN:
        low = [c for c in f if c][-1]
        return next((n for n in range(1, top + 1) if low % n == 0 and evaluate(f, n) == 0), None)
    roots = [int(r) for r, _ in flint.fmpz_poly(list(reversed(f))).roots()]
    return min((r for r in roots if 1 <= r <= top), default=None)


# --- parsing -------------------------------------------------------------------------

P = TypeVar("P")


class _Ring(Protocol[P]):
    """The arithmetic the parser needs: polynomials in $n$ alone, or in several variables."""

    def constant(self, c: int) -> P: ...
    def add(self, f: P, g: P) -> P: ...
    def scale(self, f: P, c: int) -> P: ...
    def multiply(self, f: P, g: P) -> P: ...
    def degree(self, f: P) -> int: ...  # total degree; -1 for zero
    def is_zero(self, f: P) -> bool: ...
    def constant_value(self, f: P) -> int | None: ...  # the integer of a constant, else None
    def coefficients(self, f: P) -> Iterable[int]: ...


class _Univariate:
    """Integer polynomials in $n$ as :data:`Coefficients` tuples."""

    @staticmethod
    def constant(c: int) -> Coefficients:
        return (c,)

    add = staticmethod(add)
    scale = staticmethod(scale)
    multiply = staticmethod(multiply)

    @staticmethod
    def degree(f: Coefficients) -> int:
        return len(f) - 1 if f != (0,) else -1

    @staticmethod
    def is_zero(f: Coefficients) -> bool:
        return f == (0,)

    @staticmethod
    def constant_value(f: Coefficients) -> int | None:
        return f[0] if len(f) == 1 else None

    @staticmethod
    def coefficients(f: Coefficients) -> Iterable[int]:
        return f


class _Multivariate:
    """Integer polynomials in several variables, as python-flint's ``fmpz_mpoly``."""

    def __init__(self, variables: tuple[str, ...]) -> None:
        self.context = flint.fmpz_mpoly_ctx.get(variables, "lex")

    def constant(self, c: int) -> flint.fmpz_mpoly:
        return self.context.constant(c)

    @staticmethod
    def add(f: flint.fmpz_mpoly, g: flint.fmpz_mpoly) -> flint.fmpz_mpoly:
        return f + g

    @staticmethod
    def scale(f: flint.fmpz_mpoly, c: int) -> flint.fmpz_mpoly:
        return f * c

    @staticmethod
    def multiply(f: flint.fmpz_mpoly, g: flint.fmpz_mpoly) -> flint.fmpz_mpoly:
        return f * g

    @staticmethod
    def degree(f: flint.fmpz_mpoly) -> int:
        return int(f.total_degree()) if f != 0 else -1

    @staticmethod
    def is_zero(f: flint.fmpz_mpoly) -> bool:
        return bool(f == 0)

    @staticmethod
    def constant_value(f: flint.fmpz_mpoly) -> int | None:
        if f == 0:
            return 0
        return int(f.coeffs()[0]) if f.is_constant() else None

    @staticmethod
    def coefficients(f: flint.fmpz_mpoly) -> Iterable[int]:
        return (int(c) for c in f.coeffs())


UNIVARIATE: _Ring[Coefficients] = _Univariate()

SYMBOLS: Mapping[str, Coefficients] = {"n": (1, 0)}
"""The names a polynomial may use, and what each stands for: here only the variable $n$."""

_TOKEN = re.compile(r"[ \t\r\n]*(?:([0-9]+)|([A-Za-z_][A-Za-z_0-9]*)|(\*\*|[-+*^()])|(.))", re.ASCII | re.DOTALL)
_SHOWN = 60  # characters of the text quoted in a message


def _quoted(text: str) -> str:
    return "'" + (text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…") + "'"


@lru_cache(maxsize=8)
def _power_of_ten(k: int) -> int:
    return 10**k


class _Parser:
    r"""Operator precedence over the tokens, without recursion (nesting costs no stack):

    sum := ['+'|'-'] term (('+'|'-') term)*;  term := factor (['*'] factor)*;
    factor := atom [('^'|'**') integer];  atom := integer | symbol | '(' sum ')'.

    One open parenthesis is one :class:`_Sum` on a stack. Sizes are checked before each
    product or power is formed: the degree against :data:`POLYNOMIAL_DEGREE`, every
    integer against :data:`COEFFICIENT_DIGITS`.
    """

    def __init__(self, text: str, symbols: Mapping[str, Any], ring: _Ring[Any] | None = None) -> None:
        self.text = text
        self.symbols = symbols
        self.ring: _Ring[Any] = ring or UNIVARIATE
        self.digits, self.degree = COEFFICIENT_DIGITS.bound, POLYNOMIAL_DEGREE.bound  # the bounds in force
        self.tokens: list[tuple[str, str, int]] = []
        stripped = text.rstrip()
        pos = 0
        while pos < len(stripped):
            m = _TOKEN.match(stripped, pos)
            assert m is not None  # the last alternative matches any character
            number, name, op, bad = m.groups()
            if bad is not None:
                raise self._bad_character(bad, m.start(4))
            if number is not None:
                if len(number) > self.digits:
                    COEFFICIENT_DIGITS.check(len(number.lstrip("0")), f"the number of digits of an integer in {_quoted(text)}")
                if self.tokens and self.tokens[-1][0] == "int":
                    raise self.error(f"two numbers in a row at position {m.start(1) + 1}; write '*' between them")
                self.tokens.append(("int", number, m.start(1)))
            elif name is not None:
                if name not in symbols:
                    known = ", ".join(symbols)
                    raise self.error(f"unknown symbol '{name}' at position {m.start(2) + 1} (a polynomial may use {known})")
                self.tokens.append(("symbol", name, m.start(2)))
            else:
                self.tokens.append(("op", "^" if op == "**" else op, m.start(3)))
            pos = m.end()
        self.i = 0

    def _bad_character(self, char: str, at: int) -> ParseError:
        if char == "/":
            return self.error("division is not allowed in a polynomial")
        if not char.isascii():
            return self.error(f"non-ASCII character {char!r} (U+{ord(char):04X}) at position {at + 1} "
                              "(use ASCII: 0-9, n, + - * ^ and parentheses)")
        return self.error(f"unexpected {char!r} at position {at + 1} (use integers, n, + - * ^ and parentheses)")

    def error(self, message: str) -> ParseError:
        return ParseError(f"cannot parse {_quoted(self.text)}: {message}")

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            last = self.tokens[-1][1] if self.tokens else ""
            raise self.error(f"expression ends after '{last}'" if last else "empty expression")
        self.i += 1
        return tok

    def parse(self) -> Any:
        if not self.tokens:
            raise self.error("empty expression")
        ring = self.ring
        stack = [_Sum(ring)]
        self.sign(stack[-1])
        while True:
            tok = self.take()
            if tok[1] == "(":  # a new sum, whose value becomes the next atom
                stack.append(_Sum(ring))
                self.sign(stack[-1])
                continue
            if tok[0] == "int":
                value = ring.constant(int(tok[1]))
            elif tok[0] == "symbol":
                value = self.symbols[tok[1]]
            else:
                raise self.error(f"unexpected '{tok[1]}' at position {tok[2] + 1}")
            # the atom is complete: apply its exponent; then ')' may close sums, each an atom itself
            while True:
                value = self.exponent(value)
                top = stack[-1]
                top.product = self.multiply(top.product, value)
                nxt = self.peek()
                if nxt is not None and (nxt[1] == "*" or nxt[0] != "op" or nxt[1] == "("):
                    if nxt[1] == "*":
                        self.take()
                    break  # the term goes on with another factor
                top.close_term()
                if nxt is not None and nxt[1] in "+-":
                    self.take()
                    top.sign = -1 if nxt[1] == "-" else 1
                    break  # a new term
                if nxt is None:
                    if len(stack) > 1:
                        raise self.error("expression ends before its ')'")
                    return top.total
                if nxt[1] == ")":
                    if len(stack) == 1:
                        raise self.error(f"unexpected ')' at position {nxt[2] + 1}")
                    self.take()
                    value = stack.pop().total
                    continue
                raise self.error(f"unexpected '{nxt[1]}' at position {nxt[2] + 1}")

    def sign(self, target: _Sum) -> None:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in "+-":
            self.take()
            target.sign = -1 if tok[1] == "-" else 1

    def exponent(self, base: Any) -> Any:
        tok = self.peek()
        if tok is None or tok[1] != "^":
            return base
        self.take()
        exp_tok = self.take()
        if exp_tok[1] == "-":
            raise self.error("negative exponents are not allowed in a polynomial")
        if exp_tok[0] != "int":
            raise self.error(f"an exponent must be a plain non-negative integer, not '{exp_tok[1]}'")
        after = self.peek()
        if after is not None and after[1] == "^":
            raise self.error(f"a power of a power is ambiguous (position {after[2] + 1}): use parentheses, as in (n^2)^3")
        return self.power(base, int(exp_tok[1]))

    def multiply(self, f: Any, g: Any) -> Any:
        ring = self.ring
        total = ring.degree(f) + ring.degree(g)
        if total > self.degree and not ring.is_zero(f) and not ring.is_zero(g):
            POLYNOMIAL_DEGREE.check(total, f"the degree of {_quoted(self.text)}")
        return self.checked(ring.multiply(f, g))

    def power(self, f: Any, k: int) -> Any:
        ring = self.ring
        c = ring.constant_value(f)
        if c is not None:  # a constant c^k: only its digits can grow
            if abs(c) > 1:
                digits = k * math.log10(abs(c))
                if digits >= self.digits:
                    COEFFICIENT_DIGITS.check(math.floor(digits) + 1, f"the number of digits of a coefficient of {_quoted(self.text)}")
                return ring.constant(c**k)
            return ring.constant(1 if k == 0 else (c if k % 2 else abs(c)))
        if ring.degree(f) * k > self.degree:
            POLYNOMIAL_DEGREE.check(ring.degree(f) * k, f"the degree of {_quoted(self.text)}")
        out = ring.constant(1)
        square = f
        while k:  # square and multiply: about log2(k) products
            if k & 1:
                out = self.checked(ring.multiply(out, square))
            k >>= 1
            if k:
                square = self.checked(ring.multiply(square, square))
        return out

    def checked(self, f: Any) -> Any:
        bound = _power_of_ten(self.digits)
        for c in self.ring.coefficients(f):
            if not -bound < c < bound:
                digits = math.floor((abs(c).bit_length() - 1) * math.log10(2)) + 1
                COEFFICIENT_DIGITS.check(digits, f"the number of digits of a coefficient of {_quoted(self.text)}")
        return f


class _Sum:
    """An open sum: the terms so far, the sign of the term being read, and its product."""

    __slots__ = ("ring", "total", "sign", "product")

    def __init__(self, ring: _Ring[Any]) -> None:
        self.ring = ring
        self.total = ring.constant(0)
        self.sign = 1
        self.product = ring.constant(1)

    def close_term(self) -> None:
        ring = self.ring
        self.total = ring.add(self.total, ring.scale(self.product, self.sign))
        self.sign, self.product = 1, ring.constant(1)


def parse(text: str | Sequence[int], symbols: Mapping[str, Coefficients] = SYMBOLS) -> Coefficients:
    """Parse a polynomial in $n$ with integer coefficients.

    Accepts ``^`` and ``**``, implicit multiplication (``2n``, ``(n+1)(n+2)``) and
    unary signs, ASCII only. ``symbols`` names what the text may use (default:
    :data:`SYMBOLS`, the variable ``n``). Sizes are limited (:mod:`brouncker.limits`:
    the text's length, the degree, the digits of every integer) and checked before the
    work that would exceed them. A sequence of integers is taken as coefficients,
    highest degree first.

    >>> parse("n*(2*n-1)")
    (2, -1, 0)
    >>> parse("-n^6")
    (-1, 0, 0, 0, 0, 0, 0)
    >>> parse("2n+")
    Traceback (most recent call last):
    ...
    brouncker.errors.ParseError: cannot parse '2n+': expression ends after '+'
    >>> parse("n^64^64")
    Traceback (most recent call last):
    ...
    brouncker.errors.ParseError: cannot parse 'n^64^64': a power of a power is ambiguous (position 5): use parentheses, as in (n^2)^3
    """
    if not isinstance(text, str):
        try:
            return normalize([int(c) for c in text])
        except (TypeError, ValueError) as exc:
            raise ParseError(f"cannot use {text!r} as polynomial coefficients: {exc}") from None
    if not text.strip():
        raise ParseError("cannot parse '': empty polynomial")
    TEXT_LENGTH.check(len(text), "the polynomial's length in characters")
    if symbols is SYMBOLS:
        return _parse_in_n(text, large_allowed())
    return _Parser(text, symbols).parse()


@lru_cache(maxsize=4096)
def _parse_in_n(text: str, large: bool) -> Coefficients:
    """:func:`parse` of a polynomial in n, kept per text (and per the limits in force)."""
    return _Parser(text, SYMBOLS).parse()


def parse_in(text: str, variables: Sequence[str]) -> flint.fmpz_mpoly:
    """Parse an integer polynomial in several ``variables`` (a template such as
    ``(2n+1)*(x*n^2 + x*n + y)``), as an ``fmpz_mpoly`` over them in that order; the same
    parser, tokens and limits as :func:`parse`, the degree limit on the total degree.

    >>> p = parse_in("(2n+1)(x n^2 + x n + y)", ("n", "x", "y"))
    >>> sorted(p.to_dict().items())[-2:]
    [((2, 1, 0), 3), ((3, 1, 0), 2)]
    """
    if not text.strip():
        raise ParseError("cannot parse '': empty polynomial")
    TEXT_LENGTH.check(len(text), "the polynomial's length in characters")
    return _parse_in(text, tuple(variables), large_allowed())


@lru_cache(maxsize=256)
def _parse_in(text: str, variables: tuple[str, ...], large: bool) -> flint.fmpz_mpoly:
    ring = _Multivariate(variables)
    symbols = dict(zip(variables, ring.context.gens()))
    return _Parser(text, symbols, ring).parse()
