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
    frozen = screen(a, b, depth=600)
    monkeypatch.setattr(module, "FREEZE_EVERY", 10**9)
    full = screen(a, b, depth=600)
    assert frozen.status.tolist() == full.status.tolist()
    ok = full.converged
    assert np.allclose(frozen.limits[ok], full.limits[ok], rtol=1e-12, atol=0)


def test_small_rational():
    x = np.array([7 / 13, -22 / 7, 1 / 997, math.sqrt(2), math.pi, 0.0, 1 / 1009])
    assert small_rational(x, 1000, 1e-13).tolist() == [True, True, True, False, False, True, False]
