r"""Vectorised float64 screening of many PCFs at once.

The three-term recurrence $p(n) = a(n) p(n-1) + b(n) p(n-2)$ (and the same for $q$) runs
on whole arrays: one column per PCF, $p$ and $q$ stacked so that each step is three
numpy operations over $2B$ numbers. Every few steps each column is divided by the power
of two nearest its largest entry (exact in binary floating point), so nothing
overflows; the ratio $p/q$ is unchanged. The terms $a(n), b(n)$ advance by forward
differences ($\deg$ additions per step, exact while below $2^{53}$). Columns whose ratio
has stopped moving in float64 are frozen and dropped from the arrays, so a block gets
cheaper as it converges (at depth 1000 most degree-2 PCFs are done within 100 steps).

A PCF survives the screen when its limit $L = p(N)/q(N)$ is finite, its
relative change from depths $N - 1$ and $N - g$ (default $g = N/4$) is below the
tolerance, the fraction is infinite ($b(n) \ne 0$ for $1 \le n \le N$) and $L$ is not
a small rational $r/s$, $s \le$ ``max_denominator``. Comparing with depth $N-1$ catches
two-cycles; with $N - g$, slow drift. The size of $L$ is no criterion: inflating a
formula by $f(n)$ multiplies its value by $f(0)$, and a value running off to infinity
fails the relative change anyway. ``DIVERGENT`` is a limit that is no number ($q(N) = 0$
in float64, or an overflow).

>>> s = screen(np.array([[2, 1], [0, 1]]), np.array([[1, 0, 0], [1, 0, 0]]), depth=200)
>>> abs(float(s.limits[0]) - 4 / math.pi) < 1e-14                       # Brouncker
True
>>> s.status.tolist()                                   # PCF(1, n^2) -> 1/ln 2 is slow
[0, 3]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..pcf.polynomial import first_root
from ..precision import INT64_SAFE
from .status import (  # the statuses and settling rules, shared with the compiled kernel
    CONVERGED,
    DIVERGENT,
    FREEZE_CHANGE,
    FREEZE_EVERY,
    NOT_CONVERGED,
    RATIONAL,
    STATUS_NAMES,
    rational_tolerance,
)

DEFAULT_TOLERANCE = 1e-12  # relative change allowed between the compared depths
DEFAULT_MAX_DENOMINATOR = 1000
RESCALE_HEADROOM = 900.0  # log2 of growth allowed between rescalings (float64 tops at 2^1024)
MAX_RESCALE_INTERVAL = 64
FREEZE_MIN_FRACTION = 0.05  # compact the arrays only when this share of the columns can go
BLOCK = 32768  # PCFs per inner block: large enough to hide numpy's per-call overhead
ENGINES = ("kernel", "parallel", "gpu", "numpy")  # how the walk runs (see :func:`screen`)
DEFAULT_ENGINE = "kernel"

@dataclass(frozen=True, slots=True)
class Screening:
    """Float limits and a status code per PCF (``CONVERGED`` ... ``NOT_CONVERGED``).

    ``limits`` is $p(N)/q(N)$ for every PCF (NaN where undefined); ``change`` is the
    largest relative change between the compared depths.
    """

    limits: np.ndarray
    change: np.ndarray
    status: np.ndarray
    depth: int

    @property
    def converged(self) -> np.ndarray:
        """Boolean mask of the survivors."""
        return self.status == CONVERGED

    def counts(self) -> dict[str, int]:
        """How many PCFs got each status."""
        found = np.bincount(self.status, minlength=len(STATUS_NAMES))
        return {name: int(found[i]) for i, name in enumerate(STATUS_NAMES)}


@dataclass(frozen=True, slots=True)
class RowBounds:
    r"""What the screen's int64 guards need of a set of coefficient rows: the least and
    largest coefficient of each position, and the largest $\sum |c|$ of a row, summed in
    int64 (``exact_sum``: exact while $\max |c| \cdot$ width $<$ ``INT64_SAFE``) and in
    float64 position by position (``float_sum``). A block's come from its arrays
    (:meth:`of`); the compiled kernel computes the same numbers in one pass, or from a box
    without making its rows.

    >>> RowBounds.of(np.array([[1, -7], [3, 2]])).largest_of_each, RowBounds.of(np.array([[1, -7], [3, 2]])).abs_sum
    ((3, 7), 8.0)
    """

    low: tuple[int, ...]
    high: tuple[int, ...]
    exact_sum: int
    float_sum: float
    rows: int

    @classmethod
    def of(cls, x: np.ndarray, sums: bool = True) -> RowBounds:
        """The bounds of the rows of ``x`` (int64), with numpy; without the row sums (NaN)
        when ``sums`` is false, for the guards that need only the largest coefficients."""
        if x.size == 0:
            return cls((0,) * x.shape[1], (0,) * x.shape[1], 0, 0.0, x.shape[0])
        low, high = [c.min() for c in x.T], [c.max() for c in x.T]  # column by column: faster than axis=0 on few columns
        if not sums:
            return cls(tuple(int(v) for v in low), tuple(int(v) for v in high), 0, math.nan, x.shape[0])
        exact = max(max(abs(int(v)) for v in low), max(abs(int(v)) for v in high)) * x.shape[1] < INT64_SAFE
        total = np.zeros(x.shape[0], dtype=np.int64 if exact else np.float64)
        for column in x.T:  # column by column: a sum over a short axis is slow in numpy
            total += np.abs(column if exact else column.astype(np.float64))
        top = total.max()
        return cls(tuple(int(v) for v in low), tuple(int(v) for v in high), int(top) if exact else 0, float(top), x.shape[0])

    @classmethod
    def from_parts(cls, parts: tuple[np.ndarray, np.ndarray, int, float], rows: int) -> RowBounds:
        """The bounds from :func:`brouncker.screening.kernel.rows_bounds` (or ``box_bounds``) numbers."""
        low, high, exact_sum, float_sum = parts
        if rows == 0:
            return cls((0,) * len(low), (0,) * len(low), 0, 0.0, 0)
        return cls(tuple(int(v) for v in low), tuple(int(v) for v in high), exact_sum, float_sum, rows)

    @property
    def width(self) -> int:
        return len(self.low)

    @property
    def largest_of_each(self) -> tuple[int, ...]:
        r"""$\max |c|$ of each position, as Python integers (``abs`` of the least int64 wraps in numpy)."""
        return tuple(max(abs(lo), abs(hi)) for lo, hi in zip(self.low, self.high))

    @property
    def largest(self) -> int:
        return max(self.largest_of_each, default=0)

    @property
    def abs_sum(self) -> float:
        r"""$\max_{row} \sum |c|$: in int64 where it cannot wrap, else in float64."""
        return float(self.exact_sum) if self.largest * self.width < INT64_SAFE else self.float_sum


def _differences(coefficients: np.ndarray, order: int) -> np.ndarray:
    r"""Forward differences $\Delta^j f(1)$, $0 \le j \le order$, of each row's polynomial
    (exact integers, then float64): shape (order+1, count).

    int64 arithmetic is exact modulo $2^{64}$ and the table is linear in the coefficients,
    so it is exact whenever its entries fit, however far the values $f(n)$ wrapped on the
    way. $|\Delta^j f(1)| \le \sum_k |c_k| \max_j \Delta^j n^k (1)$ (those differences of
    powers are $\ge 0$) bounds them up front, over the largest $|c_k|$ of the block first;
    only when that reaches ``INT64_SAFE`` is the bound taken row by row, and the rows over
    it are computed in Python integers instead.

    >>> t = _differences(np.array([[0] * 10 + [1, 0, 0], [10**6] * 13]), 12)   # n^2; 10^6 (n^12 + ... + 1)
    >>> t[:3, 0].tolist(), int(t[12, 1]) == 10**6 * math.factorial(12)
    ([1.0, 3.0, 2.0], True)
    """
    rows, width = coefficients.shape
    weights = _power_differences(width, order)
    if _differences_fit(RowBounds.of(coefficients, sums=False), order):
        return _exact_differences(coefficients, order)
    bound = np.zeros(rows)
    for w, c in zip(weights, coefficients.T):
        bound += float(w) * np.abs(c.astype(np.float64))
    wide = ~(bound < INT64_SAFE)
    table = np.empty((order + 1, rows))
    for part, dtype in ((~wide, np.int64), (wide, object)):
        if part.any():
            table[:, part] = _exact_differences(coefficients[part].astype(dtype), order)
    return table


def _differences_fit(bounds: RowBounds, order: int) -> bool:
    r"""Whether every $|\Delta^j f(1)|$, $j \le$ ``order``, of every row is bounded below
    ``INT64_SAFE`` by the rows' largest coefficients (then int64 arithmetic gives them exactly)."""
    weights = _power_differences(bounds.width, order)
    return bounds.rows == 0 or sum(w * c for w, c in zip(weights, bounds.largest_of_each)) < INT64_SAFE


