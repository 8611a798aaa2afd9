r"""The value of a PCF to D digits, or an honest "inconclusive" (the sizes a user may ask
for are :mod:`brouncker.limits`').

:func:`pcf_limit` is the one home of "the limit of this PCF to D digits": it walks deeper
(at least doubling, as far as the measured rate predicts) until the digits are there.
Each depth $N$ is one walk with checkpoints at $N/2$ and $N$ (:func:`limit_at`), and the
value comes from the cheapest of

* **exact**: a finite fraction ($b(k) = 0$), whose value is a rational;
* **convergent**: $p(N)/q(N)$, trusted to the digits its tail cannot change
  (:func:`tail_log10_error`: for a monotone tail the last difference over-promises);
* **extrapolated** (:func:`extrapolate`), when the digits grow more slowly than the depth
  (an error like a power of $1/n$, or like $e^{-c\sqrt n}$): a Levin-type transform of two
  independent windows of convergents, ending at $N/2$ and at $N$, in the variable $1/n$
  and in $1/\sqrt n$; the digits are those on which the two windows agree.

``digits`` is honest throughout: $|$``value``$ - L| \le 10^{-\text{digits}}$. The
derivations and the measurements behind the choices are in ``docs/dynamics.md``.

>>> import mpmath
>>> lim = pcf_limit("2n+1", "n^2", 30)             # 4/pi, exponential
>>> mpmath.nstr(lim.value, 20), lim.digits >= 30, lim.method
('1.2732395447351626862', True, 'convergent')
>>> lim = pcf_limit("1", "n^2", 40)                # 1/ln 2, error ~ 1/n
>>> lim.method, lim.digits >= 40, lim.depth <= 512
('levin', True, True)
>>> with mpmath.workdps(60):
...     bool(abs(lim.value - 1 / mpmath.log(2)) < mpmath.mpf(10) ** -40)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import flint
from flint import arb, fmpz
from gmpy2 import mpz
from mpmath import mp, mpf

from ..errors import BrounckerError, InconclusiveError
from ..precision import (
    DEPTH_SAFETY,
    EXTRAPOLATION_GUARD_BITS,
    EXTRAPOLATION_GUARD_DIGITS,
    VALUE_GUARD_DIGITS,
)
from .convergent import Convergent, log10_abs
from .fraction import PCF
from .polynomial import Coefficients, evaluate
from .walk import walk, walk_back, walk_checkpoints

START_DEPTH = 32  # first depth tried; then at least doubled
MAX_DEPTH = 1 << 16  # deepest walk before a PCF is called inconclusive
MIN_SETTLE_EXPONENT = 0.5  # the error must fall at least like n^-1/2 from N/2 to N to count as settling
ACCELERATE_BELOW_GROWTH = 0.75  # digits(N) / digits(N/2) below 2^0.75 (2 when exponential): extrapolate
ORDERS_PER_DIGIT = 1.5  # extrapolation order per digit wanted (measured: 0.3-2 digits per order)
MIN_ORDER = 4  # a smaller extrapolation is not worth its cost
MAX_ORDER = 600  # in 1/n: O(k) operations, but 2k convergents walked back and converted
MAX_SQRT_ORDER = 300  # in 1/sqrt(n): O(k^2) operations in ball arithmetic (about a second at 300)
MAX_DIGITS_PER_ORDER = 2.0  # no order-k extrapolation gave more than 1.7 k digits (docs/dynamics.md)
LOSS_BITS_PER_ORDER = 2.0  # bits lost per order beyond log2(2N/k), measured (docs/dynamics.md)

_LOG2_10 = math.log2(10)
_UNIT_INTERVAL = arb(0.5, 0.5)  # the ball [0, 1]: what a right shift of an integer drops


@dataclass(frozen=True, slots=True)
class Limit:
    r"""The value of a PCF with the digits it can be trusted to: $|$``value``$ - L| \le 10^{-\text{digits}}$.

    ``method`` says where it came from: ``"exact"`` (``fraction`` holds the rational),
    ``"convergent"`` ($p(N)/q(N)$), ``"levin"`` or ``"levin-sqrt"`` (extrapolated in
    $1/n$ or $1/\sqrt n$). ``depth`` is the deepest convergent used, ``convergent`` the
    one at that depth.
    """

    value: mpf
    digits: int
    depth: int
    convergent: Convergent
    method: str = "convergent"
    fraction: Fraction | None = None


def pcf_limit(
    a: Sequence[int] | str, b: Sequence[int] | str, digits: int, max_depth: int = MAX_DEPTH, *, partial: bool = False
) -> Limit:
    """The value of PCF(a, b) with at least ``digits`` trustworthy digits.

    Raises :class:`InconclusiveError` when ``max_depth`` is not enough (with ``partial``,
    the best value found by then is returned with the digits it has, when it has any), and
    when a finite fraction has no value ($q = 0$).
    """
    if digits < 1:
        raise BrounckerError(f"digits must be a positive integer, got {digits}")
    pcf = PCF(a, b)
    depth = max(1, min(START_DEPTH, max_depth))
    while True:
        found = limit_at(pcf.a, pcf.b, depth, digits, max_depth)
        if found is not None and found.digits >= digits:
            return found
        if depth >= max_depth:
            if partial and found is not None and found.digits > 0:
                return found
            shown = "no" if found is None else f"only {found.digits}"
            raise InconclusiveError(f"{pcf} gives {shown} trustworthy digits at depth {depth}; {digits} are needed (raise max_depth)")
        depth = next_depth(depth, digits, 0 if found is None else found.digits, max_depth)


def next_depth(depth: int, digits: int, reached: float, max_depth: int) -> int:
    """The next depth to try after ``reached`` digits at ``depth``: where that rate predicts
    ``digits`` (stretched by ``DEPTH_SAFETY``), at least twice ``depth``, at most ``max_depth``.

    >>> next_depth(128, 1000, 100, 10**5), next_depth(128, 1000, 0, 10**5), next_depth(100, 1000, 0, 150)
    (1411, 256, 150)
    """
    predicted = math.ceil(DEPTH_SAFETY * (digits + 2) * depth / reached) if reached > 0 else 0
    return min(max_depth, max(predicted, 2 * depth))


def reachable(limit: Limit, digits: int, max_depth: int = MAX_DEPTH) -> bool:
    """Whether a plain walk should give ``digits`` digits within ``max_depth``, at the rate
    (digits per term) that ``limit`` shows: a finite fraction always, a convergent where the
    rate predicts it, an extrapolated (slow) limit never.

    >>> lim = pcf_limit("2n+1", "n^2", 30)
    >>> reachable(lim, 3000), reachable(lim, 10**6), reachable(pcf_limit("1", "n^2", 20), 40)
    (True, False, False)
    """
    if limit.method == "exact":
        return True
    if limit.method != "convergent" or limit.digits <= 0:
        return False
    return next_depth(limit.depth, digits, limit.digits, max_depth + 1) <= max_depth


def limit_at(a: Coefficients, b: Coefficients, depth: int, digits: int, max_depth: int | None = None) -> Limit | None:
    """The best honest value from one walk to ``depth``; ``None`` when there is none there.

    ``digits`` is what the caller needs: the value carries that many digits and a guard,
    and the work stops as soon as they are there. Extrapolation is tried when the
    convergents fall short and their digits grow more slowly than the depth, or when the
    measured rate would not reach ``digits`` within ``max_depth``.
    """
    middle, last = walk_checkpoints(a, b, [max(1, depth // 2), depth])
    if last.finite_at is not None:  # b(k) = 0; otherwise consecutive convergents differ by prod b(n) != 0
        return _finite(a, b, last, digits)
    plain = None
    if last.q != 0:
        lg = tail_log10_error(a, last, middle)
        honest = max(0, math.floor(-lg)) if math.isfinite(lg) else 0
        plain = Limit(last.value(_value_dps(last, digits)), min(honest, digits + VALUE_GUARD_DIGITS - 1), depth, last)
        if plain.digits >= digits:
            return plain
    if digits > MAX_DIGITS_PER_ORDER * MAX_ORDER:  # beyond any extrapolation: deeper walks only
        return plain
    slow = converges_slowly(middle, last)
    if not slow and plain is not None and max_depth is not None and plain.digits > 0:
        slow = next_depth(depth, digits, plain.digits, max_depth) >= max_depth  # the budget will not do
    if slow:
        extrapolated = extrapolate(a, b, middle, last, digits)
        if extrapolated is not None and (plain is None or extrapolated.digits > plain.digits):
            return extrapolated
    return plain


def converges_slowly(middle: Convergent, last: Convergent) -> bool:
    r"""Whether the digits at $N$ are less than $2^{0.75}$ times those at $N/2$ (consecutive
    differences): an error that falls like a power of $1/n$ or like $e^{-c\sqrt n}$, where
    walking deeper gains little and extrapolation a lot.

    >>> from brouncker.pcf.walk import walk_checkpoints
    >>> converges_slowly(*walk_checkpoints((1,), (1, 0, 0), [500, 1000]))        # 1/ln 2
    True
    >>> converges_slowly(*walk_checkpoints((2, 1), (1, 0, 0), [500, 1000]))      # 4/pi
    False
    """
    d_middle, d_last = -middle.log10_error_bound(), -last.log10_error_bound()
    if d_last == math.inf:  # the last two convergents are equal
        return False
    if not (math.isfinite(d_middle) and math.isfinite(d_last)) or d_middle <= 0 or d_last <= 0:
        return True
    return math.log2(d_last / d_middle) < ACCELERATE_BELOW_GROWTH


def tail_log10_error(a: Coefficients, last: Convergent, middle: Convergent) -> float:
    r"""$\log_{10}$ of a bound on $|p(N)/q(N) - L|$; ``math.inf`` when no digit settles.

    ``last`` is the convergent at $N$, ``middle`` the one at $m \approx N/2$. The tail
    alternates when the last two differences have opposite signs, that is when
    $q(N)\,(q(N) - a(N)\,q(N-1)) = q(N)\,b(N)\,q(N-2) > 0$; then the last difference
    bounds the error. Otherwise the tail $\sum_{k > N}$ of the differences is estimated
    from their decay between $m$ and $N$, as a geometric and as a power-law tail, and the
    larger is used (an error $\sim 1/n$ has differences $\sim 1/n^2$). An error falling
    more slowly than $n^{-1/2}$ does not settle.

    >>> from brouncker.pcf.walk import walk_checkpoints
    >>> middle, last = walk_checkpoints((1, 1), (-1, 0), [500, 1000])   # (n + 1, -n): 1/(e - 2)
    >>> round(tail_log10_error((1, 1), last, middle)) < -2500
    True
    """
    lg_last = last.log10_error_bound()
    if not math.isfinite(lg_last):
        return math.inf
    lg_middle = middle.log10_error_bound()
    if not math.isfinite(lg_middle) or middle.depth >= last.depth:
        return lg_last
    span = last.depth - middle.depth
    fall = (lg_middle - lg_last) * math.log(10.0)  # ln of the decay of the differences from m to N
    exponent = fall / math.log(last.depth / middle.depth)  # differences ~ n^-exponent
    alternating = last.q * (last.q - evaluate(a, last.depth) * last.q_prev) > 0
    # an error ~ n^-s has differences ~ n^-s when it alternates and ~ n^-(s+1) otherwise;
    # s < 1/2 lets through slow tails such as 1/H(n) ~ 1/ln n, whose digits never settle
    if exponent < MIN_SETTLE_EXPONENT + (0 if alternating else 1):
        return math.inf
    if alternating:
        return lg_last
    rate = fall / span  # differences ~ exp(-rate n)
    geometric = lg_last - math.log10(math.expm1(rate)) if rate < 700 else -math.inf
    power = lg_last + math.log10(last.depth / (exponent - 1)) if exponent > 1 else math.inf
    return max(lg_last, geometric, power)


def extrapolate(a: Coefficients, b: Coefficients, middle: Convergent, last: Convergent, digits: int) -> Limit | None:
    r"""The limit by a Levin-type transform of two windows of convergents, or ``None``.

    Each window holds every other convergent (so alternating tails extrapolate too) up
    to its end: one ends at $N$, the other at $N/2$ or $N/2 - 1$, of the opposite parity
    (so two limits of the even and odd convergents cannot pass for one). The model is
    $s_n = L + \omega_n \sum_{j<k} c_j x_n^j$ with $\omega_n = n (s_n - s_{n-2})$ and
    $x_n = 1/n$ (errors like powers of $1/n$, any exponent) or $x_n = 1/\sqrt n$ (errors
    like $e^{-c\sqrt n}$, and mixed half-integer powers); $L$ is a ratio of two $k$-th
    divided differences. Both run in ball arithmetic (python-flint's arb), so rounding is
    bounded too. The digits are those on which the two windows agree, less
    ``EXTRAPOLATION_GUARD_DIGITS``; the value is the window ending at $N$.
    """
    depth = last.depth
    order = min(depth // 4 - 2, math.ceil(ORDERS_PER_DIGIT * (digits + EXTRAPOLATION_GUARD_DIGITS)) + MIN_ORDER, MAX_ORDER)
    if order < MIN_ORDER or last.q == 0:
        return None
    try:
        late = _window(a, b, last, order, depth)
        early = _window(a, b, middle, order, middle.depth if (depth - middle.depth) % 2 else middle.depth - 1)
    except ValueError:  # a window reaches below depth 1
        return None
    if early is None or late is None:
        return None
    settled = max(0.0, -last.log10_error_bound())  # digits the differences lose to cancellation
    best: tuple[int, arb, str] | None = None
    for root, method, k in ((1, "levin", order), (2, "levin-sqrt", min(order, MAX_SQRT_ORDER))):
        reach = min(digits, MAX_DIGITS_PER_ORDER * k)  # the working precision serves what order k can give
        bits = math.ceil((reach + VALUE_GUARD_DIGITS + EXTRAPOLATION_GUARD_DIGITS + settled) * _LOG2_10)
        bits += math.ceil(k * (math.log2(2 * depth / k) + LOSS_BITS_PER_ORDER)) + EXTRAPOLATION_GUARD_BITS
        with flint.ctx.workprec(bits):
            value_late, value_early = _levin(late[-k - 2 :], k, root), _levin(early[-k - 2 :], k, root)
            if value_late is None or value_early is None:
                continue
            spread = _log10_upper(value_late - value_early)
        agreed = math.floor(-spread) - EXTRAPOLATION_GUARD_DIGITS if math.isfinite(spread) else digits + VALUE_GUARD_DIGITS - 1
        agreed = min(agreed, digits + VALUE_GUARD_DIGITS - 1)
        if best is None or agreed > best[0]:
            best = (agreed, value_late, method)
        if agreed >= digits:
            break
    if best is None or best[0] <= 0:
        return None
    agreed, value, method = best
    dps = _value_dps(last, digits)
    return Limit(_arb_to_mpf(value, dps), agreed, depth, last, method)


# --- pieces ----------------------------------------------------------------------------


def _value_dps(conv: Convergent, digits: int) -> int:
    """Significant digits for a value with ``digits`` decimals and a guard."""
    magnitude = log10_abs(conv.p) - log10_abs(conv.q) if conv.p != 0 and conv.q != 0 else 0.0
    return digits + VALUE_GUARD_DIGITS + max(0, math.ceil(magnitude))


def _exact(value: Fraction, conv: Convergent, digits: int) -> Limit:
    """A rational value, to the digits asked for and a guard."""
    dps = digits + VALUE_GUARD_DIGITS + max(0, len(str(abs(value.numerator))) - len(str(value.denominator)) + 1)
    with mp.workdps(dps):
        number = mpf(value.numerator) / value.denominator
    return Limit(number, digits + VALUE_GUARD_DIGITS - 1, conv.depth, conv, "exact", value)


def _finite(a: Coefficients, b: Coefficients, last: Convergent, digits: int) -> Limit:
    """A finite fraction: its value is the convergent just before the first $b(k) = 0$."""
    assert last.finite_at is not None
    stop = walk(a, b, last.finite_at - 1)
    if stop.q == 0:
        raise InconclusiveError(f"the fraction is finite (b({last.finite_at}) = 0) and has no value: q({stop.depth}) = 0")
    return _exact(Fraction(int(stop.p), int(stop.q)), stop, digits)


def _window(a: Coefficients, b: Coefficients, conv: Convergent, order: int, end: int) -> list[Convergent] | None:
    """Every other convergent from $end - 2(order + 1)$ to $end \\le$ ``conv.depth``."""
    count = 2 * order + 3 + (conv.depth - end)
    window = walk_back(a, b, conv, count)[: 2 * order + 3 : 2]
    if any(c.q == 0 for c in window):
        return None
    return window


def _levin(window: list[Convergent], order: int, root: int) -> arb | None:
    r"""$L$ from $s_n = L + \omega_n P(x_n)$, $\deg P < $ ``order``, $x_n = n^{-1/root}$, at the
    current arb precision: the ratio of the divided differences of $s/\omega$ and $1/\omega$.

    In $1/n$, over equally spaced $n$, the divided differences have closed-form weights
    $(-1)^j \binom{k}{j} (n_j / n_k)^{k-1}$ (Levin's u-transform); in $1/\sqrt n$ they are
    built up order by order.
    """
    bits = flint.ctx.prec
    s = [_arb_ratio(c.p, c.q, bits) for c in window]
    inverse_weights: list[arb] = []  # 1 / omega_n
    for i in range(1, order + 2):
        weight = arb(window[i].depth) * (s[i] - s[i - 1])
        if weight.contains(0):
            return None  # the differences vanish (to this precision): nothing to extrapolate
        inverse_weights.append(1 / weight)
    values = [s[i + 1] * w for i, w in enumerate(inverse_weights)]
    if root == 1:
        last = arb(window[order + 1].depth)
        num, den = arb(0), arb(0)
        binomial = fmpz(1)
        for j in range(order + 1):
            c = binomial * (arb(window[j + 1].depth) / last) ** (order - 1)
            if j % 2:
                c = -c
            num += c * values[j]
            den += c * inverse_weights[j]
            binomial = binomial * (order - j) // (j + 1)
    else:
        xs = [arb(window[i].depth).rsqrt() for i in range(1, order + 2)]
        nums, dens = values, list(inverse_weights)
        for k in range(1, order + 1):
            for i in range(order + 1 - k):
                gap = xs[i + k] - xs[i]
                nums[i] = (nums[i + 1] - nums[i]) / gap
                dens[i] = (dens[i + 1] - dens[i]) / gap
        num, den = nums[0], dens[0]
    if den.contains(0):
        return None
    return num / den


def _arb_ratio(p: mpz, q: mpz, bits: int) -> arb:
    """$p/q$ as a ball at ``bits`` of precision, from integers of any size (cut to
    ``bits + 64`` bits first; the ball holds what the cut drops)."""
    shift = max(0, q.bit_length() - bits - 64)
    if shift == 0:
        return arb(fmpz(int(p))) / arb(fmpz(int(q)))
    return (arb(fmpz(int(p >> shift))) + _UNIT_INTERVAL) / (arb(fmpz(int(q >> shift))) + _UNIT_INTERVAL)


def _log10_upper(x: arb) -> float:
    """An upper bound of $\\log_{10}|x|$ for a ball (midpoint and radius); $-\\infty$ for 0."""
    upper = x.abs_upper()
    if upper == 0:
        return -math.inf
    man, exp = upper.mid().man_exp()
    return log10_abs(int(man)) + int(exp) * math.log10(2.0)


def _arb_to_mpf(x: arb, dps: int) -> mpf:
    """The midpoint of a ball as an mpmath number with ``dps`` digits."""
    man, exp = x.mid().man_exp()
    with mp.workdps(dps):
        return mpf((int(man), int(exp)))
