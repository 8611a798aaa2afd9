r"""Conservative matrix fields: the definition, the conservation check, and the
transformations that keep a field conservative (parameters, dual, coboundary).

A CMF of rank $r$ and dimension $d$ is one $r \times r$ matrix $M_i(x)$ per axis
$x_1, \dots, x_d$, with entries rational in the axes and in free parameters, such that for
every pair of axes

$$M_i(x) \, M_j(x + e_i) = M_j(x) \, M_i(x + e_j).$$

The product along a path of unit steps then depends only on its ends; a step backwards
along axis $i$ multiplies by $M_i(x - e_i)^{-1}$.

Fields are written with sympy (by the code that defines them, never from user text) and
computed over flint: every matrix becomes $N(x)/d(x)$, a matrix of multivariate rational
polynomials over one common denominator, so conservation is a polynomial identity that
flint checks exactly and quickly.

>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> field = CMF({x: [[1, -y - 1], [-1, x + y + 2]], y: [[0, -y - 1], [-1, x + y + 1]]}, name="e")
>>> field.rank, field.dim, conservation(field).conserves
(2, 2, True)
>>> broken = CMF({x: [[1, -y - 1], [-1, x + y + 3]], y: [[0, -y - 1], [-1, x + y + 1]]})
>>> print(conservation(broken).failures[0].message())
M(x)·M(y)(x+1) ≠ M(y)·M(x)(y+1) at entry [0, 1] (from 0): they differ by y + 1
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, TypeAlias

import flint
import sympy as sp

from ..display import Displayed
from ..errors import FieldError

TRAJECTORY_SYMBOL = sp.Symbol("n")  # the step counter of a trajectory matrix; no axis or parameter may use it
MAX_DIFFERENCE_TEXT = 300  # characters of a failing entry shown in a message

Rational: TypeAlias = int | Fraction
Poly: TypeAlias = Any  # flint.fmpq_mpoly (python-flint ships no type stubs)
PolyMatrix: TypeAlias = list[list[Poly]]
RationalMatrix: TypeAlias = tuple[PolyMatrix, Poly]  # (N, d): the matrix N / d


@dataclass(frozen=True, slots=True)
class CMF(Displayed):
    r"""A matrix field: one square sympy matrix per axis, in axis order.

    Built from a mapping ``{axis: matrix}`` (axes as sympy symbols or names, matrices as
    anything ``sympy.Matrix`` accepts). Conservation is not checked here: call
    :func:`conservation`. Immutable, hashable and picklable.
    """

    axes: tuple[sp.Symbol, ...]
    matrices: tuple[sp.ImmutableMatrix, ...]
    name: str

    def __init__(self, matrices: Mapping[sp.Symbol | str, Any], name: str = "") -> None:
        if not matrices:
            raise FieldError("a field needs at least one axis")
        axes = tuple(sp.Symbol(a) if isinstance(a, str) else a for a in matrices)
        mats = tuple(sp.ImmutableMatrix(m) for m in matrices.values())
        rank = mats[0].rows
        for axis, m in zip(axes, mats):
            if not isinstance(axis, sp.Symbol):
                raise FieldError(f"axis {axis!r} is not a symbol")
            if m.rows != m.cols or m.rows != rank:
                raise FieldError(f"M({axis}) is {m.rows}×{m.cols}; every matrix of the field must be {rank}×{rank}")
        if rank < 2:
            raise FieldError(f"a field needs matrices of rank at least 2, not {rank}")
        names = [str(a) for a in axes]
        if len(set(names)) != len(names):
            raise FieldError(f"axis names repeat: {', '.join(names)}")
        symbols = set().union(*(m.free_symbols for m in mats))
        if TRAJECTORY_SYMBOL in set(axes) | symbols:
            raise FieldError(f"'{TRAJECTORY_SYMBOL}' is reserved for the step of a trajectory; rename that axis or parameter")
        object.__setattr__(self, "axes", axes)
        object.__setattr__(self, "matrices", mats)
        object.__setattr__(self, "name", name)

    @property
    def rank(self) -> int:
        """The size $r$ of the matrices."""
        return int(self.matrices[0].rows)

    @property
    def dim(self) -> int:
        """The number of axes $d$."""
        return len(self.axes)

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The free symbols that are not axes, sorted by name."""
        symbols = set().union(*(m.free_symbols for m in self.matrices)) - set(self.axes)
        return tuple(sorted(symbols, key=str))

    def axis_index(self, axis: sp.Symbol | str) -> int:
        """The position of ``axis`` (a symbol or its name) among the axes."""
        name = str(axis)
        for i, a in enumerate(self.axes):
            if str(a) == name:
                return i
        raise FieldError(f"{self.label} has no axis '{name}' (axes: {', '.join(map(str, self.axes))})")

    def matrix(self, axis: sp.Symbol | str) -> sp.ImmutableMatrix:
        """$M_{axis}(x)$."""
        return self.matrices[self.axis_index(axis)]

    @property
    def label(self) -> str:
        """The name, or a description when the field has none."""
        return self.name or f"the field on axes {', '.join(map(str, self.axes))}"

    def latex(self) -> str:
        r"""The matrices as LaTeX, one per axis: ``M_{x} = \begin{pmatrix}…``."""
        parts = [rf"M_{{{sp.latex(a)}}} = {sp.latex(sp.Matrix(m).applyfunc(sp.factor))}" for a, m in zip(self.axes, self.matrices)]
        return r",\quad ".join(parts)

    def __str__(self) -> str:
        body = ", ".join(f"{a}: {m.tolist()}" for a, m in zip(self.axes, self.matrices))
        return f"CMF({self.name + ': ' if self.name else ''}{body})"


