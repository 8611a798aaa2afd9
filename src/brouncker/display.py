r"""brouncker's results as mathematics: the LaTeX that a notebook shows for them.

Jupyter calls ``_repr_latex_`` on the last value of a cell and typesets the text with
MathJax. PCFs, canonical forms, verifications, identifications, dynamics records and the
store's conjecture rows each have one, and it calls the function of this module for its
type. The same functions give the web app its formulas (turned into MathML there).

Expressions over the bank are set with the bank's symbols (``\varpi``, ``G``);
polynomials through :func:`~brouncker.pcf.polynomial.latex_polynomial`.

>>> from brouncker.pcf.fraction import PCF
>>> print(cfrac_formula_latex("4/pi", PCF.parse("2n+1", "n^2")))
\frac{4}{\pi} = 1 + \cfrac{1}{3 + \cfrac{4}{5 + \ddots + \cfrac{n^{2}}{2n + 1 + \ddots}}}
>>> print(PCF.parse("2n+1", "n^2")._repr_latex_())
$$1 + \cfrac{1}{3 + \cfrac{4}{5 + \ddots + \cfrac{n^{2}}{2n + 1 + \ddots}}}$$
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from .printing import latex_expression, latex_polynomial

if TYPE_CHECKING:
    from .convergence.dynamics import Dynamics
    from .convergence.verify import Verification
    from .identification.identify import Identification
    from .pcf.canonical import Canonical, Inflation
    from .pcf.fraction import PCF
    from .store.rows import ConjectureDetail, ConjectureRow

FRACTION_TERMS = 2  # levels of a continued fraction written out before its general term
SHOWN_DIGITS = 30  # digits of a limit shown next to a formula (the record holds all of them)

def cfrac_formula_latex(expression: str | None, pcf: PCF, terms: int = FRACTION_TERMS, value: str | None = None) -> str:
    r"""``expression = fraction``; a value no constant explains (``expression`` None) is
    shown by its digits, ``value``, as ``1.2345… = …`` (or as ``x`` when unknown). The
    fraction is written out for ``terms`` levels, then its general term.

    >>> from brouncker.pcf.fraction import PCF
    >>> cfrac_formula_latex(None, PCF.parse("1", "n"), value="1.5251352761609812091")[:29]
    '1.5251352761609812091\\ldots ='
    """
    if expression is not None:
        return f"{latex_expression(expression)} = {pcf.latex(terms=terms)}"
    if value:
        return rf"{_digits(value)}\ldots = {pcf.latex(terms=terms)}"
    return f"x = {pcf.latex(terms=terms)}"


def _digits(value: str, shown: int = SHOWN_DIGITS) -> str:
    """The first ``shown`` significant characters of a decimal text (digits only kept)."""
    text = "".join(ch for ch in str(value) if ch.isdigit() or ch in ".-")
    return text[: shown + 2] or "?"


def _number(value: float | None, places: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return r"\text{--}"
    if isinstance(value, float) and math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    return f"{value:.{places}g}"


def _display(*lines: str) -> str:
    """One or more displayed equations for ``_repr_latex_``."""
    return "".join(f"$${line}$$" for line in lines)


# --- the _repr_latex_ of each type ---------------------------------------------------------


def pcf_display(pcf: PCF) -> str:
    return _display(pcf.latex(terms=FRACTION_TERMS))


def canonical_display(canonical: Canonical) -> str:
    r"""The canonical PCF, and how the input relates to it: the input is the canonical PCF
    inflated by $c(n)$, and its value is $c(0)$ times the canonical one."""
    pcf = canonical.pcf
    head = rf"\mathrm{{PCF}}\left({latex_polynomial(pcf.a)},\ {latex_polynomial(pcf.b)}\right)"
    scale = canonical.scale
    if scale.trivial:
        return _display(head + r"\quad\text{(the input is canonical)}")
    relation = rf"c(n) = {inflation_latex(scale)},\quad \text{{value}} = {fraction_latex(scale.value_factor)} \cdot \text{{canonical value}}"
    return _display(head, relation)


def inflation_latex(scale: Inflation) -> str:
    r"""The factor $c(n)$ of an inflation in LaTeX.

    >>> from brouncker.pcf.canonical import Inflation
    >>> inflation_latex(Inflation(-1, 2, (2, 1)))
    '-2\\left(2n + 1\\right)'
    """
    k = scale.sign * scale.constant
    numerator = "" if scale.numerator == (1,) else rf"\left({latex_polynomial(scale.numerator)}\right)"
    head = str(k) if not numerator or abs(k) != 1 else ("-" if k < 0 else "")
    text = head + numerator
    if scale.denominator != (1,):
        text = rf"\frac{{{text}}}{{{latex_polynomial(scale.denominator)}}}"
    return text


def fraction_latex(value: Fraction) -> str:
    r"""A rational number in LaTeX.

    >>> fraction_latex(Fraction(-3, 4)), fraction_latex(Fraction(5))
    ('-\\frac{3}{4}', '5')
    """
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return rf"{sign}\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def verification_display(v: Verification) -> str:
    """The formula verified, and the verdict with its digits and depth."""
    from .pcf.fraction import PCF

    verdict = rf"\text{{{v.verdict} to {v.digits_requested} digits ({v.digits_agreed} agree at depth {v.depth})}}"
    return _display(cfrac_formula_latex(v.constant, PCF.parse(v.a, v.b)), verdict)


def identification_display(identification: Identification) -> str:
    """``value = expression``, and how far the relation is trusted."""
    checked = "" if identification.checked_digits is None else f", re-checked at {identification.checked_digits}"
    note = rf"\text{{found with {identification.digits} digits{checked}; {identification.excess_digits} digits to spare}}"
    return _display(rf"{_digits(identification.value)}\ldots = {latex_expression(identification.expression)}", note)


def dynamics_display(d: Dynamics) -> str:
    """The limit and the measures of convergence of a dynamics record."""
    limit = r"\text{none}" if d.limit is None else _digits(d.limit) + r"\ldots"
    return _display(
        rf"L = {limit}\quad\text{{({d.digits} digits at depth {d.depth}; {d.convergence}{', FR' if d.fr else ''})}}",
        rf"\delta_{{\mathrm{{FR}}}} = {_number(d.delta_fr)},\quad \delta = {_number(d.delta_naive)},\quad "
        rf"\frac{{\text{{digits}}}}{{\text{{term}}}} = {_number(d.digits_per_term)}",
    )


def conjecture_display(row: ConjectureRow, value: str | None = None) -> str:
    """A stored conjecture: its formula, and its status, digits and δ."""
    from .pcf.fraction import PCF

    delta = "" if row.delta is None else rf",\ \delta = {_number(row.delta)}" + (f"\\ ({row.delta_kind})" if row.delta_kind else "")
    note = rf"\text{{conjecture {row.id}: {row.status}, {row.digits} digits}}{delta}"
    if row.kind == "pcf" and row.a is not None and row.b is not None:  # a CMF's PCF carries its value only up to a Möbius map
        formula = cfrac_formula_latex(row.expression, PCF.parse(row.a, row.b), value=value)
    elif row.expression is not None:
        formula = rf"x = {latex_expression(row.expression)}"
    else:
        formula = rf"x \approx {_digits(value or '?')}\ldots"
    return _display(formula, note)


def detail_display(detail: ConjectureDetail) -> str:
    return conjecture_display(detail.conjecture, value=detail.limit)
