r"""The float walk of :func:`brouncker.screening.slow.convergents_at`, compiled (numba).

PCFs are walked 16 at a time in lanes (as the screen's, :mod:`.lanes`) to the deepest
depth asked for, with the numpy loop's operations in its order: the terms by Horner's rule in float64 (``np.polyval``'s
$y \leftarrow y n + c$), $p(n) = a(n) p(n-1) + b(n) p(n-2)$, and the same division by a
power of two every :data:`~brouncker.screening.slow.RESCALE_EVERY` steps, so every ratio is
the float64 the numpy loop gives. The numpy loop pays Python's overhead at each of the
$16N$ steps whatever the number of PCFs; this loop pays only for the PCFs.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .floatbits import normal_factor

LANES = 16  # PCFs walked side by side, as in the screen's lanes: the loops over them vectorise
_P, _PP, _Q, _QP, _AN, _BN = (k * LANES for k in range(6))  # rows of the state array
SHORT = 4  # rows of at most this many coefficients get one fused Horner loop


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=False)
def convergents_at(a: np.ndarray, b: np.ndarray, depths: np.ndarray, rescale_every: int) -> np.ndarray:  # pragma: no cover
    """$p(n)/q(n)$ at each of the increasing ``depths`` (rows) for the float64 coefficient
    rows ``a, b`` (columns), NaN where never reached; :data:`LANES` PCFs at a time."""
    count, width_a, width_b = a.shape[0], a.shape[1], b.shape[1]
    out = np.full((depths.shape[0], count), np.nan)
    deepest = depths[depths.shape[0] - 1] if depths.shape[0] else 0
    short = max(width_a, width_b) <= SHORT
    pad_a, pad_b = (SHORT - width_a, SHORT - width_b) if short else (0, 0)  # leading zeros
    state = np.zeros(6 * LANES)
    coeff_a = np.zeros((width_a + pad_a) * LANES)
    coeff_b = np.zeros((width_b + pad_b) * LANES)
    odd = np.zeros(LANES, dtype=np.bool_)
    for base in range(0, count, LANES):
        width = min(LANES, count - base)
        for k in range(LANES):
            i = base + k if k < width else base  # spare lanes walk a copy of the first PCF
            for c in range(width_a):
                coeff_a[(pad_a + c) * LANES + k] = a[i, c]
            for c in range(width_b):
                coeff_b[(pad_b + c) * LANES + k] = b[i, c]
            state[_P + k], state[_PP + k], state[_Q + k], state[_QP + k] = a[i, width_a - 1], 1.0, 1.0, 0.0
        at = 0
        for n in range(1, deepest + 1):
            x = float(n)
            if short:  # Horner over 4 positions, leading zeros: y = 0 n + 0 stays 0, so the floats are np.polyval's
                for k in range(LANES):
                    state[_AN + k] = ((coeff_a[k] * x + coeff_a[LANES + k]) * x + coeff_a[2 * LANES + k]) * x + coeff_a[3 * LANES + k]
                    state[_BN + k] = ((coeff_b[k] * x + coeff_b[LANES + k]) * x + coeff_b[2 * LANES + k]) * x + coeff_b[3 * LANES + k]
            else:
                for k in range(LANES):
                    state[_AN + k] = 0.0
                    state[_BN + k] = 0.0
                for c in range(width_a):  # Horner, as np.polyval: y = y * n + c
                    for k in range(LANES):
                        state[_AN + k] = state[_AN + k] * x + coeff_a[c * LANES + k]
                for c in range(width_b):
                    for k in range(LANES):
                        state[_BN + k] = state[_BN + k] * x + coeff_b[c * LANES + k]
            for k in range(LANES):
                p_next = state[_AN + k] * state[_P + k] + state[_BN + k] * state[_PP + k]
                q_next = state[_AN + k] * state[_Q + k] + state[_BN + k] * state[_QP + k]
                state[_PP + k] = state[_P + k]
                state[_P + k] = p_next
                state[_QP + k] = state[_Q + k]
                state[_Q + k] = q_next
            if n % rescale_every == 0:
                for k in range(LANES):  # the factor frexp and ldexp give, from the exponent's bits
                    top = max(max(abs(state[_P + k]), abs(state[_Q + k])), max(abs(state[_PP + k]), abs(state[_QP + k])))
                    factor, normal = normal_factor(top)
                    odd[k] = not normal
                    state[_P + k] *= factor
                    state[_Q + k] *= factor
                    state[_PP + k] *= factor
                    state[_QP + k] *= factor
                for k in range(LANES):
                    if odd[k]:  # outside the normal range (zero, subnormal, infinite, NaN): frexp's own factor
                        top = max(max(abs(state[_P + k]), abs(state[_Q + k])), max(abs(state[_PP + k]), abs(state[_QP + k])))
                        _, exponent = math.frexp(top)
                        factor = math.ldexp(1.0, -exponent)
                        state[_P + k] *= factor
                        state[_Q + k] *= factor
                        state[_PP + k] *= factor
                        state[_QP + k] *= factor
            if n == depths[at]:
                for k in range(width):
                    out[at, base + k] = state[_P + k] / state[_Q + k]
                at += 1
                if at == depths.shape[0]:
                    break
    return out
