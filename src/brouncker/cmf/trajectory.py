r"""Trajectory matrices: one step of a walk through a conservative matrix field.

A trajectory $t \in \mathbb{Z}^d$ from a start $s$ visits $s, s + t, s + 2t, \dots$; the
matrix of the step from $s + nt$ to $s + (n+1)t$ is the product of the axis matrices
along any path between the two points (conservation makes it unique):

$$M_{t,s}(n) = M_{x_1}(s + nt) \, M_{x_1}(s + nt + e_1) \cdots$$

(steps backwards multiply by $M_i(x - e_i)^{-1}$). The walk to depth $N$ is
$W_N = M_{t,s}(0) M_{t,s}(1) \cdots M_{t,s}(N-1)$, as in ramanujantools.

For exact work the matrix is split as $M_{t,s}(n) = \frac{g(n)}{h(n)} N(n)$ with $N(n)$ a
matrix of integer polynomials whose entries have no common factor (not even a constant).
Limits are ratios of entries of the walk, so the scalar $g/h$ never matters: walks
multiply $N$ only, which keeps the integers small and skips the zeros of $g$ (a start on
such a zero makes ramanujantools' walk the zero matrix; here it stays defined).

>>> from brouncker.cmf.known import known_field
>>> tm = trajectory_matrix(known_field("zeta3"), (1, 1), (1, 1))
>>> tm.entry(0, 1), tm.scale
((-6, -27, -41, -21), ((1, 3, 3, 1), (1,)))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import sympy as sp

from ..display import Displayed
from ..errors import FieldError
from ..pcf.polynomial import Coefficients, evaluate, from_flint
from .field import CMF, TRAJECTORY_SYMBOL, Poly, Rational, context, matrix_to_sympy, path_product


@dataclass(frozen=True, slots=True)
class TrajectoryMatrix(Displayed):
    r"""$M_{t,s}(n) = \frac{g(n)}{h(n)} N(n)$, exactly, with integer polynomials
    (coefficients highest degree first): ``numerator`` is $N$, ``scale`` is $(g, h)$.

    Plain integers and fractions only, so it pickles cheaply into a worker.
    """

    field: str
    axes: tuple[str, ...]
    trajectory: tuple[int, ...]
    start: tuple[Fraction, ...]
    numerator: tuple[tuple[Coefficients, ...], ...]
    scale: tuple[Coefficients, Coefficients]

    @property
    def rank(self) -> int:
        return len(self.numerator)

    def entry(self, row: int, column: int) -> Coefficients:
        """$N_{row, column}(n)$."""
        return self.numerator[row][column]

    def at(self, n: int) -> tuple[tuple[int, ...], ...]:
        """$N(n)$, exactly."""
        return tuple(tuple(evaluate(f, n) for f in row) for row in self.numerator)

    def sympy(self) -> sp.Matrix:
        """$M_{t,s}(n)$ as a sympy matrix in ``n``, each entry factored."""
        n = TRAJECTORY_SYMBOL
        g, h = (_sympy_poly(f, n) for f in self.scale)
        return sp.Matrix([[sp.factor(g * _sympy_poly(f, n) / h) for f in row] for row in self.numerator])

    def latex(self) -> str:
        """The matrix as LaTeX."""
        return str(sp.latex(self.sympy()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "trajectory": list(self.trajectory),
            "start": [str(s) for s in self.start],
            "matrix": [[str(sp.factor(e)) for e in row] for row in self.sympy().tolist()],
        }


def _sympy_poly(coefficients: Coefficients, n: sp.Symbol) -> sp.Expr:
    return sp.Add(*[c * n**k for k, c in enumerate(reversed(coefficients))])


def check_trajectory(field: CMF, trajectory: Sequence[int]) -> tuple[int, ...]:
    """The trajectory as integers, with one entry per axis and not all zero."""
    if len(trajectory) != field.dim:
        raise FieldError(f"trajectory {tuple(trajectory)} has {len(trajectory)} entries; {field.label} has {field.dim} axes")
    try:
        t = tuple(int(v) for v in trajectory)
    except (TypeError, ValueError):
        raise FieldError(f"trajectory {tuple(trajectory)} must be integers") from None
    if any(int(v) != v for v in trajectory):
        raise FieldError(f"trajectory {tuple(trajectory)} must be integers")
    if not any(t):
        raise FieldError("the trajectory (0, …, 0) does not move")
    return t


def check_start(field: CMF, start: Sequence[Rational | str]) -> tuple[Fraction, ...]:
    """The start as rationals, one per axis (text such as ``"1/2"`` is read as a fraction)."""
    if len(start) != field.dim:
        raise FieldError(f"start {tuple(start)} has {len(start)} entries; {field.label} has {field.dim} axes")
    return tuple(_rational(v, start) for v in start)


def _rational(value: Rational | str | sp.Basic, start: Sequence[Any]) -> Fraction:
    try:
        if isinstance(value, sp.Basic):
            if not value.is_Rational:
                raise TypeError
            return Fraction(int(value.p), int(value.q))  # a sympy Rational
        return Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise FieldError(f"start {tuple(map(str, start))} must be rational numbers, not {value!r}") from None


def trajectory_matrix(field: CMF, trajectory: Sequence[int], start: Sequence[Rational | str]) -> TrajectoryMatrix:
    r"""$M_{t,s}(n)$ for a field with no free parameters (substitute them first)."""
    if field.parameters:
        names = ", ".join(map(str, field.parameters))
        raise FieldError(f"{field.label} has free parameters ({names}); substitute values before walking")
    t = check_trajectory(field, trajectory)
    s = check_start(field, start)
    ctx = context([str(TRAJECTORY_SYMBOL)])
    n = ctx.gens()[0]
    position = [_constant(ctx, s_k) + t_k * n for s_k, t_k in zip(s, t)]
    nums, d = path_product(field, t, position, [], ctx)
    entries = [[_univariate(x) for x in row] for row in nums]
    common = 1
    for f in (*[x for row in entries for x in row], _univariate(d)):
        common = common * int(f.denom()) // math.gcd(common, int(f.denom()))
    ints = [[flint.fmpz_poly([int(c * common) for c in f.coeffs()]) for f in row] for row in entries]
    den = flint.fmpz_poly([int(c * common) for c in _univariate(d).coeffs()])
    g = flint.fmpz_poly([0])
    for f in (x for row in ints for x in row):
        g = g.gcd(f)  # flint: positive leading coefficient, content included
    if g == 0:
        raise FieldError(f"the trajectory matrix of {t} from {tuple(map(str, s))} is zero")
    primitive = [[from_flint(x // g) for x in row] for row in ints]
    num_scale, den_scale = g, den
    h = num_scale.gcd(den_scale)
    num_scale, den_scale = num_scale // h, den_scale // h
    if den_scale.coeffs()[-1] < 0:
        num_scale, den_scale = -num_scale, -den_scale
    return TrajectoryMatrix(
        field.name,
        tuple(map(str, field.axes)),
        t,
        s,
        tuple(tuple(row) for row in primitive),
        (from_flint(num_scale), from_flint(den_scale)),
    )


def symbolic_trajectory_matrix(field: CMF, trajectory: Sequence[int], start: Sequence[Rational | None] | None = None) -> sp.ImmutableMatrix:
    r"""$M_{t,s}(n)$ as a sympy matrix; parameters may stay free, and so may the start:
    an entry ``None`` (or no ``start``) keeps that axis as a symbol, so that the matrix
    is the step from $x + nt$.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> field = CMF({x: [[0, x], [1, y]], y: [[1, 0], [0, 1]]})
    >>> symbolic_trajectory_matrix(field, (1, 0))
    Matrix([
    [0, n + x],
    [1,     y]])
    """
    t = check_trajectory(field, trajectory)
    values = [None] * field.dim if start is None else list(start)
    if len(values) != field.dim:
        raise FieldError(f"start {tuple(values)} has {len(values)} entries; {field.label} has {field.dim} axes")
    symbols = (TRAJECTORY_SYMBOL, *field.axes, *field.parameters)
    ctx = context([str(x) for x in symbols])
    gens = ctx.gens()
    n = gens[0]
    position = []
    for k, v in enumerate(values):
        base = gens[1 + k] if v is None else _constant(ctx, _rational(v, values))
        position.append(base + t[k] * n)
    params = list(gens[1 + field.dim:])
    product = path_product(field, t, position, params, ctx)
    return matrix_to_sympy(product, symbols).applyfunc(sp.factor)


def _constant(ctx: Any, value: Fraction) -> Poly:
    return ctx.from_dict({}) + flint.fmpq(value.numerator, value.denominator)


def _univariate(poly: Poly) -> Any:
    """A polynomial of the one-variable context as ``flint.fmpq_poly``."""
    terms = poly.to_dict()
    if not terms:
        return flint.fmpq_poly([0])
    top = max(m[0] for m in terms)
    coeffs = [flint.fmpq(0)] * (top + 1)
    for (e,), c in terms.items():
        coeffs[e] = c
    return flint.fmpq_poly(coeffs)
