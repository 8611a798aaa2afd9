"""Möbius tables and the meet-in-the-middle match."""

from __future__ import annotations

import dataclasses
import math
import random

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brouncker.constants import constant_value, parse_constant
from brouncker.screening.match import (
    DEFAULT_TOLERANCE,
    RATIONAL_MAX_DENOMINATOR,
    MoebiusTables,
    bucket_index,
    buckets,
    match,
    match_sorted,
    moebius_table,
    moebius_tables,
)
from brouncker.screening.screen import screen

CONSTANTS = ("pi", "e", "zeta3", "catalan", "ln2", "euler_gamma")


def test_known_pcfs_match_their_constants():
    a = np.array([[2, 1], [1, 0], [1, 3], [0, 3]])
    b = np.array([[1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1]])
    result = screen(a, b, depth=200)
    found = {(m.index, m.constant, m.coefficients) for m in match(result.limits, moebius_tables(CONSTANTS))}
    assert (0, "pi", (4, 0, 0, 1)) in found  # 4/pi
    assert (1, "e", (1, 0, -1, 1)) in found  # 1/(e - 1)
    assert (2, "e", (0, 1, 1, 0)) in found  # e
    assert all(i != 3 for i, _, _ in found)  # PCF(3, 1) = (3 + sqrt 13)/2: not in these tables


def test_every_planted_moebius_value_is_found():
    """Held out: random non-degenerate primitive vectors, values from mpmath, all recovered."""
    rng = random.Random(7)
    tables = moebius_tables(CONSTANTS)
    planted = []
    while len(planted) < 300:
        c = [rng.randint(-12, 12) for _ in range(4)]
        if c[1] * c[2] - c[0] * c[3] == 0 or math.gcd(*c) != 1:
            continue
        name = rng.choice(CONSTANTS)
        k = constant_value(name, 40)
        den = c[2] + c[3] * k
        if den < 0:
            c = [-x for x in c]
            den = -den
        planted.append((name, tuple(c), float((c[0] + c[1] * k) / den)))
    limits = np.array([v for _, _, v in planted])
    found = {(m.index, m.constant, m.coefficients) for m in match(limits, tables)}
    assert all((i, name, c) in found for i, (name, c, _) in enumerate(planted))


def test_table_values_are_the_moebius_values():
    table = moebius_table("zeta3", 5)
    assert np.all(np.diff(table.values) > 0)
    rng = np.random.default_rng(0)
    with mpmath.workdps(40):
        k = constant_value("zeta3", 40)
        for row in rng.choice(len(table), 50, replace=False):
            c0, c1, c2, c3 = (int(x) for x in table.coefficients[row])
            assert c1 * c2 - c0 * c3 != 0 and math.gcd(c0, c1, c2, c3) == 1
            assert c2 + c3 * k > 0
            assert table.values[row] == pytest.approx(float((c0 + c1 * k) / (c2 + c3 * k)), rel=1e-14)


def test_quadratic_irrationals_keep_one_vector_per_value():
    table = moebius_table("phi", 3)
    values = table.values
    assert np.all(np.diff(values) > 1e-13 * np.abs(values[1:]))


def test_small_rationals_are_not_moebius_matches():
    assert match(np.array([0.5, 1 / 3, -7 / 11, 2.0]), moebius_tables(CONSTANTS)) == []


def test_match_expressions_read_back_to_the_table_values():
    """Each match's text, parsed by the constant parser, evaluates to its table value."""
    table = moebius_table("catalan", 4)
    rng = np.random.default_rng(3)
    for row in rng.choice(len(table), 40, replace=False):
        c = tuple(int(x) for x in table.coefficients[row])
        found = match(np.array([table.values[row]]), moebius_tables(("catalan",), 4))
        m = next(m for m in found if m.coefficients == c)
        assert float(parse_constant(m.expression).value(30)) == pytest.approx(table.values[row], rel=1e-14)


# --- the bucket-index match against the sorted searchsorted match it replaced ----------

reference_match = match_sorted  # the argsort + searchsorted match the index replaced


TABLES = [(("pi", "e"), 3), (("zeta3",), 2), (("catalan", "ln2", "pi2"), 3), (("phi", "sqrt2"), 3), (("e",), 1)]
TOLERANCES = [DEFAULT_TOLERANCE, 1e-8, 1e-13, 0.0, 1e-3, 1.0, 2.0, -DEFAULT_TOLERANCE, math.nan]
SPECIAL = [0.0, -0.0, math.nan, math.inf, -math.inf, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
           -1.7976931348623157e308, 1e300, -1e-300, 0.5, -1 / 3, 1.0]


def steps(x: float, k: int) -> float:
    """``x`` moved ``k`` floats up (down for negative ``k``)."""
    for _ in range(abs(k)):
        x = float(np.nextafter(x, math.copysign(math.inf, k)))
    return x


