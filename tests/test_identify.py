"""Identification: known PCFs recognised with no hint, planted relations recovered, random
numbers left alone, and every expression parsed back and evaluated independently."""

from __future__ import annotations

import json
import math
import random

import mpmath
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from mpmath import mp, mpf
from typer.testing import CliRunner

from brouncker.cli import app
from brouncker.constants import BANK, constant_value, parse_constant
from brouncker.errors import BrounckerError, InconclusiveError, ParseError, UnknownConstantError
from brouncker.identification import relations
from brouncker.identification.identify import confirm, cost, identify, identify_pcf, parse_decimal
from brouncker.pcf.value import pcf_limit


def text(x: mpf, digits: int) -> str:
    with mp.workdps(digits + 10):
        return mpmath.nstr(x, digits, strip_zeros=False)


def agrees(expression: str, x: mpf, digits: int) -> bool:
    """The expression, parsed and evaluated by brouncker.constants, equals x to ``digits``."""
    with mp.workdps(digits + 10):
        value = parse_constant(expression).value(digits + 10)
        return abs(value - x) <= mpf(10) ** (-digits) * max(1, abs(x))


# --- PCFs recognised from the fraction alone ---------------------------------------------

KNOWN = [
    ("34n^3+51n^2+27n+5", "-n^6", "6/zeta(3)", ("zeta3",), lambda: 6 / mpmath.zeta(3)),
    ("2n+1", "n^2", "4/pi", ("pi",), lambda: 4 / mp.pi),
    ("n", "n", "1/(e - 1)", ("e",), lambda: 1 / (mp.e - 1)),
    ("n+3", "-n", "e", ("e",), lambda: +mp.e),
]


@pytest.mark.parametrize("a, b, expression, constants, closed_form", KNOWN)
def test_pcf_recognised_with_no_hint(a, b, expression, constants, closed_form):
    found = identify_pcf(a, b, digits=50)
    assert found is not None
    assert found.expression == expression and found.constants == constants
    assert found.checked_digits == 100 and found.excess_digits >= 45
    with mp.workdps(110):  # the expression equals mpmath's closed form, to 100 digits
        assert agrees(found.expression, closed_form(), 100)
    assert parse_constant(found.expression).names == constants


def test_relation_is_a_relation_over_the_basis():
    found = identify_pcf("34n^3+51n^2+27n+5", "-n^6", digits=50)
    assert found.basis == ("x", "1", "zeta3", "x*zeta3")
    with mp.workdps(80):
        x, k = 6 / mpmath.zeta(3), mpmath.zeta(3)
        assert abs(sum(r * v for r, v in zip(found.relation, [x, 1, k, x * k]))) < mpf(10) ** -70


# --- random numbers -------------------------------------------------------------------------


def test_random_numbers_have_no_relation_with_the_bank():
    rng = random.Random(20261123)
    for _ in range(200):
        digits_text = "0." + rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(59))
        assert identify(digits_text, 60) is None, digits_text


# --- planted relations ------------------------------------------------------------------------

coefficient = st.integers(-20, 20)
single_constants = sorted(BANK)


@given(st.sampled_from(single_constants), coefficient, coefficient, coefficient, coefficient)
def test_planted_mobius_relation_is_recovered(name, c0, c1, c2, c3):
    assume(c0 * c3 - c1 * c2 != 0)  # otherwise x does not depend on K
    with mp.workdps(130):
        k = constant_value(name, 130)
        assume(abs(c2 + c3 * k) > 1e-3)
        x = (c0 + c1 * k) / (c2 + c3 * k)
    found = identify(text(x, 110), 60)  # found at 60 digits, re-checked on the 110 given
    assert found is not None
    assert found.checked_digits == 109
    with mp.workdps(120):
        assert agrees(found.expression, x, 100)
    assert cost(found.relation) <= cost((c2, -c0, -c1, c3)) + 1e-9


def test_planted_two_constant_relation_is_recovered():
    # x (3 + 2 pi - ln2) = 1 - 5 pi + 4 ln2
    with mp.workdps(150):
        pi, ln2 = +mp.pi, mpmath.log(2)
        x = (1 - 5 * pi + 4 * ln2) / (3 + 2 * pi - ln2)
    assert identify(text(x, 140), 80, pairs=False) is None  # no single-constant form
    found = identify(text(x, 140), 80, ["pi", "ln2"])
    assert found is not None and found.constants == ("pi", "ln2")
    with mp.workdps(150):
        assert agrees(found.expression, x, 130)
    assert found.basis == ("x", "1", "pi", "ln2", "x*pi", "x*ln2")


