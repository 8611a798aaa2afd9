"""The one convergent type: PCF and CMF walks return it, it agrees with the three-term
recurrence and the step-by-step matrix product computed here with Python integers, and its
log-distance and δ agree with mpmath."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from brouncker.cmf.trajectory import TrajectoryMatrix
from brouncker.cmf.walk import walk as cmf_walk
from brouncker.convergence.dynamics import dynamics, sample_depths
from brouncker.pcf.convergent import Convergent, delta_of, log10_gap
from brouncker.pcf.polynomial import evaluate, normalize, shift
from brouncker.pcf.walk import walk, walk_checkpoints

small_polys = st.lists(st.integers(-5, 5), min_size=1, max_size=3).map(normalize)
LIMITS = {"pi": lambda: mpmath.pi, "e": lambda: mpmath.e, "sqrt2": lambda: mpmath.sqrt(2), "zeta3": lambda: mpmath.zeta(3)}


def recurrence(a: tuple[int, ...], b: tuple[int, ...], depth: int) -> tuple[int, int, int, int]:
    """$(p(N), q(N), p(N-1), q(N-1))$ by $p(n) = a(n)p(n-1) + b(n)p(n-2)$, in Python integers."""
    p_prev, p, q_prev, q = 1, evaluate(a, 0), 0, 1
    for n in range(1, depth + 1):
        p_prev, p = p, evaluate(a, n) * p + evaluate(b, n) * p_prev
        q_prev, q = q, evaluate(a, n) * q + evaluate(b, n) * q_prev
    return p, q, p_prev, q_prev


def matrix_product(tm: TrajectoryMatrix, depth: int) -> list[list[int]]:
    """$N(0) N(1) \\cdots N(depth - 1)$ one matrix at a time, in Python integers."""
    rank = tm.rank
    acc = [[int(r == c) for c in range(rank)] for r in range(rank)]
    for n in range(depth):
        step = tm.at(n)
        acc = [[sum(acc[r][k] * step[k][c] for k in range(rank)) for c in range(rank)] for r in range(rank)]
    return acc


def companion(a: tuple[int, ...], b: tuple[int, ...]) -> TrajectoryMatrix:
    r"""The walk of $M(n + 1) = \begin{pmatrix} 0 & b(n+1) \\ 1 & a(n+1) \end{pmatrix}$: its projection
    is $p(N)/q(N) - a(0)$."""
    rows = (((0,), shift(b, 1)), ((1,), shift(a, 1)))
    return TrajectoryMatrix("pcf", ("n",), (1,), (Fraction(0),), rows, ((1,), (1,)))


@given(small_polys, small_polys, st.lists(st.integers(1, 120), min_size=1, max_size=4))
def test_pcf_and_cmf_walks_return_the_convergents_of_the_recurrence(a, b, depths):
    for depth, conv, projected in zip(depths, walk_checkpoints(a, b, depths), cmf_walk(companion(a, b), depths)):
        assert isinstance(conv, Convergent) and isinstance(projected, Convergent)
        assert (conv.p, conv.q, conv.p_prev, conv.q_prev) == recurrence(a, b, depth)
        assert projected.depth == depth and projected.q == conv.q and projected.q_prev == conv.q_prev
        assert projected.p + evaluate(a, 0) * projected.q == conv.p


@given(st.lists(st.lists(small_polys, min_size=3, max_size=3), min_size=3, max_size=3), st.integers(1, 60))
def test_cmf_convergent_is_the_last_column_of_the_product(rows, depth):
    tm = TrajectoryMatrix("random", ("x",), (1,), (Fraction(0),), tuple(tuple(r) for r in rows), ((1,), (1,)))
    (conv,) = cmf_walk(tm, [depth])
    full, previous = matrix_product(tm, depth), matrix_product(tm, depth - 1)
    assert (conv.p, conv.q, conv.p_prev, conv.q_prev) == (full[0][-1], full[1][-1], previous[0][-1], previous[1][-1])


def mpmath_delta(p: int, q: int, limit: mpmath.mpf, reduced: bool = True) -> float:
    """δ from $|p/q - L| = Q^{-(1+δ)}$, at high precision with mpmath's own logarithms."""
    big_q = abs(q) // math.gcd(p, q) if reduced else abs(q)
    return float(-mpmath.log(abs(mpmath.mpf(p) / q - limit)) / mpmath.log(big_q) - 1)


@given(small_polys, small_polys, st.integers(2, 150), st.sampled_from(sorted(LIMITS)), st.booleans())
def test_delta_against_a_known_limit_matches_mpmath(a, b, depth, name, reduced):
    conv = walk(a, b, depth)
    assume(conv.q != 0)
    with mpmath.workdps(int(4 * max(1.0, math.log10(abs(int(conv.q))) + 1)) + 50):  # L well beyond the convergent's digits
        limit = LIMITS[name]()
        big_q = conv.reduced_q if reduced else abs(conv.q)
        if big_q <= 1:
            assert conv.delta(limit, reduced) is None
            return
        expected = mpmath_delta(int(conv.p), int(conv.q), limit, reduced)
        assert conv.delta(limit, reduced) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(small_polys, small_polys, st.integers(1, 80), st.integers(1, 80))
def test_blind_delta_and_log_distance_match_mpmath(a, b, depth, further):
    conv, deeper = walk_checkpoints(a, b, [depth, depth + further])
    defined = conv.q != 0 and deeper.q != 0
    gap = log10_gap(conv.p, conv.q, deeper.p, deeper.q)
    assert conv.log10_gap(deeper) == gap
    if not defined:
        assert gap == math.inf and conv.blind_delta(deeper) is None
        return
    difference = Fraction(int(conv.p), int(conv.q)) - Fraction(int(deeper.p), int(deeper.q))
    if difference == 0:
        assert gap == -math.inf and conv.blind_delta(deeper) is None
        return
    with mpmath.workdps(50):
        expected_gap = float(mpmath.log10(abs(mpmath.mpf(difference.numerator)) / abs(difference.denominator)))
        assert gap == pytest.approx(expected_gap, rel=1e-12, abs=1e-9)
        if conv.reduced_q <= 1:
            assert conv.blind_delta(deeper) is None
        else:
            error = abs(mpmath.mpf(difference.numerator)) / abs(difference.denominator)
            expected = float(-mpmath.log(error) / mpmath.log(conv.reduced_q) - 1)
            assert conv.blind_delta(deeper) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_undefined_delta_is_none():
    assert delta_of(-math.inf, 3.0) is None  # the convergent is the limit
    assert delta_of(math.inf, 3.0) is None  # a fraction that is no number
    assert delta_of(-5.0, 0.0) is None and delta_of(-5.0, -1.0) is None  # Q <= 1
    assert delta_of(-6.0, 2.0) == 2.0
    assert walk((1,), (0,), 3).delta(mpmath.mpf(1)) is None  # 1 + 0/(1 + ...): q = 1


def test_dynamics_delta_is_the_convergents_blind_delta():
    a, b, depth = (34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), 2000
    record = dynamics(a, b, depth)
    m = sample_depths(depth)[-1]
    at_m, last = walk_checkpoints(a, b, [m, depth])
    assert record.delta_fr == pytest.approx(at_m.blind_delta(last), rel=1e-12)
    assert record.delta_naive == pytest.approx(at_m.blind_delta(last, reduced=False), rel=1e-12)
