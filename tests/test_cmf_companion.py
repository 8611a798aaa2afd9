"""Rank-2 trajectories as PCFs: the ζ(3) diagonal is Apéry's PCF (shifted), and the Möbius
map from the PCF's value to the trajectory's limit is exact: on every convergent, for the
first column of the walk, and in the limit for ramanujantools' projection.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import mpmath
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st
from mpmath import mp

from brouncker.cmf.companion import trajectory_pcf
from brouncker.cmf.hypergeometric import pfq
from brouncker.cmf.known import known_field
from brouncker.cmf.trajectory import TrajectoryMatrix, trajectory_matrix
from brouncker.cmf.walk import approximate, segment, trajectory_limit, walk
from brouncker.errors import BrounckerError, FieldError
from brouncker.pcf.canonical import canonical, shift_class, shift_relation
from brouncker.pcf.fraction import PCF
from brouncker.pcf.walk import walk as pcf_walk

APERY = PCF.parse("34n^3+51n^2+27n+5", "-n^6")


def test_the_zeta3_diagonal_from_one_one_is_apery_shifted():
    tp = trajectory_pcf(trajectory_matrix(known_field("zeta3"), (1, 1), (1, 1)))
    assert tp.pcf == PCF.parse("(2n+3)(17n^2+51n+39)", "-(n+1)^6")
    assert tp.key == canonical(tp.pcf).key and tp.offset == 0 and not tp.swapped
    assert tp.shift_class().class_key == shift_class(APERY).class_key
    # the value of the limit (1 - ζ(3))/ζ(3) through the map, and Apéry's 6/ζ(3) through the shift
    with mp.workdps(60):
        zeta3 = mp.zeta(3)
        value = tp.mobius.inverse().apply((1 - zeta3) / zeta3)
        assert abs(shift_relation(APERY, tp.pcf).apply(value) - 6 / zeta3) < mpmath.mpf(10) ** -50


def test_from_the_origin_the_diagonal_is_apery_itself():
    tp = trajectory_pcf(trajectory_matrix(known_field("zeta3"), (1, 1), (0, 0)))
    assert tp.pcf == APERY
    assert tp.mobius is None  # det N(0) = 0: the walk from (0, 0) collapses onto a rational


TRAJECTORIES = [
    ("zeta3", (1, 1), (1, 1)),
    ("zeta3", (2, 1), (1, 1)),
    ("zeta3", (1, 2), (2, 1)),
    ("e", (1, 1), (0, 0)),
    ("e", (1, 2), (1, 1)),
    ("pi", (1, 1), (1, 0)),
    ("pi", (1, 2), (1, 1)),
    ("pi", (1, 0), (1, 0)),  # m10 = 0: the cyclic vector is e1
    ("pi", (1, 0), (2, 0)),
]


@pytest.mark.parametrize("name, trajectory, start", TRAJECTORIES)
def test_map_is_exact_on_every_convergent(name, trajectory, start):
    """W_N[0, c] / W_N[1, c] = m(p/q of the canonical PCF at depth N - 2), as rationals, for the
    column c of the cyclic vector (0, or 1 when rows and columns were swapped)."""
    tm = trajectory_matrix(known_field(name), trajectory, start)
    tp = trajectory_pcf(tm)
    assert tp.mobius is not None and tp.offset == 0
    column = 1 if tp.swapped else 0
    for depth in range(2, 14):
        conv = pcf_walk(tp.pcf.a, tp.pcf.b, depth - 2)
        w = segment(tm, 0, depth)
        ratio = Fraction(int(w[0][column]), int(w[1][column]))
        assert ratio == tp.mobius.apply(Fraction(int(conv.p), int(conv.q)))


@pytest.mark.parametrize("name, trajectory, start", TRAJECTORIES)
def test_limit_through_the_pcf_equals_the_walk(name, trajectory, start):
    field = known_field(name)
    through_pcf = trajectory_limit(field, trajectory, start, 40)
    assert through_pcf.method == "pcf"
    by_walk = approximate(field, trajectory, start, 400)
    with mp.workdps(60):
        assert abs(through_pcf.value - by_walk.limit) < mpmath.mpf(10) ** -min(40, by_walk.digits - 1)


@given(st.sampled_from(["zeta3", "e", "pi"]), st.tuples(st.integers(-2, 3), st.integers(-2, 3)),
       st.tuples(st.integers(0, 3), st.integers(0, 3)))
def test_every_trajectory_pcf_agrees_with_its_walk(name, trajectory, start):
    field = known_field(name)
    try:
        tp = trajectory_pcf(trajectory_matrix(field, trajectory, start))
    except BrounckerError:
        tp = None  # a trajectory that does not move, is diagonal, or is singular
    assume(tp is not None and tp.mobius is not None)
    by_walk = approximate(field, trajectory, start, 300)
    assume(by_walk.digits >= 20)  # too slow to judge at this depth
    try:
        through_pcf = trajectory_limit(field, trajectory, start, 20, max_depth=1 << 12)
    except BrounckerError:
        through_pcf = None  # the PCF converges too slowly for 20 digits within the depth
    assume(through_pcf is not None)
    with mp.workdps(40):
        assert abs(through_pcf.value - by_walk.limit) < mpmath.mpf(10) ** -18


def test_zeros_of_the_companion_are_walked_past():
    # m10(n) = n - 2 vanishes at n = 2: the PCF starts after it, the map takes W_3 along
    tm = TrajectoryMatrix("synthetic", ("x",), (1,), (Fraction(0),), (((1, 1), (1,)), ((1, -2), (3, 5))), ((1,), (1,)))
    tp = trajectory_pcf(tm)
    assert tp.offset == 3 and tp.mobius is not None
    (point,) = walk(tm, [40])
    with mp.workdps(60):
        lim = mpmath.mpf(int(point.p)) / int(point.q)
        conv = pcf_walk(tp.pcf.a, tp.pcf.b, 60)
        assert abs(tp.mobius.apply(mpmath.mpf(int(conv.p)) / int(conv.q)) - lim) < mpmath.mpf(10) ** -20


def test_only_rank_two_non_diagonal_trajectories_are_pcfs():
    with pytest.raises(FieldError, match="rank 3"):
        trajectory_pcf(trajectory_matrix(pfq(3, 2, sympy.Rational(1, 2)), (1, 0, 0, 0, 0), (1, 1, 1, 2, 2)))
    with pytest.raises(FieldError, match="diagonal"):
        trajectory_pcf(trajectory_matrix(known_field("zeta3"), (0, 1), (0, 1)))


def test_json_of_a_trajectory_pcf():
    tp = trajectory_pcf(trajectory_matrix(known_field("zeta3"), (1, 1), (1, 1)))
    data = tp.as_dict()
    assert data["a"] == "34n^3 + 153n^2 + 231n + 117" and data["key"] == tp.key
    assert data["class_key"] == canonical(APERY).key and data["mobius"]["map"] == "(-x - 1)/(6x)"
    assert set(itertools.chain(data)) >= {"a", "b", "key", "class_key", "mobius"}
