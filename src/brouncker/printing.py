r"""Text and LaTeX of polynomials, linear forms over constants, Möbius forms and closed-form
expressions: the one printer of the code base.

Text is meant to be read back: polynomials in $n$ by :func:`brouncker.pcf.polynomial.parse`,
expressions over the bank by :func:`brouncker.constants.parse_constant`. One set of rules
holds everywhere:

* a sum is written with its signs (``a - b``, never ``a + -b``), in the order of its
  coefficients, except that a constant term moves to the front when that avoids a leading
  minus (``1 - e`` rather than ``-e + 1``);
* of a quotient $N/D$ and $(-N)/(-D)$ the one with fewer minus signs in front is written; on
  a tie the denominator's leading coefficient is positive;
* a numerator that is a sum, and a denominator that is not a single number, name, call or
  power, are put in parentheses;
* bank names appear as mathematicians write them (``zeta(3)`` for ``zeta3``).

>>> format_polynomial((34, 51, 27, 5))
'34n^3 + 51n^2 + 27n + 5'
>>> mobius((0, 1, 3, -1), "e"), mobius((4, 0, 0, 1), "zeta3")
('e/(3 - e)', '4/zeta(3)')
>>> linear_ratio((1, -5, 4), (3, 2, -1), ("pi", "ln2"))
'(1 - 5*pi + 4*ln2)/(2*pi - ln2 + 3)'
>>> latex_expression("6/zeta(3)")
'\\frac{6}{\\zeta\\left(3\\right)}'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from fractions import Fraction

from .pcf.polynomial import evaluate, normalize, parse

FRACTION_TERMS = 2
"""Levels of a continued fraction written out before its general term."""

SHOWN_DIGITS = 30
"""Digits of a value shown next to a formula (the record holds all of them)."""

DISPLAY = {"zeta2": "zeta(2)", "zeta3": "zeta(3)", "zeta4": "zeta(4)", "zeta5": "zeta(5)"}
"""Bank names written as a function call in expressions; both forms parse to the same constant."""

_NUMBER = re.compile(r"\d+")
_CALL = re.compile(r"[A-Za-z_]\w*(\(.*\))?")
_POWER = re.compile(r"(.*)\^(\d+|\(.*\))")


# --- building blocks --------------------------------------------------------------------


def _enclosed(text: str) -> bool:
    """``(…)`` whose opening parenthesis closes at the very end."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i < len(text) - 1:
            return False
    return depth == 0


def atomic(text: str) -> bool:
    """Whether ``text`` is one factor that binds tighter than ``*`` and ``/``: a number, a
    name, a call, a parenthesised group, or one of those raised to a power.

    >>> [atomic(t) for t in ("pi", "zeta(3)", "(e - 1)", "n^2", "2*pi", "-e", "2k", "(a)+(b)")]
    [True, True, True, True, False, False, False, False]
    """
    power = _POWER.fullmatch(text)
    if power is not None and atomic(power.group(1)):
        return True
    if _NUMBER.fullmatch(text) or _enclosed(text):
        return True
    call = _CALL.fullmatch(text)
    return call is not None and (call.group(1) is None or _enclosed(call.group(1)))


def symbol(name: str) -> str:
    """A constant or a sub-expression as a factor: a bank name as mathematicians write it,
    any other name as it is, and any other text (an expression) in parentheses.

    >>> symbol("zeta3"), symbol("pi"), symbol("4/pi"), symbol("tan(1)"), symbol("zeta3^2")
    ('zeta(3)', 'pi', '(4/pi)', '(tan(1))', 'zeta(3)^2')
    """
    if name in DISPLAY:
        return DISPLAY[name]
    power = _POWER.fullmatch(name)
    if power and power.group(1).isidentifier():  # a bank constant's power, as in a relation's basis
        return f"{symbol(power.group(1))}^{power.group(2)}"
    return name if name.isidentifier() else f"({name})"


