"""The value of a PCF to D digits: honest digits, against closed forms computed by mpmath."""

import json
import math
from fractions import Fraction

import mpmath
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from brouncker.cli import app
from brouncker.errors import InconclusiveError
from brouncker.identification.identify import identify_pcf
from brouncker.pcf.convergent import log10_distance
from brouncker.pcf.fraction import PCF
from brouncker.pcf.value import (
    converges_slowly,
    extrapolate,
    next_depth,
    pcf_limit,
    tail_log10_error,
)
from brouncker.pcf.walk import walk, walk_back, walk_checkpoints, walk_sequential

EULER_ZETA3 = ("n^3+(n+1)^3", "-n^6")  # 1/zeta(3): the partial sums of sum 1/k^3
EULER_ZETA2 = ("n^2+(n+1)^2", "-n^4")  # 1/zeta(2)
ONE_OVER_LN2 = ("1", "n^2")  # alternating, error ~ 1/n
GOMPERTZ = ("2n^2+4n+2", "-n^4-n^3")  # 1/gompertz, error ~ exp(-c sqrt(n))

small_poly = st.lists(st.integers(-6, 6), min_size=1, max_size=4).map(tuple)


def true_digits(value: mpmath.mpf, reference: mpmath.mpf) -> float:
    """-log10 |value - reference| at a precision well beyond both."""
    with mpmath.workdps(600):
        diff = abs(value - reference)
        return math.inf if diff == 0 else float(-mpmath.log10(diff))


def closed_form(text: str, dps: int = 600) -> mpmath.mpf:
    """Closed forms by mpmath alone (the limit code uses python-flint's arb for the bank)."""
    with mpmath.workdps(dps):
        return {
            "1/zeta(3)": 1 / mpmath.zeta(3),
            "1/zeta(2)": 6 / mpmath.pi**2,
            "1/ln2": 1 / mpmath.log(2),
            "1/gompertz": 1 / (-mpmath.e * mpmath.ei(-1)),
            "4/pi": 4 / mpmath.pi,
        }[text]


# --- the walk back and the conversion to mpf ------------------------------------------


@given(small_poly, small_poly.filter(lambda b: b[-1] != 0), st.integers(2, 200), st.integers(1, 40))
def test_walking_back_gives_the_convergents_of_the_recurrence(a, b, depth, count):
    last = walk(a, b, depth)
    assume(last.finite_at is None and count <= depth)
    for conv in walk_back(a, b, last, count):
        seq = walk_sequential(a, b, conv.depth)
        assert (conv.p, conv.q, conv.p_prev, conv.q_prev) == (seq.p, seq.q, seq.p_prev, seq.q_prev)


@given(small_poly, small_poly, st.integers(0, 120), st.integers(5, 300))
def test_convergent_value_is_the_rational_rounded(a, b, depth, dps):
    conv = walk(a, b, depth)
    assume(conv.q != 0)
    exact = conv.fraction()
    with mpmath.workdps(dps + 20):
        error = abs(conv.value(dps) - mpmath.mpf(exact.numerator) / exact.denominator)
        assert error <= mpmath.mpf(10) ** (-dps + 1) * max(1, abs(exact))  # dps significant digits


def test_error_bound_from_the_walk_equals_the_exact_determinant():
    # |p(N) q(N-1) - p(N-1) q(N)| = prod |b(n)|: the walk sums logs, the reference multiplies
    for a, b in [((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0)), ((2, 1), (1, 0, 0)), ((1,), (3, 1, -7))]:
        tree, seq = walk(a, b, 700), walk_sequential(a, b, 700)
        assert tree.log10_det is not None and seq.log10_det is None
        assert tree.log10_error_bound() == pytest.approx(seq.log10_error_bound(), abs=1e-9)


def test_log10_distance_reads_the_exponent():
    with mpmath.workdps(5000):
        x, y = mpmath.pi, mpmath.pi + mpmath.mpf(3) * mpmath.mpf(10) ** -4000
        assert log10_distance(x, y) == pytest.approx(float(mpmath.log10(3)) - 4000, abs=1e-9)
        assert log10_distance(x, x) == -math.inf


# --- the facts: slowly converging PCFs ------------------------------------------------


@pytest.mark.parametrize(
    "pcf, constant",
    [(EULER_ZETA3, "1/zeta(3)"), (EULER_ZETA2, "1/zeta(2)"), (ONE_OVER_LN2, "1/ln2")],
)
@pytest.mark.parametrize("digits", [40, 105])
def test_polynomially_converging_limits_are_extrapolated_honestly(pcf, constant, digits):
    limit = pcf_limit(*pcf, digits)
    assert limit.method == "levin" and limit.digits >= digits
    assert true_digits(limit.value, closed_form(constant)) >= limit.digits
    # the convergent itself is far from there: a power of 1/n at depth ~1000
    assert true_digits(limit.convergent.value(60), closed_form(constant)) < 10


def test_subexponential_limit_is_extrapolated_in_one_over_root_n():
    # 1/gompertz converges like exp(-c sqrt(n)): 55 digits at depth 1000, 110 at 4000;
    # depth 512 and extrapolation in 1/sqrt(n) give 60
    limit = pcf_limit(*GOMPERTZ, 60, max_depth=512)
    assert limit.method == "levin-sqrt" and limit.depth <= 512
    assert true_digits(limit.value, closed_form("1/gompertz")) >= limit.digits >= 60
    assert true_digits(limit.convergent.value(80), closed_form("1/gompertz")) < 45


