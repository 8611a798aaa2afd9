"""Float64 screening against exact convergents and known limits."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brouncker.pcf.canonical import inflate
from brouncker.pcf.fraction import PCF
from brouncker.pcf.walk import walk
from brouncker.screening.screen import (
    CONVERGED,
    DIVERGENT,
    NOT_CONVERGED,
    RATIONAL,
    finite_fraction,
    screen,
    small_rational,
)

coefficient = st.integers(min_value=-5, max_value=5)
polynomial = st.lists(coefficient, min_size=3, max_size=3).filter(any)


@settings(max_examples=40)
@given(st.lists(st.tuples(polynomial, polynomial), min_size=1, max_size=20))
def test_screened_limits_equal_exact_convergents(pcfs):
    a = np.array([p[0] for p in pcfs])
    b = np.array([p[1] for p in pcfs])
    depth = 120
    result = screen(a, b, depth=depth)
    for i, (pa, pb) in enumerate(pcfs):
        if result.status[i] != CONVERGED:
            continue
        exact = walk(tuple(pa), tuple(pb), depth)
        assert exact.q != 0
        value = float(mpmath.mpf(int(exact.p)) / int(exact.q))
        if abs(value) < 1e-12 and abs(result.limits[i]) < 1e-12:
            continue  # a limit of 0 is rounding noise in float64 (PCF(n, -3n): 2e-24 for 3e-132); no constant matches it
        assert result.limits[i] == pytest.approx(value, rel=1e-12, abs=0)


@pytest.mark.parametrize(
    "a, b, limit",
    [
        ((2, 1), (1, 0, 0), 4 / mpmath.pi),  # Brouncker
        ((1, 0), (1, 0), 1 / (mpmath.e - 1)),
        ((1, 3), (-1, 0), mpmath.e),
        ((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), 6 / mpmath.zeta(3)),  # Apéry
    ],
)
def test_known_limits_to_twelve_digits(a, b, limit):
    result = screen(np.array([a]), np.array([b]), depth=200)
    assert result.status[0] == CONVERGED
    assert float(result.limits[0]) == pytest.approx(float(limit), rel=1e-13)


def test_statuses():
    rows = [
        ((2, 1), (1, 0, 0), CONVERGED),
        ((1, 1), (1, -3), RATIONAL),  # b(3) = 0: a finite fraction
        ((0, 2000), (0, 1), CONVERGED),  # L = 1000 + sqrt(1000001): a large value is no divergence
        ((1, 1), (-1, -1), DIVERGENT),  # p(n)/q(n) runs off past float64 (|p(300)/q(300)| ~ 10^612)
        ((0, 1), (0, -1), NOT_CONVERGED),  # x = 1 - 1/x has no real fixed point: it cycles
        ((0, 1), (1, 0, 0), NOT_CONVERGED),  # 1/ln 2, but only polynomially fast
        ((-3, -2), (-3, -1), RATIONAL),  # limit exactly -1
    ]
    a = [r[0] for r in rows]
    b = [r[1] for r in rows]
    width = max(len(x) for x in a + b)
    pad = lambda p: (0,) * (width - len(p)) + tuple(p)  # noqa: E731
    result = screen(np.array([pad(x) for x in a]), np.array([pad(x) for x in b]), depth=300)
    assert result.status.tolist() == [r[2] for r in rows]
    assert sum(result.counts().values()) == len(rows)


@pytest.mark.parametrize("f", [(1, 40), (3, 5, 700), (2, 1, 0, 9000)])
@pytest.mark.parametrize(
    "a, b, limit", [((2, 1), (1, 0, 0), 4 / mpmath.pi), ((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), 6 / mpmath.zeta(3))]
)
def test_an_inflated_formula_survives_with_its_value_times_f0(f, a, b, limit):
    # a -> f(n) a(n), b -> f(n) f(n-1) b(n) multiplies the value by f(0): up to 9000 times here
    inflated = inflate(PCF(a, b), f)
    result = screen(np.array([inflated.a]), np.array([inflated.b]), depth=200)
    assert result.status[0] == CONVERGED
    assert float(result.limits[0]) == pytest.approx(float(f[-1] * limit), rel=1e-12)


def test_rescaling_keeps_huge_growth_finite():
    # a(n) = 5000 n^2: p(N) grows like (5000 N^2)^N, far beyond float64 without rescaling
    result = screen(np.array([[5000, 0, 1]]), np.array([[1, 0, 0]]), depth=400)
    assert result.status[0] == CONVERGED and math.isfinite(result.limits[0])
    exact = walk((5000, 0, 1), (1, 0, 0), 400)
    assert float(result.limits[0]) == pytest.approx(float(mpmath.mpf(int(exact.p)) / int(exact.q)), rel=1e-14)


def test_finite_fraction_is_exact():
    b = np.array([[1, -7, 12], [1, 7, 12], [2, -9, 4]])  # (n-3)(n-4), (n+3)(n+4), (2n-1)(n-4)
    assert finite_fraction(b, 100).tolist() == [True, False, True]
    assert finite_fraction(b, 3).tolist() == [True, False, False]


def test_freezing_settled_columns_changes_no_verdict(monkeypatch):
    """The walk that drops settled columns agrees with the walk that carries every column."""
    import sys

    from brouncker.search.space import Space

    module = sys.modules["brouncker.screening.screen"]
    space = Space.box(2, (-5, 5), 2, (-5, 5))
    a, b = space.coefficients(0, len(space))
    pick = np.random.default_rng(3).choice(len(space), 4000, replace=False)
    a, b = a[pick], b[pick]
    frozen = screen(a, b, depth=600, engine="numpy")
    monkeypatch.setattr(module, "FREEZE_EVERY", 10**9)
    full = screen(a, b, depth=600, engine="numpy")
    assert frozen.status.tolist() == full.status.tolist()
    ok = full.converged
    assert np.allclose(frozen.limits[ok], full.limits[ok], rtol=1e-12, atol=0)


def test_small_rational():
    x = np.array([7 / 13, -22 / 7, 1 / 997, math.sqrt(2), math.pi, 0.0, 1 / 1009])
    assert small_rational(x, 1000, 1e-13).tolist() == [True, True, True, False, False, True, False]


def _value(row: list[int], n: int) -> int:
    """b(n) in exact Python integers."""
    return sum(int(c) * n**k for k, c in enumerate(reversed(row)))


def _planted_row(roots: list[int], cofactor: list[int], scale: int, width: int) -> list[int] | None:
    """scale * cofactor(n) * prod (n - r), padded to ``width`` with leading zeros; None when it
    is wider or leaves int64."""
    f = [scale * c for c in cofactor]
    for r in roots:
        f = [x - r * y for x, y in zip(f + [0], [0] + f)]
    if len(f) > width or any(abs(c) >= 2**63 for c in f):
        return None
    return [0] * (width - len(f)) + f


int64 = st.integers(-(2**63) + 1, 2**63 - 1)
wide_coefficient = st.one_of(st.integers(-5, 5), st.integers(-(2**20), 2**20), int64)


@st.composite
def b_rows(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    """Rows of b of one width up to 13 (degree 12): planted integer roots times big factors,
    monomials c n^k with big c, and rows of arbitrary int64 coefficients."""
    width = draw(st.integers(1, 13))
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["planted", "monomial", "any"]))
        if kind == "planted":
            row = _planted_row(draw(st.lists(st.integers(-20, 300), max_size=3)),
                               draw(st.lists(st.integers(-9, 9), min_size=1, max_size=4)),
                               draw(st.one_of(st.just(1), st.integers(1, 2**50))), width)
        elif kind == "monomial":
            row = [0] * width
            row[draw(st.integers(0, width - 1))] = draw(st.sampled_from([1024, -65536, 2**40, 3**30, 7])) * draw(st.sampled_from([1, -1]))
        else:
            row = draw(st.lists(wide_coefficient, min_size=width, max_size=width))
        if row is not None:
            rows.append(row)
    if not rows:
        rows.append([0] * (width - 1) + [1])
    return np.array(rows, dtype=np.int64), draw(st.integers(1, 400))


@settings(max_examples=150, deadline=None)
@given(b_rows())
def test_finite_fraction_agrees_with_exact_integers(case):
    """b(n) = 0 for some 1 <= n <= depth, decided by trying every n in Python integers."""
    b, depth = case
    expected = [any(_value(row, n) == 0 for n in range(1, depth + 1)) for row in b.tolist()]
    assert finite_fraction(b, depth).tolist() == expected


def test_a_wrapped_value_is_not_a_zero():
    """1024 n^12 is 2^64 · 2^(12k - 54) at n = 2^k: 0 in int64 from n = 32 on, never 0 in Z."""
    assert finite_fraction(np.array([[1024] + [0] * 12]), 200).tolist() == [False]
    assert finite_fraction(np.array([[-65536, 0, 0, 0, 0, 0, 0]]), 1000).tolist() == [False]


def test_euler_scaled_by_256_is_screened_as_slow_not_rational():
    """PCF(256(n^3 + (n+1)^3), -65536 n^6) = 256 PCF(n^3 + (n+1)^3, -n^6) = 256/zeta(3); b(256) = -2^64."""
    a = np.array([[2, 3, 3, 1], [512, 768, 768, 256]])
    b = np.array([[-1, 0, 0, 0, 0, 0, 0], [-65536, 0, 0, 0, 0, 0, 0]])
    result = screen(a, b, depth=400)
    assert result.status.tolist() == [NOT_CONVERGED, NOT_CONVERGED]
    assert result.change[1] == pytest.approx(result.change[0], rel=1e-9)
    assert float(result.limits[1]) == pytest.approx(256 * float(result.limits[0]), rel=1e-14)
    assert abs(float(result.limits[1]) - 256 / float(mpmath.zeta(3))) < 1e-2 * 256


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 13).flatmap(lambda w: st.lists(st.lists(wide_coefficient, min_size=w, max_size=w), min_size=1, max_size=8)),
       st.integers(0, 12))
def test_forward_differences_agree_with_exact_integers(rows, extra):
    r"""The walk's starting table $\Delta^j f(1)$ equals the differences of the exact values."""
    from brouncker.screening.screen import _differences

    coefficients = np.array(rows, dtype=np.int64)
    order = coefficients.shape[1] - 1 + extra
    table = _differences(coefficients, order)
    for i, row in enumerate(rows):
        values = [_value(row, n) for n in range(1, order + 2)]
        for j in range(order + 1):
            assert table[j, i] == float(values[0])
            values = [y - x for x, y in zip(values, values[1:])]
