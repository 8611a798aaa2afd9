r"""Certificates of equivalence: an exact polynomial identity that anyone can re-check.

With $M(n) = \begin{pmatrix} 0 & b(n) \\ 1 & a(n) \end{pmatrix}$ for the folds $F_1$ of
``from`` and $F_2$ of ``to`` (:mod:`brouncker.pcf.fold`), a certificate holds a matrix
$U(n)$ of polynomials (or rational functions) and a rational function $c(n)$ with

$$M_1(n)\, U(n+1) = c(n)\, U(n)\, M_2(n).$$

The products telescope: $M_1(s) \cdots M_1(N)\, U(N+1) = \prod c \cdot U(s)\, M_2(s) \cdots M_2(N)$,
so with $W_i(j) = \begin{pmatrix} 1 & a_i(0) \\ 0 & 1 \end{pmatrix} M_i(1) \cdots M_i(j)$ the
walks satisfy $W_1(N)\, U(N+1) \propto T\, W_2(N)$ with the constant matrix
$T = W_1(s-1)\, U(s)\, W_2(s-1)^{-1}$: value$(F_1) = T($value$(F_2))$, $s$ the first index from
which $U$ is finite and invertible. ``mobius`` is that map carried through the folds' maps,
value(from) $=$ ``mobius``(value(to)). :meth:`Certificate.failure` re-checks all of it
exactly: the folds recomputed, the identity in polynomial arithmetic (python-flint), and the
map from $U(s)$. The derivation is in ``docs/equivalence.md``.

>>> from brouncker.pcf.fold import fold
>>> f = PCF.parse("2n+1", "n^2")
>>> cert = Certificate(f, f, fold(f, 1), fold(f, 1), (("1", "0"), ("0", "1")), "1", Mobius.identity())
>>> cert.check(), cert.as_dict()["c"]
(True, '1')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import flint

from ..errors import BrounckerError, CertificateError, FoldError
from ..pcf.canonical import natural_roots
from ..pcf.fold import Fold, fold
from ..pcf.fraction import PCF
from ..pcf.mobius import Mobius
from ..pcf.polynomial import Coefficients, normalize, parse
from ..printing import format_polynomial

Poly = flint.fmpz_poly
PolyMatrix = list[list[flint.fmpz_poly]]
Rational = tuple[flint.fmpz_poly, flint.fmpz_poly]  # numerator, denominator (positive leading coefficient)


# --- polynomials and rational functions as text -----------------------------------------------


def to_flint(coefficients: Coefficients) -> Poly:
    """Coefficients, highest degree first, as an ``fmpz_poly``."""
    return flint.fmpz_poly(list(reversed(coefficients)))


def from_flint(poly: Poly) -> Coefficients:
    """An ``fmpz_poly`` as coefficients, highest degree first."""
    coeffs = [int(c) for c in reversed(poly.coeffs())]
    return normalize(coeffs) if coeffs else (0,)


def polynomial_text(poly: Poly) -> str:
    """Brouncker's text syntax, e.g. ``2n^2 - 1``."""
    return format_polynomial(from_flint(poly))


def rational_text(num: Poly, den: Poly) -> str:
    """``p`` when the denominator is 1, else ``p/q`` with parentheses where a term needs them.

    >>> rational_text(flint.fmpz_poly([1, 2]), flint.fmpz_poly([3, 1])), rational_text(flint.fmpz_poly([0, 1]), flint.fmpz_poly([2]))
    ('(2n + 1)/(n + 3)', 'n/2')
    """
    top = polynomial_text(num)
    if den == 1:
        return top
    bottom = polynomial_text(den)
    top = f"({top})" if " " in top else top
    bottom = bottom if bottom.isdigit() or bottom == "n" else f"({bottom})"
    return f"{top}/{bottom}"


def parse_rational(text: str) -> Rational:
    """A rational function from text ``p`` or ``p/q`` (each side in brouncker's polynomial
    syntax), in lowest terms with a positive leading coefficient below.

    >>> num, den = parse_rational("(2n^2 + 2n)/(4n + 4)")
    >>> rational_text(num, den)
    'n/2'
    """
    if not isinstance(text, str):
        raise CertificateError(f"a rational function must be text such as '(n + 1)/(2n + 1)', not {text!r}")
    parts = text.split("/")
    if len(parts) > 2:
        raise CertificateError(f"cannot read {text[:60]!r} as a rational function: more than one '/'")
    num = to_flint(parse(parts[0]))
    den = to_flint(parse(parts[1])) if len(parts) == 2 else flint.fmpz_poly([1])
    if den == 0:
        raise CertificateError(f"the rational function {text[:60]!r} has the denominator 0")
    return lowest_terms(num, den)


