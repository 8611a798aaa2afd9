"""The one printer: every text it writes reads back (through the project's own parsers) to the
value it was printed from, checked against a direct evaluation with mpmath."""

from __future__ import annotations

import math

import mpmath
from hypothesis import assume, given
from hypothesis import strategies as st
from mpmath import mp, mpf

from brouncker.constants import constant_value, parse_constant
from brouncker.pcf.polynomial import evaluate, parse
from brouncker.printing import (
    atomic,
    format_pcf,
    format_polynomial,
    formula_latex,
    latex_expression,
    latex_polynomial,
    linear_ratio,
    mobius,
    polynomial_in,
    polynomial_ratio,
    polynomial_ratio_form,
)

small = st.integers(-12, 12)
polynomials = st.lists(st.integers(-40, 40), min_size=1, max_size=5).map(tuple)
names = st.sampled_from(["pi", "e", "zeta3", "catalan", "ln2", "sqrt2", "euler_gamma", "zeta2"])


def value_of(text: str, digits: int = 40) -> mpf:
    return parse_constant(text).value(digits)


def clean(text: str) -> bool:
    """No doubled signs, no '+ -', no '1*'."""
    return "+ -" not in text and "- -" not in text and "--" not in text and "+-" not in text and not text.startswith("1*")


@given(polynomials)
def test_polynomial_text_parses_back(coefficients):
    text = format_polynomial(coefficients)
    assert parse(text) == parse(list(coefficients))
    assert clean(text)


def test_polynomial_texts():
    assert format_polynomial((34, 51, 27, 5)) == "34n^3 + 51n^2 + 27n + 5"
    assert format_polynomial((-1, 0, 0, 0, 0, 0, 0)) == "-n^6"
    assert format_polynomial((0, 0)) == "0"
    assert latex_polynomial((34, 51, 27, 5)) == "34n^{3} + 51n^{2} + 27n + 5"
    assert format_pcf((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0)) == "PCF(34n^3 + 51n^2 + 27n + 5, -n^6)"


@given(names, small, small, small, small)
def test_mobius_text_evaluates_to_the_form(name, c0, c1, c2, c3):
    assume(c0 * c3 != c1 * c2)
    with mp.workdps(50):
        k = constant_value(name, 50)
        assume(abs(c2 + c3 * k) > 1e-6)
        expected = (c0 + c1 * k) / (c2 + c3 * k)
        text = mobius((c0, c1, c2, c3), name)
        assert abs(value_of(text) - expected) <= mpf(10) ** -35 * max(1, abs(expected)), text
    assert parse_constant(text).names == (name,)
    assert clean(text)


@given(st.lists(small, min_size=3, max_size=3), st.lists(small, min_size=3, max_size=3))
def test_two_constant_ratio_evaluates_to_the_ratio(num, den):
    assume(any(num) and any(den))
    with mp.workdps(50):
        pi, ln2 = +mp.pi, mpmath.log(2)
        bottom = den[0] + den[1] * pi + den[2] * ln2
        assume(abs(bottom) > 1e-6)
        expected = (num[0] + num[1] * pi + num[2] * ln2) / bottom
        text = linear_ratio(num, den, ("pi", "ln2"))
        assert abs(value_of(text) - expected) <= mpf(10) ** -35 * max(1, abs(expected)), text
    assert clean(text)


def test_quotient_conventions():
    # fewer minus signs in front; on a tie a positive leading denominator
    assert mobius((0, 1, 3, -1), "e") == "e/(3 - e)"
    assert mobius((0, -1, -3, 1), "e") == "e/(3 - e)"
    assert linear_ratio((0, -3), (4, 0), ("pi",)) == "-3*pi/4"
    assert linear_ratio((2, -1), (1, 3), ("pi",)) == "(2 - pi)/(3*pi + 1)"
    assert linear_ratio((1, 0), (0, 7), ("zeta3",)) == "1/(7*zeta(3))"
    assert linear_ratio((-4,), (6,), ()) == "-2/3"
    assert linear_ratio((0,), (5,), ()) == "0"
    assert mobius((1, 2, 1, 0), "zeta3") == "2*zeta(3) + 1"
    assert mobius((-1, 1, 2, 0), "4/pi") == "((4/pi) - 1)/2"


