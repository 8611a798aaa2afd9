r"""Meet-in-the-middle matching of float limits against Möbius tables of constants.

The original Ramanujan Machine's idea: for each bank constant $K$, tabulate once the
values

$$\frac{c_0 + c_1 K}{c_2 + c_3 K}, \qquad |c_i| \le \text{bound},\quad c_1 c_2 - c_0 c_3 \ne 0,$$

one per primitive coefficient vector up to sign (equal values keep the smallest
vector), sorted. A whole array of screened limits is then matched against the union of
the tables: every table value within a relative tolerance of a limit is a candidate.
The union carries a bucket index (:class:`BucketIndex`) that sends a float to the few
table positions around it in $O(1)$, so a compiled loop (:mod:`.match_kernel`) finds
each limit's candidates without sorting the limits. A non-degenerate Möbius image of an
irrational $K$ is irrational, so limits that sit on a small rational are refused.

>>> import math
>>> tables = moebius_tables(("pi", "e"), bound=4)
>>> [m.expression for m in match(np.array([4 / math.pi, 1 / (math.e - 1), 0.5]), tables)]
['4/pi', '1/(e - 1)']
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..constants import constant_value
from ..printing import mobius
from .screen import small_rational

DEFAULT_BOUND = 12
DEFAULT_TOLERANCE = 1e-10  # relative; float64 limits of settled PCFs are good to ~1e-13
RATIONAL_MAX_DENOMINATOR = 1000
DUPLICATE_TOLERANCE = 1e-13  # relative gap below which two table values are one value
BUCKET_BITS = (16, 22)  # log2 of the fewest and most coarse buckets of an index: about 1 value per bucket
FINE_BITS = 5  # 2**5 fine buckets per coarse one: most limits meet an empty fine bucket and stop there
SIGN = np.int64(-(2**63))  # the sign bit of a float64 seen as an int64


@dataclass(frozen=True, slots=True)
class MoebiusTable:
    """Sorted values $(c_0 + c_1 K)/(c_2 + c_3 K)$ of one constant and their coefficients."""

    constant: str
    bound: int
    values: np.ndarray  # float64, sorted
    coefficients: np.ndarray  # int8, shape (len(values), 4): c0, c1, c2, c3

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True, slots=True)
class MoebiusMatch:
    """Limit number ``index`` is within tolerance of $(c_0 + c_1 K)/(c_2 + c_3 K)$."""

    index: int
    constant: str
    coefficients: tuple[int, int, int, int]
    value: float  # the table value

    @property
    def expression(self) -> str:
        """The Möbius form as text over the bank name, e.g. ``4/pi`` or ``(e + 1)/(2 - e)``."""
        return mobius(self.coefficients, self.constant)

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "constant": self.constant,
            "coefficients": list(self.coefficients),
            "value": self.value,
            "expression": self.expression,
        }


@functools.lru_cache(maxsize=4)
def _vectors(bound: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Primitive non-degenerate $(c_0, c_1, c_2, c_3)$ with $|c_i| \le$ bound, one of each
    $\pm$ pair, as int8 columns, ordered by height (largest $|c_i|$), then $\sum |c_i|$."""
    axis = np.arange(-bound, bound + 1, dtype=np.int64)
    c0, c1, c2, c3 = (x.ravel() for x in np.meshgrid(axis, axis, axis, axis, indexing="ij"))
    first = np.where(c3 != 0, c3, np.where(c2 != 0, c2, np.where(c1 != 0, c1, c0)))
    keep = (c1 * c2 - c0 * c3 != 0) & (first > 0)
    keep &= np.gcd(np.gcd(c0, c1), np.gcd(c2, c3)) == 1
    c0, c1, c2, c3 = c0[keep], c1[keep], c2[keep], c3[keep]
    a0, a1, a2, a3 = np.abs(c0), np.abs(c1), np.abs(c2), np.abs(c3)
    height = np.maximum(np.maximum(a0, a1), np.maximum(a2, a3))
    order = np.lexsort((a0 + a1 + a2 + a3, height))
    vectors = np.stack([c0, c1, c2, c3], axis=1)[order].astype(np.int8)
    return vectors, vectors.astype(np.float64)


