"""Convergence dynamics: δ, factorial reduction and the convergence rate of known PCFs, against
closed forms and mpmath."""

import json
import math
from fractions import Fraction

import gmpy2
import mpmath
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from brouncker.cli import app
from brouncker.convergence.dynamics import (
    CONVERGENCE_TYPES,
    CONVERGENT_TYPES,
    EXACT_DIGITS,
    MIN_DEPTH,
    Dynamics,
    decimal_text,
    dynamics,
    eigenvalue_ratio_log,
    sample_depths,
)
from brouncker.errors import BrounckerError
from brouncker.pcf.canonical import inflate
from brouncker.pcf.fraction import PCF
from brouncker.pcf.polynomial import evaluate, multiply, parse
from brouncker.pcf.walk import walk_sequential

APERY = ((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))
FOUR_OVER_PI = ((2, 1), (1, 0, 0))
ONE_OVER_LN2 = ((1,), (1, 0, 0))
SILVER = math.log(1 + math.sqrt(2))

coefficient = st.integers(-5, 5)
small_poly = st.tuples(coefficient, coefficient, coefficient).filter(any)


def decimal_value(text: str) -> mpmath.mpf:
    """Decimal text as an mpf, through gmpy2 (Python's int() refuses 4,300+ digits)."""
    sign = -1 if text.startswith("-") else 1
    whole, _, decimals = text.lstrip("-").partition(".")
    return sign * mpmath.mpf(int(gmpy2.mpz(whole + decimals))) / mpmath.mpf(10) ** len(decimals)


def agrees_to_its_digits(record: Dynamics, reference: mpmath.mpf) -> bool:
    """|limit text - reference| <= 10^-digits (one unit in the last printed place)."""
    with mpmath.workdps(record.digits + 30):
        return abs(decimal_value(record.limit) - reference) <= mpmath.mpf(10) ** -record.digits


def tail_value(a, b, depth: int, dps: int) -> mpmath.mpf | None:
    """The fraction truncated at ``depth``, evaluated bottom-up with mpmath (no walk involved)."""
    with mpmath.workdps(dps):
        x = mpmath.mpf(evaluate(a, depth))
        for n in range(depth, 0, -1):
            if x == 0:
                return None
            x = evaluate(a, n - 1) + evaluate(b, n) / x
        return +x


# --- Apéry, Brouncker and other known fractions ---------------------------------------


def test_apery_has_factorial_reduction_and_delta_fr_near_0_08():
    record = dynamics(*APERY, depth=2000)
    assert record.fr is True and record.d == 0.0
    assert 0.075 <= record.delta_fr <= 0.10
    assert record.convergence == "exponential"
    # q~(n) grows like ((1 + sqrt 2)^4 e^3)^n, and the error falls like (1 + sqrt 2)^(-8n)
    assert record.c == pytest.approx(4 * SILVER + 3, rel=0.02)
    assert -record.gamma == pytest.approx(8 * SILVER, rel=0.02)
    assert record.eig_ratio_log == pytest.approx(8 * SILVER, rel=1e-8)
    assert record.predicted_delta == pytest.approx(record.delta_fr, abs=0.01)
    with mpmath.workdps(record.digits + 30):
        assert agrees_to_its_digits(record, 6 / mpmath.zeta(3))


def test_four_over_pi_has_delta_about_minus_0_2_at_depth_1000():
    record = dynamics(*FOUR_OVER_PI, depth=1000)
    assert record.delta_fr == pytest.approx(-0.2, abs=0.03)
    assert record.predicted_delta == pytest.approx(record.delta_fr, abs=0.02)
    assert record.eig_ratio_log == pytest.approx(2 * SILVER, rel=1e-8)
    assert record.convergence == "exponential" and record.digits > 700
    with mpmath.workdps(record.digits + 30):
        assert agrees_to_its_digits(record, 4 / mpmath.pi)


@pytest.mark.parametrize("depth", [200, 2000, 20000])
@pytest.mark.parametrize(
    "a, b, value",
    [
        ((2, 3, 3, 1), (-1, 0, 0, 0, 0, 0, 0), lambda: 1 / mpmath.zeta(3)),  # Euler: n^3 + (n+1)^3, -n^6
        ((2, 2, 1), (-1, 0, 0, 0, 0), lambda: 6 / mpmath.pi**2),  # n^2 + (n+1)^2, -n^4
        (ONE_OVER_LN2[0], ONE_OVER_LN2[1], lambda: 1 / mpmath.log(2)),
    ],
)
def test_slow_fractions_report_honest_digits(a, b, value, depth):
    # a monotone tail ~ 1/n^2 has differences ~ 1/n^3: the printed limit must still hold
    # to one unit of its last place
    record = dynamics(a, b, depth=depth)
    assert record.convergence in ("polynomial", "exponential") and record.digits >= 1
    with mpmath.workdps(record.digits + 30):
        assert agrees_to_its_digits(record, value())


