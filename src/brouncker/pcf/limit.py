r"""The value of a PCF to D digits: walk deeper until the convergents settle, or say honestly
that they did not.

>>> import mpmath
>>> lim = pcf_limit("2n+1", "n^2", 30)
>>> mpmath.nstr(lim.value, 20), lim.digits >= 30
('1.2732395447351626862', True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mpmath import mp, mpf

from ..errors import InconclusiveError
from .fraction import PCF
from .walk import Convergent, walk

GUARD_DIGITS = 5  # extra digits asked of a walk beyond what is needed
START_DEPTH = 32  # first depth tried by a walk; doubled until the digits are there
MAX_DEPTH = 1 << 16  # deepest walk before a PCF is called inconclusive


@dataclass(frozen=True, slots=True)
class Limit:
    """The value of a PCF from one convergent, with the digits it can be trusted to."""

    value: mpf
    digits: int
    depth: int
    convergent: Convergent


def pcf_limit(a: Sequence[int] | str, b: Sequence[int] | str, digits: int, max_depth: int = MAX_DEPTH) -> Limit:
    """Walk deeper (doubling) until the convergent has ``digits`` trustworthy digits."""
    pcf = PCF(a, b)
    depth = START_DEPTH
    while True:
        conv = walk(pcf.a, pcf.b, depth)
        trusted = conv.trustworthy_digits
        if trusted >= digits and conv.q != 0:
            break
        if depth >= max_depth:
            shown = "no" if trusted == -math.inf else f"only {int(trusted)}"
            raise InconclusiveError(f"{pcf} gives {shown} trustworthy digits at depth {depth}; {digits} are needed (raise max_depth)")
        depth = min(max_depth, 2 * depth)
    work = digits + GUARD_DIGITS + 10
    with mp.workdps(work):
        value = mpf(int(conv.p)) / mpf(int(conv.q))
    shown_digits = digits if trusted == math.inf else int(trusted)
    return Limit(value, shown_digits, depth, conv)
