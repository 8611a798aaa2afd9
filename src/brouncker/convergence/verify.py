r"""Verify that a PCF equals a constant expression to N digits.

The depth is chosen adaptively: each walk measures the digits per term, the next depth
is predicted from it (at least doubling, so the loop ends in logarithmically many
walks), until N digits agree or the depth budget is spent.

Each walk takes checkpoints at $D/2$ and $D$. With $x_{D/2}, x_D$ the two convergents
and $K$ the constant:

- **verified**: $x_D$ agrees with $K$ to N digits, and the convergents have settled
  that far (so the agreement is no fluke of an oscillating fraction);
- **refuted**: doubling the depth moved the convergent at least 100 times less than
  its distance to $K$, i.e. $-\log_{10}|x_D - x_{D/2}| \ge -\log_{10}|x_D - K| + 2$.
  The limit then differs from $K$ at about that digit. The test compares the step
  with the distance, not consecutive convergents, so a slowly (polynomially)
  converging true formula is not refuted: its error at $D$ is of the size of the step;
- **inconclusive**: neither within the depth budget.

A finite fraction ($b(n) = 0$) has a rational value and is compared exactly.

>>> verify("2n+1", "n^2", "4/pi", digits=50).verdict
'verified'
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import mpmath
from mpmath import mp, mpf

from ..constants import ConstantExpression, parse_constant
from ..errors import BrounckerError
from ..limits import DEPTH, DIGITS, check_memory, walk_bytes
from ..pcf.fraction import PCF
from ..pcf.walk import Convergent, log10_abs, walk, walk_checkpoints

INITIAL_DEPTH = 128
DEFAULT_MAX_DEPTH = 100_000  # raised to 10 * digits for very long verifications
EXTRA_DIGITS = 30  # the constant carries this many digits more than requested
REFUTE_MARGIN = 2.0  # digits by which the step must undercut the distance to refute
DEPTH_SAFETY = 1.1  # predicted depths are stretched by 10% to land past the target


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of :func:`verify`; ``as_dict`` gives the JSON fields of DESIGN.md."""

    a: str
    b: str
    constant: str
    digits_requested: int
    digits_agreed: int
    depth: int
    digits_per_term: float
    delta: float | None
    seconds: float
    verdict: str  # verified | refuted | inconclusive
    message: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _mpf_of(conv: Convergent, dps: int) -> mpf:
    with mp.workdps(dps):
        return mpf(int(conv.p)) / mpf(int(conv.q))


def _log10_distance(x: mpf, y: mpf, dps: int) -> float:
    r"""$\log_{10}|x - y|$ at ``dps`` digits; $-\infty$ when equal at that precision."""
    with mp.workdps(dps):
        diff = abs(x - y)
        return -math.inf if diff == 0 else float(mpmath.log10(diff))


def delta(conv: Convergent, limit: mpf) -> float:
    r"""Irrationality measure of one approximation against a known limit $L$.

    Solves $|p/q - L| = \tilde q^{-(1+\delta)}$ with $\tilde q = q/\gcd(p, q)$:
    $\delta = -\ln|p/q - L| / \ln \tilde q - 1$. $L$ must carry more digits than the
    convergent, or the error reads as 0 and $\delta$ as infinite (``math.inf``).

    >>> from brouncker.pcf.walk import walk
    >>> with mpmath.workdps(200):   # Fibonacci: δ = 1 + log √5 / log q → 1
    ...     round(delta(walk((1,), (1,), 300), (1 + mpmath.sqrt(5)) / 2), 3)
    1.006
    """
    q_reduced = conv.reduced_q
    if q_reduced <= 1:
        return math.nan
    dps = max(mp.dps, int(2 * log10_abs(q_reduced)) + 20)
    error = _log10_distance(_mpf_of(conv, dps), limit, dps)
    if error == -math.inf:
        return math.inf
    return -error / log10_abs(q_reduced) - 1


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
    started = time.perf_counter()
    DIGITS.check(digits)
    if max_depth is not None:
        DEPTH.check(max_depth, "--max-depth")
    pcf = PCF(a, b)
    expression = constant if isinstance(constant, ConstantExpression) else parse_constant(constant)
    if digits < 1:
        raise BrounckerError(f"--digits must be a positive integer, got {digits}")
    budget = max_depth if max_depth is not None else max(DEFAULT_MAX_DEPTH, 10 * digits)
    check_memory(walk_bytes(pcf.a, pcf.b, budget), f"a walk of {pcf} to depth {budget:,}", "lower --max-depth")
    if budget < 2:
        raise BrounckerError(f"--max-depth must be at least 2, got {budget}")
    dps = digits + EXTRA_DIGITS
    target = expression.value(dps)

    def result(verdict: str, message: str, conv: Convergent, agreed: float, dpt: float, d: float | None) -> Verification:
        # the constant carries dps digits: agreement beyond that cannot be told apart
        shown = 0 if agreed == -math.inf else max(0, min(math.floor(min(agreed, dps)), dps - 5))
        return Verification(
            a=pcf.a_text, b=pcf.b_text, constant=expression.text, digits_requested=digits,
            digits_agreed=shown, depth=conv.depth, digits_per_term=dpt, delta=d,
            seconds=time.perf_counter() - started, verdict=verdict, message=message,
        )

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
            agreed = -_log10_distance(_mpf_of(last, dps), target, dps)
            message = f"the fraction is finite (b({conv.finite_at}) = 0): its value is the rational {last.fraction()}"
            return result("verified" if agreed >= digits else "refuted", message, last, agreed, 0.0, None)
        if conv.q != 0 and half.q != 0:
            x = _mpf_of(conv, dps)
            agreed = -_log10_distance(x, target, dps)
            settled = -_log10_distance(x, _mpf_of(half, dps), dps)
            if agreed >= digits and trust + max(dpt, 1.0) + 2 >= digits:
                d = _delta_within(conv, half, target, dps)
                return result("verified", f"agrees with {expression.text} to {digits} digits", conv, agreed, dpt, d)
            if settled >= agreed + REFUTE_MARGIN:
                parts = max(0, math.floor(agreed))
                message = f"the limit parts from {expression.text} after {parts} digits"
                return result("refuted", message, conv, agreed, dpt, None)
        else:
            agreed = -math.inf
        if depth >= budget:
            message = f"not settled within depth {budget}: raise --max-depth"
            return result("inconclusive", message, conv, agreed, dpt, None)
        predicted = math.ceil(DEPTH_SAFETY * (digits + 2) / dpt) if dpt > 0 else 0
        depth = min(budget, max(predicted, 2 * depth))


def _delta_within(conv: Convergent, half: Convergent, target: mpf, dps: int) -> float | None:
    """δ at the deepest checkpoint whose error the constant's precision still resolves."""
    for c in (conv, half):
        error = _log10_distance(_mpf_of(c, dps), target, dps)
        if error > -(dps - 10):
            return delta(c, target)
    return None
