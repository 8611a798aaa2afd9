"""Slowly converging PCFs in the searches: the float screen drops them, Richardson brings them back.

Limits are checked against mpmath's closed forms and against ``mpmath.limit`` of the exact
convergents (mpmath's own extrapolation), not against brouncker's.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brouncker.pcf.walk import walk
from brouncker.screening.screen import NOT_CONVERGED, screen
from brouncker.screening.slow import accelerate, convergents_at, richardson
from brouncker.search.kinds.pcf import run_shard
from brouncker.search.shards import Shard
from brouncker.search.spec import parse_spec

SLOW = [  # (a, b, limit): errors like 1/n, 1/n^2, and exp(-c sqrt n)
    ((1,), (1, 0, 0), lambda: 1 / mpmath.log(2)),
    ((2,), (1, 0, 0), lambda: 2 / (4 - mpmath.pi)),
    ((2, 3, 3, 1), (-1, 0, 0, 0, 0, 0, 0), lambda: 1 / mpmath.zeta(3)),
    ((2, 2, 1), (-1, 0, 0, 0, 0), lambda: 6 / mpmath.pi**2),
]


def mpmath_limit(a: tuple[int, ...], b: tuple[int, ...]) -> mpmath.mpf:
    def convergent(n: mpmath.mpf) -> mpmath.mpf:
        c = walk(a, b, int(n))
        return mpmath.mpf(int(c.p)) / int(c.q)

    return mpmath.limit(convergent, mpmath.inf)


def test_the_screen_drops_them_and_richardson_finds_their_limits() -> None:
    width_a, width_b = max(len(a) for a, _, _ in SLOW), max(len(b) for _, b, _ in SLOW)
    a_rows = np.array([(0,) * (width_a - len(a)) + a for a, _, _ in SLOW])
    b_rows = np.array([(0,) * (width_b - len(b)) + b for _, b, _ in SLOW])
    assert (screen(a_rows, b_rows, depth=200).status == NOT_CONVERGED).all()
    found = accelerate(a_rows, b_rows, 200)
    assert found.rows.tolist() == list(range(len(SLOW)))
    with mpmath.workdps(30):
        for (a, b, value), limit, error in zip(SLOW, found.limits, found.errors):
            exact = value()
            assert abs(mpmath.mpf(limit) - exact) / exact < 1e-9 and error < 1e-9
            assert abs(mpmath_limit(a, b) - exact) < mpmath.mpf(10) ** -25  # the facts, independently


def test_richardson_removes_powers_of_one_over_n() -> None:
    n = np.array([100.0 * 2**k for k in range(5)])
    values = (np.pi + 3 / n - 7 / n**2 + 11 / n**3)[:, None]
    estimate, error = richardson(values)
    assert abs(estimate[0] - np.pi) < 1e-12 and error[0] < 1e-11


def test_float_convergents_match_the_exact_walk() -> None:
    pcfs = [((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0)), ((2, 1), (1, 0, 0))]
    a_rows, b_rows = np.array([[34, 51, 27, 5], [0, 0, 2, 1]]), np.array([[-1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0]])
    got = convergents_at(a_rows, b_rows, [10, 40, 300])
    for j, (a, b) in enumerate(pcfs):
        for i, depth in enumerate((10, 40, 300)):
            c = walk(a, b, depth)
            assert got[i, j] == pytest.approx(float(mpmath.mpf(int(c.p)) / int(c.q)), rel=1e-13)


def test_what_does_not_settle_stays_dropped() -> None:
    rows_a, rows_b = np.array([[1, 0], [0, 1]]), np.array([[-1, 0, 0], [0, 0, -1]])  # PCF(n, -n^2): no limit; PCF(1, -1)
    assert accelerate(rows_a, rows_b, 200).rows.size == 0


def test_identify_mode_finds_the_slow_formulas_of_a_template_space() -> None:
    spec = parse_spec({"name": "slow", "constants": ["zeta3", "ln2", "pi"], "digits": 30,
                       "family": {"a": "(2n+1)*(x*n^2 + x*n + y)", "b": "-z*n^6",
                                  "parameters": {"x": {"values": [1, 17]}, "y": {"values": [1, 5]}, "z": {"values": [1]}}}})
    result = run_shard(spec, Shard(0, 0, len(spec.space())))
    found = {(c.a, c.b): c for c in result.conjectures}
    euler = found[(2, 3, 3, 1), (-1, 0, 0, 0, 0, 0, 0)]
    assert euler.expression == "1/zeta(3)" and euler.digits >= 60
    assert found[(34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0)].expression == "6/zeta(3)"
    assert result.counts["slow"] >= 1
    box = parse_spec({"name": "box", "constants": ["ln2", "pi"], "digits": 30,
                      "family": {"a": {"coefficients": [[1, 2]]}, "b": {"coefficients": [[1], [0], [0]]}}})
    formulas = {(c.a, c.b): c.expression for c in run_shard(box, Shard(0, 0, len(box.space()))).conjectures}
    assert formulas == {((1,), (1, 0, 0)): "1/ln2", ((2,), (1, 0, 0)): "2/(4 - pi)"}


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 60), st.sampled_from([40, 100, 333]), st.integers(0, 2**32 - 1))
def test_the_compiled_walk_gives_the_numpy_walks_floats(width_a, width_b, count, depth, seed):
    """The slow set's walk to N, 2N, ..., 16N, compiled one PCF at a time, gives bit for bit the
    convergents of the numpy loop over all of them (Horner terms, the same rescaling)."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(-20, 21, size=(count, width_a)), rng.integers(-20, 21, size=(count, width_b))
    depths = [depth << k for k in range(5)]
    assert np.array_equal(convergents_at(a, b, depths), convergents_at(a, b, depths, engine="numpy"), equal_nan=True)
