"""The constant bank and safe constant expressions, against mpmath and known digits."""

import operator
import re

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brouncker.constants import BANK, constant_value, parse_constant
from brouncker.errors import LimitError, ParseError, UnknownConstantError

DESIGN_NAMES = ["pi", "pi2", "e", "e2", "ln2", "ln3", "zeta2", "zeta3", "zeta5", "catalan", "gauss",
                "lemniscate", "euler_gamma", "gompertz", "phi", "sqrt2", "sqrt3", "sqrt5", "cbrt2", "tan1"]

# published leading digits, independent of mpmath
KNOWN = {
    "pi": "3.14159265358979323846264338327950288",
    "catalan": "0.91596559417721901505460351493238411",
    "gauss": "0.83462684167407318628142973279904680",
    "lemniscate": "2.62205755429211981046483958989111941",
    "euler_gamma": "0.57721566490153286060651209008240243",
    "gompertz": "0.59634736232319407434107849936927937",
    "zeta3": "1.20205690315959428539973816151144999",
}


def test_every_design_name_is_in_the_bank():
    assert set(DESIGN_NAMES) <= set(BANK)


@pytest.mark.parametrize("name, digits", sorted(KNOWN.items()))
def test_bank_matches_published_digits(name, digits):
    assert mpmath.nstr(constant_value(name, 50), 45, strip_zeros=False).startswith(digits)


@pytest.mark.parametrize("dps", [50, 500, 2000])
def test_gauss_is_lemniscate_over_pi_at_any_precision(dps):
    with mpmath.workdps(dps):
        gap = abs(constant_value("gauss", dps) - constant_value("lemniscate", dps) / mpmath.pi)
        assert gap < mpmath.mpf(10) ** (-dps + 3)


@pytest.mark.parametrize(
    "text, reference",
    [
        ("6/zeta(3)", lambda: 6 / mpmath.zeta(3)),
        ("6/zeta3", lambda: 6 / mpmath.zeta(3)),
        ("4/(3*pi-8)", lambda: 4 / (3 * mpmath.pi - 8)),
        ("(4^(1/3)+1)/(4^(1/3)-1)", lambda: (mpmath.cbrt(4) + 1) / (mpmath.cbrt(4) - 1)),
        ("1/(2*catalan)", lambda: 1 / (2 * mpmath.catalan)),
        ("e/(e-2)", lambda: mpmath.e / (mpmath.e - 2)),
        ("e^2+pi**2", lambda: mpmath.e**2 + mpmath.pi**2),
        ("-2^2", lambda: mpmath.mpf(-4)),
    ],
)
def test_expressions_evaluate_like_mpmath(text, reference):
    with mpmath.workdps(300):
        expected = reference()
        assert abs(parse_constant(text).value(300) - expected) < mpmath.mpf(10) ** -290


def test_expression_names_and_display():
    expr = parse_constant("1/(2*catalan)")
    assert expr.names == ("catalan",)
    assert str(expr.sympy) == "1/(2*Catalan)"
    assert parse_constant("zeta(3)").names == ("zeta3",)


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "pi.__class__", "[1,2]", "lambda: 1",
                                  "open('x')", "pi if 1 else 2", "1 < 2", "'pi'", ""])
def test_unsafe_or_malformed_text_is_refused(text):
    with pytest.raises(ParseError):
        parse_constant(text)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownConstantError) as info:
        parse_constant("7/nosuch")
    assert "nosuch" in str(info.value) and "zeta3" in str(info.value)


# --- the guarded evaluator against mpmath on random expression trees ------------------

LEAVES = {"pi": lambda: +mpmath.pi, "e": lambda: +mpmath.e, "zeta3": lambda: mpmath.zeta(3), "catalan": lambda: +mpmath.catalan}
FUNCTIONS = {"sqrt": mpmath.sqrt, "exp": mpmath.exp, "log": mpmath.log, "atan": mpmath.atan, "gamma": mpmath.gamma}

constant_trees = st.recursive(
    st.one_of(st.sampled_from(sorted(LEAVES)), st.integers(0, 9)),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), inner, inner),
        st.tuples(st.just("^"), inner, st.integers(-3, 3)),
        st.tuples(st.sampled_from(sorted(FUNCTIONS)), inner),
        st.tuples(st.just("neg"), inner),
    ),
    max_leaves=6,
)


