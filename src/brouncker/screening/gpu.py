r"""The float screen's walk on a CUDA device (numba.cuda): one thread per PCF.

The thread runs the CPU kernel's loop (:func:`brouncker.screening.kernel._walk_one`, the
same Python source compiled for the device, without fused multiply-adds), so the limits,
the settling rule and every decision match the CPU engines. Chosen with
``[screen] device = "gpu"`` in a search spec, or ``screen(..., engine="gpu")``; a machine
without a CUDA device refuses it with one line.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from ..errors import SpecError
from .kernel import _walk_one

THREADS_PER_BLOCK = 128  # one PCF per thread; PCFs of a block settle at different depths, so blocks stay small


def available() -> bool:
    """Whether numba sees a usable CUDA device here."""
    return bool(cuda.is_available())  # False also where the driver cannot be loaded


_device_walk_one = cuda.jit(device=True, fastmath=False)(_walk_one.py_func)


@cuda.jit(fastmath=False)
def _walk_all(work, a0, depth, check, interval, limit, before, early, steps):
    """One thread per row of ``work`` (the device copy of the difference tables)."""
    i: int = cuda.grid(1)  # type: ignore[call-arg]
    if i < work.shape[0]:
        levels = work.shape[1] // 2
        a_1 = work[i, 1] if levels > 1 else 0.0
        b_1 = work[i, levels + 1] if levels > 1 else 0.0
        a_2 = work[i, 2] if levels > 2 else 0.0
        b_2 = work[i, levels + 2] if levels > 2 else 0.0
        extra = max(0, levels - 3)
        da = work[i, 3:3 + extra]  # the higher differences are walked in place, in the device copy
        db = work[i, levels + 3:levels + 3 + extra]
        _device_walk_one(i, work[i, 0], a_1, a_2, work[i, levels], b_1, b_2, da, db, a0[i], depth, check, interval,
                         limit, before, early, steps)


def walk(terms: np.ndarray, a0: np.ndarray, depth: int, gap: int,
         interval: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`brouncker.screening.kernel.walk` on the CUDA device."""
    if not available():
        raise SpecError('[screen] device = "gpu": numba sees no CUDA device on this machine')
    terms = np.ascontiguousarray(terms, dtype=np.float64)
    count = terms.shape[0]
    outputs = [np.empty(count), np.empty(count), np.empty(count), np.empty(count, dtype=np.int64)]
    if count:
        device_out = [cuda.device_array_like(x) for x in outputs]
        blocks = math.ceil(count / THREADS_PER_BLOCK)
        _walk_all[blocks, THREADS_PER_BLOCK](cuda.to_device(terms), cuda.to_device(np.ascontiguousarray(a0, dtype=np.float64)),
                                           depth, depth - gap, interval, *device_out)
        outputs = [d.copy_to_host() for d in device_out]
    return outputs[0], outputs[1], outputs[2], outputs[3]
