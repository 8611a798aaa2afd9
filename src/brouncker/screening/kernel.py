r"""The float screen's walk as one compiled loop per PCF (numba): the default engine.

Each PCF is walked in registers: $p, q$ and the previous pair, the forward differences
of $a(n), b(n)$, and the ratio at the last check. The arithmetic is the numpy walk's
(:func:`brouncker.screening.screen._walk_block`), operation for operation and in the same
order: $b(n) p(n-2) + a(n) p(n-1)$, the same rescaling by a power of two every
``interval`` steps, the same difference updates. Floating point is deterministic, so
every convergent $p(n)/q(n)$ is the same float64 on both paths.

A PCF stops as soon as its ratio has settled in float64 over a window
(:data:`SETTLE_WINDOW` steps: relative change at most :data:`SETTLE_CHANGE` against the
ratio a window earlier and against the previous step). That is the numpy walk's freeze
rule, applied to each PCF on its own rather than to a block once enough of it has
settled, so the limits agree to a few ulps and every decision taken on them at the
screen's tolerance agrees. A PCF that diverges to a fixed point beyond the screen's bound
settles the same way; one whose $p, q$ vanish or overflow settles on NaN at the first
check. ``docs/screen.md`` gives the measured distribution of the settling depths and of
the error of a settled limit, which is why the window and the change are what they are.

The same loop runs serially (one thread, the unit a Ray task is sized for), over
``prange`` chunks (:func:`walk` with ``parallel=True``), or on a CUDA device (:mod:`.gpu`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .screen import FREEZE_CHANGE, FREEZE_EVERY

SETTLE_WINDOW = FREEZE_EVERY  # steps between settle checks; the ratio is compared with the one a window earlier
SETTLE_CHANGE = FREEZE_CHANGE  # relative change (two ulps) below which a ratio has settled in float64
CHUNK = 4096  # PCFs per prange chunk: enough work to hide the scheduling cost of a chunk


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False, inline="always")
def _walk_one(i: int, a_0: float, a_1: float, a_2: float, b_0: float, b_1: float, b_2: float, da: np.ndarray, db: np.ndarray,
              p1: float, depth: int, check: int, interval: int,
              limit: np.ndarray, before: np.ndarray, early: np.ndarray, steps: np.ndarray) -> None:  # pragma: no cover
    """Walk PCF ``i`` from its first three differences ``a_j, b_j`` and, past order 2, the
    rest in ``da, db`` (empty for order <= 2, updated in place); write its results at ``i``.
    Plain Python numba compiles for the CPU here and for CUDA in :mod:`.gpu`."""
    extra = da.shape[0]
    q1 = 1.0
    p2 = 1.0
    q2 = 0.0
    last = math.nan
    have_last = False
    early_i = math.nan
    next_rescale = interval
    next_window = SETTLE_WINDOW
    n = 0
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


def walk_coefficients(a: np.ndarray, b: np.ndarray, order: int, depth: int, gap: int, interval: int,
                      parallel: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r""":func:`walk` of PCFs given by their int64 coefficient rows, whose difference tables
    of ``order`` are computed in the loop, one PCF at a time (no table in memory). The caller
    guarantees what :func:`brouncker.screening.screen._differences` checks before its int64
    path: every $|\Delta^j f(1)|$ bound below ``INT64_SAFE``.

    >>> limit, *_ = walk_coefficients(np.array([[2, 1]]), np.array([[1, 0, 0]]), 2, 200, 50, 8)
    >>> bool(abs(limit[0] - 4 / math.pi) < 1e-15)
    True
    """
    a = np.ascontiguousarray(a, dtype=np.int64)
    b = np.ascontiguousarray(b, dtype=np.int64)
    terms = np.zeros((0, 2 * (order + 1)))
    return _run(terms, a, b, np.zeros(0), a.shape[0], depth, gap, interval, parallel)