@given(st.sampled_from([("pi", "e"), ("zeta3", "catalan"), ("ln2", "sqrt2")]), st.lists(st.integers(-9, 9), min_size=6, max_size=6))
def test_planted_two_constant_relations(pair, cs):
    k1n, k2n = pair
    d0, d1, d2, c0, c1, c2 = cs
    assume(d1 or d2)
    assume(c1 * d0 != c0 * d1 or c2 * d0 != c0 * d2 or c1 * d2 != c2 * d1)  # x not rational
    with mp.workdps(150):
        k1, k2 = constant_value(k1n, 150), constant_value(k2n, 150)
        den = d0 + d1 * k1 + d2 * k2
        assume(abs(den) > 1e-3)
        x = (c0 + c1 * k1 + c2 * k2) / den
    found = identify(text(x, 140), 80, list(pair))
    assert found is not None
    with mp.workdps(150):
        assert agrees(found.expression, x, 130)


def test_rationals():
    assert identify("0.142857142857142857142857142857142857142857142857", 45).expression == "1/7"
    assert identify("-2.50000000000000000000", 20).expression == "-5/2"
    assert identify("-2.5", 2) is None  # 2 digits cannot carry the margin of 12
    found = identify("3.000000000000000000", 18)
    assert found.expression == "3" and found.relation == (1, -3) and found.basis == ("x", "1")
    assert identify("0", 20).expression == "0"


def test_margin_is_enforced():
    # coefficients of 5 digits each cost 20 digits: 30 digits leave 10 < 12, 60 leave 40
    c = (12345, 67891, 23456, 78901)
    with mp.workdps(130):
        x = (c[0] + c[1] * mp.pi) / (c[2] + c[3] * mp.pi)
    assert identify(text(x, 30), 30, ["pi"]) is None
    found = identify(text(x, 110), 60, ["pi"])
    assert found is not None and found.excess_digits == math.floor(60 - cost(found.relation))
    with mp.workdps(120):
        assert agrees(found.expression, x, 100)


def test_relation_failing_the_deeper_check_is_refused():
    with mp.workdps(120):
        x = 4 / mp.pi + mpf(10) ** -70  # 4/pi to 70 digits, then not
    assert identify(text(x, 60), 55).expression == "4/pi"  # nothing deeper to check
    assert identify(text(x, 110), 55) is None  # the full 110 digits refute it


def test_pslq_agrees_with_lll():
    rng = random.Random(7)
    for name in ["pi", "zeta3", "catalan", "gompertz", "sqrt2", "ln2"]:
        c0, c1, c2, c3 = (rng.randint(-9, 9) for _ in range(4))
        if c0 * c3 == c1 * c2:
            continue
        with mp.workdps(120):
            k = constant_value(name, 120)
            x = (c0 + c1 * k) / (c2 + c3 * k)
        by_lll = identify(text(x, 100), 60, [name])
        by_pslq = identify(text(x, 100), 60, [name], method="pslq")
        assert by_lll is not None and by_pslq is not None
        assert by_lll.expression == by_pslq.expression and by_lll.relation == by_pslq.relation


def test_expressions_parse_back_to_the_bank_names():
    cases = {
        "1/(e - 1)": lambda: 1 / (mp.e - 1),
        "6/zeta(3)": lambda: 6 / mpmath.zeta(3),
        "8/(7*zeta(3))": lambda: 8 / (7 * mpmath.zeta(3)),
        "-3*pi/4": lambda: -3 * mp.pi / 4,
        "(2 - pi)/(3*pi + 1)": lambda: (2 - mp.pi) / (3 * mp.pi + 1),
        "(sqrt2 + 1)/2": lambda: (mpmath.sqrt(2) + 1) / 2,
    }
    for expected, value in cases.items():
        with mp.workdps(90):
            found = identify(text(value(), 80), 70)
        assert found is not None and found.expression == expected
        assert parse_constant(found.expression).names == found.constants


# --- confirm, limits, input -----------------------------------------------------------------


def test_confirm_a_prematched_candidate():
    assert confirm("2n+1", "n^2", "pi", 40, mobius=(4, 0, 0, 1)).expression == "4/pi"
    assert confirm("2n+1", "n^2", "pi", 40, mobius=(4, 0, 0, 1)).checked_digits == 80
    assert confirm("2n+1", "n^2", "pi", 40, mobius=(4, 1, 0, 1)) is None
    assert confirm("34n^3+51n^2+27n+5", "-n^6", "zeta(3)", 40).expression == "6/zeta(3)"
    assert confirm("34n^3+51n^2+27n+5", "-n^6", "pi", 40) is None


def test_limit_walks_deep_enough():
    lim = pcf_limit("34n^3+51n^2+27n+5", "-n^6", 120)
    assert lim.digits >= 120
    with mp.workdps(130):
        assert abs(lim.value - 6 / mpmath.zeta(3)) < mpf(10) ** -119


def test_slow_fraction_is_inconclusive():
    with pytest.raises(InconclusiveError):
        identify_pcf("1", "n^2", digits=30, max_depth=256)


