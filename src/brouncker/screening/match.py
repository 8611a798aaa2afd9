r"""Meet-in-the-middle matching of float limits against Möbius tables of constants.

The original Ramanujan Machine's idea: for each bank constant $K$, tabulate once the
values

$$\frac{c_0 + c_1 K}{c_2 + c_3 K}, \qquad |c_i| \le \text{bound},\quad c_1 c_2 - c_0 c_3 \ne 0,$$

one per primitive coefficient vector up to sign (equal values keep the smallest
vector), sorted. A whole array of screened limits is then matched with two vectorised
``searchsorted`` calls against the union of the tables: every table value within a
relative tolerance of a limit is a candidate. A non-degenerate Möbius image of an
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
class MoebiusTables:
    """The union of several constants' tables, sorted once for a single search."""

    constants: tuple[str, ...]
    bound: int
    values: np.ndarray
    source: np.ndarray  # index into ``constants`` per value
    coefficients: np.ndarray


@functools.lru_cache(maxsize=16)
def moebius_tables(constants: tuple[str, ...], bound: int = DEFAULT_BOUND) -> MoebiusTables:
    """Tables of several constants merged into one sorted array (cached per process)."""
    tables = [moebius_table(name, bound) for name in constants]
    values = np.concatenate([t.values for t in tables])
    source = np.concatenate([np.full(len(t), i, dtype=np.int16) for i, t in enumerate(tables)])
    coeffs = np.concatenate([t.coefficients for t in tables])
    order = np.argsort(values, kind="stable")
    return MoebiusTables(tuple(constants), bound, values[order], source[order], coeffs[order])


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
    x = np.asarray(limits, dtype=np.float64)
    index = np.flatnonzero(np.isfinite(x) & (x != 0))
    if index.size == 0:
        return []
    index = index[np.argsort(x[index], kind="stable")]  # sorted keys: searchsorted stays in cache
    xs = x[index]
    width = tolerance * np.abs(xs)
    lo = np.searchsorted(tables.values, xs - width, side="left")
    hi = np.searchsorted(tables.values, xs + width, side="right")
    count = hi - lo
    hit = count > 0
    if not hit.any():
        return []
    rational = small_rational(xs[hit], max_denominator, tolerance)
    keep = np.flatnonzero(hit)[~rational]
    count = count[keep]
    total = int(count.sum())
    if total == 0:
        return []
    owner = np.repeat(keep, count)
    offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    row = lo[owner] + offset
    source = tables.source[row]
    coeffs = tables.coefficients[row]
    values = tables.values[row]
    pcf_index = index[owner]
    found = [
        MoebiusMatch(int(i), tables.constants[s], (int(c[0]), int(c[1]), int(c[2]), int(c[3])), float(v))
        for i, s, c, v in zip(pcf_index, source, coeffs, values)
    ]
    found.sort(key=lambda m: (m.index, m.constant, m.coefficients))
    return found
