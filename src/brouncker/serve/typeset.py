"""Formulas for the browser: LaTeX from :mod:`brouncker.printing`, turned into MathML by
latex2mathml on the server, so a page typesets with no script and nothing fetched.

Only LaTeX that brouncker itself writes is converted: from parsed expressions and
integer polynomials. It never holds ``<``, ``>``, ``&`` or quotes; LaTeX that does
(stored text that did not parse) is shown as escaped text instead, since latex2mathml
copies ``\\text{…}`` through unescaped.

>>> str(mathml(r"\\frac{4}{\\pi}"))[:57]
'<math xmlns="http://www.w3.org/1998/Math/MathML" display='
>>> str(mathml(r"\\text{<b>}"))
'<code class="tex">\\\\text{&lt;b&gt;}</code>'
"""

from __future__ import annotations

import functools
import html

from markupsafe import Markup

from ..errors import BrounckerError
from ..pcf.fraction import PCF
from ..printing import FRACTION_TERMS, cfrac_formula_latex, latex_expression, latex_pcf

TYPESET_CACHE = 4096  # formulas kept typeset (a page of 500 rows, many times over)
UNSAFE = frozenset("<>&\"'")


@functools.lru_cache(maxsize=TYPESET_CACHE)
def mathml(latex: str, block: bool = False) -> Markup:
    """The MathML of ``latex`` (a ``<math>`` element), or the escaped LaTeX when it holds
    characters that brouncker never writes or latex2mathml cannot read."""
    from latex2mathml.converter import convert

    if not UNSAFE.isdisjoint(latex):
        return Markup(f'<code class="tex">{html.escape(latex)}</code>')
    try:
        return Markup(convert(latex, display="block" if block else "inline"))
    except Exception:  # latex2mathml raises assorted errors on LaTeX it does not know; the text is shown instead
        return Markup(f'<code class="tex">{html.escape(latex)}</code>')


@functools.lru_cache(maxsize=TYPESET_CACHE)
def expression(text: str) -> Markup:
    """A closed form over the bank, inline; text that is no expression over the bank (a
    family's description) stays text."""
    from ..constants import parse_constant

    try:
        parse_constant(text)
    except BrounckerError:
        return Markup(f'<span class="text">{html.escape(text)}</span>')
    return mathml(latex_expression(text))


@functools.lru_cache(maxsize=TYPESET_CACHE)
def fraction(a: str, b: str, terms: int = FRACTION_TERMS) -> Markup:
    """PCF(a, b) written out as a continued fraction, displayed."""
    return mathml(PCF.parse(a, b).latex(terms), block=True)


def pcf_call(pcf: PCF) -> Markup:
    """``PCF(a(n), b(n))``, inline."""
    return mathml(latex_pcf(pcf.a, pcf.b))


def formula(expression_text: str | None, a: str, b: str, value: str | None = None) -> Markup:
    """``closed form = continued fraction``, displayed (see :func:`brouncker.printing.cfrac_formula_latex`)."""
    return mathml(cfrac_formula_latex(expression_text, a, b, value=value), block=True)
