r"""The float screen as compiled loops (numba): the default engine.

PCFs of order at most 2 (degree-2 spaces) are walked :data:`~.lanes.LANES` at a time in
SIMD lanes (:mod:`.lanes`), each lane refilled with the next PCF as soon as its own has
settled; PCFs of higher order, and the difference tables the GPU path is given, are walked
one PCF at a time in registers (:func:`_walk_one`). Either way the arithmetic is the numpy
walk's (:func:`brouncker.screening.screen._walk_block`), operation for operation and in
the same order: $b(n) p(n-2) + a(n) p(n-1)$, the same rescaling by a power of two every
``interval`` steps, the same difference updates. Floating point is deterministic, so every
convergent $p(n)/q(n)$ is the float64 the numpy walk gives that PCF. The screen's
decisions (finite fraction, divergence, change, small rational) are taken here with the
numpy code's own operations; the small-rational test expands :data:`RATIONAL_LANES`
continued fractions side by side.

A PCF stops as soon as its ratio has settled in float64 over a window
(:data:`SETTLE_WINDOW` steps: relative change at most :data:`SETTLE_CHANGE` against the
ratio a window earlier and against the previous step). That is the numpy walk's freeze
rule, applied to each PCF on its own rather than to a block once enough of it has
settled, so a converged limit differs from numpy's by the rounding of the steps numpy
walks on (below $3 \cdot 10^{-13}$ relative on the degree-2 box at depth 1000), far inside
every tolerance taken on it. A PCF that settles beyond the divergence bound stops the same
way; one whose ratio is NaN or infinite never settles and walks to the end.
``docs/screen.md`` gives the measured distribution of the settling depths and of the
error of a settled limit, which is why the window and the change are what they are.

PCFs come as int64 coefficient rows (:func:`screen_rows`), or as a range of indices of a
box, enumerated in the loop so that no coefficient array is made (:func:`screen_box`).
The loops run serially (one thread, the unit a Ray task is sized for), over ``prange``
chunks (``parallel=True``), or on a CUDA device (:mod:`.gpu`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numba
import numpy as np

from .lanes import bound_rows, walk_lanes
from .status import CONVERGED, DIVERGENT, FREEZE_CHANGE, FREEZE_EVERY, NOT_CONVERGED, RATIONAL, rational_tolerance

SETTLE_WINDOW = FREEZE_EVERY  # steps between settle checks; the ratio is compared with the one a window earlier
SETTLE_CHANGE = FREEZE_CHANGE  # relative change (two ulps) below which a ratio has settled in float64
RATIONAL_LANES = 4  # continued fractions expanded side by side in the small-rational test
_X, _Y, _KP, _K, _BEST = (j * RATIONAL_LANES for j in range(5))  # rows of the test's work array
CHUNK = 4096  # PCFs per prange chunk: enough work to hide the scheduling cost of a chunk


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False, inline="always")
def _walk_one(i: int, a_0: float, a_1: float, a_2: float, b_0: float, b_1: float, b_2: float, da: np.ndarray, db: np.ndarray,
              p1: float, depth: int, check: int, interval: int,
              limit: np.ndarray, before: np.ndarray, early: np.ndarray, steps: np.ndarray) -> None:  # pragma: no cover
    """Walk PCF ``i`` from its first three differences ``a_j, b_j`` and, past order 2, the
    rest in ``da, db`` (empty for order <= 2, updated in place), from $p(0) = a(0)$ =
    ``p1``; write its results at ``i``. Plain Python numba compiles for the CPU here and
    for CUDA in :mod:`.gpu`, where each thread walks one PCF."""
    n = 0
    q1, p2, q2 = 1.0, 1.0, 0.0
    last = early_i = math.nan
    have_last = False
    extra = da.shape[0]
    next_rescale = (n // interval + 1) * interval
    next_window = (n // SETTLE_WINDOW + 1) * SETTLE_WINDOW
    while n < depth:
        stop = min(min(next_rescale, next_window), depth)  # the next step with something to do
        if n < check:
            stop = min(stop, check)
        for _ in range(stop - n):  # the steps between: no branch but the loop's
            pn = p2 * b_0 + p1 * a_0
            qn = q2 * b_0 + q1 * a_0
            p2 = p1
            q2 = q1
            p1 = pn
            q1 = qn
            a_0 += a_1
            b_0 += b_1
            a_1 += a_2
            b_1 += b_2
            if extra:
                a_2 += da[0]
                b_2 += db[0]
                for j in range(extra - 1):
                    da[j] += da[j + 1]
                    db[j] += db[j + 1]
        n = stop
        if n == next_rescale:
            next_rescale += interval
            top = max(max(abs(p1), abs(q1)), max(abs(p2), abs(q2)))
            _, exponent = math.frexp(top)
            factor = math.ldexp(1.0, -exponent)
            p1 *= factor
            q1 *= factor
            p2 *= factor
            q2 *= factor
        if n == check:
            early_i = p1 / q1
        if n == next_window:
            next_window += SETTLE_WINDOW
            if n < depth:
                ratio = p1 / q1
                if have_last:
                    previous = p2 / q2
                    bound = SETTLE_CHANGE * abs(ratio)
                    if math.isfinite(ratio) and abs(ratio - last) <= bound and abs(ratio - previous) <= bound:
                        limit[i] = ratio
                        before[i] = previous
                        early[i] = last if n < check else early_i
                        steps[i] = n
                        return
                last = ratio
                have_last = True
    limit[i] = p1 / q1
    before[i] = p2 / q2
    early[i] = early_i
    steps[i] = depth


@numba.njit(cache=True, nogil=True, inline="always")
def _differences_row(c: np.ndarray, i: int, order: int, values: np.ndarray, out: np.ndarray, offset: int) -> None:  # pragma: no cover
    """$\\Delta^j f(1)$, $j \\le$ ``order``, of row ``i`` of ``c`` into ``out[offset:]``: the
    values $f(1), \\dots, f(order + 1)$ by Horner's rule in int64, then their differences, as
    :func:`brouncker.screening.screen._differences` does on whole arrays (the caller has
    checked that its bound holds, so the wrapping arithmetic ends exact)."""
    width = c.shape[1]
    for k in range(order + 1):
        v = 0
        for m in range(width):
            v = v * (k + 1) + c[i, m]
        values[k] = v
    for j in range(order + 1):
        out[offset + j] = float(values[0])
        for k in range(order - j):
            values[k] = values[k + 1] - values[k]


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _walk_range(terms: np.ndarray, a: np.ndarray, b: np.ndarray, a0: np.ndarray, depth: int, gap: int, interval: int,
                start: int, stop: int, limit: np.ndarray, before: np.ndarray, early: np.ndarray,
                steps: np.ndarray) -> None:  # pragma: no cover
    """Walk PCFs ``start`` to ``stop``, whose row of ``terms`` holds $\\Delta^j a(1)$ then
    $\\Delta^j b(1)$, $j = 0 \\dots$ order; when ``terms`` has no rows, each row is computed
    here from the coefficient rows ``a, b`` (and $a(0)$ read from them). Results go to
    ``limit, before, early``, the depth of exit to ``steps``. The differences up to order 2
    (degree-2 PCFs and below) stay in registers; the walk adds zeros for the orders a PCF
    lacks, which leaves every float unchanged."""
    levels = terms.shape[1] // 2
    order = levels - 1
    extra = max(0, levels - 3)
    da = np.zeros(extra)
    db = np.zeros(extra)
    row = np.zeros(2 * levels)
    values = np.zeros(levels, dtype=np.int64)
    computed = terms.shape[0] == 0
    check = depth - gap
    for i in range(start, stop):
        if computed:
            _differences_row(a, i, order, values, row, 0)
            _differences_row(b, i, order, values, row, levels)
            p1 = float(a[i, a.shape[1] - 1])
        else:
            for j in range(2 * levels):
                row[j] = terms[i, j]
            p1 = a0[i]
        a_1 = row[1] if levels > 1 else 0.0
        b_1 = row[levels + 1] if levels > 1 else 0.0
        a_2 = row[2] if levels > 2 else 0.0
        b_2 = row[levels + 2] if levels > 2 else 0.0
        for j in range(extra):
            da[j] = row[3 + j]
            db[j] = row[levels + 3 + j]
        _walk_one(i, row[0], a_1, a_2, row[levels], b_1, b_2, da, db, p1, depth, check, interval, limit, before, early, steps)


@numba.njit(cache=True, parallel=True, error_model="numpy", fastmath=False)
def _walk_parallel(terms: np.ndarray, a: np.ndarray, b: np.ndarray, a0: np.ndarray, depth: int, gap: int, interval: int,
                   count: int, limit: np.ndarray, before: np.ndarray, early: np.ndarray, steps: np.ndarray) -> None:  # pragma: no cover
    """:func:`_walk_range` over ``prange`` chunks of :data:`CHUNK` PCFs."""
    chunks = (count + CHUNK - 1) // CHUNK
    for c in numba.prange(chunks):
        _walk_range(terms, a, b, a0, depth, gap, interval, c * CHUNK, min(count, (c + 1) * CHUNK), limit, before, early, steps)


def _run(terms: np.ndarray, a: np.ndarray, b: np.ndarray, a0: np.ndarray, count: int, depth: int, gap: int, interval: int,
         parallel: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    limit, before, early = np.empty(count), np.empty(count), np.empty(count)
    steps = np.empty(count, dtype=np.int64)
    if count:
        if parallel:
            _walk_parallel(terms, a, b, a0, depth, gap, interval, count, limit, before, early, steps)
        else:
            _walk_range(terms, a, b, a0, depth, gap, interval, 0, count, limit, before, early, steps)
    return limit, before, early, steps


def walk(terms: np.ndarray, a0: np.ndarray, depth: int, gap: int, interval: int,
         parallel: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Limits at depths $N$, $N - 1$ and $N - gap$ (or where each PCF settled) and the depth
    each PCF stopped at, for PCFs given by their difference tables ``terms`` (shape
    (count, 2 (order + 1)): $\Delta^j a(1)$, then $\Delta^j b(1)$) and $a(0)$.

    >>> t = np.array([[3.0, 2.0, 0.0, 1.0, 3.0, 2.0]])   # PCF(2n+1, n^2): a(1)=3, Δa=2; b(1)=1, Δb=3, Δ²b=2
    >>> limit, before, early, steps = walk(t, np.array([1.0]), 200, 50, 8)
    >>> bool(abs(limit[0] - 4 / math.pi) < 1e-15), int(steps[0]) < 200
    (True, True)
    """
    terms = np.ascontiguousarray(terms, dtype=np.float64)
    none = np.zeros((0, 1), dtype=np.int64)
    return _run(terms, none, none, np.ascontiguousarray(a0, dtype=np.float64), terms.shape[0], depth, gap, interval, parallel)