def test_one_over_ln2_converges_polynomially():
    record = dynamics(*ONE_OVER_LN2, depth=2000)
    assert record.convergence == "polynomial"
    assert 1 <= record.digits <= 4 and record.digits_per_term < 0.01
    assert agrees_to_its_digits(record, 1 / mpmath.log(2))


# --- rational and divergent fractions ------------------------------------------------


def test_finite_fraction_is_rational_and_exact():
    # b(3) = 0: the fraction is 1 + (-2)/(2 + (-1)/3) = 1 - 6/5 = -1/5
    a, b = (1, 1), (1, -3)
    record = dynamics(a, b, depth=100)
    expected = 1 + Fraction(-2) / (2 + Fraction(-1, 3))
    assert record.convergence == "rational"
    assert Fraction(record.fraction) == expected == Fraction(-1, 5)
    assert record.limit == "-0." + "2".ljust(EXACT_DIGITS, "0")
    assert record.digits == EXACT_DIGITS and record.limit == decimal_text(-1, 5, EXACT_DIGITS)
    assert record.delta_fr is None and record.digits_per_term is None


def test_finite_fraction_with_a_pole_is_divergent_not_a_division_by_zero():
    # a(1) = 0 makes q(1) = 0, and b(2) = 0 stops the fraction there: its value is x/0
    record = dynamics((1, -1), (1, -2), depth=100)
    assert record.convergence == "divergent" and record.limit is None and record.fraction is None


def test_oscillating_fraction_is_divergent():
    record = dynamics((2,), (-1, 0, 0), depth=2000)  # 2 - 1/(2 - 4/(2 - ...)): complex eigenvalues
    assert record.complex_eigenvalues is True and record.eig_ratio_log is None
    assert record.convergence == "divergent" and record.limit is None and record.digits == 0


def test_logarithmically_slow_fraction_is_unknown_not_divergent():
    # (2n + 1, -n^2): p(n)/q(n) = 1/H(n+1) -> 0 like 1/ln n; at N = 2000 it is still 0.12:
    # no digit settles, yet the fraction converges, so the record cannot say divergent
    record = dynamics((2, 1), (-1, 0, 0), depth=2000)
    assert record.convergence == "unknown" and record.digits == 0 and record.limit is None


@pytest.mark.parametrize("b", [(1, 0, 0, 0, 0), (10**4, 0, 0)], ids=["even-odd-split", "error-n^-0.01"])
def test_differences_that_barely_fall_are_in_doubt(b):
    # (1, n^4): by Stern-Stolz the even and odd convergents tend to different limits, and
    # the differences fall towards |L_even - L_odd| like n^-1; (1, 10^4 n^2) converges, with
    # an error like n^-(1/100). At depth 2000 the two look alike: neither is called divergent.
    record = dynamics((1,), b, depth=2000)
    assert record.convergence == "unknown" and record.digits == 0 and record.limit is None


def test_a_large_limit_is_convergent():
    record = dynamics((1, 5000), (1,), depth=100)  # 5000 + 1/(5001 + ...)
    assert record.convergence in CONVERGENT_TYPES and record.delta_fr is not None
    assert agrees_to_its_digits(record, tail_value((1, 5000), (1,), 400, record.digits + 30))


def test_factorial_convergence():
    record = dynamics((1, 1), (1,), depth=2000)  # (n + 1, 1): I0(2)/I1(2), error ~ 1/n!^2
    assert record.convergence == "factorial" and record.eta == pytest.approx(-2, abs=0.1)
    with mpmath.workdps(record.digits + 30):
        assert agrees_to_its_digits(record, mpmath.besseli(0, 2) / mpmath.besseli(1, 2))


# --- independent computations ----------------------------------------------------------


