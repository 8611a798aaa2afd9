r"""Hypergeometric closed forms of PCFs with $\deg a \le 1$ and $\deg b \le 2$: the
parameters of a ${}_2F_1$, ${}_1F_1$ or ${}_0F_1$ field are solved from the coefficients
(rational parameters only), the PCF is checked to be a trajectory of that field up to shift and
equivalence, and its value is written as a Möbius map of a ratio of hypergeometric values,
re-checked at twice the digits against the PCF's own limit.

**The trajectories.** Along the axis $x_0$ (the parameter $a$), the contiguous relation
$(c - a) F(a-1) + (2a - c + (b - a) z) F(a) + a (z - 1) F(a+1) = 0$ of
$F = {}_2F_1(a, b; c; z)$ is, after an equivalence transformation, the PCF

$$A(n) = (2 - z)(a + n - 1) + b z - c, \qquad B(n) = -(1 - z)(n + a - 2)(n + a - 1 - c);$$

for ${}_1F_1(a; c; z)$ along $a$, $A(n) = 2(a + n - 1) - c + z$,
$B(n) = -(n + a - 2)(n + a - 1 - c)$; and for ${}_1F_1(a; c; z)$ along $c$ (the axis $y_0$),
$A(n) = n + c + z - 2$, $B(n) = -z (n + c - 2 - a)$; for ${}_0F_1(; c; z)$ along its one axis $c$
(a Bessel ratio), $A(n) = n + c$, $B(n) = z$. (The fields' own trajectory PCFs are
these up to shift and equivalence; every solution is checked against the field itself.)

**Solving.** A target $A_t(n) = \alpha n + \beta$, $B_t(n) = \gamma (n - r_1)(n - r_2)$ equals
$\lambda A$, $\lambda^2 B$ for a constant $\lambda$. For ${}_2F_1$, $\kappa = \alpha^2/\gamma$
fixes $z$ by $(2 - z)^2 = -\kappa (1 - z)$, i.e. $z^2 - (4 + \kappa) z + (4 + \kappa) = 0$: its
two roots are a Pfaff pair $z, z/(z-1)$, rational exactly when $\alpha^2 + 4\gamma$ is a square.
Then $\lambda = \alpha / (2 - z)$, the roots of $B$ give $a = 2 - r_1$, $c = 1 + r_2 - r_1$
(or $r_1 \leftrightarrow r_2$), and $\beta$ gives $b$. $\alpha^2 + 4\gamma = 0$ is the confluent
case ${}_1F_1$ along $a$ ($\lambda = \alpha/2$, $z$ from $\beta$); $\gamma = 0$ is ${}_1F_1$ along
$c$ ($\lambda = \alpha$, $z = -\delta/\lambda^2$ for $B_t = \delta n + \varepsilon$); a constant
$B_t = \varepsilon$ is ${}_0F_1$ with $\lambda = \alpha$, $c = \beta/\alpha$, $z = \varepsilon/\alpha^2$.

**The value.** Along a convergent trajectory the walk's limit is $L = -\theta w(s)/w(s)$ for the
solution $w$ of the contiguous relations that is minimal along the trajectory (Pincherle), with
$\theta = z\,d/dz$. Which solution that is depends on $z$; the candidates tried are
$w_1 = F(a, b; c; z)$, $w_3 = F(a, b; a + b - c + 1; 1 - z)$ and
$w_{5,6} = z^{-a} F(a, a - c + 1; a - b + 1; 1/z)$ (and $a \leftrightarrow b$) for ${}_2F_1$,
$M(a; c; z)$ and Tricomi's $U(a, c, z)$ for ${}_1F_1$, ${}_0F_1(; c; z)$ for ${}_0F_1$. Each $\theta w / w$ is affine in a ratio
$H$ of two hypergeometric values (e.g. $\theta w_1/w_1 = z\frac{ab}{c}\,F(a+1, b+1; c+1; z)/F(a, b; c; z)$),
so the PCF's value is an exact Möbius map of $H$: the first candidate that agrees with the
PCF's limit to ``digits`` digits, and then to twice as many, is the closed form.

>>> form = closed_form(PCF.parse("n+5", "4n-5"), digits=20)
>>> form.field, form.z, form.start
('1F1', Fraction(-4, 1), (Fraction(41, 4), Fraction(11, 1)))
>>> form.expression
'(205*(hyp1f1(45/4, 12, -4)/hyp1f1(41/4, 11, -4)) - 539)/(41*(hyp1f1(45/4, 12, -4)/hyp1f1(41/4, 11, -4)) - 110)'
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
from mpmath import mp, mpf

from ..constants import parse_constant
from ..errors import BrounckerError, FieldError
from ..identification.identify import RECHECK_FACTOR
from ..pcf.canonical import shift_class, shift_relation
from ..pcf.fraction import PCF
from ..pcf.mobius import Mobius
from ..pcf.value import MAX_DEPTH, Limit, pcf_limit
from ..precision import LIMIT_GUARD_DIGITS
from .companion import TrajectoryPCF, trajectory_pcf
from .field import CMF
from .known import known_field
from .space import rational_text
from .trajectory import trajectory_matrix

MAX_START_SHIFT = 8  # later starts s + k t tried when a start's walk meets a pole of the field
DEFAULT_DIGITS = 30  # digits a closed form is selected with; re-checked at twice as many


@dataclass(frozen=True, slots=True)
class Solution:
    """Parameters of a hypergeometric field whose trajectory may be the PCF."""

    field: str  # "2F1" or "1F1"
    z: Fraction
    trajectory: tuple[int, ...]
    start: tuple[Fraction, ...]


@dataclass(frozen=True, slots=True)
class ClosedForm:
    r"""A PCF's value as a Möbius map of a ratio of hypergeometric values.

    The PCF is, up to shift and equivalence, the PCF of ``trajectory`` from ``start`` in the
    field ``field`` with parameter ``z`` (``pcf``, its :class:`TrajectoryPCF`).
    ``to_limit`` gives the PCF's value from the trajectory's limit $L$ (value $= m(L)$),
    ``expression`` is the value as a constant expression (:func:`brouncker.constants.parse_constant`
    reads it), checked against the PCF's limit to ``digits`` digits.
    """

    field: str
    z: Fraction
    trajectory: tuple[int, ...]
    start: tuple[Fraction, ...]
    pcf: TrajectoryPCF
    to_limit: Mobius
    solution: str  # which solution of the contiguous relations: w1, w3, w5, w6, M or U
    ratio: str  # the ratio H of hypergeometric values, as an expression
    mobius: Mobius  # value = mobius(H)
    expression: str
    digits: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "parameters": {"z": rational_text(self.z)},
            "trajectory": list(self.trajectory),
            "start": [rational_text(v) for v in self.start],
            "solution": self.solution,
            "ratio": self.ratio,
            "mobius": list(self.mobius.coefficients),
            "expression": self.expression,
            "digits": self.digits,
        }


# --- solving for the parameters -----------------------------------------------------------


def _square_root(q: Fraction) -> Fraction | None:
    """The rational square root of ``q``, if it has one."""
    if q < 0:
        return None
    n, d = math.isqrt(q.numerator), math.isqrt(q.denominator)
    return Fraction(n, d) if n * n == q.numerator and d * d == q.denominator else None


def _rational_roots(c2: Fraction, c1: Fraction, c0: Fraction) -> list[Fraction] | None:
    """Both roots of $c_2 x^2 + c_1 x + c_0$ ($c_2 \\ne 0$) when they are rational, else None."""
    root = _square_root(c1 * c1 - 4 * c2 * c0)
    if root is None:
        return None
    return [(-c1 + root) / (2 * c2), (-c1 - root) / (2 * c2)]


def solve(pcf: PCF) -> list[Solution]:
    r"""The rational parameters of ${}_2F_1$ and ${}_1F_1$ trajectories that may be ``pcf`` (up
    to shift and a constant equivalence), from its coefficients (see the module docstring).
    Empty when $\deg a > 1$, $\deg b > 2$, or the parameters would be irrational.

    >>> [(s.field, s.z, s.start) for s in solve(PCF.parse("2n+5", "2n-5"))]
    [('1F1', Fraction(-1, 2), (Fraction(11, 2), Fraction(5, 1)))]
    """
    a, b = pcf.a, pcf.b
    if len(a) > 2 or len(b) > 3 or b == (0,):
        return []
    alpha, beta = (Fraction(0), Fraction(a[0])) if len(a) == 1 else (Fraction(a[0]), Fraction(a[1]))
    gamma, delta, epsilon = (Fraction(c) for c in (0,) * (3 - len(b)) + tuple(b))
    out: list[Solution] = []
    if gamma == 0 and delta == 0:  # b constant: 0F1 along its one axis, A = n + c, B = z
        if alpha == 0:
            return []
        return [Solution("0F1", epsilon / alpha**2, (1,), (beta / alpha,))]
    if gamma == 0:
        if alpha == 0:
            return []
        lam = alpha
        z = -delta / lam**2
        c = beta / lam - z + 2
        out.append(Solution("1F1", z, (0, 1), (c - 2 - epsilon / delta, c)))
        return out
    roots = _rational_roots(gamma, delta, epsilon)
    if roots is None:
        return []
    pairs = [(roots[0], roots[1])] + ([(roots[1], roots[0])] if roots[0] != roots[1] else [])
    kappa = alpha * alpha / gamma
    if kappa == -4:  # a^2 + 4b grows more slowly than a^2: the confluent field along a
        lam = alpha / 2
        for r1, r2 in pairs:
            a0, c = 2 - r1, 1 + r2 - r1
            out.append(Solution("1F1", beta / lam - 2 * (a0 - 1) + c, (1, 0), (a0, c)))
        return out
    zs = _rational_roots(Fraction(1), -(4 + kappa), 4 + kappa)
    if zs is None:
        return []
    for z in sorted(set(zs), key=lambda v: (abs(v) >= 1, abs(v), v)):
        if z == 2:  # alpha = 0: lambda^2 = gamma
            lam_or_none = _square_root(gamma)
            if lam_or_none is None:
                continue
            lam = lam_or_none
        else:
            lam = alpha / (2 - z)
        for r1, r2 in pairs:
            a0, c = 2 - r1, 1 + r2 - r1
            b0 = (beta / lam - (2 - z) * (a0 - 1) + c) / z
            out.append(Solution("2F1", z, (1, 0, 0), (a0, b0, c)))
    return out


# --- candidate solutions of the contiguous relations ----------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    name: str
    ratio: str  # H as an expression
    shift: Fraction  # L = shift + scale * H
    scale: Fraction


def _call(function: str, *args: Fraction) -> str:
    return f"{function}({', '.join(rational_text(v) for v in args)})"


def _candidates(field: str, start: Sequence[Fraction], z: Fraction) -> list[_Candidate]:
    r"""The solutions tried, each as $-\theta w / w = $ ``shift`` $+$ ``scale`` $\cdot H$."""
    out: list[_Candidate] = []
    if field == "2F1":
        a, b, c = start
        if z < 1 and c:
            out.append(_Candidate("w1", f"{_call('hyp2f1', a + 1, b + 1, c + 1, z)}/{_call('hyp2f1', a, b, c, z)}",
                                  Fraction(0), -z * a * b / c))
        e = a + b - c + 1
        if 0 < z and e:
            out.append(_Candidate("w3", f"{_call('hyp2f1', a + 1, b + 1, e + 1, 1 - z)}/{_call('hyp2f1', a, b, e, 1 - z)}",
                                  Fraction(0), z * a * b / e))
        if (z > 1 or z < 0):
            for name, p, q in (("w5", a, b), ("w6", b, a)):
                d = p - q + 1
                if d:
                    out.append(_Candidate(name,
                                          f"{_call('hyp2f1', p + 1, p - c + 2, d + 1, 1 / z)}/{_call('hyp2f1', p, p - c + 1, d, 1 / z)}",
                                          p, p * (p - c + 1) / (d * z)))
    elif field == "0F1":
        (c,) = start
        if c:  # theta 0F1(; c; z) = (z / c) 0F1(; c + 1; z)
            out.append(_Candidate("F", f"{_call('hyp0f1', c + 1, z)}/{_call('hyp0f1', c, z)}", Fraction(0), -z / c))
    else:
        a, c = start
        if c:
            out.append(_Candidate("M", f"{_call('hyp1f1', a + 1, c + 1, z)}/{_call('hyp1f1', a, c, z)}", Fraction(0), -z * a / c))
        if z > 0:
            out.append(_Candidate("U", f"{_call('hyperu', a + 1, c + 1, z)}/{_call('hyperu', a, c, z)}", Fraction(0), z * a))
    return out


# --- the closed form -----------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _field(name: str, z: Fraction) -> CMF:
    return known_field(name, z=z)


def _agrees(expression: str, value: mpf, digits: int) -> bool:
    """Whether ``expression`` equals ``value`` to ``digits`` digits (relative to max(1, |value|))."""
    try:
        closed = parse_constant(expression).value(digits + 10)
    except (BrounckerError, ValueError, ZeroDivisionError, ArithmeticError, mpmath.libmp.NoConvergence):
        return False
    with mp.workdps(digits + 10):
        return bool(abs(closed - value) <= mpf(10) ** (-digits) * max(1, abs(value)))


def closed_form(
    pcf: PCF, digits: int = DEFAULT_DIGITS, max_depth: int = MAX_DEPTH, limit: Limit | None = None
) -> ClosedForm | None:
    r"""The hypergeometric closed form of ``pcf``'s value, or None (see the module docstring).

    The PCF's limit is computed to twice ``digits`` (or ``limit`` reused when it has them);
    :class:`InconclusiveError` when the walk cannot get them by ``max_depth``.
    """
    solutions = solve(pcf)
    if not solutions:
        return None
    deep = RECHECK_FACTOR * digits
    if limit is None or limit.digits < deep:
        limit = pcf_limit(pcf.a, pcf.b, deep + LIMIT_GUARD_DIGITS, max_depth)
    target = shift_class(pcf).class_key
    for solution in solutions:
        found = _closed_form(pcf, solution, target, limit.value, digits)
        if found is not None:
            return found
    return None


def mapped_closed_form(form: ClosedForm, to_value: Mobius, pcf: PCF, digits: int = DEFAULT_DIGITS,
                       max_depth: int = MAX_DEPTH) -> ClosedForm | None:
    """The closed form of ``pcf`` when its value is ``to_value`` of the value that ``form``
    gives (an even or odd part of ``pcf`` has the closed form ``form``), re-checked on
    ``pcf``'s own limit to ``digits`` and twice as many; None when it does not hold."""
    mobius = to_value.compose(form.mobius)
    if mobius.determinant == 0:
        return None
    expression = mobius.expression(form.ratio)
    deep = RECHECK_FACTOR * digits
    value = pcf_limit(pcf.a, pcf.b, deep + LIMIT_GUARD_DIGITS, max_depth).value
    if not (_agrees(expression, value, digits) and _agrees(expression, value, deep)):
        return None
    return dataclasses.replace(form, to_limit=to_value.compose(form.to_limit), mobius=mobius, expression=expression,
                               digits=deep)


