"""Exact walks along trajectories: the product tree equals the step-by-step product, the
known fields reach their published limits (against mpmath), the hypergeometric fields
are the contiguous relations of mpmath's pFq, and δ on the ζ(3) diagonal is Apéry's.

Limits use ramanujantools' projection, W[0, -1] / W[1, -1] of M(s) M(s + t) ⋯, so the
published limits hold as stated.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from mpmath import mp

from brouncker.cmf.hypergeometric import pfq
from brouncker.cmf.known import known_field
from brouncker.cmf.product import segment
from brouncker.cmf.trajectory import TrajectoryMatrix, trajectory_matrix
from brouncker.cmf.walk import approximate, trajectory_limit, walk, walk_sequential
from brouncker.errors import FieldError
from brouncker.pcf.polynomial import evaluate, normalize
from brouncker.pcf.walk import walk as pcf_walk

small_polys = st.lists(st.integers(-4, 4), min_size=1, max_size=3).map(normalize)


@st.composite
def integer_matrices(draw: st.DrawFn) -> TrajectoryMatrix:
    rank = draw(st.sampled_from([2, 3]))
    rows = tuple(tuple(draw(small_polys) for _ in range(rank)) for _ in range(rank))
    return TrajectoryMatrix("random", ("x",), (1,), (Fraction(0),), rows, ((1,), (1,)))


@given(integer_matrices(), st.lists(st.integers(1, 90), min_size=1, max_size=4))
def test_product_tree_equals_the_step_by_step_product(tm, depths):
    points = walk(tm, depths)
    for depth, point in zip(depths, points):
        full = walk_sequential(tm, depth)
        previous = walk_sequential(tm, depth - 1)
        assert segment(tm, 0, depth) == full
        assert (point.depth, point.p, point.q) == (depth, full[0][-1], full[1][-1])
        assert (point.p_prev, point.q_prev) == (previous[0][-1], previous[1][-1])


def test_segments_chain():
    tm = trajectory_matrix(known_field("zeta3"), (2, 1), (1, 1))
    left, right = segment(tm, 0, 37), segment(tm, 37, 100)
    whole = segment(tm, 0, 100)
    assert [[sum(left[r][k] * right[k][c] for k in range(2)) for c in range(2)] for r in range(2)] == whole


# --- the known fields' limits -------------------------------------------------------------


FACTS = [
    ("zeta3", (1, 1), (1, 1), lambda: (1 - mp.zeta(3)) / mp.zeta(3)),
    ("e", (1, 1), (0, 0), lambda: 1 / (1 - mp.e)),
    ("pi", (1, 1), (1, 0), lambda: (2 - mp.pi) / 2),
]


@pytest.mark.parametrize("name, trajectory, start, closed_form", FACTS)
def test_known_fields_reach_their_limits(name, trajectory, start, closed_form):
    field = known_field(name)
    limit = trajectory_limit(field, trajectory, start, 60)
    with mp.workdps(80):
        expected = closed_form()
        assert limit.digits >= 60 and abs(limit.value - expected) < mpmath.mpf(10) ** -60
        walked = approximate(field, trajectory, start, 120)  # the walk itself, ramanujantools' projection
        assert abs(walked.limit - expected) < mpmath.mpf(10) ** -min(60, walked.digits)


def test_registry_examples_hold():
    from brouncker.cmf.known import known_fields
    from brouncker.constants import parse_constant

    for entry in known_fields():
        if entry.example is None:
            continue
        field = known_field(entry.name, **dict(entry.example.parameters))
        limit = trajectory_limit(field, entry.example.trajectory, entry.example.start, 30)
        with mp.workdps(50):
            assert abs(limit.value - parse_constant(entry.example.limit).value(50)) < mpmath.mpf(10) ** -30, entry.name


def test_delta_on_the_zeta3_diagonal_is_aperys():
    depth = 2000
    tm = trajectory_matrix(known_field("zeta3"), (1, 1), (1, 1))
    at_depth, deeper = walk(tm, [depth, 2 * depth])
    with mp.workdps(7000):  # more digits than the convergents at depth 2000 carry
        zeta3 = mp.zeta(3)
        along_diagonal = at_depth.delta((1 - zeta3) / zeta3)
        apery = pcf_walk((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), depth).delta(6 / zeta3)
    assert along_diagonal is not None and apery is not None
    assert 0.07 < along_diagonal < 0.1 and 0.07 < apery < 0.1
    assert abs(along_diagonal - apery) < 0.005
    blind = at_depth.blind_delta(deeper)  # the limit from depth 4000
    assert blind is not None and abs(blind - along_diagonal) < 1e-6
    assert approximate(known_field("zeta3"), (1, 1), (1, 1), depth).delta == blind


def test_delta_depends_on_the_direction():
    field = known_field("zeta3")
    deltas = [approximate(field, t, (1, 1), 200).delta for t in [(1, 1), (2, 1), (1, 2)]]
    assert all(d is not None for d in deltas) and len(set(deltas)) == 3


# --- hypergeometric fields against mpmath -------------------------------------------------


def hypergeometric_state(a: list[Fraction], b: list[Fraction], z: Fraction, rank: int) -> list[mpmath.mpf]:
    r"""$(F, \theta F, \dots, \theta^{r-1} F)$ from mpmath: $\theta^k = \sum_j S(k, j) z^j d^j/dz^j$
    and $F^{(j)} = \prod (a)_j / \prod (b)_j \, F(a + j; b + j; z)$."""
    mpq = lambda v: mpmath.mpf(v.numerator) / v.denominator  # noqa: E731
    av, bv, zv = [mpq(v) for v in a], [mpq(v) for v in b], mpq(z)
    out = []
    for k in range(rank):
        total = mpmath.mpf(0)
        for j in range(k + 1):
            weight = 1 if k == 0 else int(sp.functions.combinatorial.numbers.stirling(k, j))
            if weight:
                pochhammer = mpmath.fprod(mpmath.rf(v, j) for v in av) / mpmath.fprod(mpmath.rf(v, j) for v in bv)
                total += weight * zv**j * pochhammer * mpmath.hyper([v + j for v in av], [v + j for v in bv], zv)
        out.append(total)
    return out


@pytest.mark.parametrize(
    "p, q, z, trajectory, start",
    [
        (1, 1, Fraction(2), (1, 2), (Fraction(1, 3), Fraction(5, 2))),
        (2, 1, Fraction(1, 3), (1, 0, 0), (Fraction(1, 2), Fraction(1), Fraction(3, 2))),
        (2, 1, Fraction(-1, 2), (1, -1, 2), (Fraction(1, 2), Fraction(3), Fraction(3, 2))),
        (3, 2, Fraction(1, 2), (1, 0, 1, 0, 1), (Fraction(1, 2), Fraction(1), Fraction(2, 3), Fraction(2), Fraction(5, 2))),
    ],
)
def test_hypergeometric_walks_are_contiguous_relations(p, q, z, trajectory, start):
    """v(s)^T W_N = v(s + N t)^T for the state vector v of pFq, with the scalar of the walk restored."""
    field = pfq(p, q, sp.Rational(z.numerator, z.denominator))
    tm = trajectory_matrix(field, trajectory, start)
    depth = 5
    w = segment(tm, 0, depth)
    scalar = Fraction(1)
    for n in range(depth):
        scalar *= Fraction(evaluate(tm.scale[0], n), evaluate(tm.scale[1], n))
    end = [s + depth * t for s, t in zip(start, trajectory)]
    with mp.workdps(40):
        v0 = hypergeometric_state(list(start[:p]), list(start[p:]), z, field.rank)
        v1 = hypergeometric_state(end[:p], end[p:], z, field.rank)
        factor = mpmath.mpf(scalar.numerator) / scalar.denominator
        for c in range(field.rank):
            left = factor * mpmath.fsum(v0[r] * int(w[r][c]) for r in range(field.rank))
            assert abs(left - v1[c]) < mpmath.mpf(10) ** -30 * max(1, abs(v1[c]))


def test_rank_three_limits_come_from_the_walk():
    field = pfq(3, 2, sp.Rational(1, 2))
    assert field.rank == 3
    limit = trajectory_limit(field, (1, 1, 1, 2, 2), (1, 1, 1, 2, 2), 100)
    assert limit.method == "walk" and limit.digits == 100
    deeper = approximate(field, (1, 1, 1, 2, 2), (1, 1, 1, 2, 2), 4 * limit.depth)
    with mp.workdps(120):
        assert deeper.digits > 150 and abs(deeper.limit - limit.value) < mpmath.mpf(10) ** -100


def test_walk_errors_and_degenerate_projections():
    tm = trajectory_matrix(known_field("zeta3"), (1, 1), (1, 1))
    with pytest.raises(FieldError, match="at least 1"):
        walk(tm, [0])
    # from (0, 0) the first step of the diagonal is singular: the projective walk collapses
    # onto a rational (ramanujantools' walk is the zero matrix there)
    (point,) = walk(trajectory_matrix(known_field("zeta3"), (1, 1), (0, 0)), [50])
    assert Fraction(int(point.p), int(point.q)) == Fraction(-1, 6)
    collapsed = approximate(known_field("zeta3"), (1, 1), (0, 0), 50)
    assert collapsed.digits == math.inf and collapsed.delta is None  # the limit is the convergent itself
    data = collapsed.as_dict()
    assert data["digits"] is None and data["delta"] is None and data["limit"].startswith("-0.1666666")


def test_json_of_walks_and_limits():
    field = known_field("zeta3")
    data = approximate(field, (1, 1), (1, 1), 20).as_dict()
    assert set(data) == {"limit", "digits", "depth", "delta"} and data["depth"] == 20
    assert data["limit"].startswith("-0.16809262741929253131687372") and isinstance(data["digits"], int)
    limit = trajectory_limit(field, (1, 1), (1, 1), 30).as_dict()
    assert limit["limit"] == "-0.168092627419292531316873721178" and limit["digits"] == 30 and limit["method"] == "pcf"