def test_deltas_match_a_direct_mpmath_computation():
    a, b = FOUR_OVER_PI
    depth, m = 400, 200
    record = dynamics(a, b, depth=depth)
    deep, mid = walk_sequential(a, b, depth), walk_sequential(a, b, m)
    with mpmath.workdps(2000):
        limit = mpmath.mpf(int(deep.p)) / int(deep.q)
        error = abs(limit - mpmath.mpf(int(mid.p)) / int(mid.q))
        reduced_q = Fraction(int(mid.p), int(mid.q)).denominator
        naive = -mpmath.log(error) / mpmath.log(abs(int(mid.q))) - 1
        reduced = -mpmath.log(error) / mpmath.log(reduced_q) - 1
    assert record.delta_naive == pytest.approx(float(naive), abs=1e-9)
    assert record.delta_fr == pytest.approx(float(reduced), abs=1e-9)


@given(st.tuples(st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9)).filter(any),
       st.tuples(st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9)).filter(any))
def test_eigenvalue_ratio_matches_mpmath_roots(a, b):
    n = 10**9
    ratio, complex_roots = eigenvalue_ratio_log(a, b)
    an, bn = evaluate(a, n), evaluate(b, n)
    assume(bn != 0)
    with mpmath.workdps(200):
        roots = mpmath.polyroots([1, -an, -bn], maxsteps=200, extraprec=400)
        assert complex_roots == any(abs(mpmath.im(r)) > 0 for r in roots)
        if not complex_roots:  # (a + sqrt disc)/2 is the larger root, (a - sqrt disc)/2 the smaller
            plus, minus = max(roots, key=mpmath.re), min(roots, key=mpmath.re)
            assert ratio == pytest.approx(float(mpmath.log(abs(plus / minus))), rel=1e-12, abs=1e-15)


@given(small_poly, small_poly, st.sampled_from([120, 200, 301]))
def test_limit_agrees_with_the_fraction_evaluated_from_the_tail(a, b, depth):
    record = dynamics(a, b, depth=depth)
    assume(record.convergence in ("exponential", "factorial", "polynomial"))
    value = tail_value(a, b, 8 * depth, record.digits + 30)
    assume(value is not None)
    assert agrees_to_its_digits(record, value)


@given(st.integers(1, 5), small_poly, st.integers(1, 5), st.sampled_from([200, 400]))
def test_slow_fractions_do_not_overstate_their_digits(a0, b_low, b_lead, depth):
    # a constant, b quadratic with a positive leading coefficient: polynomial convergence,
    # where consecutive convergents agree to more digits than the limit
    a, b = (a0,), (b_lead, b_low[1], b_low[2])
    record = dynamics(a, b, depth=depth)
    assume(record.convergence in ("exponential", "factorial", "polynomial"))
    value = tail_value(a, b, 64 * depth, record.digits + 30)
    assume(value is not None)
    assert agrees_to_its_digits(record, value)


# --- the record ----------------------------------------------------------------------


@given(small_poly, small_poly, st.integers(MIN_DEPTH, 300))
def test_record_round_trips_through_json(a, b, depth):
    record = dynamics(a, b, depth=depth)
    assert record.convergence in CONVERGENCE_TYPES
    text = json.dumps(record.as_dict(), allow_nan=False)
    assert Dynamics.from_dict(json.loads(text)) == record
    assert (record.limit is None) == (record.digits == 0)


def test_from_dict_accepts_the_cli_strings_for_undefined_numbers():
    record = dynamics((2,), (-1, 0, 0), depth=100)
    data = dict(record.as_dict(), predicted_delta="nan", eig_ratio_log="nan")
    assert Dynamics.from_dict(data) == record


def test_sample_depths_follow_the_paper_and_stay_distinct():
    assert sample_depths(2000) == [6, 125, 250, 500, 1000]
    assert sample_depths(MIN_DEPTH) == [1, 2, 4, 6, 8]
    assert sample_depths(100) == [6, 12, 25, 50]  # m/8 = 6 is the first sample already


def test_too_shallow_a_depth_is_a_user_error():
    with pytest.raises(BrounckerError, match="at least"):
        dynamics(*FOUR_OVER_PI, depth=MIN_DEPTH - 1)


def test_limit_digits_caps_the_text_not_the_count():
    record = dynamics(*FOUR_OVER_PI, depth=300, limit_digits=20)
    assert record.digits > 200
    assert len(record.limit.split(".")[1]) == 20
    with mpmath.workdps(40):
        assert abs(mpmath.mpf(record.limit) - 4 / mpmath.pi) <= mpmath.mpf(10) ** -20