@numba.njit(cache=True, nogil=True)
def _vanishing_rows(b: np.ndarray, finite_top: int, start: int, stop: int, stops: np.ndarray) -> None:  # pragma: no cover
    """Whether $b(n) = 0$ for some $1 \\le n \\le$ ``finite_top``, rows ``start`` to ``stop``
    (int64 Horner: the caller has bounded the values)."""
    width = b.shape[1]
    for i in range(start, stop):
        stops[i] = False
        for n in range(1, finite_top + 1):
            v = 0
            for m in range(width):
                v = v * n + b[i, m]
            if v == 0:
                stops[i] = True
                break


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _small_rationals(x: np.ndarray, max_denominator: int, rtol: float, near: np.ndarray) -> None:  # pragma: no cover
    """:func:`brouncker.screening.screen.small_rational` of every (finite) ``x`` into
    ``near``, :data:`RATIONAL_LANES` numbers side by side, with the numpy code's float
    operations in its order: each step of a continued fraction waits on a division, and
    independent expansions fill the wait. A lane stops at the first denominator past
    ``max_denominator`` (the denominators only grow, so the last one kept is numpy's)."""
    w = np.zeros(5 * RATIONAL_LANES)  # one array, rows at constant offsets: the loop over the lanes vectorises
    live = np.zeros(RATIONAL_LANES, dtype=np.bool_)
    for base in range(0, x.shape[0], RATIONAL_LANES):
        width = min(RATIONAL_LANES, x.shape[0] - base)
        for j in range(RATIONAL_LANES):
            v = x[base + j] if j < width else 0.5
            w[_X + j] = v
            w[_Y + j] = 1.0 / (v - np.floor(v))
            w[_KP + j], w[_K + j], w[_BEST + j], live[j] = 0.0, 1.0, 1.0, True
        for _ in range(64):
            going = False
            for j in range(RATIONAL_LANES):
                term = np.floor(w[_Y + j])
                following = term * w[_K + j]
                following = following + w[_KP + j]
                ok = live[j] & (following <= max_denominator)
                live[j] = ok
                going |= ok
                w[_BEST + j] = following if ok else w[_BEST + j]
                w[_KP + j] = w[_K + j] if ok else w[_KP + j]
                w[_K + j] = following if ok else w[_K + j]
                rest = w[_Y + j] - term
                w[_Y + j] = 1.0 / rest if ok else w[_Y + j]
            if not going:
                break
        for j in range(width):
            scaled = w[_X + j] * w[_BEST + j]
            near[base + j] = abs(scaled - np.rint(scaled)) <= rtol * abs(w[_X + j]) * w[_BEST + j]


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _decide_range(tolerance: float, max_denominator: int, rtol: float, start: int, stop: int, limit: np.ndarray,
                  before: np.ndarray, early: np.ndarray, stops: np.ndarray, change: np.ndarray,
                  status: np.ndarray) -> None:  # pragma: no cover
    """The statuses of :func:`brouncker.screening.screen.screen`, one PCF at a time, with
    ``stops`` saying where the fraction is finite; the small-rational test of the settled
    limits then runs on all of them at once (:func:`_small_rationals`)."""
    settled = np.empty(stop - start, dtype=np.int64)
    count = 0
    for i in range(start, stop):
        x = limit[i]
        d1 = abs(x - before[i])
        d2 = abs(x - early[i])
        c = math.nan if math.isnan(d1) or math.isnan(d2) else max(d1, d2)  # np.maximum: NaN wins
        c = c / abs(x)
        change[i] = c
        if stops[i] or x == 0:
            status[i] = RATIONAL
        elif not math.isfinite(x):
            status[i] = DIVERGENT
        elif math.isfinite(c) and c <= tolerance:
            status[i] = CONVERGED
            settled[count] = i
            count += 1
        else:
            status[i] = NOT_CONVERGED
    values = np.empty(count)
    for j in range(count):
        values[j] = limit[settled[j]]
    near = np.empty(count, dtype=np.bool_)
    _small_rationals(values, max_denominator, rtol, near)
    for j in range(count):
        if near[j]:
            status[settled[j]] = RATIONAL


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _screen_range(a: np.ndarray, b: np.ndarray, depth: int, gap: int, interval: int, tolerance: float, max_denominator: int,
                  rtol: float, finite_top: int, start: int, stop: int, limit: np.ndarray, before: np.ndarray,
                  early: np.ndarray, steps: np.ndarray, stops: np.ndarray, change: np.ndarray, status: np.ndarray,
                  levels: int) -> None:  # pragma: no cover
    """Walk and decide PCFs ``start`` to ``stop`` of the rows ``a, b``: in SIMD lanes up to
    order 2 (:func:`~brouncker.screening.lanes.walk_lanes`), else one at a time with the
    difference tables computed in the loop."""
    if levels <= 3:
        none = np.zeros((0, 1), dtype=np.int64)
        empty = np.zeros(0, dtype=np.int64)
        walk_lanes(a, b, none, empty, -1, none, empty, -1, 1, start, stop, depth, gap, interval, finite_top, 0,
                   limit, before, early, steps, stops)
    else:
        terms = np.zeros((0, 2 * levels))
        _walk_range(terms, a, b, np.zeros(0), depth, gap, interval, start, stop, limit, before, early, steps)
        if finite_top:
            _vanishing_rows(b, finite_top, start, stop, stops)
    _decide_range(tolerance, max_denominator, rtol, start, stop, limit, before, early, stops, change, status)


