r"""The exact factorial-reduction (FR) test of a PCF, cheap enough for every PCF of a space.

A PCF has **factorial reduction** when $\gcd(p(n), q(n))$ grows factorially, so that the
reduced denominator $\tilde q(n) = q(n)/\gcd(p(n), q(n))$ grows only exponentially
(arXiv 2308.11829). FR PCFs are rare, and nearly all of them have a meaningful limit:
Apéry's PCF for $\zeta(3)$ is one, and irrationality proofs come from them.

The test takes the gcds of one exact walk at the checkpoints $\{6, N/8, N/4, N/2, N\}$
(those of the dynamics record at depth $2N$) and fits $\ln \tilde q(n) \approx c\,n +
d\,n \ln n$ exactly as the dynamics record does
(:func:`brouncker.convergence.dynamics.growth_fit`). At the shallow depth of a search the
lower-order terms of $\ln \tilde q$ still bias $d$ (Apéry's PCF has $d = 0.13$ at $N = 256$
and $0.06$ at $512$; PCF((2n+1)(5n^2+5n+2), -16n^6) has $0.26$ at 256 and $0.075$ at the
dynamics depth 2000; both have $d = 0$ at 8192), while a PCF without FR has $d$ of 0.57
(PCF(n + 1, n^2)) or more: 0.68 to 2 in the $\zeta(3)$ space of 201,000 PCFs. So the test
accepts $|d| <$ ``FR_SCREEN_TOLERANCE``, and a search re-checks every PCF it passes with
the dynamics record's own tolerance ``FR_SLOPE_TOLERANCE`` at a deep ``recheck_depth``
(the measurements are in ``docs/fr.md``). A finite fraction ($b(k) = 0$ for some $1 \le k \le N$) is never
FR: its $\tilde q$ stops growing for a reason of its own.

>>> r = factorial_reduction((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))   # Apéry: FR
>>> r.fr, round(r.d, 2)
(True, 0.13)
>>> factorial_reduction((1, 1), (1, 0, 0)).fr                          # PCF(n + 1, n^2): no FR
False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import gmpy2
import numpy as np
from gmpy2 import mpz

from ..pcf.convergent import log10_abs
from ..pcf.polynomial import normalize
from ..pcf.walk import columns_from_terms, term_table, walk_checkpoints
from .dynamics import FR_SLOPE_TOLERANCE, growth_fit, sample_depths

DEFAULT_FR_DEPTH = 256  # the deepest checkpoint of the FR test of a search
FR_SCREEN_TOLERANCE = 0.5  # |d| below this at the search's depth: FR, to be re-checked with FR_SLOPE_TOLERANCE
assert FR_SCREEN_TOLERANCE > FR_SLOPE_TOLERANCE
_LN10 = 2.302585092994046


@dataclass(frozen=True, slots=True)
class Reduction:
    r"""The verdict of the FR test at ``depth``: ``fr``, and the fit
    $\ln \tilde q(n) \approx c\,n + d\,n\ln n$ it rests on (``c`` alone when FR)."""

    depth: int
    fr: bool
    c: float | None
    d: float | None
    finite: bool = False  # b vanishes at some 1 <= k <= depth: a finite fraction


def checkpoints(depth: int) -> list[int]:
    """The depths whose gcds the FR test takes: those of the dynamics record at ``2 * depth``.

    >>> checkpoints(256)
    [6, 32, 64, 128, 256]
    """
    return sample_depths(2 * depth)


def factorial_reduction(
    a: Sequence[int], b: Sequence[int], depth: int = DEFAULT_FR_DEPTH, tolerance: float = FR_SCREEN_TOLERANCE
) -> Reduction:
    """The FR test of PCF(a, b) with checkpoints up to ``depth``: FR when $|d| <$ ``tolerance``
    (see the module docstring)."""
    a, b = normalize(a), normalize(b)
    depths = checkpoints(depth)
    convergents = walk_checkpoints(a, b, depths)
    if convergents[-1].finite_at is not None:
        return Reduction(depth, False, None, None, finite=True)
    return _verdict(depth, depths, [(c.p, c.q) for c in convergents], tolerance)


def factorial_reductions(
    a_rows: np.ndarray, b_rows: np.ndarray, depth: int = DEFAULT_FR_DEPTH, tolerance: float = FR_SCREEN_TOLERANCE
) -> list[Reduction]:
    """The FR test of many PCFs (rows of coefficients, highest degree first), with the
    verdicts of :func:`factorial_reduction`: the terms of all of them are evaluated at once,
    which saves a third of the work of a shard."""
    depths = checkpoints(depth)
    a_terms, b_terms = term_table(a_rows, depth), term_table(b_rows, depth)
    if a_terms is None or b_terms is None:  # values beyond 62 bits: one by one
        return [factorial_reduction(tuple(map(int, a)), tuple(map(int, b)), depth, tolerance) for a, b in zip(a_rows, b_rows)]
    finite = (b_terms[:, 1:] == 0).any(axis=1)
    out = []
    for av, bv, stops in zip(a_terms.tolist(), b_terms.tolist(), finite.tolist()):
        if stops:
            out.append(Reduction(depth, False, None, None, finite=True))
        else:
            out.append(_verdict(depth, depths, columns_from_terms(av, bv, depths), tolerance))
    return out


def _verdict(depth: int, depths: list[int], columns: list[tuple[mpz, mpz]], tolerance: float) -> Reduction:
    r"""The fit of $\ln \tilde q$ at ``depths`` from the columns $(p, q)$ there, and its verdict."""
    ln_reduced_q = []
    for p, q in columns:
        g = gmpy2.gcd(p, q)
        ln_reduced_q.append(log10_abs(abs(q) // g if g else q) * _LN10)
    c, d, _, _ = growth_fit(depths, ln_reduced_q)
    return Reduction(depth, d is not None and abs(d) < tolerance, c, d)
