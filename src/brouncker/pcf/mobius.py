r"""Möbius maps $x \mapsto (c_0 + c_1 x)/(c_2 + c_3 x)$ with integer coefficients: the one home.

One coefficient order everywhere, ``[c0, c1, c2, c3]`` (the order of every ``mobius`` field
in JSON). The same map as an integer relation between $x$ and its image $y$ comes in two
orders, converted here and nowhere else (:data:`RelationOrder`):

* ``"y,1,x,xy"``: $c_2 y - c_0 - c_1 x + c_3 x y = 0$, the order of an identification's
  relation among $[x, 1, K, x K]$ (there $x$ is the identified value and $K$ the constant);
* ``"1,x,y,xy"``: $-c_0 - c_1 x + c_2 y + c_3 x y = 0$, the order of
  :func:`brouncker.identification.relations.mobius_relation`.

Text and LaTeX come from :mod:`brouncker.printing` (:func:`~brouncker.printing.mobius`).

>>> m = Mobius.of(-1, 5, 0, 1)       # 5 - 1/x
>>> m.text(), m.latex(), m.expression("zeta3")
('(5x - 1)/x', '\\frac{5x - 1}{x}', '(5*zeta(3) - 1)/zeta(3)')
>>> (m @ m.inverse()) == Mobius.identity(), m.relation("1,x,y,xy")
(True, (1, -5, 0, 1))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import mpmath

from ..printing import latex_mobius, mobius
from .polynomial import primitive

RelationOrder = Literal["y,1,x,xy", "1,x,y,xy"]
"""The two orders of a Möbius relation between $x$ and its image $y$ (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class Mobius:
    r"""The map $x \mapsto (c_0 + c_1 x)/(c_2 + c_3 x)$ with integer coefficients; made by
    :meth:`of`, it is primitive, with the denominator's leading coefficient ($c_3$, else
    $c_2$) positive.

    >>> m = Mobius.of(-1, 5, 0, 1)
    >>> m.apply(Fraction(1, 2)), m.inverse().apply(Fraction(3))
    (Fraction(3, 1), Fraction(1, 2))
    """

    c0: int
    c1: int
    c2: int
    c3: int

    @classmethod
    def of(cls, c0: int | Fraction, c1: int | Fraction, c2: int | Fraction, c3: int | Fraction) -> Mobius:
        """Normalised from rational coefficients (a common factor does not change the map).

        >>> Mobius.of(Fraction(1, 2), 3, -2, -4)
        Mobius(c0=-1, c1=-6, c2=4, c3=8)
        """
        values = [Fraction(c) for c in (c0, c1, c2, c3)]
        lcm = math.lcm(*(v.denominator for v in values))
        ints = [int(v * lcm) for v in values]
        if not any(ints):
            raise ValueError("a Möbius map needs a non-zero coefficient")
        return cls(*primitive(ints, leading=(3, 2)))

    @classmethod
    def identity(cls) -> Mobius:
        return cls(0, 1, 1, 0)

    @classmethod
    def from_matrix(cls, m00: int | Fraction, m01: int | Fraction, m10: int | Fraction, m11: int | Fraction) -> Mobius:
        r"""$x \mapsto (m_{00} x + m_{01})/(m_{10} x + m_{11})$: the projective action of a 2×2 matrix."""
        return cls.of(m01, m00, m11, m10)

    @classmethod
    def from_relation(cls, relation: Sequence[int], order: RelationOrder) -> Mobius:
        """The map $x \\mapsto y$ of an integer relation between $x$ and $y$ in ``order``.

        >>> Mobius.from_relation((4, 0, 0, -1), "1,x,y,xy").text(), Mobius.from_relation((1, 0, -4, 0), "y,1,x,xy").text()
        ('4/x', '4x')
        """
        r = [int(c) for c in relation]
        if order == "y,1,x,xy":
            return cls.of(-r[1], -r[2], r[0], r[3])
        return cls.of(-r[0], -r[1], r[2], r[3])

    def relation(self, order: RelationOrder) -> tuple[int, int, int, int]:
        """$y = m(x)$ as an integer relation in ``order`` (the inverse of :meth:`from_relation`).

        >>> Mobius.of(1, 2, 3, 4).relation("y,1,x,xy"), Mobius.of(1, 2, 3, 4).relation("1,x,y,xy")
        ((3, -1, -2, 4), (-1, -2, 3, 4))
        """
        if order == "y,1,x,xy":
            return self.c2, -self.c0, -self.c1, self.c3
        return -self.c0, -self.c1, self.c2, self.c3

    @property
    def coefficients(self) -> tuple[int, int, int, int]:
        """``(c0, c1, c2, c3)``, as JSON stores them."""
        return self.c0, self.c1, self.c2, self.c3

    def matrix(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """The 2×2 matrix whose projective action is this map."""
        return (self.c1, self.c0), (self.c3, self.c2)

    @property
    def determinant(self) -> int:
        """$c_1 c_2 - c_0 c_3$; zero for a degenerate (constant) map."""
        return self.c1 * self.c2 - self.c0 * self.c3

    def apply(self, x: Any) -> Any:
        """$m(x)$ for a Fraction (exactly), an mpf or a float."""
        return (self.c0 + self.c1 * x) / (self.c2 + self.c3 * x)

    def inverse(self) -> Mobius:
        """The inverse map (for a non-degenerate map)."""
        if self.determinant == 0:
            raise ValueError(f"{self.text()} is degenerate: it has no inverse")
        return Mobius.of(-self.c0, self.c2, self.c1, -self.c3)

    def compose(self, inner: Mobius) -> Mobius:
        r"""$x \mapsto$ ``self(inner(x))`` (also written ``self @ inner``).

        >>> Mobius.of(1, 1, 1, 0).compose(Mobius.of(0, 2, 1, 0)).text()     # 1 + 2x
        '2x + 1'
        """
        (a, b), (c, d) = self.matrix()
        (e, f), (g, h) = inner.matrix()
        return Mobius.from_matrix(a * e + b * g, a * f + b * h, c * e + d * g, c * f + d * h)

    def __matmul__(self, inner: Mobius) -> Mobius:
        return self.compose(inner)

    def log10_derivative(self, x: Any) -> float:
        r"""$\log_{10} |m'(x)|$, with $m'(x) = \det / (c_2 + c_3 x)^2$: the digits the map costs at $x$."""
        det = self.determinant
        if det == 0:
            return -math.inf
        return float(mpmath.log10(abs(det)) - 2 * mpmath.log10(abs(self.c2 + self.c3 * x)))

    def text(self, x: str = "x") -> str:
        """The map as text over the variable ``x``, such as ``(5x - 1)/x``."""
        return mobius(self.coefficients, x, variable=True)

    def expression(self, inner: str) -> str:
        """The map applied to the constant or expression ``inner``, as expression text
        (``(5*pi - 1)/pi``) that :func:`brouncker.constants.parse_constant` reads back."""
        return mobius(self.coefficients, inner)

    def latex(self, x: str = "x") -> str:
        """The map in LaTeX over the symbol ``x`` (LaTeX itself, such as ``L`` or ``\\pi``)."""
        return latex_mobius(self.coefficients, x)

    def as_dict(self) -> dict[str, Any]:
        return {"coefficients": list(self.coefficients), "map": self.text()}
