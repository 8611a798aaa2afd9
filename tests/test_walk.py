"""Exact convergents: the product tree against the sequential recurrence and closed forms."""

import math
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brouncker.pcf.convergent import log10_abs
from brouncker.pcf.walk import walk, walk_checkpoints, walk_sequential

small_poly = st.lists(st.integers(-6, 6), min_size=1, max_size=4).map(tuple)


@given(small_poly, small_poly, st.integers(0, 300))
def test_product_tree_equals_recurrence(a, b, depth):
    tree, seq = walk(a, b, depth), walk_sequential(a, b, depth)
    assert (tree.p, tree.q, tree.p_prev, tree.q_prev, tree.finite_at) == (seq.p, seq.q, seq.p_prev, seq.q_prev, seq.finite_at)


@given(small_poly, small_poly, st.lists(st.integers(0, 200), min_size=1, max_size=6))
def test_checkpoints_equal_separate_walks(a, b, depths):
    for depth, conv in zip(depths, walk_checkpoints(a, b, depths)):
        alone = walk(a, b, depth)
        assert (conv.depth, conv.p, conv.q, conv.p_prev, conv.q_prev) == (depth, alone.p, alone.q, alone.p_prev, alone.q_prev)


def test_convergent_matches_the_fraction_evaluated_from_the_tail():
    # 4/pi = 1 + 1/(3 + 4/(5 + 9/(7 + ...))): evaluate the truncated fraction bottom-up
    depth = 25
    tail = Fraction(2 * depth + 1)
    for n in range(depth, 0, -1):
        tail = (2 * n - 1) + Fraction(n * n) / tail
    conv = walk((2, 1), (1, 0, 0), depth)
    assert conv.fraction() == tail


def test_fibonacci_convergents_and_golden_ratio():
    conv = walk((1,), (1,), 50)
    fib = [0, 1]
    for _ in range(60):
        fib.append(fib[-1] + fib[-2])
    assert (conv.p, conv.q) == (fib[52], fib[51])
    assert conv.trustworthy_digits == math.floor(-math.log10(1 / (fib[51] * fib[50])))


def test_apery_trustworthy_digits_agree_with_mpmath_zeta3():
    conv = walk((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), 300)
    with mpmath.workdps(1200):
        error = abs(mpmath.mpf(int(conv.p)) / int(conv.q) - 6 / mpmath.zeta(3))
        agreed = -mpmath.log10(error)
    # consecutive convergents bound the error within about one term's worth of digits
    assert abs(conv.trustworthy_digits - float(agreed)) < 5
    assert conv.trustworthy_digits > 900


def test_reduced_denominator_divides_out_the_gcd():
    conv = walk((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), 200)
    g = math.gcd(int(conv.p), int(conv.q))
    assert g > 1 and conv.reduced_q == abs(int(conv.q)) // g


@pytest.mark.parametrize(
    "b, first_zero",
    [((1, -3), 3), ((1, 0, -16), 4), ((0,), 1), ((1, 5), None), ((1, -(10**12 + 2), 2 * 10**12), 2), ((1024,) + (0,) * 12, None)],
)
def test_finite_fraction_is_reported_not_divided(b, first_zero):
    conv = walk((2,), b, 40)
    assert conv.finite_at == first_zero
    if first_zero is not None and conv.q != 0:
        # every later convergent repeats the rational value of depth first_zero - 1
        last = walk((2,), b, first_zero - 1)
        assert conv.fraction() == last.fraction()
        assert conv.trustworthy_digits == math.inf


def test_zero_denominator_is_not_a_number():
    conv = walk((1,), (1, -3), 2)  # 1 + (-2)/(1 + (-1)/1): q(2) = 0
    assert conv.q == 0 and not conv.defined
    assert conv.trustworthy_digits == -math.inf


@given(st.integers(1, 10**400))
def test_log10_abs_of_huge_integers(x):
    assert abs(log10_abs(x) - float(mpmath.log10(mpmath.mpf(x)))) < 1e-9 * max(1, math.log10(x))
