"""Integer relations: LLL against PSLQ, planted relations recovered, the normal form, the cost,
the residual check, and the look-elsewhere margin."""

from __future__ import annotations

import math
import random

import mpmath
from hypothesis import assume, given
from hypothesis import strategies as st
from mpmath import mp, mpf

from brouncker.constants import constant_value
from brouncker.identification.relations import (
    candidates,
    cost,
    fixed_point_vector,
    holds,
    lll_relations,
    mobius_relation,
    primitive,
    pslq_relation,
    relate,
    required_margin,
    residual_ok,
    search_digits,
)
from brouncker.precision import MARGIN

small = st.integers(-30, 30)


def test_cost_is_the_digits_of_the_coefficients():
    assert cost((1, -1, 0)) == 0
    assert math.isclose(cost((1000, 0, -7)), 3 + math.log10(7))
    assert cost((10**9, 10**9)) == 18


@given(st.lists(small, min_size=2, max_size=6), st.integers(-50, 50))
def test_primitive_is_the_same_relation_divided_by_its_content(r, scale):
    assume(any(r) and scale)
    p = primitive([scale * c for c in r])
    g = math.gcd(*r)
    assert math.gcd(*p) == 1
    assert tuple(abs(c) for c in p) == tuple(abs(c) // g for c in r)
    assert next(c for c in p if c) > 0
    assert primitive(p) == p  # idempotent


def test_primitive_with_leading_positions():
    # x (c2 + c3 K) = c0 + c1 K with the x K coefficient positive
    assert primitive((-2, 4, 0, -6), leading=(3, 0)) == (1, -2, 0, 3)
    assert primitive((-2, 4, 0, 0), leading=(3, 0)) == (1, -2, 0, 0)


def test_required_margin_grows_with_the_relations_tried():
    assert required_margin(1) == MARGIN
    assert required_margin(10) == MARGIN + 1
    assert math.isclose(required_margin(1612), MARGIN + math.log10(1612))
    assert required_margin(0) == MARGIN


def test_search_digits_leave_fresh_digits_under_the_cap():
    assert search_digits(100, 4, 10**9) == 4 * 9 + 15
    assert search_digits(40, 6, 10**9) == 40
    assert search_digits(100, 6, None) == 100


@given(st.sampled_from(["pi", "e", "zeta3", "catalan", "ln2", "gompertz"]), small, small, small, small)
def test_lll_and_pslq_find_the_same_planted_mobius_relation(name, c0, c1, c2, c3):
    """Planted x = (c0 + c1 K)/(c2 + c3 K), checked by mpmath at 100 digits; LLL and PSLQ agree."""
    assume(c0 * c3 != c1 * c2)
    with mp.workdps(120):
        k = constant_value(name, 120)
        assume(abs(c2 + c3 * k) > 1e-3)
        x = (c0 + c1 * k) / (c2 + c3 * k)
        values = [x, mpf(1), k, x * k]
        columns, exponent = fixed_point_vector(values, 60)
    planted = primitive((c2, -c0, -c1, c3))
    by_lll = next(r for r in candidates(columns, exponent, "lll") if residual_ok(r, columns))
    with mp.workdps(80):
        by_pslq = pslq_relation([mpf(c) / mpf(10) ** exponent for c in columns], exponent, 10**6)
    assert by_lll == planted
    assert by_pslq is not None and primitive(by_pslq) == planted
    with mp.workdps(120):
        assert abs(sum(r * v for r, v in zip(by_lll, values))) < mpf(10) ** -100


def test_lll_rows_are_primitive_relations():
    rows = lll_relations([1414213562373095, 10**15, 2828427124746190])
    assert rows[0] == (2, 0, -1)
    assert all(math.gcd(*r) == 1 and next(c for c in r if c) > 0 for r in rows)


def test_residual_is_at_the_noise_of_the_last_digit():
    with mp.workdps(80):
        columns, _ = fixed_point_vector([mpf(1), +mp.pi, 4 / mp.pi, mpf(4)], 60)  # [1, x, y, xy]
    assert residual_ok((4, 0, 0, -1), columns)
    assert residual_ok((4, 0, 0, -1), [columns[0], columns[1], columns[2], columns[3] + 50])  # rounding noise
    assert not residual_ok((4, 0, 0, -1), [columns[0], columns[1], columns[2], columns[3] + 10**5])
    with mp.workdps(200):
        x, y = +mp.pi, 4 / mp.pi
        assert holds((4, 0, 0, -1), [1, x, y, x * y], 150)
        assert not holds((4, 0, 0, -1), [1, x, y + mpf(10) ** -100, x * (y + mpf(10) ** -100)], 150)


@given(st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9), st.integers(1, 9))
def test_mobius_relation_recovers_the_map(c0, c1, c2, c3):
    assume(c0 * c3 != c1 * c2)
    with mp.workdps(80):
        x = constant_value("catalan", 80)
        y = (c0 + c1 * x) / (c2 + c3 * x)
        r = mobius_relation(x, y, 50)
    assert r is not None
    assert r == primitive((-c0, -c1, c2, c3))  # r0 + r1 x + r2 y + r3 x y = 0


def test_random_values_are_not_related():
    rng = random.Random(11)
    for _ in range(40):
        with mp.workdps(70):
            x = mpf(rng.getrandbits(200)) / 2**200
            y = mpf(rng.getrandbits(200)) / 2**200 + 1
        assert mobius_relation(x, y, 50) is None


def test_relate_confirms_on_deeper_values_only():
    with mp.workdps(200):
        x, y = +mp.e, (2 * mp.e - 1) / (mp.e + 3)
        assert relate(x, 180, y, 180, 50) == ((1, -2, 3, 1), True)
        assert relate(x, 180, y, 80, 50) == ((1, -2, 3, 1), False)  # not enough digits to re-check
        assert relate(x, 180, y, 40, 50) == (None, False)  # not enough digits to look
        wrong = y + mpf(10) ** -70  # agrees to 70 digits, then not
        assert relate(x, 180, wrong, 180, 50) == ((1, -2, 3, 1), False)


def test_coefficient_cap_refuses_large_relations():
    with mp.workdps(120):
        x = (12345678901 + mp.pi) / 7
        columns, exponent = fixed_point_vector([x, mpf(1), +mp.pi], 100)
    assert candidates(columns, exponent, "lll", 10**9) == []
    found = candidates(columns, exponent, "lll", None)
    assert found and found[0] == (7, -12345678901, -1)
    assert mpmath.log10(12345678901) > 9
