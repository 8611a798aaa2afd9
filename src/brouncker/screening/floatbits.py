r"""The power-of-two rescale factor of the compiled walks, from a float's exponent bits.

The walks divide $p, q$ by $2^e$, $e$ the exponent :func:`math.frexp` gives their largest
entry ($x = m 2^e$, $\tfrac12 \le m < 1$). ``frexp`` and ``ldexp`` are calls that stop
the loops over the lanes from vectorising; for a normal float the factor is a bit cast of
the exponent field instead: $e$ = biased exponent $- 1022$, so $2^{-e}$ has biased
exponent $2045 -$ biased. The other cases (zero, subnormal, infinite, NaN) are left to
``frexp`` and ``ldexp`` by the caller, which keeps every float what they give.
"""

from __future__ import annotations

from typing import Any

import numba
from numba.core import types
from numba.extending import intrinsic


@intrinsic
def _bits(typingctx: Any, x: Any) -> tuple[Any, Any]:  # pragma: no cover
    """The bits of a float64 as an int64 (a bit cast, no memory)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return types.int64(types.float64), codegen


@intrinsic
def _float(typingctx: Any, x: Any) -> tuple[Any, Any]:  # pragma: no cover
    """The float64 whose bits are the int64 ``x`` (a bit cast)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


@numba.njit(cache=True, nogil=True, inline="always")
def normal_factor(top: float) -> tuple[float, bool]:  # pragma: no cover
    """$2^{-e}$ for ``top`` $= m 2^e$ and True when ``top`` is a normal float whose factor is
    normal too; else 1.0 and False (the caller then uses ``frexp`` and ``ldexp``)."""
    biased = (_bits(top) >> 52) & 0x7FF  # type: ignore[call-arg]  # numba's intrinsic takes the context itself
    normal = (biased >= 1) & (biased <= 2044)
    factor = _float((2045 - min(max(biased, 1), 2044)) << 52)
    return (factor if normal else 1.0), normal
