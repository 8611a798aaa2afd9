r"""The float screen as one compiled loop per PCF (numba): the default engine.

Each PCF is walked in registers: $p, q$ and the previous pair, the forward differences
of $a(n), b(n)$ (computed in the loop from the coefficients, in int64 as the numpy table
is), and the ratio at the last check; PCFs of order at most 2 go two at a time, two
independent chains side by side. The arithmetic is the numpy walk's
(:func:`brouncker.screening.screen._walk_block`), operation for operation and in the same
order: $b(n) p(n-2) + a(n) p(n-1)$, the same rescaling by a power of two every
``interval`` steps, the same difference updates. Floating point is deterministic, so
every convergent $p(n)/q(n)$ is the float64 the numpy walk gives that PCF. The screen's
decisions (finite fraction, divergence, change, small rational) are taken in the loop with
the numpy code's own operations.

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

The same loop runs serially (one thread, the unit a Ray task is sized for), over
``prange`` chunks (``parallel=True``), or on a CUDA device (:mod:`.gpu`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .status import CONVERGED, DIVERGENT, FREEZE_CHANGE, FREEZE_EVERY, NOT_CONVERGED, RATIONAL, rational_tolerance

SETTLE_WINDOW = FREEZE_EVERY  # steps between settle checks; the ratio is compared with the one a window earlier
SETTLE_CHANGE = FREEZE_CHANGE  # relative change (two ulps) below which a ratio has settled in float64
CHUNK = 4096  # PCFs per prange chunk: enough work to hide the scheduling cost of a chunk


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False, inline="always")
def _walk_one(i: int, a_0: float, a_1: float, a_2: float, b_0: float, b_1: float, b_2: float, da: np.ndarray, db: np.ndarray,
              p1: float, depth: int, check: int, interval: int,
              limit: np.ndarray, before: np.ndarray, early: np.ndarray, steps: np.ndarray,
              n: int = 0, q1: float = 1.0, p2: float = 1.0, q2: float = 0.0, last: float = math.nan, have_last: bool = False,
              early_i: float = math.nan) -> None:  # pragma: no cover
    """Walk PCF ``i`` from its first three differences ``a_j, b_j`` and, past order 2, the
    rest in ``da, db`` (empty for order <= 2, updated in place); write its results at ``i``.
    The walk starts at step ``n`` (0: $p(0) = a(0)$, ``p1``) from the state given, which is
    how :func:`_walk_pair` hands on the PCF that is still walking. Plain Python numba
    compiles for the CPU here and for CUDA in :mod:`.gpu`."""
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


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False, inline="always")
def _settled(ratio: float, previous: float, last: float) -> bool:  # pragma: no cover
    """The settling rule: a finite ratio within :data:`SETTLE_CHANGE` (relative) of the ratio
    a window earlier and of the previous step's."""
    bound = SETTLE_CHANGE * abs(ratio)
    return math.isfinite(ratio) and abs(ratio - last) <= bound and abs(ratio - previous) <= bound


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _walk_pair(i: int, j: int, row_i: np.ndarray, row_j: np.ndarray, levels: int, pi: float, pj: float, depth: int, check: int,
               interval: int, limit: np.ndarray, before: np.ndarray, early: np.ndarray, steps: np.ndarray) -> None:  # pragma: no cover
    """Walk PCFs ``i`` and ``j`` of order at most 2 side by side, as :func:`_walk_one` walks
    each (the same operations on each, so the same floats): one step's chain of a multiply
    and an add leaves the core idle most of the time, and two independent chains fill it.
    When one settles, the other goes on alone from where it is."""
    ai0, ai1, ai2 = row_i[0], row_i[1] if levels > 1 else 0.0, row_i[2] if levels > 2 else 0.0
    bi0, bi1, bi2 = row_i[levels], row_i[levels + 1] if levels > 1 else 0.0, row_i[levels + 2] if levels > 2 else 0.0
    aj0, aj1, aj2 = row_j[0], row_j[1] if levels > 1 else 0.0, row_j[2] if levels > 2 else 0.0
    bj0, bj1, bj2 = row_j[levels], row_j[levels + 1] if levels > 1 else 0.0, row_j[levels + 2] if levels > 2 else 0.0
    pi1, qi1, pi2, qi2 = pi, 1.0, 1.0, 0.0
    pj1, qj1, pj2, qj2 = pj, 1.0, 1.0, 0.0
    last_i = last_j = math.nan
    have_last = False
    early_i = early_j = math.nan
    next_rescale = interval
    next_window = SETTLE_WINDOW
    none = np.zeros(0)
    n = 0
    while n < depth:
        stop = min(min(next_rescale, next_window), depth)
        if n < check:
            stop = min(stop, check)
        for _ in range(stop - n):
            pn = pi2 * bi0 + pi1 * ai0
            qn = qi2 * bi0 + qi1 * ai0
            pi2 = pi1
            qi2 = qi1
            pi1 = pn
            qi1 = qn
            pn = pj2 * bj0 + pj1 * aj0
            qn = qj2 * bj0 + qj1 * aj0
            pj2 = pj1
            qj2 = qj1
            pj1 = pn
            qj1 = qn
            ai0 += ai1
            bi0 += bi1
            ai1 += ai2
            bi1 += bi2
            aj0 += aj1
            bj0 += bj1
            aj1 += aj2
            bj1 += bj2
        n = stop
        if n == next_rescale:
            next_rescale += interval
            _, exponent = math.frexp(max(max(abs(pi1), abs(qi1)), max(abs(pi2), abs(qi2))))
            factor = math.ldexp(1.0, -exponent)
            pi1 *= factor
            qi1 *= factor
            pi2 *= factor
            qi2 *= factor
            _, exponent = math.frexp(max(max(abs(pj1), abs(qj1)), max(abs(pj2), abs(qj2))))
            factor = math.ldexp(1.0, -exponent)
            pj1 *= factor
            qj1 *= factor
            pj2 *= factor
            qj2 *= factor
        if n == check:
            early_i = pi1 / qi1
            early_j = pj1 / qj1
        if n == next_window:
            next_window += SETTLE_WINDOW
            if n < depth:
                ratio_i = pi1 / qi1
                ratio_j = pj1 / qj1
                done_i = done_j = False
                if have_last:
                    previous_i = pi2 / qi2
                    if _settled(ratio_i, previous_i, last_i):
                        limit[i], before[i], early[i], steps[i] = ratio_i, previous_i, last_i if n < check else early_i, n
                        done_i = True
                    previous_j = pj2 / qj2
                    if _settled(ratio_j, previous_j, last_j):
                        limit[j], before[j], early[j], steps[j] = ratio_j, previous_j, last_j if n < check else early_j, n
                        done_j = True
                if done_i and done_j:
                    return
                if done_i:
                    _walk_one(j, aj0, aj1, aj2, bj0, bj1, bj2, none, none, pj1, depth, check, interval, limit, before, early,
                              steps, n, qj1, pj2, qj2, ratio_j, True, early_j)
                    return
                if done_j:
                    _walk_one(i, ai0, ai1, ai2, bi0, bi1, bi2, none, none, pi1, depth, check, interval, limit, before, early,
                              steps, n, qi1, pi2, qi2, ratio_i, True, early_i)
                    return
                last_i = ratio_i
                last_j = ratio_j
                have_last = True
    limit[i], before[i], early[i], steps[i] = pi1 / qi1, pi2 / qi2, early_i, depth
    limit[j], before[j], early[j], steps[j] = pj1 / qj1, pj2 / qj2, early_j, depth


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
    if computed and extra == 0:  # order <= 2: two PCFs at a time
        other = np.zeros(2 * levels)
        for i in range(start, stop - 1, 2):
            _differences_row(a, i, order, values, row, 0)
            _differences_row(b, i, order, values, row, levels)
            _differences_row(a, i + 1, order, values, other, 0)
            _differences_row(b, i + 1, order, values, other, levels)
            _walk_pair(i, i + 1, row, other, levels, float(a[i, a.shape[1] - 1]), float(a[i + 1, a.shape[1] - 1]), depth, check,
                       interval, limit, before, early, steps)
        start = stop - (stop - start) % 2
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


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _small_rational(x: float, max_denominator: int, rtol: float) -> bool:  # pragma: no cover
    """:func:`brouncker.screening.screen.small_rational` of one number, the same float
    operations in the same order."""
    if not math.isfinite(x):
        return False
    y = x
    y = 1.0 / (y - np.floor(y))  # np.floor: a float (math.floor gives an int in numba, wrong for inf)
    k_prev = 0.0
    k = 1.0
    best = 1.0
    for _ in range(64):
        term = np.floor(y)
        following = term * k
        following += k_prev
        if not following <= max_denominator:
            break
        best = following
        k_prev = k
        k = following
        y -= term
        y = 1.0 / y
    scaled = x * best
    return abs(scaled - np.rint(scaled)) <= rtol * abs(x) * best


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _decide_range(b: np.ndarray, depth: int, tolerance: float, max_denominator: int, rtol: float, finite_top: int,
                  finite: np.ndarray, start: int, stop: int, limit: np.ndarray, before: np.ndarray, early: np.ndarray,
                  change: np.ndarray, status: np.ndarray) -> None:  # pragma: no cover
    """The statuses of :func:`brouncker.screening.screen.screen`, one PCF at a time: the
    fraction is finite when $b(n) = 0$ for some $1 \\le n \\le$ ``finite_top`` (int64
    Horner, the caller has bounded the values), or where ``finite`` says so when that is 0."""
    width = b.shape[1]
    for i in range(start, stop):
        x = limit[i]
        d1 = abs(x - before[i])
        d2 = abs(x - early[i])
        c = math.nan if math.isnan(d1) or math.isnan(d2) else max(d1, d2)  # np.maximum: NaN wins
        c = c / abs(x)
        change[i] = c
        if finite_top:
            stops = False
            for n in range(1, finite_top + 1):
                v = 0
                for m in range(width):
                    v = v * n + b[i, m]
                if v == 0:
                    stops = True
                    break
        else:
            stops = finite[i]
        if stops or x == 0:
            status[i] = RATIONAL
        elif not math.isfinite(x):
            status[i] = DIVERGENT
        elif math.isfinite(c) and c <= tolerance:
            status[i] = RATIONAL if _small_rational(x, max_denominator, rtol) else CONVERGED
        else:
            status[i] = NOT_CONVERGED


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def _screen_range(a: np.ndarray, b: np.ndarray, depth: int, gap: int, interval: int, tolerance: float, max_denominator: int,
                  rtol: float, finite_top: int, finite: np.ndarray, start: int, stop: int, limit: np.ndarray, before: np.ndarray,
                  early: np.ndarray, steps: np.ndarray, change: np.ndarray, status: np.ndarray, levels: int) -> None:  # pragma: no cover
    """Walk and decide PCFs ``start`` to ``stop`` (their tables computed from ``a, b``)."""
    terms = np.zeros((0, 2 * levels))
    _walk_range(terms, a, b, np.zeros(0), depth, gap, interval, start, stop, limit, before, early, steps)
    _decide_range(b, depth, tolerance, max_denominator, rtol, finite_top, finite, start, stop, limit, before, early, change, status)