@functools.lru_cache(maxsize=64)
def moebius_table(constant: str, bound: int = DEFAULT_BOUND) -> MoebiusTable:
    """The table of one bank constant (cached per process); each vector is signed so that
    the denominator $c_2 + c_3 K$ is positive."""
    k = float(constant_value(constant, 30))
    vectors, c = _vectors(bound)
    denominator = c[:, 2] + c[:, 3] * k
    values = (c[:, 0] + c[:, 1] * k) / denominator
    order = np.argsort(values, kind="stable")  # equal values keep the smallest vector first
    values = values[order]
    coeffs = vectors[order]
    coeffs[denominator[order] < 0] *= -1
    # equal values (quadratic irrationals have several vectors per value): keep the first
    gap = np.diff(values) > DUPLICATE_TOLERANCE * np.maximum(np.abs(values[1:]), 1e-300)
    first = np.concatenate([[True], gap])
    return MoebiusTable(constant, bound, values[first], coeffs[first])


@dataclass(frozen=True, slots=True)
class BucketIndex:
    r"""A monotone map of the floats onto buckets, which table values each bucket holds,
    and whether it holds any.

    A float's bits read as an integer order its magnitude. The negative and the positive
    floats ($-0$ counts as $+0$) each get a run of fine buckets: $x$ falls in
    ``offset[s] + clip(k >> shift[s], 0, count[s] - 1)``, where $k$ is its magnitude bits
    minus ``base[1]`` ($s = 1$, $x \ge 0$) or ``base[0]`` minus them ($s = 0$, $x < 0$),
    the bases being the table's smallest positive and largest negative magnitude, so that
    no bucket is spent on magnitudes the table has not. Bit $f$ of ``occupied`` says
    whether fine bucket $f$ holds a table value. A coarse bucket is $2^{\text{fine\_bits}}$
    fine ones, $c = f \gg$ ``fine_bits``, and its values are
    ``values[starts[c]:starts[c + 1]]``. Since the map is monotone, every table value
    before those is smaller than any float of the bucket and every one after them larger:
    a search among those few positions is a search of the whole table.
    """

    base: np.ndarray  # int64 (2,), per side (negative, positive); so are shift, offset, count
    shift: np.ndarray
    offset: np.ndarray  # the first fine bucket of the side, a multiple of 2**fine_bits
    count: np.ndarray  # fine buckets of the side, a multiple of 2**fine_bits
    fine_bits: int
    occupied: np.ndarray  # int64 words, bit f % 64 of word f // 64 per fine bucket f
    starts: np.ndarray  # int32 (int64 for a table of 2**31 values), one more than the coarse buckets


def buckets(x: np.ndarray, index: BucketIndex) -> np.ndarray:
    """The fine bucket of each float of ``x`` (not NaN) under ``index``; the compiled
    finder computes the same one float at a time."""
    key = (np.asarray(x, dtype=np.float64) + 0.0).view(np.int64)  # + 0.0 turns -0.0 into +0.0
    side = (key >= 0).astype(np.int64)
    magnitude = key & ~SIGN
    k = np.where(side == 1, magnitude - index.base[1], index.base[0] - magnitude) >> index.shift[side]
    return index.offset[side] + np.clip(k, 0, index.count[side] - 1)