@given(st.lists(small, min_size=2, max_size=4), st.lists(small, min_size=1, max_size=4))
def test_polynomial_ratio_evaluates_and_is_compact(p, q):
    assume(any(p) and any(q))
    with mp.workdps(50):
        e = +mp.e
        bottom = mpmath.polyval(q, e)
        assume(abs(bottom) > 1e-6)
        expected = mpmath.polyval(p, e) / bottom
        text = polynomial_ratio(p, q, "e")
        assert abs(value_of(text) - expected) <= mpf(10) ** -35 * max(1, abs(expected)), text
    assert " " not in text and clean(text)


def test_polynomial_ratio_texts_of_esma():
    assert polynomial_ratio((1, 0), (1, -1), "e") == "e/(e-1)"
    assert polynomial_ratio((-1, 0), (1, -1), "e") == "e/(1-e)"
    assert polynomial_ratio((-1, -1), (2, -2), "e") == "(e+1)/(2-2*e)"
    assert polynomial_ratio((2, 1), (1, 0, 0), "tan(1)") == "(2*(tan(1))+1)/(tan(1))^2"


@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), min_size=1, max_size=4), st.integers(-6, 6))
def test_polynomial_in_k_is_the_polynomial_at_each_k(pairs, k):
    """Coefficients linear in k; the text with k substituted parses to the evaluated polynomial."""
    text = polynomial_in(pairs)
    substituted = text.replace("k", f"({k})")
    expected = [s * k + c for s, c in pairs]
    assert parse(substituted) == parse(expected)
    assert clean(text)


def test_recurrence_text_evaluates():
    # y(k+1) = -(R0 + R1 y)/(R2 + R3 y) with R = (k, 2, k^2 + 1, -3)
    text = polynomial_ratio_form([(-1, 0), (-2,)], [(1, 0, 1), (-3,)], ["y(k)"])
    with mp.workdps(40):
        for k in range(-3, 4):
            y = +mp.pi
            expected = -(k + 2 * y) / (k * k + 1 - 3 * y)
            shown = text.replace("y(k)", "pi").replace("k", f"({k})")
            assert abs(value_of(shown) - expected) < mpf(10) ** -30, text


def test_atomic():
    assert all(atomic(t) for t in ["7", "pi", "zeta(3)", "(e - 1)", "n^2", "(tan(1))^2"])
    assert not any(atomic(t) for t in ["2*pi", "-e", "2k", "(a)+(b)", "e - 1", "4/pi"])


def test_latex():
    assert latex_expression("6/zeta(3)") == r"\frac{6}{\zeta\left(3\right)}"
    assert latex_expression("lemniscate/pi") == r"\frac{\varpi}{\pi}"
    assert latex_expression("gauss") == r"\mathrm{G_{auss}}"
    assert latex_expression("bad{text}") == r"\mathrm{bad\{text\}}"
    assert formula_latex("6/zeta(3)", "34n^3+51n^2+27n+5", "-n^6") == (
        r"\frac{6}{\zeta\left(3\right)} = \mathrm{PCF}\left(34n^{3} + 51n^{2} + 27n + 5,\ -n^{6}\right)"
    )


def test_every_texts_evaluation_matches_evaluate():
    """format_polynomial and parse agree with Horner evaluation at a few points."""
    for coefficients in [(3, -1, 0, -7), (1, 0), (-2,)]:
        text = format_polynomial(coefficients)
        for n in range(-3, 4):
            assert evaluate(parse(text), n) == evaluate(coefficients, n)
    assert math.isclose(float(value_of(mobius((4, 0, 0, 1), "pi"))), 4 / math.pi)
