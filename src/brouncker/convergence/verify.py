r"""Verify that a PCF equals a constant expression to N digits.

Each walk to depth $D$ (checkpoints at $D/2$ and $D$) ends in one of three verdicts, or
walks deeper (depth predicted from the digits per term, at least doubled):

- **verified**: the convergent agrees with the constant to N digits and has settled
  that far; or, for a slowly converging fraction, the extrapolated limit
  (:func:`brouncker.pcf.value.extrapolate`) does;
- **refuted**: the convergent (or extrapolation) has settled at least
  ``REFUTE_MARGIN`` digits beyond where it parts from the constant;
- **inconclusive**: neither within the depth budget.

A finite fraction ($b(n) = 0$) has a rational value and is compared exactly. The rules
and why they are safe are in ``docs/dynamics.md``.

>>> verify("2n+1", "n^2", "4/pi", digits=50).verdict
'verified'
>>> verify("1", "n^2", "1/ln2", digits=40).verdict     # polynomial: extrapolated
'verified'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mpmath import mp, mpf

from ..constants import ConstantExpression, parse_constant
from ..display import Displayed
from ..errors import BrounckerError
from ..limits import DEPTH, DIGITS, check_memory, walk_bytes
from ..pcf.convergent import Convergent, delta_of, log10_abs, log10_distance
from ..pcf.fraction import PCF
from ..pcf.value import Limit, converges_slowly, extrapolate, next_depth
from ..pcf.walk import walk, walk_checkpoints
from ..plain import Plain
from ..precision import (
    CONSTANT_NOISE_DIGITS,
    DELTA_RESOLUTION_DIGITS,
    REFUTE_MARGIN,
    SETTLE_SLACK,
    VERIFY_EXTRA_DIGITS,
)
from ..printing import cfrac_formula_latex

INITIAL_DEPTH = 128  # first depth walked; the digits per term measured there predict the next
DEFAULT_MAX_DEPTH = 100_000  # depth budget, raised to MAX_DEPTH_PER_DIGIT * digits for long verifications
MAX_DEPTH_PER_DIGIT = 10


@dataclass(frozen=True, slots=True)
class Verification(Displayed, Plain):
    """The outcome of :func:`verify`; ``as_dict`` gives the JSON fields of the command line
    but ``seconds``: the wall-clock time is measured by the caller, not by the mathematics."""

    a: str
    b: str
    constant: str
    digits_requested: int
    digits_agreed: int
    depth: int
    digits_per_term: float
    delta: float | None
    verdict: str  # verified | refuted | inconclusive
    message: str

    def latex(self) -> tuple[str, str]:
        """The formula verified, and the verdict with its digits and depth."""
        verdict = rf"\text{{{self.verdict} to {self.digits_requested} digits ({self.digits_agreed} agree at depth {self.depth})}}"
        return cfrac_formula_latex(self.constant, self.a, self.b), verdict


def default_max_depth(digits: int) -> int:
    """The depth budget of a verification to ``digits`` digits when none is given."""
    return max(DEFAULT_MAX_DEPTH, MAX_DEPTH_PER_DIGIT * digits)


def verify(
    a: str | tuple[int, ...],
    b: str | tuple[int, ...],
    constant: str | ConstantExpression,
    digits: int,
    max_depth: int | None = None,
) -> Verification:
    """Verify that PCF(a, b) equals ``constant`` to ``digits`` decimal digits.

    >>> verify("34n^3+51n^2+27n+5", "-n^6", "7/zeta(3)", digits=100).verdict
    'refuted'
    """
    DIGITS.check(digits)
    if max_depth is not None:
        DEPTH.check(max_depth, "--max-depth")
    pcf = PCF(a, b)
    expression = constant if isinstance(constant, ConstantExpression) else parse_constant(constant)
    if digits < 1:
        raise BrounckerError(f"--digits must be a positive integer, got {digits}")
    budget = max_depth if max_depth is not None else default_max_depth(digits)
    check_memory(walk_bytes(pcf.a, pcf.b, budget), f"a walk of {pcf} to depth {budget:,}", "lower --max-depth")
    if budget < 2:
        raise BrounckerError(f"--max-depth must be at least 2, got {budget}")
    dps = digits + VERIFY_EXTRA_DIGITS
    target = expression.value(dps)

    def result(verdict: str, message: str, conv: Convergent, agreed: float, dpt: float, d: float | None) -> Verification:
        # the constant carries dps digits: agreement beyond that cannot be told apart
        shown = 0 if agreed == -math.inf else max(0, min(math.floor(min(agreed, dps)), dps - CONSTANT_NOISE_DIGITS))
        return Verification(
            a=pcf.a_text, b=pcf.b_text, constant=expression.text, digits_requested=digits,
            digits_agreed=shown, depth=conv.depth, digits_per_term=dpt, delta=d,
            verdict=verdict, message=message,
        )

    def distance(x: mpf) -> float:
        with mp.workdps(dps):
            return log10_distance(x, target)

    depth = min(INITIAL_DEPTH, budget)
    while True:
        half, conv = walk_checkpoints(pcf.a, pcf.b, [max(1, depth // 2), depth])
        trust = conv.trustworthy_digits
        dpt = trust / depth if math.isfinite(trust) and trust > 0 else 0.0
        if conv.finite_at is not None:  # b(k) = 0: the value is the convergent at k - 1
            last = walk(pcf.a, pcf.b, conv.finite_at - 1)
            if last.q == 0:
                message = f"the fraction is finite (b({conv.finite_at}) = 0) and has no value: q({last.depth}) = 0"
                return result("refuted", message, last, -math.inf, 0.0, None)
            agreed = -distance(last.value(dps))
            message = f"the fraction is finite (b({conv.finite_at}) = 0): its value is the rational {last.fraction()}"
            return result("verified" if agreed >= digits else "refuted", message, last, agreed, 0.0, None)
        agreed = -math.inf
        if conv.q != 0 and half.q != 0:
            error = distance(conv.value(dps))
            agreed = -error
            if agreed >= digits and trust + max(dpt, 1.0) + SETTLE_SLACK >= digits:
                d = _delta_within(conv, half, error, target, dps)
                return result("verified", f"agrees with {expression.text} to {digits} digits", conv, agreed, dpt, d)
            if -half.log10_gap(conv) >= agreed + REFUTE_MARGIN:  # settled beyond where it parts
                parts = max(0, math.floor(agreed))
                message = f"the limit parts from {expression.text} after {parts} digits"
                return result("refuted", message, conv, agreed, dpt, None)
        estimate: Limit | None = None
        if conv.q != 0 and (converges_slowly(half, conv) or next_depth(depth, digits, trust, budget) >= budget):
            estimate = extrapolate(pcf.a, pcf.b, half, conv, digits + SETTLE_SLACK)
        if estimate is not None:
            agreed_x = -distance(estimate.value)
            how = f"extrapolated ({estimate.method}) from depths {half.depth} and {depth}"
            if agreed_x >= digits and estimate.digits + SETTLE_SLACK >= digits:
                return result("verified", f"agrees with {expression.text} to {digits} digits, {how}", conv, agreed_x, dpt, None)
            if estimate.digits >= agreed_x + REFUTE_MARGIN:
                parts = max(0, math.floor(agreed_x))
                return result("refuted", f"the limit parts from {expression.text} after {parts} digits, {how}", conv, agreed_x, dpt, None)
            agreed = max(agreed, agreed_x)
        if depth >= budget:
            message = f"not settled within depth {budget}: raise --max-depth"
            return result("inconclusive", message, conv, agreed, dpt, None)
        reached = max(trust if dpt > 0 else 0, 0 if estimate is None else estimate.digits)
        depth = next_depth(depth, digits, reached, budget)


def _delta_within(conv: Convergent, half: Convergent, error: float, target: mpf, dps: int) -> float | None:
    """δ at the deepest checkpoint whose error the constant's precision still resolves.

    ``error`` is $\\log_{10}|p(D)/q(D) - K|$, already measured at ``dps`` digits.
    """
    resolved = -(dps - DELTA_RESOLUTION_DIGITS)
    if error > resolved:
        return delta_of(error, log10_abs(conv.reduced_q))
    with mp.workdps(dps):
        error = log10_distance(half.value(dps), target)
    if error > resolved:
        return delta_of(error, log10_abs(half.reduced_q))
    return None
