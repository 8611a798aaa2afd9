r"""Folds of a PCF: every k-th convergent, as a PCF again (the one home of folds).

The $k$-fold with residue $r$ ($0 \le r < k$) walks the $k$-step matrices

$$N(n) = M(kn + r + 1)\, M(kn + r + 2) \cdots M(kn + r + k), \qquad
  M(n) = \begin{pmatrix} 0 & b(n) \\ 1 & a(n) \end{pmatrix},$$

from $W(r) = \begin{pmatrix} 1 & a(0) \\ 0 & 1 \end{pmatrix} M(1) \cdots M(r)$:
$W(r)\, N(0) \cdots N(n-1) = W(kn + r)$, whose last column is $(p(kn + r), q(kn + r))$.
$N(n)$ is a matrix of integer polynomials in $n$, that is a rank-2 trajectory matrix, and its
companion form (:func:`brouncker.cmf.companion.trajectory_pcf`, the one home of companion
forms) is a PCF: the fold's PCF. Its value $V$ gives the original's by the fold's Möbius map,
the projective action of $W(r)$ composed with the companion's map. The companion form follows
the first column of the walk, so the fold's $m$-th convergent is mapped exactly onto
$p(j)/q(j)$ with $j$ = :meth:`Fold.depth_of` $(m) = k(m + 2 + \text{offset}) + r - 1$.

$k = 2$ gives the even ($r = 0$) and odd ($r = 1$) parts that ``cmf explain`` compares with
the fields' trajectories; $k = 1$ is the PCF itself.

>>> f = fold(PCF.parse("2n+1", "n^2"), 2, 1)
>>> str(f.pcf), f.mobius.text("V")
('PCF(48n^3 + 252n^2 + 430n + 238, -64n^6 - 480n^5 - 1428n^4 - 2140n^3 - 1677n^2 - 630n - 81)', '(24V - 162)/(19V - 162)')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint

from ..cmf.companion import trajectory_pcf
from ..cmf.trajectory import TrajectoryMatrix
from ..errors import FieldError, FoldError
from ..limits import FOLD
from .canonical import natural_roots
from .fraction import PCF
from .mobius import Mobius
from .polynomial import Coefficients, normalize
from .walk import walk

PolyMatrix = list[list[flint.fmpz_poly]]


@dataclass(frozen=True, slots=True)
class Fold:
    r"""The $k$-fold of a PCF with residue $r$: its PCF, and the map with
    value(original) $=$ ``mobius``(value(``pcf``)). ``offset`` is the number of $k$-steps
    walked before the fold's PCF starts (0 unless the companion form had to pass zeros)."""

    k: int
    r: int
    pcf: PCF
    mobius: Mobius
    offset: int = field(default=0, compare=False)

    def depth_of(self, m: int) -> int:
        r"""The depth $j$ of the original's convergent $p(j)/q(j)$ that ``mobius`` maps the
        fold's $m$-th convergent onto (exactly)."""
        if self.k == 1:
            return m
        return self.k * (m + 2 + self.offset) + self.r - 1

    def as_dict(self) -> dict[str, Any]:
        m = self.mobius
        return {"k": self.k, "r": self.r, "a": self.pcf.a_text, "b": self.pcf.b_text, "mobius": [m.c0, m.c1, m.c2, m.c3]}


def check_finite_terms(pcf: PCF) -> None:
    """A one-line error when some $b(n) = 0$ with $n \\ge 1$: the fraction stops there, and its
    value is a rational that no fold or certificate says anything about."""
    roots = [n for n in natural_roots(pcf.b) if n >= 1]
    if pcf.b == (0,) or roots:
        at = 1 if pcf.b == (0,) else roots[0]
        raise FoldError(f"{pcf} is a finite fraction (b({at}) = 0): its value is rational, and it has no folds")


def step_matrix(pcf: PCF, k: int, r: int) -> PolyMatrix:
    r"""$N(n) = M(kn + r + 1) \cdots M(kn + r + k)$ as integer polynomials in $n$ (flint)."""
    a, b = _flint(pcf.a), _flint(pcf.b)
    out: PolyMatrix = [[flint.fmpz_poly([1]), flint.fmpz_poly([])], [flint.fmpz_poly([]), flint.fmpz_poly([1])]]
    for j in range(r + 1, r + k + 1):
        x = flint.fmpz_poly([j, k])  # k n + j
        bj, aj = b(x), a(x)
        out = [[out[i][1], out[i][0] * bj + out[i][1] * aj] for i in range(2)]  # out · [[0, b], [1, a]]
    return out


def fold(pcf: PCF, k: int, r: int = 0) -> Fold:
    r"""The $k$-fold of ``pcf`` with residue ``r`` (see the module docstring).

    ``k`` is limited by :data:`~brouncker.limits.FOLD`. Raises :class:`FoldError` for a
    finite fraction and for a $k$-step matrix whose walk collapses (no fold to speak of).

    >>> f = fold(PCF.parse("34n^3+51n^2+27n+5", "-n^6"), 1)
    >>> f.pcf == PCF.parse("34n^3+51n^2+27n+5", "-n^6"), f.mobius.text("V")
    (True, 'V')
    """
    FOLD.check(k, "the fold k")
    if not 0 <= r < k:
        raise FoldError(f"the residue r of a {k}-fold is one of 0, …, {k - 1}, not {r}")
    check_finite_terms(pcf)
    if k == 1:
        return Fold(1, 0, pcf, Mobius.identity())
    numerator = tuple(tuple(_coefficients(f) for f in row) for row in step_matrix(pcf, k, r))
    tm = TrajectoryMatrix(f"{k}-fold of {pcf}", ("n",), (k,), (Fraction(r),), numerator, ((1,), (1,)))
    try:
        tp = trajectory_pcf(tm)
    except (FieldError, ValueError) as exc:
        raise FoldError(f"the {k}-fold of {pcf} with r = {r} has no companion form: {exc}") from None
    if tp.mobius is None or tp.mobius.determinant == 0:
        raise FoldError(f"the walk of the {k}-fold of {pcf} with r = {r} collapses onto a rational")
    start = walk(pcf.a, pcf.b, r)  # W(r) = [[p(r-1), p(r)], [q(r-1), q(r)]]
    prefix = Mobius.from_matrix(int(start.p_prev), int(start.p), int(start.q_prev), int(start.q))
    return Fold(k, r, tp.pcf, prefix.compose(tp.mobius), tp.offset)


def folds(pcf: PCF, max_fold: int) -> list[Fold]:
    """Every fold of ``pcf`` with $k \\le$ ``max_fold`` (the PCF itself first), leaving out
    those that have none (:class:`FoldError`)."""
    FOLD.check(max_fold, "the largest fold k")
    out = []
    for k in range(1, max_fold + 1):
        for r in range(k):
            try:
                out.append(fold(pcf, k, r))
            except FoldError:
                continue
    return out


def _flint(coefficients: Coefficients) -> flint.fmpz_poly:
    return flint.fmpz_poly(list(reversed(coefficients)))


def _coefficients(poly: flint.fmpz_poly) -> Coefficients:
    coeffs = [int(c) for c in reversed(poly.coeffs())]
    return normalize(coeffs) if coeffs else (0,)
