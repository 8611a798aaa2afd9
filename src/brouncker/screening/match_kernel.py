r"""The candidate finder of :func:`brouncker.screening.match.match`, compiled (numba).

For each limit $x$ it finds the table positions that two ``searchsorted`` calls would,
$lo$ = the first value $\ge x - w$ and $hi$ = the first value $> x + w$ ($w$ = tolerance
$\cdot |x|$, both bounds rounded in float64 as numpy rounds them), without sorting the
limits, through the table's :class:`~brouncker.screening.match.BucketIndex`. When both
bounds fall in one fine bucket that holds no table value, $lo = hi$ and the limit is done:
that is most limits, for one bit of a bitmap. The others wait in a batch while the start
and end of their coarse buckets are read, then a count among those few values gives $lo$
and $hi$; batching lets the processor fetch many buckets' memory at once.
Imported on the first match, so that ``import brouncker`` pays for no numba.
"""

from __future__ import annotations

import math

import numba
import numpy as np

MAGNITUDE = 0x7FFF_FFFF_FFFF_FFFF  # every bit of a float64 but its sign
BATCH = 32  # limits whose coarse buckets are read before any is searched
LINEAR = 16  # a coarse bucket of at most this many values is counted through, a larger one bisected


@numba.njit(cache=True, nogil=True, inline="always")
def _bucket(v: float, base: np.ndarray, shift: np.ndarray, offset: np.ndarray, count: np.ndarray,
            scratch: np.ndarray, bits: np.ndarray) -> int:  # pragma: no cover
    """The fine bucket of ``v`` (not NaN): :func:`brouncker.screening.match.buckets` for one
    float (``scratch`` and ``bits`` share one float64's bytes: the bit cast)."""
    scratch[0] = v + 0.0  # -0.0 is +0.0
    key = bits[0]
    side = 1 if key >= 0 else 0
    magnitude = key & MAGNITUDE
    k = (magnitude - base[1] if side else base[0] - magnitude) >> shift[side]
    return offset[side] + min(max(k, 0), count[side] - 1)


@numba.njit(cache=True, nogil=True, inline="always")
def _position(values: np.ndarray, i: int, stop: int, v: float, right: bool) -> int:  # pragma: no cover
    """``i`` plus the number of ``values[i:stop]`` below ``v`` (at most ``v`` if ``right``)."""
    if stop - i > LINEAR:
        while i < stop:
            middle = (i + stop) >> 1
            if values[middle] < v or (right and values[middle] == v):
                i = middle + 1
            else:
                stop = middle
        return i
    position = i
    for j in range(i, stop):
        position += (values[j] <= v) if right else (values[j] < v)
    return position


@numba.njit(cache=True, nogil=True)
def candidates(x: np.ndarray, tolerance: float, values: np.ndarray, base: np.ndarray, shift: np.ndarray,
               offset: np.ndarray, count: np.ndarray, fine_bits: int, occupied: np.ndarray,
               starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    r"""The finite non-zero limits $x_i$ with a table value in $[x_i - w_i, x_i + w_i]$, as
    ``(i, lo, hi)`` in order of $i$: ``values[lo:hi]`` are those values. The arguments
    after ``values`` are the fields of the table's
    :class:`~brouncker.screening.match.BucketIndex`."""
    found = np.empty(x.size, dtype=np.int64)
    lo = np.empty(x.size, dtype=np.int64)
    hi = np.empty(x.size, dtype=np.int64)
    hits = 0
    if math.isnan(tolerance):  # NaN bounds: searchsorted puts both after every value
        return found[:0].copy(), lo[:0].copy(), hi[:0].copy()
    scratch = np.empty(1)
    bits = scratch.view(np.int64)
    below, above = np.empty(BATCH), np.empty(BATCH)
    pending = np.empty(BATCH, dtype=np.int64)
    first, last = np.empty((BATCH, 2), dtype=np.int64), np.empty((BATCH, 2), dtype=np.int64)
    for start in range(0, x.size, BATCH):
        waiting = 0
        for i in range(start, min(start + BATCH, x.size)):
            xi = x[i]
            if not math.isfinite(xi) or xi == 0.0:
                continue
            width = tolerance * abs(xi)
            u, v = xi - width, xi + width
            f, g = _bucket(u, base, shift, offset, count, scratch, bits), _bucket(v, base, shift, offset, count, scratch, bits)
            if f == g and not (occupied[f >> 6] >> (f & 63)) & 1:
                continue  # no table value in the one fine bucket of [u, v]
            below[waiting], above[waiting], pending[waiting] = u, v, i
            f, g = f >> fine_bits, g >> fine_bits
            first[waiting, 0], last[waiting, 0] = starts[f], starts[f + 1]
            first[waiting, 1], last[waiting, 1] = starts[g], starts[g + 1]
            waiting += 1
        for j in range(waiting):
            left = _position(values, first[j, 0], last[j, 0], below[j], False)
            right = _position(values, first[j, 1], last[j, 1], above[j], True)
            if right > left:
                found[hits], lo[hits], hi[hits] = pending[j], left, right
                hits += 1
    return found[:hits].copy(), lo[:hits].copy(), hi[:hits].copy()
