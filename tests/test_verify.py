"""Verification to N digits: known formulas against mpmath, refutations, budgets and δ."""

import mpmath
import pytest

import brouncker
from brouncker.convergence.verify import verify
from brouncker.pcf.walk import walk

APERY = ("34n^3+51n^2+27n+5", "-n^6")


@pytest.mark.parametrize(
    "a, b, constant",
    [
        (*APERY, "6/zeta(3)"),
        ("2n+1", "n^2", "4/pi"),
        ("n", "n", "1/(e-1)"),
        ("1", "1", "(1+sqrt(5))/2"),
        ("n+3", "-n", "e"),
    ],
)
def test_known_formulas_verify_to_1000_digits(a, b, constant):
    result = verify(a, b, constant, digits=1000)
    assert result.verdict == "verified"
    assert result.digits_agreed >= 1000
    # independent check: the convergent at the reported depth against mpmath's constant
    pcf = brouncker.PCF(a, b)
    conv = walk(pcf.a, pcf.b, result.depth)
    with mpmath.workdps(1100):
        reference = brouncker.constants.parse_constant(constant).value(1100)
        assert abs(mpmath.mpf(int(conv.p)) / int(conv.q) - reference) < mpmath.mpf(10) ** -1000


def test_apery_against_seven_over_zeta3_is_refuted():
    result = verify(*APERY, "7/zeta(3)", digits=1000)
    assert result.verdict == "refuted" and result.digits_agreed == 0
    assert "after 0 digits" in result.message


def test_a_near_miss_is_refuted_where_the_digits_part():
    # the limit agrees with 6/zeta(3) + 10^-30 to 30 digits only
    result = verify(*APERY, "6/zeta(3) + 10^(-30)", digits=200)
    assert result.verdict == "refuted" and 29 <= result.digits_agreed <= 31


def test_slow_formula_with_a_small_budget_is_inconclusive():
    # 1/ln 2 = 1 + 1/(1 + 4/(1 + 9/...)) converges polynomially; by depth 200 even the
    # extrapolation cannot vouch for 60 digits
    result = verify("1", "n^2", "1/ln2", digits=60, max_depth=200)
    assert result.verdict == "inconclusive" and result.depth == 200
    # and it is not refuted: the truth is 1/ln 2
    assert result.digits_agreed >= 2


@pytest.mark.parametrize(
    "a, b, constant",
    [("1", "n^2", "1/ln2"), ("n^3+(n+1)^3", "-n^6", "1/zeta(3)"), ("n^2+(n+1)^2", "-n^4", "1/zeta(2)")],
)
def test_polynomially_converging_formulas_verify_by_extrapolation(a, b, constant):
    result = verify(a, b, constant, digits=40)
    assert result.verdict == "verified" and result.digits_agreed >= 40
    assert "extrapolated" in result.message and result.depth <= 1000
    # the plain convergent at that depth is nowhere near 40 digits (mpmath's constant)
    pcf = brouncker.PCF(a, b)
    conv = walk(pcf.a, pcf.b, result.depth)
    with mpmath.workdps(100):
        reference = brouncker.constants.parse_constant(constant).value(100)
        assert abs(mpmath.mpf(int(conv.p)) / int(conv.q) - reference) > mpmath.mpf(10) ** -20


def test_slowly_converging_wrong_constant_is_refuted_by_extrapolation():
    # the extrapolated limit of 1, n^2 settles far beyond where it parts from 1/ln2 + 10^-20
    result = verify("1", "n^2", "1/ln2 + 10^(-20)", digits=40)
    assert result.verdict == "refuted" and 19 <= result.digits_agreed <= 21


def test_finite_fraction_is_rational_not_a_division_error():
    result = verify("2", "n-2", "5/2", digits=20)  # 2 + (-1)/2 = 3/2: b(2) = 0 stops it
    assert result.verdict == "refuted" and "3/2" in result.message
    assert verify("2", "n-2", "3/2", digits=20).verdict == "verified"


def test_apery_delta_at_depth_1000():
    conv = walk((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), 1000)
    with mpmath.workdps(4000):
        value = conv.delta(6 / mpmath.zeta(3))
    assert value is not None and 0.08 < value < 0.09  # ≈ 0.086; the limit as depth grows is ≈ 0.0805


def test_delta_is_undefined_when_the_limit_is_the_convergent_itself():
    conv = walk((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), 300)
    with mpmath.workdps(3000):
        assert conv.delta(mpmath.mpf(int(conv.p)) / int(conv.q)) is None


def test_python_api_result_has_the_contract_fields_but_the_time():
    fields = verify("2n+1", "n^2", "4/pi", digits=30).as_dict()
    assert {"a", "b", "constant", "digits_requested", "digits_agreed", "depth", "digits_per_term",
            "delta", "verdict"} <= set(fields)
    assert "seconds" not in fields  # the wall-clock time is the caller's (the command line measures it)
