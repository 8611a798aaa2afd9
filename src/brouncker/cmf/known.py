r"""The known conservative matrix fields, by name: e, π, ζ(3), the f, f̄ family
(cmf1, cmf2, cmf3_1, cmf3_2, cmf3_3) and the hypergeometric fields 0F1, 1F1, 2F1, 3F2.

The f, f̄ construction (arXiv 2308.11829): polynomials $f(x, y)$, $\bar f(x, y)$ with

* the linear condition $f(x+1, y-1) - \bar f(x, y-1) + \bar f(x+1, y) - f(x, y) = 0$,
* the quadratic condition $F(x, y) - F(x, 0) - F(0, y) + F(0, 0) = 0$ for $F = f \bar f$,

give the field
$M_x = \begin{pmatrix} 0 & b(x) \\ 1 & a(x, y) \end{pmatrix}$,
$M_y = \begin{pmatrix} \bar f(x, y) & b(x) \\ 1 & f(x, y) \end{pmatrix}$ with
$a(x, y) = f(x, y) - \bar f(x + 1, y)$ and $b(x) = F(x, 0) - F(0, 0)$.

>>> [k.name for k in known_fields()][:4]
['e', 'pi', 'zeta3', 'cmf1']
>>> known_field("cmf1", c0=0, c1=1, c2=0, c3=1).parameters
()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import sympy as sp

from ..errors import FieldError
from .field import CMF, Rational, substitute
from .hypergeometric import pfq

x, y = sp.symbols("x y")
c0, c1, c2, c3 = sp.symbols("c0:4")


@dataclass(frozen=True, slots=True)
class Example:
    """A trajectory of a known field and the limit it reaches (ramanujantools' projection)."""

    trajectory: tuple[int, ...]
    start: tuple[int, ...]
    limit: str  # a constant expression of the bank, e.g. "(1 - zeta3)/zeta3"
    parameters: tuple[tuple[str, int], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"trajectory": list(self.trajectory), "start": list(self.start), "limit": self.limit, "parameters": dict(self.parameters)}


@dataclass(frozen=True, slots=True)
class KnownField:
    """A named field of the registry: how to build it, what it is, and an example walk."""

    name: str
    description: str
    build: Callable[[], CMF]
    example: Example | None = None

    def field(self) -> CMF:
        return self.build()

    def as_dict(self) -> dict[str, Any]:
        f = self.build()
        return {
            "name": self.name,
            "description": self.description,
            "rank": f.rank,
            "axes": [str(a) for a in f.axes],
            "parameters": [str(p) for p in f.parameters],
            "example": self.example.as_dict() if self.example else None,
        }


def e_field() -> CMF:
    """The field of e: trajectory (1, 1) from (0, 0) reaches 1/(1 - e)."""
    return CMF({x: [[1, -y - 1], [-1, x + y + 2]], y: [[0, -y - 1], [-1, x + y + 1]]}, name="e")


def pi_field() -> CMF:
    """The field of π: trajectory (1, 1) from (1, 0) reaches (2 - π)/2."""
    return CMF({x: [[x, -x], [-y, 2 * x + y + 1]], y: [[1 + y, -x], [-1 - y, x + 2 * y + 1]]}, name="pi")


def zeta3_field() -> CMF:
    r"""The field of ζ(3); its diagonal from (0, 0) is Apéry's PCF."""
    mx = [[0, -(x**3)], [(x + 1) ** 3, x**3 + (x + 1) ** 3 + 2 * y * (y - 1) * (2 * x + 1)]]
    my = [[-(x**3) + 2 * x**2 * y - 2 * x * y**2 + y**3, -(x**3)], [x**3, x**3 + 2 * x**2 * y + 2 * x * y**2 + y**3]]
    return CMF({x: mx, y: my}, name="zeta3")


def ffbar_conditions(f: sp.Expr, fbar: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """The linear and the quadratic condition of the f, f̄ construction (both 0 when met)."""
    linear = sp.expand(f.subs({x: x + 1, y: y - 1}, simultaneous=True) - fbar.subs(y, y - 1) + fbar.subs(x, x + 1) - f)
    product = sp.expand(f * fbar)
    quadratic = sp.expand(product - product.subs(x, 0) - product.subs(y, 0) + product.subs({x: 0, y: 0}))
    return linear, quadratic


def ffbar(f: sp.Expr, fbar: sp.Expr, name: str = "") -> CMF:
    r"""The field of the f, f̄ construction on axes $x, y$ (see the module docstring).

    Raises :class:`FieldError` naming the condition that fails.
    """
    f, fbar = sp.expand(sp.sympify(f)), sp.expand(sp.sympify(fbar))
    linear, quadratic = ffbar_conditions(f, fbar)
    if linear != 0:
        raise FieldError(f"f = {f}, f̄ = {fbar} fail the linear condition: f(x+1, y-1) - f̄(x, y-1) + f̄(x+1, y) - f(x, y) = {linear}")
    if quadratic != 0:
        raise FieldError(f"f = {f}, f̄ = {fbar} fail the quadratic condition: F(x, y) - F(x, 0) - F(0, y) + F(0, 0) = {quadratic}")
    a = sp.expand(f - fbar.subs(x, x + 1))
    product = sp.expand(f * fbar).subs(y, 0)
    b = sp.expand(product - product.subs(x, 0))
    return CMF({x: [[0, b], [1, a]], y: [[fbar, b], [1, f]]}, name=name)


def cmf1() -> CMF:
    r"""$f = c_0 + c_1 (x + y)$, $\bar f = c_2 + c_3 (x - y)$."""
    return ffbar(c0 + c1 * (x + y), c2 + c3 * (x - y), name="cmf1")


def cmf2() -> CMF:
    r"""The quadratic f, f̄ family with parameters $c_0, \dots, c_3$."""
    f = ((2 * c1 + c2) * (c1 + c2) - c3 * c0 - c3 * ((2 * c1 + c2) * (x + y) + (c1 + c2) * (2 * x + y))
         + c3**2 * (2 * x**2 + 2 * x * y + y**2))
    fbar = c3 * (c0 + c2 * x + c1 * y) - c3**2 * (2 * x**2 - 2 * x * y + y**2)
    return ffbar(f, fbar, name="cmf2")


def cmf3_1() -> CMF:
    """The first cubic f, f̄ family (parameters $c_0, c_1$)."""
    f = -((c0 + c1 * (x + y)) * (c0 * (x + 2 * y) + c1 * (x**2 + x * y + y**2)))
    fbar = (c0 + c1 * (-x + y)) * (c0 * (x - 2 * y) - c1 * (x**2 - x * y + y**2))
    return ffbar(f, fbar, name="cmf3_1")


def cmf3_2() -> CMF:
    """The second cubic f, f̄ family (parameters $c_0, c_1$)."""
    f = -(x + y) * (c0**2 + 2 * c1**2 * (x**2 + x * y + y**2))
    fbar = (x - y) * (c0**2 + 2 * c1**2 * (x**2 - x * y + y**2))
    return ffbar(f, fbar, name="cmf3_2")


def cmf3_3() -> CMF:
    """The third cubic f, f̄ family (parameters $c_0, c_1$)."""
    f = (x + y) * (c0**2 - c0 * c1 * (x - y) - 2 * c1**2 * (x**2 + x * y + y**2))
    fbar = (c0 + c1 * (x - y)) * (3 * c0 * (x - y) + 2 * c1 * (x**2 - x * y + y**2))
    return ffbar(f, fbar, name="cmf3_3")


_REGISTRY: tuple[KnownField, ...] = (
    KnownField("e", "e: rank 2, axes x, y", e_field, Example((1, 1), (0, 0), "1/(1 - e)")),
    KnownField("pi", "π: rank 2, axes x, y", pi_field, Example((1, 1), (1, 0), "(2 - pi)/2")),
    KnownField("zeta3", "ζ(3): rank 2, axes x, y; the diagonal is Apéry's PCF", zeta3_field, Example((1, 1), (1, 1), "(1 - zeta3)/zeta3")),
    KnownField(
        "cmf1", "f, f̄ with f = c0 + c1(x+y), f̄ = c2 + c3(x-y)", cmf1,
        Example((1, 1), (1, 1), "1/ln2 - 1", (("c0", 0), ("c1", 1), ("c2", 0), ("c3", 1))),
    ),
    KnownField("cmf2", "f, f̄ quadratic in x, y (parameters c0..c3)", cmf2),
    KnownField("cmf3_1", "f, f̄ cubic in x, y, first family (parameters c0, c1)", cmf3_1),
    KnownField("cmf3_2", "f, f̄ cubic in x, y, second family (parameters c0, c1)", cmf3_2),
    KnownField("cmf3_3", "f, f̄ cubic in x, y, third family (parameters c0, c1)", cmf3_3),
    KnownField("0F1", "Bessel 0F1(; y0; z): rank 2, one axis", partial(pfq, 0, 1)),
    KnownField("1F1", "confluent hypergeometric 1F1(x0; y0; z): rank 2", partial(pfq, 1, 1)),
    KnownField("2F1", "Gauss hypergeometric 2F1(x0, x1; y0; z): rank 2", partial(pfq, 2, 1)),
    KnownField("3F2", "hypergeometric 3F2(x0, x1, x2; y0, y1; z): rank 3", partial(pfq, 3, 2)),
)


def known_fields() -> tuple[KnownField, ...]:
    """Every field of the registry, in a fixed order."""
    return _REGISTRY


def known_field(name: str, **values: Rational | sp.Expr) -> CMF:
    """The field called ``name``, with any parameters given by keyword substituted."""
    for entry in _REGISTRY:
        if entry.name == name:
            field = entry.build()
            return substitute(field, values) if values else field
    raise FieldError(f"unknown field '{name}' (known: {', '.join(k.name for k in _REGISTRY)})")


@lru_cache(maxsize=None)
def field_shape(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of the axes and of the free parameters of the known field ``name``.

    >>> field_shape("cmf1")
    (('x', 'y'), ('c0', 'c1', 'c2', 'c3'))
    """
    field = known_field(name)
    return tuple(map(str, field.axes)), tuple(map(str, field.parameters))
