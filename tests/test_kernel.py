"""The compiled screen (CPU kernel, prange, CUDA) against the numpy walk it replaces."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brouncker.errors import SpecError
from brouncker.screening import gpu
from brouncker.screening.kernel import CHUNK, SETTLE_WINDOW
from brouncker.screening.match import match, moebius_tables
from brouncker.screening.screen import CONVERGED, NOT_CONVERGED, Screening, screen
from brouncker.screening.slow import SLOW_CHANGE

# rows planted among the random ones, so that blocks hold matches and slow PCFs:
# 4/pi, 1/(e - 1), e (via a = n + 3, b = -n), 1/ln 2 (slow), a two-cycle, a divergent one
PLANTED = [((0, 2, 1), (1, 0, 0)), ((0, 1, 0), (0, 1, 0)), ((0, 1, 3), (0, -1, 0)), ((0, 0, 1), (1, 0, 0)),
           ((0, 0, 1), (0, 0, -1)), ((0, 0, 2000), (0, 0, 1))]
TABLES = moebius_tables(("pi", "e", "ln2"), bound=6)


def _slow(s: Screening) -> np.ndarray:
    """The rows the search hands to Richardson extrapolation."""
    with np.errstate(invalid="ignore"):
        return np.flatnonzero((s.status == NOT_CONVERGED) & (s.change < SLOW_CHANGE))


def _matches(s: Screening) -> set[tuple[int, str, tuple[int, ...]]]:
    rows = np.flatnonzero(s.converged)
    return {(int(rows[m.index]), m.constant, m.coefficients) for m in match(s.limits[rows], TABLES)}


def assert_same_decisions(kernel: Screening, reference: Screening) -> None:
    """Same status per PCF, same slow set, same matches; converged limits agree to the screen's
    tolerance (the numpy walk carries a column on until enough of its block settles), and a
    PCF that never settled was walked to the end on both (the same floats, but for limits
    that are rounding noise around 0, where numpy's own result depends on the block)."""
    assert kernel.status.tolist() == reference.status.tolist()
    assert _slow(kernel).tolist() == _slow(reference).tolist()
    assert _matches(kernel) == _matches(reference)
    ok = reference.converged
    assert np.allclose(kernel.limits[ok], reference.limits[ok], rtol=1e-12, atol=0)
    moving = (reference.status == NOT_CONVERGED) & ~(np.abs(reference.limits) < 1e-10)
    assert np.allclose(kernel.limits[moving], reference.limits[moving], rtol=1e-12, atol=0, equal_nan=True)


@st.composite
def blocks(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """A random block: degree-2 rows with coefficients in [-5, 5] or wider ones up to degree 4,
    some planted formulas among them, and a depth."""
    degree = draw(st.sampled_from([2, 2, 1, 3, 4]))
    bound = draw(st.sampled_from([5, 5, 50, 1000]))
    count = draw(st.integers(1, 400))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.integers(-bound, bound + 1, size=(count, degree + 1))
    b = rng.integers(-bound, bound + 1, size=(count, degree + 1))
    if degree == 2:
        a, b = np.vstack([a, [p[0] for p in PLANTED]]), np.vstack([b, [p[1] for p in PLANTED]])
    return a, b, draw(st.sampled_from([40, 64, 120, 300, 1000]))


@settings(max_examples=60, deadline=None)
@given(blocks())
def test_kernel_decides_as_numpy(block):
    a, b, depth = block
    assert_same_decisions(screen(a, b, depth), screen(a, b, depth, engine="numpy"))


def test_planted_formulas_are_matched_and_the_slow_one_kept():
    a = np.array([p[0] for p in PLANTED])
    b = np.array([p[1] for p in PLANTED])
    result = screen(a, b, depth=300)
    assert result.status.tolist()[:3] == [CONVERGED] * 3
    found = {(i, c) for i, c, _ in _matches(result)}
    assert {(0, "pi"), (1, "e"), (2, "e")} <= found
    assert _slow(result).tolist() == [3]  # 1/ln 2 moves like 1/n


def test_wide_coefficients_and_high_degree_decide_as_numpy():
    """The rows with terms near 2^53 and b(n) past 2^63 (Euler's PCF scaled by 256), and
    degree 6 (differences beyond the three the kernel keeps in registers)."""
    a = np.array([[0, 0, 0, 2, 3, 3, 1], [0, 0, 0, 512, 768, 768, 256], [0, 0, 0, 34, 51, 27, 5], [3, -1, 0, 2, 0, 0, 1]])
    b = np.array([[-1, 0, 0, 0, 0, 0, 0], [-65536, 0, 0, 0, 0, 0, 0], [-1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 2]])
    kernel, reference = screen(a, b, 400), screen(a, b, 400, engine="numpy")
    assert_same_decisions(kernel, reference)
    assert kernel.status.tolist()[:3] == [NOT_CONVERGED, NOT_CONVERGED, CONVERGED]


def test_prange_gives_the_serial_kernel_bit_for_bit():
    rng = np.random.default_rng(21)
    count = 2 * CHUNK + 17
    a, b = rng.integers(-5, 6, size=(count, 3)), rng.integers(-5, 6, size=(count, 3))
    serial, parallel = screen(a, b, 200), screen(a, b, 200, engine="parallel")
    assert np.array_equal(serial.limits, parallel.limits, equal_nan=True)
    assert np.array_equal(serial.change, parallel.change, equal_nan=True)
    assert serial.status.tolist() == parallel.status.tolist()


def test_a_settled_pcf_stops_and_a_slow_one_walks_to_the_end():
    from brouncker.screening.kernel import walk
    from brouncker.screening.screen import _differences

    a = np.array([[2, 1], [0, 1]])
    b = np.array([[1, 0, 0], [1, 0, 0]])  # 4/pi (geometric), 1/ln 2 (like 1/n)
    terms = np.concatenate([_differences(a, 2).T, _differences(b, 2).T], axis=1)
    *_, steps = walk(terms, a[:, -1], 1000, 250, 8)
    assert steps[0] % SETTLE_WINDOW == 0 and steps[0] < 100
    assert steps[1] == 1000


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown screen engine"):
        screen(np.array([[1]]), np.array([[1]]), 10, engine="fpga")


@pytest.mark.skipif(not gpu.available(), reason="no CUDA device: the GPU screen is checked where one is present")
def test_gpu_decides_as_the_cpu_kernel():
    rng = np.random.default_rng(7)
    a, b = rng.integers(-5, 6, size=(50_000, 3)), rng.integers(-5, 6, size=(50_000, 3))
    a, b = np.vstack([a, [p[0] for p in PLANTED]]), np.vstack([b, [p[1] for p in PLANTED]])
    for depth in (200, 1000):
        on_gpu, on_cpu = screen(a, b, depth, engine="gpu"), screen(a, b, depth)
        assert_same_decisions(on_gpu, screen(a, b, depth, engine="numpy"))
        assert on_gpu.status.tolist() == on_cpu.status.tolist()
        assert np.allclose(on_gpu.limits, on_cpu.limits, rtol=1e-13, atol=0, equal_nan=True)


@pytest.mark.skipif(gpu.available(), reason="a CUDA device is present: the refusal is for machines without one")
def test_gpu_without_a_device_is_refused_in_one_line():
    with pytest.raises(SpecError, match='device = "gpu"'):
        screen(np.array([[2, 1]]), np.array([[1, 0, 0]]), 50, engine="gpu")


def test_gpu_kernel_source_runs_in_numbas_cuda_simulator():
    """The CUDA kernel's own code, run by numba's CUDA simulator (one Python thread per PCF),
    gives the CPU kernel's floats: the device path's logic is checked on every machine."""
    script = textwrap.dedent("""
        import numpy as np
        from brouncker.screening.screen import screen
        rng = np.random.default_rng(5)
        a = np.vstack([rng.integers(-5, 6, size=(24, 3)), [[0, 2, 1], [0, 0, 1]]])
        b = np.vstack([rng.integers(-5, 6, size=(24, 3)), [[1, 0, 0], [1, 0, 0]]])
        a6 = np.array([[0, 0, 0, 34, 51, 27, 5], [1, 0, 0, 0, 0, 0, 1]])
        b6 = np.array([[-1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0]])
        for x, y in ((a, b), (a6, b6)):
            cpu, sim = screen(x, y, 120), screen(x, y, 120, engine="gpu")
            assert np.array_equal(cpu.limits, sim.limits, equal_nan=True), (cpu.limits, sim.limits)
            assert cpu.status.tolist() == sim.status.tolist()
        print("same")
    """)
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    done = subprocess.run([sys.executable, "-c", script], check=False, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "same"


finite_or_not = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                          st.tuples(st.integers(-5000, 5000), st.integers(1, 1100)).map(lambda f: f[0] / f[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(finite_or_not, min_size=1, max_size=20), st.sampled_from([1, 10, 1000]), st.sampled_from([1e-14, 1e-11, 1e-7]))
def test_the_kernels_small_rational_is_the_screens(x, max_denominator, rtol):
    """The kernel decides each limit with the numpy test's own float operations."""
    from brouncker.screening.kernel import _small_rationals
    from brouncker.screening.screen import small_rational

    values = np.array(x, dtype=np.float64)
    reference = small_rational(values, max_denominator, rtol).tolist()
    finite = np.isfinite(values)
    side_by_side = np.empty(int(finite.sum()), dtype=bool)  # the lanes take the finite limits only
    _small_rationals(values[finite], max_denominator, rtol, side_by_side)
    assert side_by_side.tolist() == [r for r, f in zip(reference, finite.tolist()) if f]


@pytest.mark.skipif(gpu.available(), reason="a CUDA device is present: the refusal is for machines without one")
def test_a_gpu_search_without_a_device_is_refused_before_anything_is_written(tmp_path):
    spec = tmp_path / "gpu.toml"
    spec.write_text('name = "gpu"\n[family.a]\ndegree = 1\nrange = [-2, 2]\n[family.b]\ndegree = 1\nrange = [-2, 2]\n'
                    '[screen]\ndepth = 100\ndevice = "gpu"\n')
    db = tmp_path / "run.db"
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    done = subprocess.run([sys.executable, "-m", "brouncker", "search", "run", str(spec), "--db", f"sqlite:///{db}", "--workers", "0"],
                          check=False, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and 'device = "gpu"' in done.stderr
    assert not db.exists() or "gpu" not in subprocess.run(
        [sys.executable, "-m", "brouncker", "search", "list", "--db", f"sqlite:///{db}"], check=False, capture_output=True, text=True,
        env=env, timeout=300).stdout


def test_the_device_is_how_not_what():
    """A spec's hash (how a search is found again) does not change with the device."""
    from brouncker.search.spec import parse_spec

    family = {"a": {"degree": 1, "range": [-2, 2]}, "b": {"degree": 1, "range": [-2, 2]}}
    hashes = {parse_spec({"name": "x", "family": family, "screen": {"device": d}}).hash for d in ("cpu", "gpu", "numpy")}
    assert hashes == {parse_spec({"name": "x", "family": family}).hash}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from([5, 1000, 10**6]), st.integers(1, 300),
       st.sampled_from([20, 40, 64, 200, 1000]), st.integers(0, 2**32 - 1))
def test_the_lanes_walk_each_pcf_as_the_one_at_a_time_loop(width_a, width_b, bound, count, depth, seed):
    """PCFs of order at most 2 stepped 16 at a time in SIMD lanes give, bit for bit, the limits,
    the compared values and the exit depths of the loop that walks one PCF at a time (the
    GPU's), whatever the rescale interval (large coefficients make it divide the round)."""
    from brouncker.screening.kernel import walk
    from brouncker.screening.lanes import walk_lanes
    from brouncker.screening.screen import RowBounds, _differences, _rescale_interval

    rng = np.random.default_rng(seed)
    a, b = rng.integers(-bound, bound + 1, size=(count, width_a)), rng.integers(-bound, bound + 1, size=(count, width_b))
    gap = max(2, depth // 4)
    interval = _rescale_interval(RowBounds.of(a), RowBounds.of(b), depth)
    assert interval % SETTLE_WINDOW == 0 or SETTLE_WINDOW % interval == 0
    terms = np.concatenate([_differences(a, 2).T, _differences(b, 2).T], axis=1)
    one_at_a_time = walk(terms, a[:, -1], depth, gap, interval)
    lanes = [np.empty(count), np.empty(count), np.empty(count), np.empty(count, dtype=np.int64), np.zeros(count, dtype=bool)]
    none, empty = np.zeros((0, 1), dtype=np.int64), np.zeros(0, dtype=np.int64)
    walk_lanes(a, b, none, empty, -1, none, empty, -1, 1, 0, count, depth, gap, interval, 0, 0, *lanes)
    for mine, theirs in zip(lanes[:4], one_at_a_time):
        assert np.array_equal(mine, theirs, equal_nan=True)


@st.composite
def boxes(draw: st.DrawFn) -> tuple[list[list[int]], list[list[int]], int, int]:
    """A box of polynomials a and b of degree at most 2 (each position its own list of values,
    with or without 0), and a range of its PCFs."""
    values = st.lists(st.integers(-12, 12), min_size=1, max_size=4, unique=True)
    a_values = draw(st.lists(values, min_size=1, max_size=3))
    b_values = draw(st.lists(values, min_size=1, max_size=3))
    from brouncker.search.space import PolynomialBox, Space

    space = Space(PolynomialBox(tuple(map(tuple, a_values))), PolynomialBox(tuple(map(tuple, b_values))))
    size = len(space)
    start = draw(st.integers(0, max(0, size - 1)))
    stop = draw(st.integers(start, min(size, start + 700)))
    return a_values, b_values, start, stop


@settings(max_examples=80, deadline=None)
@given(boxes(), st.sampled_from([40, 200, 1000]))
def test_a_box_screened_from_its_indices_is_the_screen_of_its_rows(box, depth):
    """Enumerated inside the kernel (no coefficient array), a range of a box gets the screen
    of its rows as :class:`~brouncker.search.space.Space` makes them, float for float."""
    from brouncker.screening.screen import screen_box
    from brouncker.search.space import PolynomialBox, Space

    a_values, b_values, start, stop = box
    space = Space(PolynomialBox(tuple(map(tuple, a_values))), PolynomialBox(tuple(map(tuple, b_values))))
    if len(space) == 0:
        return
    from_indices = screen_box(space.a.values, space.a.zero_index, space.b.values, space.b.zero_index, start, stop, depth)
    from_rows = screen(*space.coefficients(start, stop), depth)
    assert from_indices is not None
    assert np.array_equal(from_indices.limits, from_rows.limits, equal_nan=True)
    assert np.array_equal(from_indices.change, from_rows.change, equal_nan=True)
    assert from_indices.status.tolist() == from_rows.status.tolist()


@settings(max_examples=80, deadline=None)
@given(boxes())
def test_the_bounds_of_a_box_range_are_those_of_its_rows(box):
    """The int64 guards see the same bounds whether a range's rows are made or enumerated."""
    from brouncker.screening.kernel import box_bounds
    from brouncker.screening.screen import RowBounds
    from brouncker.search.space import PolynomialBox

    a_values, _, _, _ = box
    polys = PolynomialBox(tuple(map(tuple, a_values)))
    if len(polys) == 0:
        return
    first = len(polys) // 3
    count = len(polys) - first
    rows = polys.decode(np.arange(first, first + count))
    enumerated, made = RowBounds.from_parts(box_bounds(polys.values, polys.zero_index, [(first, count)]), count), RowBounds.of(rows)
    assert (enumerated.low, enumerated.high, enumerated.abs_sum, enumerated.rows) == (made.low, made.high, made.abs_sum, made.rows)