@numba.njit(cache=True, parallel=True, error_model="numpy", fastmath=False)
def _screen_parallel(a: np.ndarray, b: np.ndarray, depth: int, gap: int, interval: int, tolerance: float, max_denominator: int,
                     rtol: float, finite_top: int, finite: np.ndarray, limit: np.ndarray, before: np.ndarray, early: np.ndarray,
                     steps: np.ndarray, change: np.ndarray, status: np.ndarray, levels: int) -> None:  # pragma: no cover
    """:func:`_screen_range` over ``prange`` chunks of :data:`CHUNK` PCFs."""
    count = a.shape[0]
    for c in numba.prange((count + CHUNK - 1) // CHUNK):
        _screen_range(a, b, depth, gap, interval, tolerance, max_denominator, rtol, finite_top, finite, c * CHUNK,
                      min(count, (c + 1) * CHUNK), limit, before, early, steps, change, status, levels)


def screen_rows(a: np.ndarray, b: np.ndarray, order: int, depth: int, gap: int, interval: int, tolerance: float,
                max_denominator: int, finite_top: int, finite: np.ndarray,
                parallel: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Limits, relative changes, statuses and exit depths of PCFs given by their int64
    coefficient rows: :func:`brouncker.screening.screen.screen`'s arrays, with the
    difference tables of ``order`` computed in the loop, one PCF at a time (no table in
    memory), and every decision taken there too. The caller guarantees what
    :func:`brouncker.screening.screen._differences` checks before its int64 path, and gives
    ``finite_top`` (or 0 and the ``finite`` mask, see :func:`_decide_range`).

    >>> limit, change, status, steps = screen_rows(np.array([[2, 1]]), np.array([[1, 0, 0]]), 2, 200, 50, 8, 1e-12, 1000, 1,
    ...                                            np.zeros(0, dtype=bool))
    >>> bool(abs(limit[0] - 4 / math.pi) < 1e-15), int(status[0]) == CONVERGED
    (True, True)
    """
    a = np.ascontiguousarray(a, dtype=np.int64)
    b = np.ascontiguousarray(b, dtype=np.int64)
    finite = np.ascontiguousarray(finite, dtype=np.bool_)
    count = a.shape[0]
    limit, before, early, change = np.empty(count), np.empty(count), np.empty(count), np.empty(count)
    steps = np.empty(count, dtype=np.int64)
    status = np.empty(count, dtype=np.int8)
    rtol = rational_tolerance(tolerance)
    if count:
        if parallel:
            _screen_parallel(a, b, depth, gap, interval, tolerance, max_denominator, rtol, finite_top, finite,
                             limit, before, early, steps, change, status, order + 1)
        else:
            _screen_range(a, b, depth, gap, interval, tolerance, max_denominator, rtol, finite_top, finite, 0, count,
                          limit, before, early, steps, change, status, order + 1)
    return limit, change, status, steps