def test_extrapolation_agreement_never_overstates_the_digits():
    # for each slow fact, at several depths: the claimed digits are a lower bound of the truth
    for pcf, constant in [(EULER_ZETA3, "1/zeta(3)"), (ONE_OVER_LN2, "1/ln2"), (GOMPERTZ, "1/gompertz")]:
        a, b = PCF(*pcf).a, PCF(*pcf).b
        for depth in (64, 128, 256, 512):
            middle, last = walk_checkpoints(a, b, [depth // 2, depth])
            for digits in (10, 30, 80):
                found = extrapolate(a, b, middle, last, digits)
                if found is not None:
                    assert true_digits(found.value, closed_form(constant)) >= found.digits


def test_identify_finds_the_slow_formulas_from_the_pcf_alone():
    for pcf, expression in [(EULER_ZETA3, "1/zeta(3)"), (EULER_ZETA2, "1/zeta(2)"), (ONE_OVER_LN2, "1/ln2")]:
        found = identify_pcf(*pcf)
        assert found is not None and found.expression == expression
        assert found.checked_digits == 100  # re-checked at twice the digits, as every relation


def test_identify_command_finds_eulers_formula_for_zeta3():
    result = CliRunner().invoke(app, ["identify", "--a", "n^3+(n+1)^3", "--b", "-n^6", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["expression"] == "1/zeta(3)" and data["checked_digits"] == 100
    with mpmath.workdps(60):
        assert abs(mpmath.mpf(data["value"]) - closed_form("1/zeta(3)")) < mpmath.mpf(10) ** -49


def test_verify_command_verifies_one_over_ln2_to_40_digits():
    args = ["verify", "--a", "1", "--b", "n^2", "--constant", "1/ln2", "--digits", "40", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == "verified" and data["digits_agreed"] >= 40


# --- exponential PCFs, exact values, budgets ------------------------------------------


def test_exponential_limits_come_from_the_convergent():
    limit = pcf_limit("2n+1", "n^2", 300)
    assert limit.method == "convergent" and limit.digits >= 300
    assert true_digits(limit.value, closed_form("4/pi")) >= limit.digits


@settings(max_examples=40, deadline=None)
@given(small_poly, small_poly)
def test_limits_agree_with_a_much_deeper_convergent(a, b):
    try:
        limit = pcf_limit(a, b, 12, max_depth=256)
    except InconclusiveError:
        return
    if limit.method == "exact":
        assert Fraction(limit.fraction) == walk_sequential(a, b, limit.depth).fraction()
        return
    deep = walk(a, b, 1 << 14)
    assume(deep.q != 0 and deep.trustworthy_digits >= limit.digits + 5)  # the deep one settles further
    with mpmath.workdps(80):
        assert abs(limit.value - deep.value(80)) <= mpmath.mpf(10) ** -limit.digits * 1.01


def test_finite_fraction_is_an_exact_rational():
    limit = pcf_limit("2", "n-2", 30)  # 2 + (-1)/2 = 3/2: b(2) = 0
    assert limit.method == "exact" and limit.fraction == Fraction(3, 2) and limit.digits >= 30
    with mpmath.workdps(50):
        assert limit.value == mpmath.mpf(3) / 2


def test_finite_fraction_without_a_value_is_inconclusive():
    with pytest.raises(InconclusiveError, match="no value"):
        pcf_limit("n-1", "n-2", 10)  # a(1) = 0: q(1) = 0, and b(2) = 0 stops it there


def test_too_small_a_budget_is_inconclusive_not_wrong():
    with pytest.raises(InconclusiveError, match="raise max_depth"):
        pcf_limit(*ONE_OVER_LN2, 60, max_depth=200)


def test_slow_and_fast_are_told_apart():
    assert converges_slowly(*walk_checkpoints((1,), (1, 0, 0), [500, 1000]))
    assert converges_slowly(*walk_checkpoints((2, 4, 2), (-1, -1, 0, 0, 0), [500, 1000]))
    assert not converges_slowly(*walk_checkpoints((2, 1), (1, 0, 0), [500, 1000]))
    assert not converges_slowly(*walk_checkpoints((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), [50, 100]))


def test_monotone_power_tail_is_not_overstated():
    # Euler's 1/zeta(3): the last difference ~ 1/n^3 promises 9 digits at n = 2000;
    # the error ~ 1/n^2 gives 6
    a, b = PCF(*EULER_ZETA3).a, PCF(*EULER_ZETA3).b
    middle, last = walk_checkpoints(a, b, [1000, 2000])
    bound = tail_log10_error(a, last, middle)
    truth = -true_digits(last.value(60), closed_form("1/zeta(3)"))
    assert truth <= bound < truth + 1
    assert -last.log10_error_bound() > -truth + 2  # the plain difference over-promises


def test_next_depth_at_least_doubles_and_respects_the_budget():
    assert next_depth(100, 1000, 10, 10**6) == math.ceil(1.1 * 1002 * 100 / 10)
    assert next_depth(100, 10, 9, 10**6) == 200
    assert next_depth(100, 10**6, 1, 500) == 500