def _closed_form(pcf: PCF, solution: Solution, target: str, value: mpf, digits: int) -> ClosedForm | None:
    """Walk the solution's trajectory from its start, or from a later one past a pole."""
    try:
        field = _field(solution.field, solution.z)
    except FieldError:
        return None
    t = solution.trajectory
    for k in range(MAX_START_SHIFT):
        start = tuple(v + k * s for v, s in zip(solution.start, t))
        try:
            tp = trajectory_pcf(trajectory_matrix(field, t, start))
        except FieldError:
            continue
        if tp.mobius is None or shift_class(tp.pcf).class_key != target:
            continue
        relation = shift_relation(pcf, tp.pcf)  # value(pcf) = relation(value(tp.pcf))
        if relation is None or tp.mobius.determinant == 0:
            continue
        to_limit = relation.compose(tp.mobius.inverse())  # value(pcf) = to_limit(L)
        for candidate in _candidates(solution.field, start, solution.z):
            affine = Mobius.of(candidate.shift, candidate.scale, 1, 0)
            if affine.determinant == 0:
                continue
            mobius = to_limit.compose(affine)
            if mobius.determinant == 0:
                continue
            expression = mobius.expression(candidate.ratio)
            if _agrees(expression, value, digits) and _agrees(expression, value, RECHECK_FACTOR * digits):
                return ClosedForm(solution.field, solution.z, t, start, tp, to_limit, candidate.name, candidate.ratio,
                                  mobius, expression, RECHECK_FACTOR * digits)
    return None

