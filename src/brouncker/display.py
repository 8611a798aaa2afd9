r"""brouncker's results as mathematics in a notebook: the generic ``_repr_latex_``.

Jupyter calls ``_repr_latex_`` on the last value of a cell and typesets the text with
MathJax. A type that shows as mathematics inherits :class:`Displayed` and writes its own
``latex()`` (one displayed equation, or several), built on :mod:`brouncker.printing`; this
module knows none of those types. The store's conjecture rows are shown by
:func:`conjecture_latex`, which reads their fields and nothing else.

>>> class Half(Displayed):
...     def latex(self) -> str:
...         return r"\frac{1}{2}"
>>> Half()._repr_latex_(), display(("x = 1", r"\text{exact}"))
('$$\\frac{1}{2}$$', '$$x = 1$$$$\\text{exact}$$')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .printing import cfrac_formula_latex, latex_expression, latex_number, leading_digits


def display(latex: str | Sequence[str]) -> str:
    """One displayed equation, or several one under the other, for ``_repr_latex_``."""
    lines = (latex,) if isinstance(latex, str) else latex
    return "".join(f"$${line}$$" for line in lines)


class Displayed:
    """A value shown as mathematics in a notebook: ``_repr_latex_`` displays ``latex()``."""

    __slots__ = ()

    def latex(self) -> str | Sequence[str]:
        """The value in LaTeX: one equation, or several shown one under the other."""
        raise NotImplementedError

    def _repr_latex_(self) -> str:
        return display(self.latex())


class Conjecture(Protocol):
    """What a stored conjecture is shown by: the fields of a query row (polynomial text)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def a(self) -> str | None: ...
    @property
    def b(self) -> str | None: ...
    @property
    def expression(self) -> str | None: ...
    @property
    def digits(self) -> int: ...
    @property
    def delta(self) -> float | None: ...
    @property
    def delta_kind(self) -> str | None: ...
    @property
    def status(self) -> str: ...


def conjecture_latex(row: Conjecture, value: str | None = None) -> tuple[str, str]:
    r"""A stored conjecture: its formula (a candidate by its digits, ``value``), then its
    status, digits and δ.

    A CMF's PCF carries its value only up to a Möbius map, so only a PCF conjecture is
    written as ``expression = fraction``.
    """
    delta = "" if row.delta is None else rf",\ \delta = {latex_number(row.delta)}" + (f"\\ ({row.delta_kind})" if row.delta_kind else "")
    note = rf"\text{{conjecture {row.id}: {row.status}, {row.digits} digits}}{delta}"
    if row.kind == "pcf" and row.a is not None and row.b is not None:
        formula = cfrac_formula_latex(row.expression, row.a, row.b, value=value)
    elif row.expression is not None:
        formula = rf"x = {latex_expression(row.expression)}"
    else:
        formula = rf"x \approx {leading_digits(value or '?')}\ldots"
    return formula, note