# --- the field over flint -------------------------------------------------------------


class _Algebra:
    """The matrices of a field as flint rational matrices $N/d$ over axes and parameters."""

    def __init__(self, field: CMF) -> None:
        self.field = field
        self.symbols: tuple[sp.Symbol, ...] = field.axes + field.parameters
        self.ctx = _context(tuple(str(s) for s in self.symbols))
        self.forward: list[RationalMatrix] = [from_sympy(m, self.ctx, self.symbols) for m in field.matrices]
        self._backward: dict[int, RationalMatrix] = {}

    def backward(self, i: int) -> RationalMatrix:
        r"""$M_i(x - e_i)^{-1}$: the matrix of one step backwards along axis $i$."""
        if i not in self._backward:
            shifted = compose(self.forward[i], self.shift(i, -1), self.ctx)
            inverse = invert(shifted)
            if inverse is None:
                raise FieldError(f"M({self.field.axes[i]}) of {self.field.label} is singular: no step backwards along it")
            self._backward[i] = inverse
        return self._backward[i]

    def shift(self, i: int, by: int) -> list[Poly]:
        """The substitution $x_i \\to x_i + by$ (every other generator fixed)."""
        gens = list(self.ctx.gens())
        gens[i] = gens[i] + by
        return gens


@lru_cache(maxsize=64)
def algebra(field: CMF) -> _Algebra:
    """The flint form of ``field``, computed once per field and process."""
    return _Algebra(field)


@lru_cache(maxsize=256)
def _context(names: tuple[str, ...]) -> Any:
    return flint.fmpq_mpoly_ctx.get(names, "lex")


def context(names: Sequence[str]) -> Any:
    """The flint context of rational polynomials in ``names`` (lex order)."""
    return _context(tuple(names))


def from_sympy(matrix: sp.MatrixBase, ctx: Any, symbols: Sequence[sp.Symbol]) -> RationalMatrix:
    """A sympy matrix of rational functions in ``symbols`` as $N/d$ over flint."""
    gens = dict(zip(symbols, ctx.gens()))
    one = ctx.from_dict({}) + 1
    entries = [[_rational_function(sp.sympify(matrix[r, c]), gens, one) for c in range(matrix.cols)] for r in range(matrix.rows)]
    common = one
    for _, d in itertools.chain.from_iterable(entries):
        common = common * d / common.gcd(d)
    return reduce([[n * (common / d) for n, d in row] for row in entries], common)


