r"""The polynomial continued fraction as a value object.

$$\mathrm{PCF}(a, b) = a(0) + \cfrac{b(1)}{a(1) + \cfrac{b(2)}{a(2) + \ddots}}$$

with $a, b$ integer polynomials in $n$, coefficients highest degree first.

>>> apery = PCF.parse("34n^3+51n^2+27n+5", "-n^6")
>>> str(apery)
'PCF(34n^3 + 51n^2 + 27n + 5, -n^6)'
>>> apery == PCF((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..display import Displayed
from ..printing import FRACTION_TERMS, format_pcf, format_polynomial, latex_cfrac
from .convergent import Convergent
from .polynomial import Coefficients, degree, evaluate, normalize, parse
from .walk import walk


@dataclass(frozen=True, slots=True)
class PCF(Displayed):
    """PCF(a, b), immutable and hashable; equal when the coefficients are equal."""

    a: Coefficients
    b: Coefficients

    def __init__(self, a: Sequence[int] | str, b: Sequence[int] | str) -> None:
        object.__setattr__(self, "a", parse(a) if isinstance(a, str) else normalize(a))
        object.__setattr__(self, "b", parse(b) if isinstance(b, str) else normalize(b))

    @classmethod
    def parse(cls, a: str, b: str) -> "PCF":
        """Build from polynomial text such as ``"(2n+1)(3n^2+3n+1)"`` and ``"-n^6"``."""
        return cls(parse(a), parse(b))

    @property
    def degrees(self) -> tuple[int, int]:
        """(deg a, deg b)."""
        return degree(self.a), degree(self.b)

    def a_at(self, n: int) -> int:
        return evaluate(self.a, n)

    def b_at(self, n: int) -> int:
        return evaluate(self.b, n)

    def convergent(self, depth: int) -> Convergent:
        """The exact convergent $p(N)/q(N)$ at ``depth`` (see :mod:`brouncker.pcf.walk`)."""
        return walk(self.a, self.b, depth)

    @property
    def a_text(self) -> str:
        return format_polynomial(self.a)

    @property
    def b_text(self) -> str:
        return format_polynomial(self.b)

    def __str__(self) -> str:
        return format_pcf(self.a, self.b)

    def latex(self, terms: int = FRACTION_TERMS) -> str:
        r"""The fraction written out for ``terms`` levels, then the general term (what a
        notebook displays).

        >>> PCF((2, 1), (1, 0, 0)).latex()
        '1 + \\cfrac{1}{3 + \\cfrac{4}{5 + \\ddots + \\cfrac{n^{2}}{2n + 1 + \\ddots}}}'
        """
        return latex_cfrac(self.a, self.b, terms)

    def as_dict(self) -> dict[str, str]:
        return {"a": self.a_text, "b": self.b_text}