def bucket_index(values: np.ndarray, bits: int | None = None, fine_bits: int = FINE_BITS) -> BucketIndex:
    r"""The index of a sorted finite table: per side $2^{b-1}$ to $2^b$ coarse buckets,
    $2^b$ about the side's values (within :data:`BUCKET_BITS`) or $b$ = ``bits``, each
    side's magnitudes cut into equal runs of integers, $2^{\text{fine\_bits}}$ fine
    buckets to a coarse one."""
    magnitude = (values + 0.0).view(np.int64)
    negative = magnitude < 0
    magnitude = magnitude & ~SIGN
    layout = np.zeros((4, 2), dtype=np.int64)  # base, shift, offset, count per side
    group = 1 << fine_bits
    for side, part in enumerate((magnitude[negative], magnitude[~negative])):
        if part.size == 0:
            layout[:, side] = 0, 62, 0, group  # buckets for the side, with no values in them
            continue
        span = int(part.max()) - int(part.min())
        side_bits = min(max(part.size.bit_length(), BUCKET_BITS[0] - 1), BUCKET_BITS[1] - 1) if bits is None else bits
        cut = max(span.bit_length() - side_bits - fine_bits, 0)
        layout[:, side] = part.max() if side == 0 else part.min(), cut, 0, -(-((span >> cut) + 1) // group) * group
    layout[2, 1] = layout[3, 0]
    base, shift, offset, count = layout
    fine = buckets(values, BucketIndex(base, shift, offset, count, fine_bits, np.zeros(0, np.int64), np.zeros(0, np.int64)))
    occupied = np.zeros(-(-int(count.sum()) // 64), dtype=np.uint64)
    if fine.size:
        word = fine >> 6
        first = np.flatnonzero(np.concatenate([[True], word[1:] != word[:-1]]))
        occupied[word[first]] = np.bitwise_or.reduceat(np.left_shift(np.uint64(1), (fine & 63).astype(np.uint64)), first)
    position = np.int32 if values.size < 2**31 else np.int64
    starts = np.searchsorted(fine >> fine_bits, np.arange((count.sum() >> fine_bits) + 1), side="left")
    return BucketIndex(base, shift, offset, count, fine_bits, occupied.view(np.int64), starts.astype(position))


@dataclass(frozen=True, slots=True)
class MoebiusTables:
    """The union of several constants' tables, sorted once for a single search, with its
    bucket index."""

    constants: tuple[str, ...]
    bound: int
    values: np.ndarray
    source: np.ndarray  # index into ``constants`` per value
    coefficients: np.ndarray
    index: BucketIndex


@functools.lru_cache(maxsize=16)
def moebius_tables(constants: tuple[str, ...], bound: int = DEFAULT_BOUND) -> MoebiusTables:
    """Tables of several constants merged into one sorted array (cached per process)."""
    tables = [moebius_table(name, bound) for name in constants]
    values = np.concatenate([t.values for t in tables])
    source = np.concatenate([np.full(len(t), i, dtype=np.int16) for i, t in enumerate(tables)])
    coeffs = np.concatenate([t.coefficients for t in tables])
    order = np.argsort(values, kind="stable")
    values = values[order]
    return MoebiusTables(tuple(constants), bound, values, source[order], coeffs[order], bucket_index(values))


def match(
    limits: np.ndarray,
    tables: MoebiusTables,
    tolerance: float = DEFAULT_TOLERANCE,
    max_denominator: int = RATIONAL_MAX_DENOMINATOR,
) -> list[MoebiusMatch]:
    r"""Every (limit, table value) pair with $|x - v| \le$ ``tolerance`` $\cdot |x|$.

    Non-finite limits and limits within tolerance of a rational with denominator at
    most ``max_denominator`` give no match. Matches come in order of ``index``.
    """
    from .match_kernel import candidates  # numba: imported on first use, not with brouncker

    x = np.ascontiguousarray(limits, dtype=np.float64).reshape(-1)
    t = tables.index
    index, lo, hi = candidates(x, float(tolerance), tables.values, t.base, t.shift, t.offset, t.count, t.fine_bits, t.occupied, t.starts)
    return _expand(x, index, lo, hi, tables, tolerance, max_denominator)


def match_sorted(
    limits: np.ndarray,
    tables: MoebiusTables,
    tolerance: float = DEFAULT_TOLERANCE,
    max_denominator: int = RATIONAL_MAX_DENOMINATOR,
) -> list[MoebiusMatch]:
    """:func:`match` as it was before the bucket index: sort the limits, two ``searchsorted``
    calls over the whole table. The reference :func:`match` is tested and timed against."""
    x = np.ascontiguousarray(limits, dtype=np.float64).reshape(-1)
    index = np.flatnonzero(np.isfinite(x) & (x != 0))
    index = index[np.argsort(x[index], kind="stable")]
    xs = x[index]
    with np.errstate(over="ignore"):  # w and x + w of the largest floats may be infinite
        width = tolerance * np.abs(xs)
        lo = np.searchsorted(tables.values, xs - width, side="left")
        hi = np.searchsorted(tables.values, xs + width, side="right")
    hit = hi > lo
    return _expand(x, index[hit], lo[hit], hi[hit], tables, tolerance, max_denominator)


def _expand(x: np.ndarray, index: np.ndarray, lo: np.ndarray, hi: np.ndarray, tables: MoebiusTables, tolerance: float,
            max_denominator: int) -> list[MoebiusMatch]:
    """The matches of the limits ``x[index]`` with table rows ``lo`` to ``hi`` (exclusive),
    less the limits on a small rational, in order of (index, constant, coefficients)."""
    if index.size == 0:
        return []
    keep = ~small_rational(x[index], max_denominator, tolerance)
    index, lo, count = index[keep], lo[keep], (hi - lo)[keep]
    total = int(count.sum())
    if total == 0:
        return []
    owner = np.repeat(np.arange(index.size), count)
    offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    row = lo[owner] + offset
    found = [
        MoebiusMatch(int(i), tables.constants[s], (int(c[0]), int(c[1]), int(c[2]), int(c[3])), float(v))
        for i, s, c, v in zip(index[owner], tables.source[row], tables.coefficients[row], tables.values[row])
    ]
    found.sort(key=lambda m: (m.index, m.constant, m.coefficients))
    return found
