r"""The hypergeometric fields ${}_pF_q$: the contiguous relations of
$F = {}_pF_q(x_0, \dots, x_{p-1}; y_0, \dots, y_{q-1}; z)$ as a conservative matrix field.

$F$ solves $\bigl[\theta \prod_j (\theta + y_j - 1) - z \prod_i (\theta + x_i)\bigr] F = 0$
with $\theta = z\,d/dz$; the degree $r$ of that operator in $\theta$ is the rank
($\max(p, q+1)$, or $q$ when $p = q + 1$ and $z = 1$). On the vector
$v = (F, \theta F, \dots, \theta^{r-1} F)^T$, $\theta$ acts by the companion matrix
$\Theta$ of the operator, and the contiguous relations
$(\theta + x_i) F = x_i F(x_i + 1)$ and $(\theta + y_j - 1) F = (y_j - 1) F(y_j - 1)$ give

$$v(x + e_i) = (I + \Theta / x_i)\, v, \qquad
  v(y + e_j) = \bigl(I + \Theta(y + e_j) / y_j\bigr)^{-1} v.$$

Written for row vectors ($v^T(s + e_i) = v^T(s) M_i(s)$, so that walks multiply to the
right), $M_{x_i} = (I + \Theta/x_i)^T$ and $M_{y_j} = \bigl((I + \Theta(y+e_j)/y_j)^{-1}\bigr)^T$;
the field is conservative because shifts of different parameters commute.

>>> from brouncker.cmf.field import conservation
>>> field = pfq(2, 1)
>>> field.rank, [str(a) for a in field.axes], [str(p) for p in field.parameters]
(2, ['x0', 'x1', 'y0'], ['z'])
>>> conservation(field).conserves
True
"""

from __future__ import annotations

import sympy as sp

from ..errors import FieldError
from .field import CMF, context, from_sympy, invert, matrix_to_sympy, transpose

Z = sp.Symbol("z")
THETA = sp.Symbol("theta")
MAX_ORDER = 6  # p and q above this make symbolic matrices too large to be useful


def numerator_axes(p: int) -> tuple[sp.Symbol, ...]:
    return tuple(sp.symbols(f"x:{p}")) if p else ()


def denominator_axes(q: int) -> tuple[sp.Symbol, ...]:
    return tuple(sp.symbols(f"y:{q}")) if q else ()


def theta_matrix(p: int, q: int, z: sp.Expr = Z) -> sp.Matrix:
    r"""$\Theta$: the action of $\theta$ on $(F, \theta F, \dots, \theta^{r-1} F)^T$."""
    xs, ys = numerator_axes(p), denominator_axes(q)
    operator = sp.Poly(sp.expand(THETA * sp.prod([THETA + y - 1 for y in ys]) - z * sp.prod([THETA + x for x in xs])), THETA)
    rank = operator.degree()
    if rank < 2:
        raise FieldError(f"{p}F{q} at z = {z} has an operator of order {rank} in θ; a field needs rank 2 or more")
    coeffs = operator.all_coeffs()  # highest first
    lead = coeffs[0]
    theta = sp.zeros(rank, rank)
    for k in range(rank - 1):
        theta[k, k + 1] = 1
    for k in range(rank):  # θ^r F = -(c_{r-1} θ^{r-1} + … + c_0) F / lead
        theta[rank - 1, k] = sp.cancel(-coeffs[rank - k] / lead)
    return theta


def pfq(p: int, q: int, z: sp.Expr = Z) -> CMF:
    r"""The ${}_pF_q$ field on axes $x_0, \dots, x_{p-1}, y_0, \dots, y_{q-1}$, with $z$ a
    free parameter unless a value is given (written by code: a number or a sympy expression).
    """
    if not (0 <= p <= MAX_ORDER and 0 <= q <= MAX_ORDER) or p + q == 0:
        raise FieldError(f"pFq needs 0 <= p, q <= {MAX_ORDER} and p + q >= 1, not p={p}, q={q}")
    z = sp.sympify(z)
    xs, ys = numerator_axes(p), denominator_axes(q)
    theta = theta_matrix(p, q, z)
    rank = theta.rows
    identity = sp.eye(rank)
    matrices: dict[sp.Symbol, sp.Matrix] = {}
    for x in xs:
        matrices[x] = (identity + theta / x).T
    symbols = (*xs, *ys, *sorted(sp.sympify(z).free_symbols, key=str))
    ctx = context([str(s) for s in symbols])
    for y in ys:
        down = (identity + theta.subs(y, y + 1) / y).applyfunc(sp.cancel)
        inverse = invert(from_sympy(down, ctx, symbols))
        if inverse is None:  # pragma: no cover - det(I + Θ/y) is a non-zero rational function
            raise FieldError(f"the contiguous matrix of {y} in {p}F{q} is singular")
        matrices[y] = matrix_to_sympy(transpose(inverse), symbols)
    return CMF(matrices, name=f"{p}F{q}" if z == Z else f"{p}F{q}(z={z})")
