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

from ..printing import format_pcf, format_polynomial, latex_polynomial
from .convergent import Convergent
from .polynomial import Coefficients, degree, evaluate, normalize, parse
from .walk import walk


@dataclass(frozen=True, slots=True)
class PCF:
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

    def latex(self, terms: int = 2) -> str:
        r"""The fraction written out for ``terms`` levels, then the general term.

        >>> PCF((2, 1), (1, 0, 0)).latex()
        '1 + \\cfrac{1}{3 + \\cfrac{4}{5 + \\ddots + \\cfrac{n^{2}}{2n + 1 + \\ddots}}}'
        """
        parts = [str(self.a_at(0))]
        for n in range(1, terms + 1):
            parts.append(rf" + \cfrac{{{self.b_at(n)}}}{{{self.a_at(n)}")
        general = rf"\ddots + \cfrac{{{latex_polynomial(self.b)}}}{{{latex_polynomial(self.a)} + \ddots}}"
        text = parts[0] + "".join(parts[1:]) + " + " + general + "}" * terms
        return text.replace("+ -", "- ")

    def as_dict(self) -> dict[str, str]:
        return {"a": self.a_text, "b": self.b_text}

    def _repr_latex_(self) -> str:
        """The fraction typeset in a notebook (see :mod:`brouncker.display`)."""
        from ..display import pcf_display

        return pcf_display(self)