def test_finite_fraction_is_rational():
    # b(n) = n^2 - 2n vanishes at n = 2: the value is a(0) + b(1)/a(1) = 1 - 1/3 = 2/3
    found = identify_pcf("2n+1", "n^2-2n", digits=30)
    assert found is not None and found.expression == "2/3"


def test_decimal_parsing_is_safe():
    value, digits = parse_decimal(" 1.25e-3 ")
    assert abs(value - mpf("0.00125")) < 1e-14 and digits == 3
    for bad in ["__import__('os')", "1.2.3", "", "1e", "pi", "0x10", "1_000"]:
        with pytest.raises(ParseError):
            parse_decimal(bad)
    with pytest.raises(ParseError):  # more digits asked than the text carries
        identify("3.14", 10)
    with pytest.raises(UnknownConstantError):
        identify("3.14159", 5, ["pi", "nosuch"])


# --- command line ---------------------------------------------------------------------------


def test_cli_identify_pcf_json():
    result = CliRunner().invoke(app, ["identify", "--a", "2n+1", "--b", "n^2", "--digits", "40", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"value", "digits", "expression", "constants", "relation", "excess_digits"} <= set(data)
    assert data["expression"] == "4/pi" and data["constants"] == ["pi"]


def test_cli_identify_no_relation_exits_1_with_null_expression():
    result = CliRunner().invoke(app, ["identify", "--value", "0.27182818284590452353602874713527" + "1" * 10, "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["expression"] is None


def test_cli_identify_bad_input_is_a_user_error():
    result = CliRunner().invoke(app, ["identify", "--value", "1.2.3"])
    assert isinstance(result.exception, BrounckerError)
    result = CliRunner().invoke(app, ["identify", "--a", "2n+1"])
    assert isinstance(result.exception, BrounckerError)


def test_cli_identify_inconclusive_exits_3():
    result = CliRunner().invoke(app, ["identify", "--a", "1", "--b", "n^2", "--digits", "10000"])
    assert result.exit_code == 3


# --- look-elsewhere: the margin grows with the relations tried ------------------------------

FALSE_PAIR = "8.8799487971707315706650321868012932340500303393380"  # a random number


def test_a_random_number_has_no_two_constant_relation(monkeypatch):
    """With every pair of the bank (1,612 relations tried) a random 50-digit number gets no
    relation; a fixed margin of 12 digits and no limit on the coefficients' share of the
    evidence would have given it one with 8-digit coefficients. Each guard refuses it alone."""
    lenient_margin = 12 - math.log10(1612)
    assert identify(FALSE_PAIR, 50, pairs=True) is None
    assert identify(FALSE_PAIR, 50, pairs=True, margin=lenient_margin) is None  # the share refuses it
    monkeypatch.setattr(relations, "COEFFICIENT_SHARE", 1.0)  # the margin alone
    assert identify(FALSE_PAIR, 50, pairs=True) is None  # the look-elsewhere margin refuses it
    lenient = identify(FALSE_PAIR, 50, pairs=True, margin=lenient_margin)
    assert lenient is not None and len(lenient.constants) == 2  # the fluke both guards refuse
    assert 12 <= lenient.excess_digits < 15


def random_decimal(rng: random.Random, digits: int) -> str:
    """A random decimal with ``digits + 1`` significant digits, as `identify --value` takes it."""
    whole = rng.choice(["0", str(rng.randint(1, 9)), str(rng.randint(10, 99))])
    count = digits + 1 - (0 if whole == "0" else len(whole))
    return whole + "." + rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(count - 1))


@pytest.mark.slow
def test_random_numbers_have_no_relation_with_pairs():
    rng = random.Random(20260421)
    for _ in range(200):
        value = random_decimal(rng, 50)
        assert identify(value, 50, pairs=True) is None, value


def test_known_formulas_still_found_with_pairs():
    for a, b, expression, _, _ in KNOWN:
        found = identify_pcf(a, b, digits=50, pairs=True)
        assert found is not None and found.expression == expression
    with mp.workdps(150):
        x = (1 - 5 * mp.pi + 4 * mpmath.log(2)) / (3 + 2 * mp.pi - mpmath.log(2))
    found = identify(text(x, 140), 80, pairs=True)
    assert found is not None and found.constants == ("pi", "ln2")


def test_cli_false_pair_exits_1():
    result = CliRunner().invoke(app, ["identify", "--value", FALSE_PAIR, "--digits", "50", "--pairs", "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["expression"] is None


@pytest.mark.parametrize("digits", ["0", "-5"])
def test_cli_identify_refuses_digits_below_one(digits):
    for args in (["--value", "3.14159"], ["--a", "2n+1", "--b", "n^2"]):
        result = CliRunner().invoke(app, ["identify", *args, "--digits", digits])
        assert isinstance(result.exception, BrounckerError) and "digits" in str(result.exception)
    with pytest.raises(BrounckerError):
        identify("3.14159", int(digits))
    with pytest.raises(BrounckerError):
        identify_pcf("2n+1", "n^2", digits=int(digits))