def _text(tree) -> str:
    if isinstance(tree, (str, int)):
        return str(tree)
    if tree[0] == "neg":
        return f"-({_text(tree[1])})"
    if tree[0] in FUNCTIONS:
        return f"{tree[0]}({_text(tree[1])})"
    if tree[0] == "^":
        return f"({_text(tree[1])})^({tree[2]})"
    return f"({_text(tree[1])}){tree[0]}({_text(tree[2])})"


def _mp(tree):
    """The value by mpmath, node by node; a part that is not finite fails the whole (as it should)."""
    value = _mp_node(tree)
    if not mpmath.isfinite(value):
        raise ValueError(f"{_text(tree)} is not finite")
    return value


def _mp_node(tree):
    if isinstance(tree, str):
        return LEAVES[tree]()
    if isinstance(tree, int):
        return mpmath.mpf(tree)
    if tree[0] == "neg":
        return -_mp(tree[1])
    if tree[0] in FUNCTIONS:
        return FUNCTIONS[tree[0]](_mp(tree[1]))
    if tree[0] == "^":
        return _mp(tree[1]) ** tree[2]
    a, b = _mp(tree[1]), _mp(tree[2])
    return {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}[tree[0]](a, b)


@given(constant_trees)
def test_expressions_evaluate_like_mpmath_or_are_refused_with_a_reason(tree):
    text = _text(tree)
    with mpmath.workdps(80):
        try:
            expected = _mp(tree)
            fails = (isinstance(expected, mpmath.mpc) and abs(expected.imag) > mpmath.mpf(10) ** -40) or not mpmath.isfinite(expected)
        except (ZeroDivisionError, ValueError, OverflowError):
            fails = True
        expected_size = 0 if fails or expected == 0 else abs(mpmath.log10(abs(expected)))
    if fails or expected_size > 250:
        with pytest.raises((ParseError, LimitError)):  # a pole, a complex value or one too large for the guards
            parse_constant(text).value(50)
        return
    try:
        value = parse_constant(text).value(50)
    except LimitError:  # a part too large even though the whole is not: allowed, and said
        return
    with mpmath.workdps(60):
        real = expected.real if isinstance(expected, mpmath.mpc) else expected
        assert abs(value - real) <= mpmath.mpf(10) ** -45 * max(1, abs(real))


def test_a_deep_chain_of_unary_signs_costs_no_stack():
    with mpmath.workdps(30):
        assert parse_constant("-+" * 1500 + "e").value(30) == +mpmath.e


@pytest.mark.parametrize(
    "text, error, fragment",
    [
        ("gamma(0)", ParseError, "'gamma(0)' is undefined"),
        ("zeta(1)", ParseError, "'zeta(1)' is undefined"),
        ("log(0)", ParseError, "is infinite"),
        ("2^2^2^2^2^2", LimitError, "|log10|"),
        ("exp(exp(exp(10)))", LimitError, "an argument of exp"),
        ("1e999", ParseError, "outside 10^±300"),
        ("ｅ", ParseError, "U+FF45"),
        ("9" * 4001, LimitError, "digits of a number"),
    ],
)
def test_failing_expressions_are_refused_at_parse_time_with_the_part_at_fault(text, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        parse_constant(text)



@given(st.integers(5, 40))
def test_a_mobius_image_near_a_convergent_parses_and_evaluates(length):
    """(p' pi - 7)/(q pi - p) with p/q a convergent of pi of ``length`` digits: the
    denominator is about 10^-length, from terms of about 10^length that 30 digits alone
    would cancel to zero."""
    with mpmath.workdps(4 * length + 40):
        pi = +mpmath.pi
        x, p0, p1, q0, q1 = pi, 1, 3, 0, 1  # convergents p1/q1 of pi, from its partial quotients
        x = 1 / (x - 3)
        while len(str(q1)) < length:
            a = int(mpmath.floor(x))
            x = 1 / (x - a)
            p0, p1, q0, q1 = p1, a * p1 + p0, q1, a * q1 + q0
        expected = (p0 * pi - 7) / (q1 * pi - p1)
        value = parse_constant(f"({p0}*pi - 7)/({q1}*pi - {p1})").value(30)
        assert abs(value - expected) <= abs(expected) * mpmath.mpf(10) ** -29
