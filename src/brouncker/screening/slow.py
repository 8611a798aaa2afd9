r"""Float limits of the PCFs the screen drops as slow: Richardson extrapolation in $1/n$.

The float screen (:mod:`brouncker.screening.screen`) keeps a PCF when its convergents have
settled to the tolerance by depth $N$. A PCF whose error falls like a power of $1/n$, such
as PCF(1, n^2) = 1/ln 2 or Euler's PCF(n^3 + (n+1)^3, -n^6) = 1/ζ(3), is still moving
there (its relative change is about $1/N$) and is dropped as not converging. Those whose
change is below ``SLOW_CHANGE`` are walked again, in float64, to the depths
$N, 2N, \dots, 2^K N$, and the convergents $x_k$ at those depths are extrapolated by
Richardson's scheme in $h = 1/n$ (ratio 2):

$$R_{k,0} = x_k, \qquad R_{k,j} = \frac{2^j R_{k,j-1} - R_{k-1,j-1}}{2^j - 1},$$

which removes the terms $c_1/n, \dots, c_K/n^K$ of an error expansion in $1/n$. The
estimate $R_{K,K}$ is kept when it agrees with $R_{K-1,K-1}$ to ``SLOW_TOLERANCE``
(relative); anything else (an error in $1/\sqrt n$, with logarithms, or a fraction that
does not converge) fails that test and stays dropped. A kept estimate is only a float
lead, like the screen's: the exact work decides (:func:`brouncker.pcf.value.pcf_limit`
extrapolates the exact convergents with a Levin-type transform, with honest digits).

>>> import math
>>> found = accelerate(np.array([[1], [2]]), np.array([[1, 0, 0], [1, 0, 0]]), depth=200)
>>> found.rows.tolist(), round(float(found.limits[0]) * math.log(2), 12)   # PCF(1, n^2) = 1/ln 2
([0, 1], 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SLOW_CHANGE = 1e-2  # the screen's relative change below which a dropped PCF may be slow but converging
SLOW_LEVELS = 4  # Richardson levels K: depths N, 2N, ..., 16N
SLOW_TOLERANCE = 1e-9  # relative agreement of the last two Richardson estimates for a lead to be kept
RESCALE_EVERY = 8  # steps between rescalings of the float walk (terms stay below 2^53 * 2^125)


@dataclass(frozen=True, slots=True)
class SlowLimits:
    """The rows (of the arrays given) with an extrapolated float limit, and its relative error estimate."""

    rows: np.ndarray
    limits: np.ndarray
    errors: np.ndarray


def convergents_at(a: np.ndarray, b: np.ndarray, depths: list[int], engine: str = "kernel") -> np.ndarray:
    """$p(n)/q(n)$ in float64 at each of the increasing ``depths`` (one row per depth), for
    PCFs given as coefficient rows; the terms are evaluated at each $n$ in float64 (their
    relative error is what matters here, not their exactness). ``engine="kernel"`` walks
    each PCF in compiled code (:mod:`.slow_kernel`), ``"numpy"`` all of them as arrays (the
    reference: the same floats)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if engine == "kernel":
        from .slow_kernel import convergents_at as compiled  # numba: imported on first use

        return compiled(np.ascontiguousarray(a), np.ascontiguousarray(b), np.asarray(depths, dtype=np.int64), RESCALE_EVERY)
    count = a.shape[0]
    out = np.full((len(depths), count), np.nan)
    p_prev, p = np.ones(count), a[:, -1].copy()
    q_prev, q = np.zeros(count), np.ones(count)
    wanted = {d: i for i, d in enumerate(depths)}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for n in range(1, max(depths) + 1):
            an = np.polyval(a.T, n) if a.shape[1] > 1 else a[:, 0]
            bn = np.polyval(b.T, n) if b.shape[1] > 1 else b[:, 0]
            p_prev, p = p, an * p + bn * p_prev
            q_prev, q = q, an * q + bn * q_prev
            if n % RESCALE_EVERY == 0:
                top = np.maximum(np.maximum(np.abs(p), np.abs(q)), np.maximum(np.abs(p_prev), np.abs(q_prev)))
                _, exponent = np.frexp(top)
                factor = np.ldexp(1.0, -exponent)
                p, q, p_prev, q_prev = p * factor, q * factor, p_prev * factor, q_prev * factor
            if n in wanted:
                out[wanted[n]] = p / q
    return out


def richardson(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """$(R_{K,K}, |R_{K,K} - R_{K-1,K-1}|)$ of the rows ``values[k]`` at depths $2^k N$."""
    table = [values[0]]
    diagonal = [values[0]]
    for k in range(1, values.shape[0]):
        row = [values[k]]
        for j in range(1, k + 1):
            factor = 2.0**j
            row.append((factor * row[j - 1] - table[j - 1]) / (factor - 1))
        table = row
        diagonal.append(row[-1])
    return diagonal[-1], np.abs(diagonal[-1] - diagonal[-2])


def accelerate(a: np.ndarray, b: np.ndarray, depth: int, levels: int = SLOW_LEVELS,
               tolerance: float = SLOW_TOLERANCE, engine: str = "kernel") -> SlowLimits:
    """The extrapolated limits of the rows whose Richardson estimates agree to ``tolerance``
    (the caller passes the rows the screen dropped with a change below ``SLOW_CHANGE``);
    ``engine`` walks them (:func:`convergents_at`)."""
    a = np.atleast_2d(np.asarray(a))
    b = np.atleast_2d(np.asarray(b))
    if a.shape[0] == 0:
        empty = np.empty(0)
        return SlowLimits(np.empty(0, dtype=np.int64), empty, empty)
    values = convergents_at(a, b, [depth << k for k in range(levels + 1)], engine)
    estimate, error = richardson(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = error / np.abs(estimate)
    keep = np.isfinite(estimate) & np.isfinite(relative) & (relative <= tolerance) & (estimate != 0)
    rows = np.flatnonzero(keep)
    return SlowLimits(rows, estimate[rows], relative[rows])