@st.composite
def near_tables(draw: st.DrawFn) -> tuple[MoebiusTables, float, np.ndarray]:
    """A table (with its own index or a coarse one), a tolerance, and limits on, at the edge
    of the tolerance of, and away from its values, with every kind of float among them."""
    constants, bound = draw(st.sampled_from(TABLES))
    tables = moebius_tables(constants, bound)
    bits, fine_bits = draw(st.sampled_from([None, 0, 1, 4, 9])), draw(st.sampled_from([5, 0, 2]))
    if (bits, fine_bits) != (None, 5):  # few buckets: crowded ones, and the bisection in them
        tables = dataclasses.replace(tables, index=bucket_index(tables.values, bits, fine_bits))
    tolerance = draw(st.sampled_from(TOLERANCES))
    values = tables.values
    limits = []
    for _ in range(draw(st.integers(1, 40))):
        v = float(values[draw(st.integers(0, values.size - 1))])
        kind = draw(st.sampled_from(["value", "edge", "negated", "float", "special"]))
        if kind == "value":
            limits.append(v)
        elif kind == "edge":  # x with x - w or x + w at v, give or take a few floats
            edges = [v / (1 + tolerance), v * (1 - tolerance), v * (1 + tolerance)] + ([v / (1 - tolerance)] if tolerance != 1 else [])
            edge = draw(st.sampled_from(edges))
            limits.append(steps(edge, draw(st.integers(-3, 3))))
        elif kind == "negated":
            limits.append(-v)
        elif kind == "float":
            limits.append(draw(st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)))
        else:
            limits.append(draw(st.sampled_from(SPECIAL)))
    return tables, tolerance, np.array(limits, dtype=np.float64)


@settings(max_examples=300, deadline=None)
@given(near_tables(), st.sampled_from([RATIONAL_MAX_DENOMINATOR, 10, 1]))
def test_match_is_the_sorted_searchsorted_match(case: tuple[MoebiusTables, float, np.ndarray], max_denominator: int):
    tables, tolerance, limits = case
    assert match(limits, tables, tolerance, max_denominator) == reference_match(limits, tables, tolerance, max_denominator)


@settings(max_examples=300, deadline=None)
@given(near_tables())
def test_candidates_are_the_searchsorted_positions(case: tuple[MoebiusTables, float, np.ndarray]):
    """The compiled finder's (i, lo, hi) are numpy's searchsorted bounds of every limit they overlap."""
    from brouncker.screening.match_kernel import candidates

    tables, tolerance, x = case
    t = tables.index
    found, lo, hi = candidates(x, tolerance, tables.values, t.base, t.shift, t.offset, t.count, t.fine_bits, t.occupied, t.starts)
    with np.errstate(invalid="ignore", over="ignore"):
        width = tolerance * np.abs(x)
        want_lo = np.searchsorted(tables.values, x - width, side="left")
        want_hi = np.searchsorted(tables.values, x + width, side="right")
    want = np.flatnonzero(np.isfinite(x) & (x != 0) & (want_hi > want_lo))
    assert found.tolist() == want.tolist()
    assert lo.tolist() == want_lo[want].tolist() and hi.tolist() == want_hi[want].tolist()


@given(st.lists(st.floats(allow_nan=False, allow_infinity=True, allow_subnormal=True), min_size=1, max_size=60),
       st.lists(st.floats(allow_nan=False, allow_infinity=True), min_size=1, max_size=60), st.sampled_from([None, 0, 2]),
       st.sampled_from([0, 5]))
def test_buckets_are_monotone(table: list[float], floats: list[float], bits: int | None, fine_bits: int):
    """x <= y puts x in a bucket at most y's, for any floats, whatever table sized the index."""
    index = bucket_index(np.sort(np.array(table)), bits, fine_bits)
    x = np.sort(np.array(floats + table + [0.0, -0.0, 5e-324, -5e-324]))
    assert np.all(np.diff(buckets(x, index)) >= 0)


def test_limits_on_the_edge_of_the_tolerance():
    """Limits whose x - w or x + w is a table value itself, and their neighbours one float
    away, match as the searchsorted match does; every kind of edge occurs."""
    tables = moebius_tables(("pi", "e"), 3)
    values = tables.values
    tolerance = DEFAULT_TOLERANCE
    limits = np.array([steps(edge, k) for v in values.tolist()
                       for edge in (v / (1 - tolerance), v / (1 + tolerance)) for k in (-2, -1, 0, 1, 2)])
    width = tolerance * np.abs(limits)
    on_lower = np.isin(limits - width, values)
    on_upper = np.isin(limits + width, values)
    assert on_lower.sum() > 100 and on_upper.sum() > 100
    found = match(limits, tables, tolerance, max_denominator=1)
    assert found == reference_match(limits, tables, tolerance, max_denominator=1)
    assert {m.index for m in found} >= set(np.flatnonzero(on_lower | on_upper).tolist())