@numba.njit(cache=True, parallel=True, error_model="numpy", fastmath=False)
def _screen_parallel(a: np.ndarray, b: np.ndarray, depth: int, gap: int, interval: int, tolerance: float, max_denominator: int,
                     rtol: float, finite_top: int, limit: np.ndarray, before: np.ndarray, early: np.ndarray,
                     steps: np.ndarray, stops: np.ndarray, change: np.ndarray, status: np.ndarray, levels: int) -> None:  # pragma: no cover
    """:func:`_screen_range` over ``prange`` chunks of :data:`CHUNK` PCFs."""
    count = a.shape[0]
    for c in numba.prange((count + CHUNK - 1) // CHUNK):
        _screen_range(a, b, depth, gap, interval, tolerance, max_denominator, rtol, finite_top, c * CHUNK,
                      min(count, (c + 1) * CHUNK), limit, before, early, steps, stops, change, status, levels)


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _screen_box(values_a: np.ndarray, radices_a: np.ndarray, zero_a: int, values_b: np.ndarray, radices_b: np.ndarray,
                zero_b: int, size_b: int, start: int, stop: int, depth: int, gap: int, interval: int, tolerance: float,
                max_denominator: int, rtol: float, finite_top: int, limit: np.ndarray, before: np.ndarray,
                early: np.ndarray, steps: np.ndarray, stops: np.ndarray, change: np.ndarray,
                status: np.ndarray) -> None:  # pragma: no cover
    """Walk and decide PCFs ``start`` to ``stop`` of a box, enumerated in the lanes."""
    none = np.zeros((0, 1), dtype=np.int64)
    walk_lanes(none, none, values_a, radices_a, zero_a, values_b, radices_b, zero_b, size_b, start, stop, depth, gap,
               interval, finite_top, start, limit, before, early, steps, stops)
    _decide_range(tolerance, max_denominator, rtol, 0, stop - start, limit, before, early, stops, change, status)


def _outputs(count: int) -> tuple[np.ndarray, ...]:
    """limit, before, early, steps, stops, change, status for ``count`` PCFs."""
    return (np.empty(count), np.empty(count), np.empty(count), np.empty(count, dtype=np.int64),
            np.zeros(count, dtype=np.bool_), np.empty(count), np.empty(count, dtype=np.int8))


def screen_rows(a: np.ndarray, b: np.ndarray, order: int, depth: int, gap: int, interval: int, tolerance: float,
                max_denominator: int, finite_top: int, finite: np.ndarray,
                parallel: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Limits, relative changes, statuses and exit depths of PCFs given by their int64
    coefficient rows: :func:`brouncker.screening.screen.screen`'s arrays, with the
    difference tables of ``order`` computed in the loop, one PCF at a time (no table in
    memory), and every decision taken there too. The caller guarantees what
    :func:`brouncker.screening.screen._differences` checks before its int64 path, and gives
    ``finite_top`` (or 0 and the ``finite`` mask of the rows whose fraction is finite).

    >>> limit, change, status, steps = screen_rows(np.array([[2, 1]]), np.array([[1, 0, 0]]), 2, 200, 50, 8, 1e-12, 1000, 1,
    ...                                            np.zeros(0, dtype=bool))
    >>> bool(abs(limit[0] - 4 / math.pi) < 1e-15), int(status[0]) == CONVERGED
    (True, True)
    """
    a = np.ascontiguousarray(a, dtype=np.int64)
    b = np.ascontiguousarray(b, dtype=np.int64)
    count = a.shape[0]
    limit, before, early, steps, stops, change, status = _outputs(count)
    if not finite_top:
        stops[:] = finite
    rtol = rational_tolerance(tolerance)
    if count:
        if parallel:
            _screen_parallel(a, b, depth, gap, interval, tolerance, max_denominator, rtol, finite_top,
                             limit, before, early, steps, stops, change, status, order + 1)
        else:
            _screen_range(a, b, depth, gap, interval, tolerance, max_denominator, rtol, finite_top, 0, count,
                          limit, before, early, steps, stops, change, status, order + 1)
    return limit, change, status, steps


def screen_box(values_a: Sequence[Sequence[int]], zero_a: int | None, values_b: Sequence[Sequence[int]], zero_b: int | None,
               start: int, stop: int, depth: int, gap: int, interval: int, tolerance: float, max_denominator: int,
               finite_top: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r""":func:`screen_rows` for PCFs ``start`` to ``stop`` of a box of polynomials of degree
    at most 2, enumerated in the loop: no coefficient array is made. ``values_a[pos]`` lists
    the values of position ``pos`` of $a$ (highest degree first) and ``zero_a`` is the raw
    index of the zero polynomial (None where the box lacks it); the same for $b$. The
    enumeration is :class:`brouncker.search.space.Space`'s. ``finite_top`` must be positive.

    >>> values = [[0, 1], [0, 1]]                    # {0, 1} n + {0, 1} less zero: 1, n, n + 1
    >>> limit, change, status, steps = screen_box(values, 0, values, 0, 4, 5, 200, 50, 8, 1e-12, 1000, 1)
    >>> bool(abs(limit[0] - 1 / (math.e - 1)) < 1e-15)          # PCF 4 = 1 * 3 + 1 is PCF(n, n)
    True
    """
    count = stop - start
    limit, before, early, steps, stops, change, status = _outputs(count)
    table_a, radices_a = _padded(values_a)
    table_b, radices_b = _padded(values_b)
    size_b = int(np.prod(radices_b)) - (zero_b is not None)
    if count:
        _screen_box(table_a, radices_a, -1 if zero_a is None else zero_a, table_b, radices_b, -1 if zero_b is None else zero_b,
                    size_b, start, stop, depth, gap, interval, tolerance, max_denominator, rational_tolerance(tolerance),
                    finite_top, limit, before, early, steps, stops, change, status)
    return limit, change, status, steps


def _padded(values: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """The values of each position as rows of one int64 array (padded with zeros), and their counts."""
    radices = np.array([len(v) for v in values], dtype=np.int64)
    table = np.zeros((len(values), int(radices.max())), dtype=np.int64)
    for pos, v in enumerate(values):
        table[pos, :len(v)] = v
    return table, radices


Bounded = tuple[np.ndarray, np.ndarray, int, float]  # least and largest per position, largest row sum (int64, float64)


def _bounded(width: int, fold: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], None]) -> Bounded:
    low = np.full(width, np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full(width, np.iinfo(np.int64).min, dtype=np.int64)
    exact, total = np.zeros(1, dtype=np.int64), np.zeros(1)
    fold(low, high, exact, total)
    return low, high, int(exact[0]), float(total[0])


def rows_bounds(x: np.ndarray) -> Bounded:
    """:class:`~brouncker.screening.screen.RowBounds`' numbers of int64 coefficient rows, in one compiled pass.

    >>> low, high, exact, total = rows_bounds(np.array([[1, -7], [3, 2]]))
    >>> low.tolist(), high.tolist(), exact, total
    ([1, -7], [3, 2], 8, 8.0)
    """
    x = np.ascontiguousarray(x, dtype=np.int64)
    none = np.zeros((0, 1), dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    return _bounded(x.shape[1], lambda *out: bound_rows(none, empty, -1, 0, x.shape[0], x, *out))


def box_bounds(values: Sequence[Sequence[int]], zero: int | None, ranges: Sequence[tuple[int, int]]) -> Bounded:
    """The same numbers for the polynomials of a box (see :func:`screen_box`) at the
    indices of ``ranges`` (``(first, count)`` pairs), enumerated in the loop.

    >>> low, high, exact, total = box_bounds([[0, 1], [0, 1]], 0, [(1, 2)])   # n and n + 1
    >>> low.tolist(), high.tolist(), exact, total
    ([1, 0], [1, 1], 2, 2.0)
    """
    table, radices = _padded(values)
    none = np.zeros((0, 1), dtype=np.int64)
    zero_at = -1 if zero is None else zero

    def fold(*out: np.ndarray) -> None:
        for first, count in ranges:
            bound_rows(table, radices, zero_at, first, count, none, *out)

    return _bounded(len(values), fold)
