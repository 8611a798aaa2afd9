"""Parsing and printing of integer polynomials, checked against direct evaluation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brouncker.errors import ParseError
from brouncker.pcf.polynomial import (
    evaluate,
    format_polynomial,
    latex_polynomial,
    multiply,
    parse,
    shift,
)

coefficients = st.lists(st.integers(-50, 50), min_size=1, max_size=6).map(tuple)


@pytest.mark.parametrize(
    "text, coeffs",
    [
        ("34n^3+51n^2+27n+5", (34, 51, 27, 5)),
        ("-n^6", (-1, 0, 0, 0, 0, 0, 0)),
        ("(2n+1)(3n^2+3n+1)", (6, 9, 5, 1)),
        ("n*(2*n-1)", (2, -1, 0)),
        ("n**2 - 1", (1, 0, -1)),
        ("2(n+1)^2", (2, 4, 2)),
        ("  7 ", (7,)),
        ("-(n-1)(n+1)", (-1, 0, 1)),
        ("0", (0,)),
        ("n - n", (0,)),
    ],
)
def test_parse_known_polynomials(text, coeffs):
    assert parse(text) == coeffs


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("2n+", "ends after '+'"),
        ("n^-1", "negative exponents"),
        ("sin(n)", "'sin'"),
        ("n/2", "division"),
        ("__import__('os')", "'__import__'"),
        ("", "empty"),
        ("   ", "empty"),
        ("(n+1", "ends"),
        ("n^n", "exponent"),
        ("x+1", "'x'"),
    ],
)
def test_bad_text_is_one_clear_line(text, fragment):
    with pytest.raises(ParseError) as info:
        parse(text)
    message = str(info.value)
    assert fragment in message and "\n" not in message


@given(coefficients, st.integers(-30, 30))
def test_format_round_trips_and_evaluates_like_numpy_polyval(coeffs, n):
    parsed = parse(format_polynomial(coeffs))
    assert evaluate(parsed, n) == evaluate(coeffs, n) == sum(c * n**k for k, c in enumerate(reversed(coeffs)))


@given(coefficients, coefficients, st.integers(-20, 20))
def test_product_and_shift_agree_with_evaluation(f, g, n):
    assert evaluate(multiply(f, g), n) == evaluate(f, n) * evaluate(g, n)
    assert evaluate(shift(f, 3), n) == evaluate(f, n + 3)


def test_latex_uses_braced_exponents():
    assert latex_polynomial((34, 51, 27, 5)) == "34n^{3} + 51n^{2} + 27n + 5"