def _rational_function(expr: sp.Expr, gens: Mapping[sp.Symbol, Poly], one: Poly) -> tuple[Poly, Poly]:
    """``expr`` as (numerator, denominator) over flint, walking sympy's expression tree."""
    if expr.is_Rational:
        return one * flint.fmpq(int(expr.p), int(expr.q)), one
    if expr.is_Symbol:
        if expr not in gens:  # pragma: no cover - the symbols are the expression's own
            raise FieldError(f"unexpected symbol '{expr}'")
        return gens[expr], one
    if expr.is_Add or expr.is_Mul:
        parts = [_rational_function(arg, gens, one) for arg in expr.args]
        num, den = parts[0]
        for n, d in parts[1:]:
            if expr.is_Add:
                num, den = num * d + n * den, den * d
            else:
                num, den = num * n, den * d
        if expr.is_Add and not den.is_one():
            g = num.gcd(den)
            if not g.is_one():
                num, den = num / g, den / g
        return num, den
    if expr.is_Pow and expr.exp.is_Integer:
        n, d = _rational_function(expr.base, gens, one)
        k = int(expr.exp)
        if k < 0:
            if n.is_zero():
                raise FieldError(f"'{expr}' divides by zero")
            n, d, k = d, n, -k
        return n**k, d**k
    raise FieldError(f"'{expr}' is not a rational function with rational coefficients of {', '.join(map(str, gens))}")


def to_sympy(poly: Poly, symbols: Sequence[sp.Symbol]) -> sp.Expr:
    """A flint polynomial back in sympy."""
    terms = []
    for monomial, c in poly.to_dict().items():
        term = sp.Rational(int(c.p), int(c.q))
        for s, e in zip(symbols, monomial):
            if e:
                term *= s ** int(e)
        terms.append(term)
    return sp.Add(*terms)


def matrix_to_sympy(m: RationalMatrix, symbols: Sequence[sp.Symbol]) -> sp.ImmutableMatrix:
    """$N/d$ as a sympy matrix, each entry reduced."""
    nums, d = m
    rows = []
    for row in nums:
        out = []
        for x in row:
            g = x.gcd(d) if not x.is_zero() else d
            out.append(to_sympy(x / g, symbols) / to_sympy(d / g, symbols))
        rows.append(out)
    return sp.ImmutableMatrix(rows)


# --- rational matrices over flint -----------------------------------------------------


def reduce(nums: PolyMatrix, d: Poly) -> RationalMatrix:
    """Divide $N$ and $d$ by their common polynomial factor; make $d$ monic."""
    g = d
    for x in itertools.chain.from_iterable(nums):
        if g.is_one():
            break
        if not x.is_zero():
            g = g.gcd(x)
    if not g.is_one():
        nums = [[x / g for x in row] for row in nums]
        d = d / g
    lead = d.leading_coefficient()
    if lead != 1:
        nums = [[x / lead for x in row] for row in nums]
        d = d / lead
    return nums, d


def multiply(a: RationalMatrix, b: RationalMatrix) -> RationalMatrix:
    """The product of two rational matrices, reduced."""
    an, ad = a
    bn, bd = b
    size = len(bn)
    zero = ad - ad
    prod = [[sum((an[i][k] * bn[k][j] for k in range(size)), zero) for j in range(len(bn[0]))] for i in range(len(an))]
    return reduce(prod, ad * bd)


def compose(m: RationalMatrix, substitution: Sequence[Poly], ctx: Any) -> RationalMatrix:
    """$N(s)/d(s)$ with the generators replaced by ``substitution`` (polynomials of ``ctx``)."""
    nums, d = m
    return [[x.compose(*substitution, ctx=ctx) for x in row] for row in nums], d.compose(*substitution, ctx=ctx)


def determinant(nums: PolyMatrix) -> Poly:
    """The determinant by expansion along the first row (ranks are small)."""
    size = len(nums)
    if size == 1:
        return nums[0][0]
    if size == 2:
        return nums[0][0] * nums[1][1] - nums[0][1] * nums[1][0]
    total = nums[0][0] - nums[0][0]
    for j in range(size):
        if nums[0][j].is_zero():
            continue
        minor = [row[:j] + row[j + 1:] for row in nums[1:]]
        term = nums[0][j] * determinant(minor)
        total = total + term if j % 2 == 0 else total - term
    return total