@functools.lru_cache(maxsize=64)
def _power_differences(width: int, order: int) -> tuple[int, ...]:
    r"""$\max_{j \le order} \Delta^j n^k (1)$ for each power $k$ of a row of ``width``
    coefficients, highest first."""
    table = np.eye(width, dtype=np.int64).astype(object)
    return tuple(max(column) for column in _exact_object_differences(table, order).T)


def _exact_differences(coefficients: np.ndarray, order: int) -> np.ndarray:
    """The table of :func:`_differences` in the integers of ``coefficients``' dtype."""
    return _exact_object_differences(coefficients, order).astype(np.float64)


def _exact_object_differences(coefficients: np.ndarray, order: int) -> np.ndarray:
    """The table of :func:`_differences` in the integers of ``coefficients``' dtype, unconverted."""
    n = np.arange(1, order + 2, dtype=np.int64).astype(coefficients.dtype)
    values = np.zeros((order + 1, coefficients.shape[0]), dtype=coefficients.dtype)
    for c in coefficients.T:  # Horner, highest degree first
        values = values * n[:, None] + c[None, :]
    table = np.empty_like(values)
    for j in range(order + 1):
        table[j] = values[0]
        values = values[1:] - values[:-1]
    return table


def _rescale_interval(a: RowBounds, b: RowBounds, depth: int) -> int:
    r"""Steps between rescalings: $|p(n)| \le (|a(n)| + |b(n)|) \max(|p(n-1)|, |p(n-2)|)$,
    so $k$ steps grow by at most $(\max|a| + \max|b|)^k$ over the whole walk. The steps are
    rounded down to a multiple of ``FREEZE_EVERY`` or to a power of two below it.

    >>> five, huge, one = (RowBounds.of(np.array(x)) for x in ([[5, 5, 5]], [[10**9]], [[1]]))
    >>> _rescale_interval(five, five, 1000), _rescale_interval(huge, one, 10)
    (32, 16)
    """
    top = float(depth)
    bound_a = a.abs_sum * top ** (a.width - 1) if a.rows and a.width else 0.0
    bound_b = b.abs_sum * top ** (b.width - 1) if b.rows and b.width else 0.0
    growth = math.log2(float(bound_a) + float(bound_b) + 2.0)
    steps = int(max(1, min(MAX_RESCALE_INTERVAL, RESCALE_HEADROOM // growth)))
    # a multiple of FREEZE_EVERY, or a power of two dividing it: the compiled lanes rescale all together (screening/lanes.py)
    return steps - steps % FREEZE_EVERY if steps >= FREEZE_EVERY else 1 << (steps.bit_length() - 1)


def finite_fraction(b: np.ndarray, depth: int) -> np.ndarray:
    r"""Mask of the rows with $b(n) = 0$ for some $1 \le n \le depth$ (the fraction stops), exactly.

    int64 wraps silently ($1024 n^{12}$ is 0 at $n = 32$), so the values are bounded up
    front. A root $n \ge 1$ divides the lowest non-zero coefficient, so $n \le \max |c|$:
    when every $|b(n)|$ up to there stays below ``INT64_SAFE`` (small coefficients, the
    common case), all rows are evaluated together at every such $n$. Otherwise each row
    gets its own :func:`~brouncker.pcf.polynomial.root_bound` (over its content, and
    $|c_0| n^d \le n^{d-1} \sum_{i \ge 1} |c_i|$): rows whose values stay below
    ``INT64_SAFE`` up to it are evaluated together, the rest one by one in Python integers
    (:func:`~brouncker.pcf.polynomial.first_root`).

    >>> b = np.array([[0] * 11 + [1, -3], [0] * 11 + [1, 3], [0] * 13, [1024] + [0] * 12])   # n-3, n+3, 0, 1024n^12
    >>> finite_fraction(b, 200).tolist()
    [True, False, True, False]
    """
    b = np.atleast_2d(np.asarray(b, dtype=np.int64))
    count = b.shape[0]
    if count == 0 or depth < 1:
        return np.zeros(count, dtype=bool)
    top = _uniform_root_bound(RowBounds.of(b, sums=False), depth)
    if top:
        return _vanishes(b, np.full(count, top))
    return _finite_rows(b, depth)


def _uniform_root_bound(b: RowBounds, depth: int) -> int:
    r"""$\min(depth, \max |c|)$, the last $n$ at which :func:`finite_fraction` tries every row
    of ``b``, when every $|b(n)|$ up to there stays below ``INT64_SAFE``; else 0."""
    largest = b.largest
    top = min(depth, largest or 1)
    return top if b.width * largest * top ** (b.width - 1) < INT64_SAFE else 0


def _finite_rows(b: np.ndarray, depth: int) -> np.ndarray:
    """:func:`finite_fraction` with a root bound per row, for rows with large coefficients."""
    count, width = b.shape
    found = np.zeros(count, dtype=bool)
    magnitude = np.abs(b.astype(np.float64))
    zero = ~b.any(axis=1)
    found[zero] = True
    huge = (magnitude >= INT64_SAFE).any(axis=1)  # beyond the int64 arithmetic below: exact path
    rows = np.flatnonzero(~zero & ~huge)
    r = b[rows]
    content = np.abs(r[:, 0])
    for column in r.T[1:]:
        content = np.gcd(content, column)
    r //= content[:, None]
    size = magnitude[rows].sum(axis=1) / content  # sum |c_i| of the rows over their content, in float64
    at = np.arange(rows.size)
    lead_col = np.argmax(r != 0, axis=1)
    lead = np.abs(r[at, lead_col]).astype(np.float64)
    low = np.abs(r[at, width - 1 - np.argmax(r[:, ::-1] != 0, axis=1)])
    with np.errstate(over="ignore", invalid="ignore"):
        rest = np.floor(np.minimum((size - lead) / lead * (1 + 1e-12), float(depth)))  # the sum bound, rounded up
        top = np.minimum(rest.astype(np.int64), low)
        bound = size * np.power(top.astype(np.float64), (width - 1 - lead_col).astype(np.float64))
    fast = (top >= 1) & (bound < INT64_SAFE)
    for i in np.concatenate([np.flatnonzero(huge), rows[(top >= 1) & ~fast]]).tolist():
        found[i] = first_root(tuple(int(c) for c in b[i]), depth) is not None
    found[rows[fast]] = _vanishes(r[fast], top[fast])
    return found


def _vanishes(b: np.ndarray, tops: np.ndarray) -> np.ndarray:
    r"""Mask of the rows with $b(n) = 0$ for some $1 \le n \le$ ``tops`` (of the row), by
    Horner's rule in int64: the caller keeps every $|b(n)|$ there below ``INT64_SAFE``.
    The rows are walked in decreasing order of their ``tops``, so each $n$ costs only the
    rows that reach it."""
    uniform = tops.size == 0 or tops.min() == tops.max()
    order = np.arange(tops.size) if uniform else np.argsort(-tops, kind="stable")
    descending, columns = -tops[order], np.ascontiguousarray((b if uniform else b[order]).T)
    hit = np.zeros(tops.size, dtype=bool)
    value = np.empty(tops.size, dtype=np.int64)
    for n in range(1, -int(descending[0]) + 1 if tops.size else 1):
        k = tops.size if uniform else int(np.searchsorted(descending, -n, side="right"))  # the rows whose bound reaches n
        v = value[:k]
        v[:] = columns[0, :k]
        for c in columns[1:]:
            v *= n
            v += c[:k]
        hit[:k] |= v == 0
    if uniform:
        return hit
    found = np.empty(tops.size, dtype=bool)
    found[order] = hit
    return found


def _walk_block(a: np.ndarray, b: np.ndarray, depth: int, gap: int, interval: int) -> tuple[np.ndarray, ...]:
    """Limits at depths N, N-1 and N-gap of one block of PCFs.

    Every ``FREEZE_EVERY`` steps, columns whose ratio $p/q$ no longer moves in float64
    (relative change at most ``FREEZE_CHANGE`` against the previous step and against the
    previous check) are frozen: their values are final to a few ulps, and the walk goes
    on with the others only.
    """
    count = a.shape[0]
    order = max(a.shape[1], b.shape[1]) - 1
    # level[j] = (Delta^j a(n), Delta^j b(n)); level[0] is (a(n), b(n)), starting at n = 1
    terms = np.stack([_differences(a, order), _differences(b, order)], axis=1)
    level = [terms[j] for j in range(order + 1)]
    cur = np.empty((2, count))  # (p, q) at n-1
    cur[0] = a[:, -1]  # a(0)
    cur[1] = 1.0
    prev = np.empty((2, count))  # (p, q) at n-2
    prev[0] = 1.0
    prev[1] = 0.0
    tmp = np.empty((2, count))
    top = np.empty(count)
    limit, before, early = np.full(count, np.nan), np.full(count, np.nan), np.full(count, np.nan)
    alive = np.arange(count)  # block positions of the columns still walking
    last: np.ndarray | None = None  # their ratios at the previous freeze check
    check = depth - gap
    an, bn = level[0][0], level[0][1]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for n in range(1, depth + 1):
            np.multiply(prev, bn, out=prev)
            np.multiply(cur, an, out=tmp)
            np.add(prev, tmp, out=prev)
            cur, prev = prev, cur
            for j in range(order):
                np.add(level[j], level[j + 1], out=level[j])
            if n % interval == 0:
                np.abs(cur[0], out=top)
                np.maximum(top, np.abs(cur[1]), out=top)
                np.maximum(top, np.abs(prev[0]), out=top)
                np.maximum(top, np.abs(prev[1]), out=top)
                _, exponent = np.frexp(top)
                factor = np.ldexp(1.0, -exponent)
                np.multiply(cur, factor, out=cur)
                np.multiply(prev, factor, out=prev)
            if n == check:
                early[alive] = cur[0] / cur[1]
            if n % FREEZE_EVERY == 0 and n < depth:
                ratio = cur[0] / cur[1]
                if last is not None:
                    previous = prev[0] / prev[1]
                    bound = FREEZE_CHANGE * np.abs(ratio)
                    settled = np.isfinite(ratio) & (np.abs(ratio - last) <= bound) & (np.abs(ratio - previous) <= bound)
                    frozen = int(np.count_nonzero(settled))
                    if frozen and frozen >= FREEZE_MIN_FRACTION * alive.size:
                        where = alive[settled]
                        limit[where], before[where] = ratio[settled], previous[settled]
                        if n < check:
                            early[where] = last[settled]
                        keep = ~settled
                        alive, ratio = alive[keep], ratio[keep]
                        cur, prev = cur[:, keep], prev[:, keep]
                        level = [lv[:, keep] for lv in level]
                        an, bn = level[0][0], level[0][1]
                        tmp, top = np.empty_like(cur), np.empty(alive.size)
                        if alive.size == 0:
                            break
                last = ratio
        limit[alive] = cur[0] / cur[1]
        before[alive] = prev[0] / prev[1]
    return limit, before, early


def _walk_compiled(a: np.ndarray, b: np.ndarray, depth: int, gap: int, interval: int, engine: str) -> tuple[np.ndarray, ...]:
    """:func:`_walk_block`'s limits from a compiled engine, fed the same difference tables (the
    GPU, and the rows whose tables need more than int64: the kernel computes the others itself)."""
    order = max(a.shape[1], b.shape[1]) - 1
    terms = np.concatenate([_differences(a, order).T, _differences(b, order).T], axis=1)
    a0 = a[:, -1].astype(np.float64)
    if engine == "gpu":
        from .gpu import walk as gpu_walk  # numba.cuda: imported only when asked for

        limit, before, early, _ = gpu_walk(terms, a0, depth, gap, interval)
    else:
        from .kernel import walk  # numba: imported on first use, not with brouncker

        limit, before, early, _ = walk(terms, a0, depth, gap, interval, parallel=engine == "parallel")
    return limit, before, early


def _checked_gap(depth: int, gap: int | None, engine: str) -> int:
    """The gap $g$ (default $N/4$) after checking the depth, the gap and the engine."""
    if depth < 4:
        raise ValueError("screening depth must be at least 4")
    gap = max(2, depth // 4) if gap is None else int(gap)
    if not 1 <= gap < depth:
        raise ValueError(f"gap must lie in [1, depth), got {gap}")
    if engine not in ENGINES:
        raise ValueError(f"unknown screen engine {engine!r}: one of {', '.join(ENGINES)}")
    return gap


def screen_box(
    a_values: Sequence[Sequence[int]],
    a_zero: int | None,
    b_values: Sequence[Sequence[int]],
    b_zero: int | None,
    start: int,
    stop: int,
    depth: int = 200,
    tolerance: float = DEFAULT_TOLERANCE,
    max_denominator: int = DEFAULT_MAX_DENOMINATOR,
    gap: int | None = None,
) -> Screening | None:
    r""":func:`screen` of PCFs ``start`` to ``stop`` of a box, enumerated inside the compiled
    kernel (:func:`brouncker.screening.kernel.screen_box`), so that no coefficient array is
    made: ``a_values[pos]`` are the values of position ``pos`` of $a$ (highest degree
    first), ``a_zero`` the raw index of the zero polynomial (None if the box lacks it), the
    same for $b$, in :class:`brouncker.search.space.Space`'s enumeration. The guards are
    :func:`screen`'s, on bounds the kernel takes over the range's own polynomials, so the
    result is :func:`screen`'s on the range's rows. None where the kernel cannot take the
    box (degree above 2, or values past its int64 guards): then screen the rows.

    >>> box = [[0, 1], [0, 1]]                       # {0, 1} n + {0, 1} less zero: 1, n, n + 1
    >>> s = screen_box(box, 0, box, 0, 4, 5, depth=200)           # PCF 4 = 1 * 3 + 1: PCF(n, n)
    >>> bool(abs(s.limits[0] - 1 / (math.e - 1)) < 1e-15)
    True
    """
    gap = _checked_gap(depth, gap, "kernel")
    if max(len(a_values), len(b_values)) > 3:
        return None
    from .kernel import screen_box as kernel_screen_box  # numba: imported on first use

    a_values, b_values = _values(a_values), _values(b_values)
    count = stop - start
    size_b = math.prod(len(v) for v in b_values) - (b_zero is not None)
    first_a, last_a = start // size_b, (stop - 1) // size_b
    bounds_a = _box_bounds(a_values, a_zero, ((first_a, last_a - first_a + 1),), count)
    first_b = start % size_b
    if count >= size_b:
        b_ranges: tuple[tuple[int, int], ...] = ((0, size_b),)
    elif first_b + count <= size_b:
        b_ranges = ((first_b, count),)
    else:
        b_ranges = ((first_b, size_b - first_b), (0, first_b + count - size_b))
    bounds_b = _box_bounds(b_values, b_zero, b_ranges, count)
    order = max(len(a_values), len(b_values)) - 1
    top = _uniform_root_bound(bounds_b, depth)
    if count and not (_differences_fit(bounds_a, order) and _differences_fit(bounds_b, order) and top):
        return None
    interval = _rescale_interval(bounds_a, bounds_b, depth)
    limits, change, status, _ = kernel_screen_box(a_values, a_zero, b_values, b_zero, start, stop, depth, gap, interval,
                                                  tolerance, max_denominator, top)
    return Screening(limits=limits, change=change, status=status, depth=depth)


def _values(values: Sequence[Sequence[int]]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(x) for x in v) for v in values)


@functools.lru_cache(maxsize=64)
def _box_bounds(values: tuple[tuple[int, ...], ...], zero: int | None, ranges: tuple[tuple[int, int], ...], count: int) -> RowBounds:
    """The bounds of a box's polynomials at ``ranges`` (``(first, count)`` pairs), for a block
    of ``count`` PCFs; cached, since every block of a box that spans all of $b$ asks for the same."""
    from .kernel import box_bounds  # numba: imported on first use

    return RowBounds.from_parts(box_bounds(values, zero, ranges), count)


def screen(
    a: np.ndarray,
    b: np.ndarray,
    depth: int = 200,
    tolerance: float = DEFAULT_TOLERANCE,
    max_denominator: int = DEFAULT_MAX_DENOMINATOR,
    gap: int | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Screening:
    r"""Screen PCFs given as coefficient rows (highest degree first), one PCF per row.

    ``a`` has shape (count, deg a + 1) and ``b`` (count, deg b + 1), integers with
    $|a(n)|, |b(n)| < 2^{53}$ up to ``depth`` so that the terms are exact in float64.
    ``engine`` walks them: ``"kernel"`` (compiled, one PCF at a time, :mod:`.kernel`),
    ``"parallel"`` (the same over every core), ``"gpu"`` (:mod:`.gpu`) or ``"numpy"``
    (whole arrays, the reference the others are tested against).
    """
    a = np.atleast_2d(np.asarray(a, dtype=np.int64))
    b = np.atleast_2d(np.asarray(b, dtype=np.int64))
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{a.shape[0]} rows of a but {b.shape[0]} rows of b")
    gap = _checked_gap(depth, gap, engine)
    count = a.shape[0]
    compiled = engine in ("kernel", "parallel")
    if compiled:
        from .kernel import rows_bounds, screen_rows  # numba: imported on first use, not with brouncker

        bounds_a, bounds_b = (RowBounds.from_parts(rows_bounds(x), count) for x in (a, b))
    else:
        bounds_a, bounds_b = RowBounds.of(a), RowBounds.of(b)
    interval = _rescale_interval(bounds_a, bounds_b, depth)
    order = max(a.shape[1], b.shape[1]) - 1
    if compiled and _differences_fit(bounds_a, order) and _differences_fit(bounds_b, order):
        top = _uniform_root_bound(bounds_b, depth) if count else 1
        finite = np.zeros(0, dtype=bool) if top else finite_fraction(b, depth)
        limits, change, status, _ = screen_rows(a, b, order, depth, gap, interval, tolerance, max_denominator, top, finite,
                                                parallel=engine == "parallel")
        return Screening(limits=limits, change=change, status=status, depth=depth)
    limits = np.empty(count)
    change = np.empty(count)
    finite = finite_fraction(b, depth)
    for start in range(0, count, BLOCK):
        stop = min(start + BLOCK, count)
        if engine == "numpy":
            limit, before, early = _walk_block(a[start:stop], b[start:stop], depth, gap, interval)
        else:
            limit, before, early = _walk_compiled(a[start:stop], b[start:stop], depth, gap, interval, engine)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.abs(limit)
            change[start:stop] = np.maximum(np.abs(limit - before), np.abs(limit - early)) / scale
        limits[start:stop] = limit
    status = np.full(count, NOT_CONVERGED, dtype=np.int8)
    settled = np.isfinite(limits) & np.isfinite(change) & (change <= tolerance)
    status[settled] = CONVERGED
    status[~np.isfinite(limits)] = DIVERGENT
    status[limits == 0] = RATIONAL
    near = small_rational(limits[settled], max_denominator, rational_tolerance(tolerance))
    idx = np.flatnonzero(settled)[near]
    status[idx] = RATIONAL
    status[finite] = RATIONAL
    return Screening(limits=limits, change=change, status=status, depth=depth)


def small_rational(x: np.ndarray, max_denominator: int, rtol: float) -> np.ndarray:
    r"""Mask of the $x$ within relative ``rtol`` of a rational $r/s$ with $s \le$
    ``max_denominator``, found among the convergents of the continued fraction of $x$
    (any rational that close is one of them, since $rtol \cdot |x| < 1/(2s^2)$ here).

    >>> small_rational(np.array([1 / 3, math.pi, 22 / 7, 0.5 + 1e-9]), 100, 1e-12).tolist()
    [True, False, True, False]
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return np.zeros(x.shape, dtype=bool)
    # Only denominators matter while expanding: the last convergent with k <= max_denominator
    # is the closest rational of that size, since convergents close in monotonically.
    k_prev, k = np.zeros_like(x), np.ones_like(x)  # denominators of the convergents -1, 0
    best = np.ones_like(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y = np.where(np.isfinite(x), x, 0.0)
        y = 1.0 / (y - np.floor(y))
        for _ in range(64):
            term = np.floor(y)
            following = term * k
            following += k_prev
            ok = following <= max_denominator
            if not ok.any():
                break
            np.copyto(best, following, where=ok)
            k_prev, k = k, following
            y -= term
            np.divide(1.0, y, out=y)
        scaled = x * best
        return np.isfinite(x) & (np.abs(scaled - np.round(scaled)) <= rtol * np.abs(x) * best)
