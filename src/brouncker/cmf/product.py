r"""Exact products of a trajectory matrix, $N(lo) N(lo + 1) \cdots N(hi - 1)$, by binary splitting.

The one product tree (:func:`brouncker.pcf.walk.product_tree`) with the leaves and the
multiplication of integer matrices of any rank; the entries of $N(n)$ for a run of $n$
are evaluated at once by numpy. Walks (:mod:`brouncker.cmf.walk`) and companion forms
(:mod:`brouncker.cmf.companion`) both multiply through here.
"""

from __future__ import annotations

from gmpy2 import mpz

from ..pcf.walk import _values, product_tree
from .trajectory import TrajectoryMatrix

IntMatrix = list[list[mpz]]


def _entries(tm: TrajectoryMatrix, lo: int, hi: int) -> list[list[list[int]]]:
    r"""$N_{rc}(n)$ for $lo \le n < hi$, one list per entry."""
    return [[_values(f, lo, hi) for f in row] for row in tm.numerator]


def _leaf(values: list[list[list[int]]], lo: int, hi: int, rank: int) -> IntMatrix:
    """$N(lo) \\cdots N(hi - 1)$ one step at a time (indices into ``values``)."""
    if rank == 2:
        v00, v01, v10, v11 = values[0][0], values[0][1], values[1][0], values[1][1]
        a, b, c, d = mpz(1), mpz(0), mpz(0), mpz(1)
        for i in range(lo, hi):
            x00, x01, x10, x11 = v00[i], v01[i], v10[i], v11[i]
            a, b = a * x00 + b * x10, a * x01 + b * x11
            c, d = c * x00 + d * x10, c * x01 + d * x11
        return [[a, b], [c, d]]
    acc = [[mpz(1) if r == c else mpz(0) for c in range(rank)] for r in range(rank)]
    for i in range(lo, hi):
        step = [[values[r][c][i] for c in range(rank)] for r in range(rank)]
        acc = [[sum((acc[r][k] * step[k][c] for k in range(rank)), mpz(0)) for c in range(rank)] for r in range(rank)]
    return acc


def multiply(a: IntMatrix, b: IntMatrix) -> IntMatrix:
    """The product of two square integer matrices."""
    size = len(a)
    if size == 2:
        return [
            [a[0][0] * b[0][0] + a[0][1] * b[1][0], a[0][0] * b[0][1] + a[0][1] * b[1][1]],
            [a[1][0] * b[0][0] + a[1][1] * b[1][0], a[1][0] * b[0][1] + a[1][1] * b[1][1]],
        ]
    return [[sum((a[r][k] * b[k][c] for k in range(size)), mpz(0)) for c in range(size)] for r in range(size)]


def segment(tm: TrajectoryMatrix, lo: int, hi: int) -> IntMatrix:
    r"""$N(lo) N(lo + 1) \cdots N(hi - 1)$ by binary splitting (the identity when empty)."""
    if hi <= lo:
        return [[mpz(1) if r == c else mpz(0) for c in range(tm.rank)] for r in range(tm.rank)]
    values, rank = _entries(tm, lo, hi), tm.rank
    return product_tree(lambda i, j: _leaf(values, i, j, rank), multiply, 0, hi - lo)