def lowest_terms(num: Poly, den: Poly) -> Rational:
    """``num/den`` divided by their gcd, the denominator's leading coefficient positive."""
    g = num.gcd(den)
    num, den = num // g, den // g
    if den.coeffs()[-1] < 0:
        num, den = -num, -den
    return num, den


def shifted(poly: Poly, s: int) -> Poly:
    """$f(n + s)$."""
    return poly(flint.fmpz_poly([s, 1])) if poly.degree() > 0 else poly


# --- matrices ----------------------------------------------------------------------------------


def step(pcf: PCF) -> PolyMatrix:
    r"""$M(n) = \begin{pmatrix} 0 & b(n) \\ 1 & a(n) \end{pmatrix}$ over ``fmpz_poly``."""
    return [[flint.fmpz_poly([]), to_flint(pcf.b)], [flint.fmpz_poly([1]), to_flint(pcf.a)]]


def multiply(x: Sequence[Sequence[Any]], y: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The product of two 2×2 matrices (of integers, fractions or polynomials)."""
    return [[x[i][0] * y[0][j] + x[i][1] * y[1][j] for j in range(2)] for i in range(2)]


def determinant(x: Sequence[Sequence[Any]]) -> Any:
    return x[0][0] * x[1][1] - x[0][1] * x[1][0]


def adjugate(x: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """$\\operatorname{adj} X$, with $X \\operatorname{adj} X = \\det X \\cdot I$."""
    return [[x[1][1], -x[0][1]], [-x[1][0], x[0][0]]]


def start_matrix(pcf: PCF, j: int) -> list[list[int]]:
    r"""$W(j) = \begin{pmatrix} 1 & a(0) \\ 0 & 1 \end{pmatrix} M(1) \cdots M(j)
    = \begin{pmatrix} p(j-1) & p(j) \\ q(j-1) & q(j) \end{pmatrix}$, exactly."""
    p0, p1, q0, q1 = 1, pcf.a_at(0), 0, 1
    for n in range(1, j + 1):
        a, b = pcf.a_at(n), pcf.b_at(n)
        p0, p1, q0, q1 = p1, a * p1 + b * p0, q1, a * q1 + b * q0
    return [[p0, p1], [q0, q1]]


def polynomial_form(entries: Sequence[Sequence[Rational]], c: Rational) -> tuple[PolyMatrix, Rational]:
    r"""$U = P / L$ with $L$ the lcm of the denominators, and the $c'$ of the same identity for
    the polynomial matrix $P$: $M_1 P(n+1) = c'(n) P(n) M_2$ with $c' = c\, L(n+1)/L(n)$."""
    lcm = flint.fmpz_poly([1])
    for row in entries:
        for _, den in row:
            lcm = lcm * den // lcm.gcd(den)
    p = [[num * (lcm // den) for num, den in row] for row in entries]
    return p, lowest_terms(c[0] * shifted(lcm, 1), c[1] * lcm)


def identity_holds(m1: PolyMatrix, m2: PolyMatrix, p: PolyMatrix, c: Rational) -> bool:
    r"""$\operatorname{den}(c)\, M_1(n) P(n+1) = \operatorname{num}(c)\, P(n) M_2(n)$, entry by entry."""
    left = multiply(m1, [[shifted(f, 1) for f in row] for row in p])
    right = multiply(p, m2)
    num, den = c
    return all(den * left[i][j] == num * right[i][j] for i in range(2) for j in range(2))


def start_index(p: PolyMatrix, c: Rational) -> int:
    r"""The first $s \ge 1$ from which $P(n)$ is invertible and $c(n)$ finite and non-zero."""
    roots = [r for f in (determinant(p), c[0], c[1]) if f != 0 for r in natural_roots(from_flint(f)) if r >= 1]
    return 1 + max(roots, default=0)


def start_map(f1: PCF, f2: PCF, p: PolyMatrix, s: int) -> Mobius | None:
    r"""$T = W_1(s-1)\, P(s)\, W_2(s-1)^{-1}$ as a Möbius map (value$(F_1) = T($value$(F_2))$);
    None when it is degenerate."""
    at = [[int(f(s)) if f != 0 else 0 for f in row] for row in p]
    t = multiply(multiply(start_matrix(f1, s - 1), at), adjugate(start_matrix(f2, s - 1)))
    if determinant(t) == 0:
        return None
    return Mobius.from_matrix(t[0][0], t[0][1], t[1][0], t[1][1])


# --- the certificate -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Certificate:
    r"""$M_1(n) U(n+1) = c(n) U(n) M_2(n)$ between ``fold_from.pcf`` and ``fold_to.pcf``,
    with value(from) $=$ ``mobius``(value(to)). ``U`` and ``c`` are text (polynomials in
    brouncker's syntax, or ``p/q``)."""

    from_pcf: PCF
    to_pcf: PCF
    fold_from: Fold
    fold_to: Fold
    U: tuple[tuple[str, str], tuple[str, str]]
    c: str
    mobius: Mobius

    def failure(self) -> str | None:
        """Why the certificate does not hold, or None when every part checks exactly: the
        folds (recomputed), the identity (polynomial arithmetic) and the map (from $U(s)$)."""
        for side, pcf, given in (("fold_from", self.from_pcf, self.fold_from), ("fold_to", self.to_pcf, self.fold_to)):
            try:
                made = fold(pcf, given.k, given.r)
            except FoldError as exc:
                return f"{side}: {exc}"
            if made.pcf != given.pcf or made.mobius != given.mobius:
                return f"{side} is not the {given.k}-fold of {pcf} with r = {given.r}"
        try:
            entries = [[parse_rational(text) for text in row] for row in self.U]
            c = parse_rational(self.c)
        except BrounckerError as exc:
            return f"U or c cannot be read: {exc}"
        p, c_poly = polynomial_form(entries, c)
        if c_poly[0] == 0 or determinant(p) == 0:
            return "c(n) or det U(n) is identically zero"
        if not identity_holds(step(self.fold_from.pcf), step(self.fold_to.pcf), p, c_poly):
            return "M1(n) U(n+1) = c(n) U(n) M2(n) does not hold"
        t = start_map(self.fold_from.pcf, self.fold_to.pcf, p, start_index(p, c_poly))
        if t is None:
            return "U at the start gives a degenerate map"
        implied = self.fold_from.mobius.compose(t).compose(self.fold_to.mobius.inverse())
        if implied != self.mobius:
            return f"U at the start maps value(to) to value(from) by {implied.text()}, not by {self.mobius.text()}"
        return None

    def check(self) -> bool:
        """Whether every part holds exactly (:meth:`failure` is None)."""
        return self.failure() is None

    def as_dict(self) -> dict[str, Any]:
        m = self.mobius
        return {
            "from": self.from_pcf.as_dict(),
            "to": self.to_pcf.as_dict(),
            "fold_from": self.fold_from.as_dict(),
            "fold_to": self.fold_to.as_dict(),
            "U": [list(row) for row in self.U],
            "c": self.c,
            "mobius": [m.c0, m.c1, m.c2, m.c3],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Certificate:
        """The certificate of :meth:`as_dict`'s JSON (read with brouncker's own parser; the
        caller re-checks it with :meth:`check`). :class:`CertificateError` when it is malformed."""
        try:
            u = data["U"]
            if len(u) != 2 or any(len(row) != 2 for row in u) or not all(isinstance(t, str) for row in u for t in row):
                raise CertificateError("U must be a 2×2 list of texts")
            for text in (*u[0], *u[1], _text(data["c"])):
                parse_rational(text)  # each reads as a rational function, with brouncker's parser
            return cls(_pcf(data["from"]), _pcf(data["to"]), _fold(data["fold_from"]), _fold(data["fold_to"]),
                       (tuple(u[0]), tuple(u[1])), _text(data["c"]), _mobius(data["mobius"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CertificateError(f"not a certificate: {type(exc).__name__} {exc}") from None
        except BrounckerError as exc:
            raise CertificateError(f"not a certificate: {exc}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise CertificateError(f"expected text, got {value!r:.60}")
    return value


def _pcf(data: Mapping[str, Any]) -> PCF:
    return PCF.parse(_text(data["a"]), _text(data["b"]))


def _mobius(values: Any) -> Mobius:
    if not isinstance(values, (list, tuple)) or len(values) != 4 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise CertificateError(f"a Möbius map is four integers [c0, c1, c2, c3], not {values!r:.60}")
    m = Mobius.of(*values)
    if m.determinant == 0:
        raise CertificateError(f"the Möbius map {list(values)} is degenerate")
    return m


def _fold(data: Mapping[str, Any]) -> Fold:
    k, r = data["k"], data["r"]
    if not (isinstance(k, int) and isinstance(r, int)):
        raise CertificateError(f"a fold's k and r are integers, not {k!r:.20} and {r!r:.20}")
    return Fold(k, r, _pcf(data), _mobius(data["mobius"]))