def invert(m: RationalMatrix) -> RationalMatrix | None:
    r"""$(N/d)^{-1} = d \operatorname{adj}(N) / \det N$; ``None`` when $\det N = 0$."""
    nums, d = m
    det = determinant(nums)
    if det.is_zero():
        return None
    size = len(nums)
    if size == 1:
        return [[d]], det
    adj = [[nums[0][0] for _ in range(size)] for _ in range(size)]
    for i in range(size):
        for j in range(size):
            minor = [row[:j] + row[j + 1:] for k, row in enumerate(nums) if k != i]
            cof = determinant(minor)
            adj[j][i] = (cof if (i + j) % 2 == 0 else -cof) * d
    return reduce(adj, det)


def transpose(m: RationalMatrix) -> RationalMatrix:
    nums, d = m
    return [list(col) for col in zip(*nums)], d


# --- conservation ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConservationFailure:
    r"""One pair of axes that does not conserve, with the first entry where
    $M_i(x) M_j(x + e_i) - M_j(x) M_i(x + e_j) \ne 0$ (row and column from 0)."""

    axes: tuple[str, str]
    entry: tuple[int, int]
    difference: str

    def message(self) -> str:
        i, j = self.axes
        r, c = self.entry
        return f"M({i})·M({j})({i}+1) ≠ M({j})·M({i})({j}+1) at entry [{r}, {c}] (from 0): they differ by {self.difference}"

    def as_dict(self) -> dict[str, Any]:
        return {"axes": list(self.axes), "entry": list(self.entry), "difference": self.difference, "message": self.message()}


@dataclass(frozen=True, slots=True)
class Conservation:
    """The result of the conservation check of a field: every pair of axes, and each failure."""

    field: str
    pairs: int
    failures: tuple[ConservationFailure, ...]

    @property
    def conserves(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "conserves": self.conserves, "pairs": self.pairs, "failures": [f.as_dict() for f in self.failures]}


def conservation(field: CMF) -> Conservation:
    r"""Check $M_i(x) M_j(x+e_i) = M_j(x) M_i(x+e_j)$ for every pair of axes, symbolically.

    Both sides are brought over one denominator and compared as polynomials in the axes
    and parameters (exactly, by flint). Each failing pair names its first differing entry
    and the difference of the two sides there, factored.
    """
    alg = algebra(field)
    failures = []
    pairs = 0
    for i, j in itertools.combinations(range(field.dim), 2):
        pairs += 1
        (ni, di), (nj, dj) = alg.forward[i], alg.forward[j]
        nj_i, dj_i = compose(alg.forward[j], alg.shift(i, 1), alg.ctx)
        ni_j, di_j = compose(alg.forward[i], alg.shift(j, 1), alg.ctx)
        left = multiply((ni, di), (nj_i, dj_i))
        right = multiply((nj, dj), (ni_j, di_j))
        (ln, ld), (rn, rd) = left, right
        for r, c in itertools.product(range(field.rank), repeat=2):
            diff = ln[r][c] * rd - rn[r][c] * ld
            if not diff.is_zero():
                expr = sp.factor(to_sympy(diff, alg.symbols) / to_sympy(ld * rd, alg.symbols))
                text = str(expr)
                if len(text) > MAX_DIFFERENCE_TEXT:
                    text = text[:MAX_DIFFERENCE_TEXT] + "…"
                failures.append(ConservationFailure((str(field.axes[i]), str(field.axes[j])), (r, c), text))
                break
    return Conservation(field.label, pairs, tuple(failures))


# --- transformations -------------------------------------------------------------------


def substitute(field: CMF, values: Mapping[sp.Symbol | str, Rational | sp.Expr]) -> CMF:
    """The field with parameters replaced by ``values`` (numbers, or sympy expressions from code).

    >>> import sympy as sp
    >>> x, y, c = sp.symbols("x y c")
    >>> substitute(CMF({x: [[0, c], [1, x]], y: [[1, 0], [0, 1]]}), {"c": 2}).matrix("x")
    Matrix([
    [0, 2],
    [1, x]])
    """
    params = {str(p): p for p in field.parameters}
    subs: dict[sp.Symbol, Any] = {}
    for key, value in values.items():
        name = str(key)
        if name in {str(a) for a in field.axes}:
            raise FieldError(f"'{name}' is an axis of {field.label}, not a parameter; choose a start instead")
        if name not in params:
            shown = ", ".join(params) or "none"
            raise FieldError(f"{field.label} has no parameter '{name}' (parameters: {shown})")
        subs[params[name]] = sp.Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else value
    matrices = {a: m.subs(subs) for a, m in zip(field.axes, field.matrices)}
    for axis, m in matrices.items():
        if any(e.has(sp.zoo, sp.nan, sp.oo) for e in m):
            shown = ", ".join(f"{k} = {v}" for k, v in subs.items())
            raise FieldError(f"{shown} makes an entry of M({axis}) of {field.label} infinite: choose other parameter values")
    return CMF(matrices, name=field.name)