def test_metrics_command_prints_the_record_as_json():
    result = CliRunner().invoke(app, ["metrics", "--a", "2n+1", "--b", "n^2", "--depth", "200", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert Dynamics.from_dict(data) == dynamics(*FOUR_OVER_PI, depth=200)


# --- the classification follows the exact walk ---------------------------------------

LARGE_VALUED = ("728n^3+5006n^2+11297n+8379", "21168n^6+216216n^5+893940n^4+1915530n^3+2242752n^2+1359144n+332640")
KNOWN_FORMULAS = (FOUR_OVER_PI, APERY, ((11, 11, 3), (1, 0, 0, 0, 0)), ((1, 0), (1, 0)), ((1, 1), (1,)))


@st.composite
def random_pcf(draw):
    """Any shape: degrees up to (13, 26), coefficients up to 10^12."""
    size = draw(st.sampled_from([9, 10**3, 10**6, 10**12]))
    coefficients = st.integers(-size, size)
    a = draw(st.lists(coefficients, min_size=1, max_size=14).filter(any))
    b = draw(st.lists(coefficients, min_size=1, max_size=27).filter(any))
    return tuple(a), tuple(b)


@st.composite
def inflated_formula(draw):
    """A known formula times f(n) = c (n + r_1) ... (n + r_k): value f(0) times the formula's, degrees up to (13, 26)."""
    a, b = draw(st.sampled_from(KNOWN_FORMULAS))
    f: tuple[int, ...] = (draw(st.integers(1, 10**4)),)
    for _ in range(draw(st.integers(0, 10))):
        f = multiply(f, (draw(st.integers(1, 9)), draw(st.integers(1, 10**3))))
    pcf = inflate(PCF(a, b), f)
    return pcf.a, pcf.b


def distance(a, b, depth: int, value: mpmath.mpf) -> mpmath.mpf:
    """|p(depth)/q(depth) - value| from an exact walk, at the working precision."""
    c = walk_sequential(a, b, depth)
    return abs(mpmath.mpf(int(c.p)) / int(c.q) - value)


@settings(max_examples=40)
@given(st.one_of(random_pcf(), inflated_formula()))
def test_classification_agrees_with_the_exact_walk(pcf):
    a, b = pcf
    depth = 200
    record = dynamics(a, b, depth=depth)
    assert record.convergence in CONVERGENCE_TYPES
    assert (record.limit is None) == (record.digits == 0)
    if record.convergence == "divergent":
        assert record.digits == 0
    if record.convergence not in CONVERGENT_TYPES:
        return
    # convergent: digits, a limit and δ; the limit agrees with the fraction evaluated from
    # a deeper tail, and the distance to it falls from N/2 to N
    assert record.digits >= 1 and record.delta_naive is not None and record.beta is not None
    deeper = (64 if record.convergence == "polynomial" else 8) * depth
    with mpmath.workdps(record.digits + 30):
        value = tail_value(a, b, deeper, record.digits + 30)
        assert value is not None
        assert agrees_to_its_digits(record, value)
        assert distance(a, b, depth, value) < distance(a, b, depth // 2, value)


def test_a_large_valued_formula_with_large_coefficients_is_convergent():
    result = CliRunner().invoke(app, ["metrics", "--a", LARGE_VALUED[0], "--b", LARGE_VALUED[1], "--depth", "2000", "--json"])
    assert result.exit_code == 0, result.output
    record = Dynamics.from_dict(json.loads(result.output))
    assert record.convergence == "exponential" and record.digits > 2800 and record.limit.startswith("8644.863")
    a, b = parse(LARGE_VALUED[0]), parse(LARGE_VALUED[1])
    deep, middle = walk_sequential(a, b, 4000), walk_sequential(a, b, 1000)
    with mpmath.workdps(6000):
        limit = mpmath.mpf(int(deep.p)) / int(deep.q)  # about 5700 digits: twice the record's
        assert agrees_to_its_digits(record, limit)
        error = abs(limit - mpmath.mpf(int(middle.p)) / int(middle.q))
        reduced_q = int(middle.q) // math.gcd(int(middle.p), int(middle.q))
        delta_fr = -mpmath.log(error) / mpmath.log(abs(reduced_q)) - 1
        delta_naive = -mpmath.log(error) / mpmath.log(abs(int(middle.q))) - 1
    assert record.delta_fr == pytest.approx(float(delta_fr), abs=1e-9)
    assert record.delta_naive == pytest.approx(float(delta_naive), abs=1e-9)
    assert record.delta_fr == pytest.approx(record.predicted_delta, abs=0.01)  # δ as the eigenvalues predict it
