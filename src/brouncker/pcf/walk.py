r"""Exact convergents of polynomial continued fractions by binary splitting.

With $M(n) = \begin{pmatrix} 0 & b(n) \\ 1 & a(n) \end{pmatrix}$,

$$\begin{pmatrix} 1 & a(0) \\ 0 & 1 \end{pmatrix} M(1) \cdots M(N)
  = \begin{pmatrix} p(N-1) & p(N) \\ q(N-1) & q(N) \end{pmatrix}.$$

The product is split in halves recursively, so the big-integer multiplications are
balanced and GMP's fast algorithms apply: depth $10^5$ of Apéry's fraction takes well
under a second, against many seconds for the sequential recurrence.
Checkpoints at several depths come from one walk: the segments between them are
product trees of their own, chained left to right.

>>> c = walk((2, 1), (1, 0, 0), 3)       # 1 + 1/(3 + 4/(5 + 9/7)) = 51/40
>>> (c.p, c.q)
(mpz(204), mpz(160))
>>> c.reduced_q
mpz(40)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import gmpy2
import numpy as np
from gmpy2 import mpz

from ..precision import INT64_SAFE
from .convergent import Convergent, log10_abs
from .polynomial import Coefficients, evaluate, first_root

LEAF_SIZE = 32  # steps multiplied one by one at the leaves of every product tree, where numbers are small

Matrix = tuple[mpz, mpz, mpz, mpz]  # (m00, m01, m10, m11), row-major
Product = TypeVar("Product")


def _values(poly: Coefficients, lo: int, hi: int) -> list[int]:
    r"""$f(n)$ for $lo \le n < hi$, vectorised by Horner's rule over a numpy array.

    Machine integers when $\sum |c_i| \max|n|^i$ fits in 62 bits, else Python integers
    in an object array (still one C loop per coefficient).
    """
    if hi <= lo:
        return []
    top = max(abs(lo), abs(hi))
    bound = sum(abs(c) * top**i for i, c in enumerate(reversed(poly)))
    dtype = np.int64 if bound < INT64_SAFE else object
    n = np.arange(lo, hi, dtype=np.int64).astype(dtype)
    acc = np.full(hi - lo, poly[0], dtype=dtype)
    for c in poly[1:]:
        acc = acc * n
        if c:
            acc = acc + c
    return acc.tolist()


def _terms(a: Coefficients, b: Coefficients, lo: int, hi: int) -> tuple[list[int], list[int]]:
    r"""$a(n)$ and $b(n)$ for $lo \le n < hi$."""
    return _values(a, lo, hi), _values(b, lo, hi)


def _log10_abs_sum(values: Sequence[int]) -> float:
    r"""$\sum \log_{10}|v|$ (pairwise in float64); $-\infty$ if a value is 0."""
    try:
        floats = np.abs(np.asarray(values, dtype=float))
    except OverflowError:  # a value beyond 1e308
        return math.fsum(log10_abs(v) for v in values)
    if floats.size and floats.min() == 0:
        return -math.inf
    total = float(np.log10(floats).sum())
    return total if math.isfinite(total) else math.fsum(log10_abs(v) for v in values)


def product_tree(leaf: Callable[[int, int], Product], multiply: Callable[[Product, Product], Product], lo: int, hi: int) -> Product:
    r"""$M(lo) \cdots M(hi-1)$ by binary splitting, the one product tree of PCF and CMF walks.

    The range is halved recursively down to runs of at most ``LEAF_SIZE`` steps, which
    ``leaf(lo, hi)`` multiplies one by one; ``multiply`` joins the halves, so the big
    multiplications are balanced and GMP's fast algorithms apply.

    >>> product_tree(lambda lo, hi: hi - lo, lambda x, y: x + y, 0, 100)     # 100 steps in leaves of <= 32
    100
    """
    if hi - lo <= LEAF_SIZE:
        return leaf(lo, hi)
    mid = (lo + hi) // 2
    return multiply(product_tree(leaf, multiply, lo, mid), product_tree(leaf, multiply, mid, hi))


def _leaf(av: Sequence[int], bv: Sequence[int], lo: int, hi: int) -> Matrix:
    """$M(lo) \\cdots M(hi-1)$ one step at a time, over the term lists (indices relative to the lists)."""
    x, y, z, w = mpz(1), mpz(0), mpz(0), mpz(1)
    for i in range(lo, hi):
        an, bn = av[i], bv[i]
        x, y = y, x * bn + y * an
        z, w = w, z * bn + w * an
    return x, y, z, w


def _product(av: Sequence[int], bv: Sequence[int], lo: int, hi: int) -> Matrix:
    """$M(lo) \\cdots M(hi-1)$ over the term lists, by the product tree."""
    return product_tree(functools.partial(_leaf, av, bv), _multiply, lo, hi)


def _multiply(m: Matrix, r: Matrix) -> Matrix:
    return (
        m[0] * r[0] + m[1] * r[2],
        m[0] * r[1] + m[1] * r[3],
        m[2] * r[0] + m[3] * r[2],
        m[2] * r[1] + m[3] * r[3],
    )


def walk_checkpoints(a: Coefficients, b: Coefficients, depths: Iterable[int]) -> list[Convergent]:
    """Convergents at each of ``depths`` (any order, duplicates allowed), from one walk.

    >>> [c.p for c in walk_checkpoints((1,), (1,), [1, 2, 5])]     # Fibonacci
    [mpz(2), mpz(3), mpz(13)]
    """
    wanted = sorted(set(int(d) for d in depths))
    if not wanted:
        return []
    if wanted[0] < 0:
        raise ValueError(f"depth must be non-negative, got {wanted[0]}")
    a0 = mpz(evaluate(a, 0))
    top = wanted[-1]
    finite_at = first_root(b, top)
    state: Matrix = (mpz(1), a0, mpz(0), mpz(1))
    done = 0
    log10_det = 0.0  # det [[1, a0], [0, 1]] = 1, det M(n) = -b(n)
    out: dict[int, Convergent] = {}
    for d in wanted:
        if d > done:
            av, bv = _terms(a, b, done + 1, d + 1)
            log10_det += _log10_abs_sum(bv)
            segment = _product(av, bv, 0, len(av))
            if done == 0:  # [[1, a0], [0, 1]] times the segment: two small multiplications
                m00, m01, m10, m11 = segment
                state = (m00 + a0 * m10, m01 + a0 * m11, m10, m11)
            else:
                state = _multiply(state, segment)
            done = d
        fa = finite_at if finite_at is not None and finite_at <= d else None
        out[d] = Convergent(d, state[1], state[3], state[0], state[2], fa, log10_det)
    return [out[int(d)] for d in depths]


def term_table(coefficients: np.ndarray, depth: int) -> np.ndarray | None:
    r"""$f(n)$ for $0 \le n \le$ ``depth`` of many polynomials at once (one row of
    coefficients each, highest degree first), as an int64 table with a row per polynomial;
    ``None`` when some value may not fit in 62 bits (then walk them one by one).

    >>> term_table(np.array([[1, 0, 1], [2, -1, 0]]), 3).tolist()     # n^2 + 1, 2n^2 - n
    [[1, 2, 5, 10], [0, 1, 6, 15]]
    """
    rows = np.asarray(coefficients, dtype=np.int64)
    degree = rows.shape[1] - 1
    if rows.size and float(np.abs(rows.astype(np.float64)).sum(axis=1).max()) * float(max(depth, 1)) ** degree >= INT64_SAFE:
        return None
    powers = np.arange(depth + 1, dtype=np.int64)[None, :] ** np.arange(degree, -1, -1, dtype=np.int64)[:, None]
    return rows @ powers


def columns_from_terms(av: Sequence[int], bv: Sequence[int], depths: Sequence[int]) -> list[tuple[mpz, mpz]]:
    r"""$(p(d), q(d))$ at each of the increasing ``depths``, from the terms
    ``av[n] = a(n)``, ``bv[n] = b(n)`` for $0 \le n \le \max$ ``depths``: the same product
    tree as :func:`walk_checkpoints`, for callers that evaluate the terms of many PCFs at once.

    >>> columns_from_terms([1, 1, 1, 1, 1, 1], [1] * 6, [1, 2, 5])     # Fibonacci
    [(mpz(2), mpz(1)), (mpz(3), mpz(2)), (mpz(13), mpz(8))]
    """
    a0 = mpz(av[0])
    state: Matrix = (mpz(1), a0, mpz(0), mpz(1))
    done = 0
    out = []
    for d in depths:
        if d > done:
            segment = _product(av, bv, done + 1, d + 1)
            if done == 0:
                m00, m01, m10, m11 = segment
                state = (m00 + a0 * m10, m01 + a0 * m11, m10, m11)
            else:
                state = _multiply(state, segment)
            done = d
        out.append((state[1], state[3]))
    return out


def walk(a: Coefficients, b: Coefficients, depth: int) -> Convergent:
    """The convergent $p(depth)/q(depth)$ by binary splitting."""
    return walk_checkpoints(a, b, [depth])[0]


def walk_sequential(a: Coefficients, b: Coefficients, depth: int) -> Convergent:
    r"""The same convergent by the three-term recurrence, one step at a time.

    $p(n) = a(n) p(n-1) + b(n) p(n-2)$; the reference against which the product tree
    is tested, and the baseline of ``scripts/bench_walk.py``.
    """
    p_prev, p = mpz(1), mpz(evaluate(a, 0))
    q_prev, q = mpz(0), mpz(1)
    for n in range(1, depth + 1):
        an, bn = evaluate(a, n), evaluate(b, n)
        p_prev, p = p, an * p + bn * p_prev
        q_prev, q = q, an * q + bn * q_prev
    return Convergent(depth, p, q, p_prev, q_prev, first_root(b, depth))


def walk_back(a: Coefficients, b: Coefficients, last: Convergent, count: int) -> list[Convergent]:
    r"""The ``count`` convergents at depths $N - count + 1, \dots, N$, from the one at $N$.

    The recurrence runs backwards, $p(n-2) = (p(n) - a(n)\,p(n-1)) / b(n)$, an exact
    division; it needs $b(n) \ne 0$ on the way (a finite fraction has no use for it).
    Extrapolation takes its windows of consecutive convergents from here, so that they
    cost no walk beyond the depth already reached.

    >>> [c.p for c in walk_back((1,), (1,), walk((1,), (1,), 6), 3)]     # Fibonacci
    [mpz(8), mpz(13), mpz(21)]
    """
    depth = last.depth
    if not 1 <= count <= depth:
        raise ValueError(f"count must be in [1, {depth}], got {count}")
    lowest = depth - count + 1  # needs p(lowest - 1) as p_prev: one more step back
    av, bv = _terms(a, b, lowest + 1, depth + 1)
    p, q, p_prev, q_prev = last.p, last.q, last.p_prev, last.q_prev
    out = [last]
    for i in range(len(av) - 1, -1, -1):  # n = lowest + 1 + i, from depth down
        an, bn = av[i], bv[i]
        if bn == 0:
            raise ValueError(f"b({lowest + 1 + i}) = 0: a finite fraction cannot be walked back")
        p, p_prev = p_prev, gmpy2.divexact(p - an * p_prev, bn)
        q, q_prev = q_prev, gmpy2.divexact(q - an * q_prev, bn)
        out.append(Convergent(lowest + i, p, q, p_prev, q_prev))
    return out[::-1]