def join_terms(terms: Sequence[str], spaced: bool = True) -> str:
    """Terms, each with its own sign, joined into a sum; ``0`` when there are none.

    >>> join_terms(["2n", "-1"]), join_terms(["-e", "1"], spaced=False), join_terms([])
    ('2n - 1', '-e+1', '0')
    """
    if not terms:
        return "0"
    plus, minus = (" + ", " - ") if spaced else ("+", "-")
    out = terms[0]
    for term in terms[1:]:
        out += minus + term[1:] if term.startswith("-") else plus + term
    return out


def times(coefficient: str, factor: str, sign: str = "*") -> str:
    """``coefficient · factor`` as one signed term; a coefficient that is a sum goes in
    parentheses, and 1 and -1 are left out.

    >>> times("3", "pi"), times("-1", "e"), times("k + 1", "y(k)"), times("2k", "n", "")
    ('3*pi', '-e', '(k + 1)*y(k)', '2kn')
    """
    if coefficient == "1":
        return factor
    if coefficient == "-1":
        return "-" + factor
    body = coefficient[1:] if coefficient.startswith("-") else coefficient
    if _is_sum(body):
        return f"({coefficient}){sign}{factor}"
    return f"{coefficient}{sign}{factor}"


def _is_sum(text: str) -> bool:
    """Whether ``text`` has a + or - outside parentheses (after its first character)."""
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i > 0 and ch in "+-" and text[i - 1] not in "*/^(":
            return True
    return False


def divide(numerator: Sequence[str], denominator: Sequence[str], spaced: bool = True) -> str:
    """The quotient of two sums given as their terms; a denominator of 1 is left out.

    >>> divide(["pi", "-3"], ["2"]), divide(["4"], ["pi"]), divide(["1"], ["7*zeta(3)"])
    ('(pi - 3)/2', '4/pi', '1/(7*zeta(3))')
    """
    top = join_terms(numerator, spaced)
    bottom = join_terms(denominator, spaced)
    if bottom == "1":
        return top
    if len(numerator) > 1:
        top = f"({top})"
    if len(denominator) > 1 or not atomic(bottom):
        bottom = f"({bottom})"
    return f"{top}/{bottom}"


def _quotient(
    numerator: Sequence[int],
    denominator: Sequence[int],
    terms: Callable[[Sequence[int]], list[str]],
    leading: Callable[[Sequence[int]], int],
    spaced: bool,
) -> str:
    """N/D or (-N)/(-D): fewer minus signs in front, then a positive leading denominator."""
    return divide(*_quotient_terms(numerator, denominator, terms, leading), spaced)