def dual(field: CMF) -> CMF:
    r"""The dual field $M_i \mapsto (M_i^{-1})^T$, conservative whenever ``field`` is."""
    alg = algebra(field)
    out = {}
    for axis, m in zip(field.axes, alg.forward):
        inverse = invert(m)
        if inverse is None:
            raise FieldError(f"M({axis}) of {field.label} is singular: the field has no dual")
        out[axis] = matrix_to_sympy(transpose(inverse), alg.symbols)
    return CMF(out, name=f"dual({field.name})" if field.name else "")


def coboundary(field: CMF, u: Any) -> CMF:
    r"""The field $M_i \mapsto U(x)^{-1} M_i(x) U(x + e_i)$, conservative whenever ``field`` is.

    ``u`` is a square sympy matrix (written by code) rational in the axes and parameters.
    """
    u_matrix = sp.ImmutableMatrix(u)
    if u_matrix.rows != field.rank or u_matrix.cols != field.rank:
        raise FieldError(f"the coboundary matrix is {u_matrix.rows}×{u_matrix.cols}; {field.label} has rank {field.rank}")
    extra = sorted(u_matrix.free_symbols - set(field.axes) - set(field.parameters), key=str)
    symbols = field.axes + field.parameters + tuple(extra)
    ctx = context([str(s) for s in symbols])
    alg = algebra(field)
    lift = list(ctx.gens())[: len(alg.symbols)]
    u_flint = from_sympy(u_matrix, ctx, symbols)
    u_inverse = invert(u_flint)
    if u_inverse is None:
        raise FieldError("the coboundary matrix is singular")
    out = {}
    for i, axis in enumerate(field.axes):
        gens = list(ctx.gens())
        gens[i] = gens[i] + 1
        m = compose(alg.forward[i], lift, ctx)
        out[axis] = matrix_to_sympy(multiply(multiply(u_inverse, m), compose(u_flint, gens, ctx)), symbols)
    return CMF(out, name=f"coboundary({field.name})" if field.name else "")


# --- products along paths --------------------------------------------------------------


class _SingularPath(Exception):
    """A matrix on this order of steps has an identically zero denominator."""


def path_product(
    field: CMF, trajectory: Sequence[int], position: Sequence[Poly], parameters: Sequence[Poly], ctx: Any
) -> RationalMatrix:
    r"""The product of the axis matrices along one step of ``trajectory`` from ``position``.

    ``position`` gives each axis as a polynomial of ``ctx`` (e.g. $s_i + t_i n$), and
    ``parameters`` the field's parameters in the same context. Steps along one axis are
    taken together, axis after axis; conservation makes the order irrelevant, so when
    one order meets a matrix whose denominator vanishes identically, the next is tried.
    """
    alg = algebra(field)
    moving = [i for i, t in enumerate(trajectory) if t]
    one = ctx.from_dict({}) + 1
    identity: RationalMatrix = ([[one if r == c else one - one for c in range(field.rank)] for r in range(field.rank)], one)
    for order in itertools.permutations(moving):
        try:
            return _ordered_product(alg, order, trajectory, list(position), list(parameters), ctx, identity)
        except _SingularPath:
            continue
    if not moving:
        return identity
    raise FieldError(f"every order of steps along {tuple(trajectory)} meets a singular matrix of {field.label}")


def _ordered_product(
    alg: _Algebra, order: Iterable[int], trajectory: Sequence[int], position: list[Poly], parameters: list[Poly], ctx: Any,
    identity: RationalMatrix,
) -> RationalMatrix:
    result = identity
    for i in order:
        step = 1 if trajectory[i] > 0 else -1
        source = alg.forward[i] if step > 0 else alg.backward(i)
        for _ in range(abs(trajectory[i])):
            m = compose(source, position + parameters, ctx)
            if m[1].is_zero():
                raise _SingularPath
            result = multiply(result, m)
            position[i] = position[i] + step
    return result