def _quotient_terms(
    numerator: Sequence[int],
    denominator: Sequence[int],
    terms: Callable[[Sequence[int]], list[str]],
    leading: Callable[[Sequence[int]], int],
) -> tuple[list[str], list[str]]:
    """The terms of the numerator and denominator :func:`_quotient` writes (reduced by the gcd)."""
    g = math.gcd(*numerator, *denominator) or 1
    num = [c // g for c in numerator]
    den = [c // g for c in denominator]
    forms = []
    for sign in (1, -1):
        n_terms, d_terms = terms([sign * c for c in num]), terms([sign * c for c in den])
        minus = (n_terms[:1] or ["0"])[0].startswith("-") + (d_terms[:1] or ["0"])[0].startswith("-")
        forms.append((minus, leading([sign * c for c in den]) < 0, n_terms, d_terms))
    _, _, n_terms, d_terms = min(forms, key=lambda f: (f[0], f[1]))
    return n_terms or ["0"], d_terms or ["0"]


# --- polynomials --------------------------------------------------------------------------


def polynomial_terms(coefficients: Sequence[int], variable: str = "n", sign: str = "", ascending: bool = False) -> list[str]:
    """The non-zero terms of a polynomial (highest degree first unless ``ascending``), each
    with its sign; ``sign`` is the multiplication sign between a coefficient and a power.

    >>> polynomial_terms((2, 0, -1), "c", "*"), polynomial_terms((-1, 0, 1), "n", ascending=True)
    (['2*c^2', '-1'], ['1', '-n^2'])
    """
    top = len(coefficients) - 1
    out: list[str] = []
    for i, c in enumerate(coefficients):
        if c == 0:
            continue
        k = top - i
        if k == 0:
            out.append(str(c))
        else:
            out.append(times(str(c), variable if k == 1 else f"{variable}^{k}", sign))
    return out[::-1] if ascending else out


def format_polynomial(coefficients: Sequence[int], variable: str = "n") -> str:
    """Readable text (highest degree first, implicit multiplication) that
    :func:`brouncker.pcf.polynomial.parse` reads back to the same coefficients.

    >>> format_polynomial((-1, 0, 0, 0, 0, 0, 0)), format_polynomial((1, 3), "k"), format_polynomial(())
    ('-n^6', 'k + 3', '0')
    """
    return join_terms(polynomial_terms(normalize(coefficients), variable))


def polynomial_text(coefficients: Sequence[int] | None) -> str | None:
    """Stored coefficients (any integers) as polynomial text, as the command line prints them;
    None stays None.

    >>> polynomial_text([2, 1]), polynomial_text(None)
    ('2n + 1', None)
    """
    return None if coefficients is None else format_polynomial(tuple(int(c) for c in coefficients))


def latex_polynomial(coefficients: Sequence[int], variable: str = "n") -> str:
    """LaTeX such as ``34n^{3} + 51n^{2} + 27n + 5``.

    >>> latex_polynomial((1, 0, -2))
    'n^{2} - 2'
    """
    return re.sub(r"\^(\d+)", r"^{\1}", format_polynomial(coefficients, variable))


def polynomial_expression(coefficients: Sequence[int], name: str) -> str:
    """A polynomial in a constant as expression text: explicit ``*``, no spaces, written from
    the constant term up when that avoids a leading minus.

    >>> polynomial_expression((-1, 1), "e"), polynomial_expression((2, 1), "zeta3")
    ('1-e', '2*zeta(3)+1')
    """
    return join_terms(_ascending_terms(coefficients, symbol(name)), spaced=False)


def _ascending_terms(coefficients: Sequence[int], name: str) -> list[str]:
    ascending = len(coefficients) > 1 and coefficients[0] < 0 and coefficients[-1] > 0
    return polynomial_terms(coefficients, name, "*", ascending)


def polynomial_ratio(numerator: Sequence[int], denominator: Sequence[int], name: str) -> str:
    r"""$P(K)/Q(K)$ as compact expression text (polynomials highest degree first).

    >>> polynomial_ratio((1, 0), (1, -1), "e"), polynomial_ratio((-1, 0), (1, -1), "e")
    ('e/(e-1)', 'e/(1-e)')
    >>> polynomial_ratio((2, 1), (1, 0, 0), "tan(1)")
    '(2*(tan(1))+1)/(tan(1))^2'
    """
    shown = symbol(name)

    def leading(coefficients: Sequence[int]) -> int:
        return next((c for c in coefficients if c), 0)

    return _quotient(numerator, denominator, lambda cs: _ascending_terms(cs, shown), leading, spaced=False)


def polynomial_in(coefficients: Sequence[Sequence[int]], variable: str = "n", inner: str = "k") -> str:
    """A polynomial in ``variable`` whose coefficients (highest degree first) are polynomials
    in ``inner``: the parametric PCFs of a family.

    >>> polynomial_in([(1,), (1, 3)]), polynomial_in([(-2,), (2, 1), (0,)]), polynomial_in([(2, 0), (-1,)])
    ('n + k + 3', '-2n^2 + (2k + 1)n', '2kn - 1')
    """
    top = len(coefficients) - 1
    out: list[str] = []
    for i, poly in enumerate(coefficients):
        if not any(poly):
            continue
        text = format_polynomial(poly, inner)
        k = top - i
        if k == 0:
            out.extend(polynomial_terms(normalize(poly), inner))
        else:
            out.append(times(text, variable if k == 1 else f"{variable}^{k}", ""))
    return join_terms(out)


# --- linear forms and quotients over constants --------------------------------------------


def linear_terms(coefficients: Sequence[int], names: Sequence[str]) -> list[str]:
    r"""The terms of $c_0 + c_1 K_1 + \dots$: the constants' terms in order, the constant term
    last, or first when that avoids a leading minus.

    >>> linear_terms((1, -2), ("pi",)), linear_terms((-1, 0, 3), ("e", "zeta3"))
    (['1', '-2*pi'], ['3*zeta(3)', '-1'])
    """
    return _linear_terms(coefficients, [symbol(k) for k in names])


def _linear_terms(coefficients: Sequence[int], factors: Sequence[str], sign: str = "*") -> list[str]:
    """:func:`linear_terms` over factors written as given, ``sign`` between a coefficient and its factor."""
    terms = [times(str(c), k, sign) for c, k in zip(coefficients[1:], factors) if c]
    if coefficients and coefficients[0]:
        if terms and terms[0].startswith("-") and coefficients[0] > 0:
            terms.insert(0, str(coefficients[0]))
        else:
            terms.append(str(coefficients[0]))
    return terms


def _polynomial_form_terms(coefficients: Sequence[Sequence[int]], names: Sequence[str], variable: str) -> list[str]:
    terms = [times(format_polynomial(p, variable), k) for p, k in zip(coefficients[1:], names) if any(p)]
    constant = coefficients[0] if coefficients else (0,)
    if any(constant):
        inner = polynomial_terms(normalize(constant), variable)
        if terms and terms[0].startswith("-") and not inner[0].startswith("-"):
            return inner + terms
        return terms + inner
    return terms


def linear_ratio(numerator: Sequence[int], denominator: Sequence[int], names: Sequence[str]) -> str:
    r"""$(c_0 + c_1 K_1 + \dots)/(d_0 + d_1 K_1 + \dots)$ as expression text (reduced by the
    gcd of all coefficients; an empty ``names`` gives a rational).

    >>> linear_ratio((-4,), (6,), ()), linear_ratio((2, -1), (1, 3), ("pi",)), linear_ratio((0, -3), (4, 0), ("pi",))
    ('-2/3', '(2 - pi)/(3*pi + 1)', '-3*pi/4')
    """
    return divide(*_linear_quotient(numerator, denominator, [symbol(k) for k in names]), spaced=True)


def _linear_quotient(numerator: Sequence[int], denominator: Sequence[int], factors: Sequence[str],
                     sign: str = "*") -> tuple[list[str], list[str]]:
    """The terms :func:`linear_ratio` writes, over factors written as given."""
    def leading(coefficients: Sequence[int]) -> int:
        return next((c for c in coefficients[1:] if c), coefficients[0] if coefficients else 0)

    return _quotient_terms(numerator, denominator, lambda cs: _linear_terms(cs, factors, sign), leading)


def mobius(coefficients: Sequence[int], name: str, variable: bool = False) -> str:
    r"""The Möbius form $(c_0 + c_1 K)/(c_2 + c_3 K)$ as text: an expression over the constant
    or sub-expression ``name``, or, with ``variable``, the map over the variable ``name``,
    written the way polynomials are (``5x``, not ``5*x``). The one printer of Möbius maps:
    :class:`brouncker.pcf.mobius.Mobius` calls it and :func:`latex_mobius`.

    >>> mobius((1, 0, -1, 1), "e"), mobius((-3, 1, 2, 0), "pi"), mobius((1, 2, 1, 0), "zeta3")
    ('1/(e - 1)', '(pi - 3)/2', '2*zeta(3) + 1')
    >>> mobius((-1, 1, 2, 0), "4/pi"), mobius((-1, 5, 0, 1), "x", variable=True), mobius((-1, -1, 0, 6), "V", variable=True)
    ('((4/pi) - 1)/2', '(5x - 1)/x', '(-V - 1)/(6V)')
    """
    c0, c1, c2, c3 = (int(c) for c in coefficients)
    return divide(*_linear_quotient((c0, c1), (c2, c3), [symbol(name)], "" if variable else "*"), spaced=True)


def latex_mobius(coefficients: Sequence[int], variable: str = "x") -> str:
    r"""The Möbius map $x \mapsto (c_0 + c_1 x)/(c_2 + c_3 x)$ in LaTeX, the terms as
    :func:`mobius` writes them; ``variable`` is LaTeX of one symbol.

    >>> latex_mobius((-1, 5, 0, 1)), latex_mobius((4, 0, 0, 1), r"\pi"), latex_mobius((1, -1, 1, 0), "L")
    ('\\frac{5x - 1}{x}', '\\frac{4}{\\pi}', '1 - L')
    """
    c0, c1, c2, c3 = (int(c) for c in coefficients)
    numerator, denominator = _linear_quotient((c0, c1), (c2, c3), [variable], "")
    top, bottom = join_terms(numerator), join_terms(denominator)
    return top if bottom == "1" else rf"\frac{{{top}}}{{{bottom}}}"


def polynomial_ratio_form(numerator: Sequence[Sequence[int]], denominator: Sequence[Sequence[int]], names: Sequence[str],
                          variable: str = "k") -> str:
    r"""$(P_0 + P_1 S)/(Q_0 + Q_1 S)$ with polynomial coefficients in ``variable``, e.g. a
    Möbius recurrence $y(k+1) = \dots y(k)$.

    >>> polynomial_ratio_form([(0,), (-1,)], [(-1, -1), (-1,)], ["y(k)"])
    'y(k)/(y(k) + k + 1)'
    """
    width = max(len(p) for p in (*numerator, *denominator))

    def pad(p: Sequence[int]) -> list[int]:
        return [0] * (width - len(p)) + [int(c) for c in p]

    flat_num = [c for p in numerator for c in pad(p)]
    flat_den = [c for p in denominator for c in pad(p)]

    def unflatten(cs: Sequence[int]) -> list[Sequence[int]]:
        return [cs[i:i + width] for i in range(0, len(cs), width)]

    def terms(cs: Sequence[int]) -> list[str]:
        return _polynomial_form_terms(unflatten(cs), names, variable)

    def leading(cs: Sequence[int]) -> int:
        polys = unflatten(cs)
        first = next((p for p in polys[1:] if any(p)), polys[0])
        return next((c for c in first if c), 0)

    return _quotient(flat_num, flat_den, terms, leading, spaced=True)


# --- PCFs and LaTeX -----------------------------------------------------------------------


def format_pcf(a: Sequence[int], b: Sequence[int]) -> str:
    """``PCF(a, b)`` with both polynomials written out.

    >>> format_pcf((2, 1), (1, 0, 0))
    'PCF(2n + 1, n^2)'
    """
    return f"PCF({format_polynomial(a)}, {format_polynomial(b)})"


def latex_expression(text: str) -> str:
    r"""A constant expression in LaTeX, bank constants by their usual symbols (``\varpi``,
    ``G``); the output is understood by LaTeX and by matplotlib's mathtext. Text that does
    not parse is set upright, with TeX's special characters escaped.

    >>> latex_expression("1/(2*catalan)"), latex_expression("lemniscate/pi")
    ('\\frac{1}{2 G}', '\\frac{\\varpi}{\\pi}')
    >>> latex_expression("4/nosuch")
    '\\mathrm{4/nosuch}'
    """
    import sympy

    from .constants import BANK, parse_constant
    from .errors import BrounckerError

    try:
        expr = parse_constant(text).sympy
    except BrounckerError:
        return r"\mathrm{" + escape_latex(text) + "}"
    names: dict[object, str] = {}
    for free in getattr(expr, "free_symbols", set()):
        for constant in BANK.values():
            if constant.latex and constant.sympy_form() == free:
                names[free] = constant.latex
    return sympy.latex(expr, symbol_names=names)


def escape_latex(text: str) -> str:
    r"""Text with TeX's special characters escaped.

    >>> escape_latex("a_1 & 50%")
    'a\\_1 \\& 50\\%'
    """
    special = {"\\": r"\backslash ", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}", "#": r"\#", "%": r"\%",
               "&": r"\&", "$": r"\$", "~": r"\~{}"}
    return "".join(special.get(ch, ch) for ch in text)


def latex_pcf(a: Sequence[int], b: Sequence[int]) -> str:
    r"""``PCF(a, b)`` in LaTeX, both polynomials written out: the one LaTeX of the call form.

    >>> latex_pcf((2, 1), (1, 0, 0))
    '\\mathrm{PCF}\\left(2n + 1,\\ n^{2}\\right)'
    """
    return rf"\mathrm{{PCF}}\left({latex_polynomial(a)},\ {latex_polynomial(b)}\right)"


def latex_cfrac(a: Sequence[int], b: Sequence[int], terms: int = FRACTION_TERMS) -> str:
    r"""PCF(a, b) as a continued fraction, written out for ``terms`` levels, then its general term.

    >>> latex_cfrac((2, 1), (1, 0, 0))
    '1 + \\cfrac{1}{3 + \\cfrac{4}{5 + \\ddots + \\cfrac{n^{2}}{2n + 1 + \\ddots}}}'
    """
    a, b = normalize(a), normalize(b)
    parts = [str(evaluate(a, 0))]
    for n in range(1, terms + 1):
        parts.append(rf" + \cfrac{{{evaluate(b, n)}}}{{{evaluate(a, n)}")
    general = rf"\ddots + \cfrac{{{latex_polynomial(b)}}}{{{latex_polynomial(a)} + \ddots}}"
    text = parts[0] + "".join(parts[1:]) + " + " + general + "}" * terms
    return text.replace("+ -", "- ")


def latex_fraction(value: Fraction) -> str:
    r"""A rational number in LaTeX.

    >>> latex_fraction(Fraction(-3, 4)), latex_fraction(Fraction(5))
    ('-\\frac{3}{4}', '5')
    """
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return rf"{sign}\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def latex_number(value: float | None, places: int = 4) -> str:
    r"""A measured number in LaTeX to ``places`` significant digits; a dash when there is none.

    >>> latex_number(0.0811263), latex_number(None), latex_number(float("-inf"))
    ('0.08113', '\\text{--}', '-\\infty')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return r"\text{--}"
    if isinstance(value, float) and math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    return f"{value:.{places}g}"


def leading_digits(value: str, shown: int = SHOWN_DIGITS) -> str:
    """The beginning of a decimal text: its first ``shown`` + 2 characters (``0.`` and
    ``shown`` digits), of its digits, point and sign only.

    >>> leading_digits("0.58197670686932642438", 5), leading_digits("")
    ('0.58197', '?')
    """
    text = "".join(ch for ch in str(value) if ch.isdigit() or ch in ".-")
    return text[: shown + 2] or "?"


def formula_latex(expression: str, a: str | Sequence[int], b: str | Sequence[int]) -> str:
    r"""``expression = PCF(a, b)`` in LaTeX (mathtext understands it).

    >>> formula_latex("4/pi", "2n+1", "n^2")
    '\\frac{4}{\\pi} = \\mathrm{PCF}\\left(2n + 1,\\ n^{2}\\right)'
    """
    return f"{latex_expression(expression)} = {latex_pcf(parse(a), parse(b))}"


def cfrac_formula_latex(expression: str | None, a: str | Sequence[int], b: str | Sequence[int], value: str | None = None,
                        terms: int = FRACTION_TERMS) -> str:
    r"""``expression = fraction`` in LaTeX (for MathJax and MathML: mathtext has no ``\cfrac``);
    a value no constant explains (``expression`` None) is shown by its digits, ``value``, as
    ``1.2345… = …``, or as ``x`` when unknown.

    >>> cfrac_formula_latex(None, "1", "n", value="1.5251352761609812091")[:29]
    '1.5251352761609812091\\ldots ='
    >>> cfrac_formula_latex(None, "1", "n")[:4]
    'x = '
    """
    fraction = latex_cfrac(parse(a), parse(b), terms)
    if expression is not None:
        return f"{latex_expression(expression)} = {fraction}"
    if value:
        return rf"{leading_digits(value)}\ldots = {fraction}"
    return f"x = {fraction}"
