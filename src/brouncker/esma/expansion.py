r"""Signed continued fractions of constants: the mathematics of ESMA (arXiv 2212.09470).

ESMA expands $x = P(c)/Q(c)$ as a signed continued fraction with a periodic sign sequence,
$x = a_0 + s_0/(a_1 + s_1/(a_2 + \dots))$, and keeps the expansions whose partial quotients
obey a short linear recurrence (Berlekamp–Massey over GF(p)); each hit is rebuilt over the
integers and verified to 100 digits. The expansion is exact interval arithmetic, so no partial
quotient is reported that the digits do not determine. The rounding rule, the filter, the
reference's rules and its 13 results are in ``docs/esma.md``. The search's tasks and its
serial driver (:func:`brouncker.search.kinds.esma.esma_search`) are the ``esma`` kind's.

>>> from brouncker.constants import parse_constant
>>> x = parse_constant("e/(e-1)").value(600)
>>> signed_continued_fraction(x, (1, -1), 12, dps=600).partial_quotients
(1, 2, 3, 2, 5, 2, 7, 2, 9, 2, 11, 2)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import gmpy2
import mpmath
from gmpy2 import mpz
from mpmath import mp, mpf
from sympy import divisors, mobius

from ..constants import ConstantExpression
from ..errors import BrounckerError
from ..pcf.convergent import Convergent, log10_distance, log10_gap
from ..pcf.polynomial import evaluate, from_flint, primitive, to_flint
from ..plain import Plain
from ..precision import (
    ESMA_DIGITS_PER_TERM,
    ESMA_ENUMERATION_DPS,
    ESMA_GUARD_DIGITS,
    ESMA_MIN_DPS,
    ESMA_VALUE_KEY_DIGITS,
    ESMA_VERIFY_MAX_DPS,
)
from ..printing import polynomial_ratio
from .sequences import (
    LinearRecurrence,
    interleaved_polynomials,
)

DEFAULT_DEPTH = 100  # partial quotients extracted per (LHS, sign period), as in the paper
INTERVAL_ULPS = 4  # half-width of the integer interval around the value, in units of 2^-k
BEAUTY_DIVISOR = 4  # approve when the connection polynomial has fewer than depth // 4 coefficients
MIN_DEPTH = 4 * BEAUTY_DIVISOR  # shallower expansions approve (almost) nothing
VERIFY_DEPTH = 1000  # depth of the continued fraction rebuilt over Z (reference)
VERIFY_DIGITS = 100  # digits that must agree with the LHS (reference)
CONVERGENCE_TERMS = 200  # the convergence rate is a slope over the second half of these
CLOSED_FORM_TERMS = 200  # terms a closed form of the partial quotients must reproduce
RATIONAL_HEIGHT = 10**6  # an LHS value equal to p/q with q up to this is "independent of c"
REJECT_ZERO_INTEGER_PART = True  # the reference rejects a_0 = 0 too (`0 in a_`); see esma_search
IRREGULAR_START = False  # keep only recurrences that hold from a_0 on (the reference's rule; see esma_search)
DEFAULT_LHS_DEGREE = 1  # degree of P and Q in the LHS P(c)/Q(c)
DEFAULT_COEFF_LIMIT = 2  # coefficients of P and Q lie in [-2, 2]
DEFAULT_CYCLES = (1, 2)  # sign periods of length 1 and 2


def expansion_dps(depth: int) -> int:
    """Working digits that are safe for ``depth`` partial quotients (500 at depth 100)."""
    return max(ESMA_MIN_DPS, ESMA_DIGITS_PER_TERM * depth)


# --- signed continued fractions ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedExpansion(Plain):
    """Partial quotients $a_0, a_1, \\dots$ of a value for a periodic sign sequence.

    ``stop`` is ``None`` when all requested terms were found, ``"zero"`` after a zero
    partial quotient, ``"precision"`` when the working precision could not decide the
    next one (or the value is rational and the expansion ended).
    """

    partial_quotients: tuple[int, ...]
    signs: tuple[int, ...]  # the sign period
    stop: str | None


def signed_expansion_of_interval(lo: int, hi: int, scale: int, signs: Sequence[int], depth: int,
                                 reject_zero_integer_part: bool = REJECT_ZERO_INTEGER_PART) -> SignedExpansion:
    r"""The signed expansion of every number in $[lo, hi] / scale$, as far as they agree.

    Each end $t$ is carried as an exact fraction $y_i(t) = u/v$:
    $y_0 = t/\mathrm{scale}$ and $y_{i+1} = s_i / (y_i - a_i) = s_i v / (u - a_i v)$.
    Both ends must give the same $a_i$; $y_i$ is then monotone on the interval and the
    true value's quotient is that one.
    """
    period = tuple(int(s) for s in signs)
    if not period or any(s not in (1, -1) for s in period):
        raise BrounckerError(f"a sign period is a non-empty tuple of +1 and -1, got {signs}")
    k = len(period)
    u1, v1, u2, v2 = int(lo), int(scale), int(hi), int(scale)
    quotients: list[int] = []
    for i in range(depth):
        s = period[i % k]
        if v1 == 0 or v2 == 0:
            return SignedExpansion(tuple(quotients), period, "precision")
        if s > 0:
            a, a2 = u1 // v1, u2 // v2
        else:
            a, a2 = -((-u1) // v1), -((-u2) // v2)
        if a != a2:
            return SignedExpansion(tuple(quotients), period, "precision")
        quotients.append(a)
        if a == 0 and (i > 0 or reject_zero_integer_part):
            return SignedExpansion(tuple(quotients), period, "zero")
        u1, v1 = s * v1, u1 - a * v1
        u2, v2 = s * v2, u2 - a * v2
    return SignedExpansion(tuple(quotients), period, None)


def value_interval(value: mpf, dps: int) -> tuple[int, int, int]:
    r"""Integers $(\ell, h, 2^k)$ with the value in $[\ell, h]/2^k$, for a value known to
    about ``dps`` significant digits (relative error well below $10^{-dps}$)."""
    with mp.workdps(dps + 20):
        x = mpf(value)
        magnitude = int(mpmath.mag(x)) if x != 0 else 0
        k = max(int(dps * 3.3219280948873626) - max(magnitude, 0), 0)
        centre = int(mpmath.floor(x * mpf(2) ** k))
    return centre - INTERVAL_ULPS, centre + INTERVAL_ULPS, 1 << k


def signed_continued_fraction(value: mpf, signs: Sequence[int], depth: int, dps: int | None = None,
                              reject_zero_integer_part: bool = REJECT_ZERO_INTEGER_PART) -> SignedExpansion:
    """The first ``depth`` partial quotients of ``value`` for the periodic ``signs``.

    ``value`` must be right to ``dps`` significant digits (default: the current mpmath
    precision). The period repeats: signs $s_i = $ ``signs[i % len(signs)]``.

    >>> signed_continued_fraction(mpmath.sqrt(2), (1,), 6).partial_quotients     # regular CF
    (1, 2, 2, 2, 2, 2)
    """
    dps = mp.dps if dps is None else dps
    lo, hi, scale = value_interval(value, dps)
    return signed_expansion_of_interval(lo, hi, scale, signs, depth, reject_zero_integer_part)


def sign_periods(shortest: int, longest: int) -> list[tuple[int, ...]]:
    r"""Every sign period with length in [shortest, longest], each periodic sign sequence once.

    A period that repeats a shorter one produces the same sign sequence: it is skipped
    when a period of a length in range already produces that sequence, that is, when
    some length $m$ in [shortest, length) is a multiple of its primitive period. Within
    one length, periods come in ``itertools.product((-1, 1))`` order (the reference's).

    >>> sign_periods(1, 2)
    [(-1,), (1,), (-1, 1), (1, -1)]
    >>> len(sign_periods(2, 2)), len(sign_periods(1, 3)), len(sign_periods(1, 4))
    (4, 10, 22)
    """
    if shortest < 1 or longest < shortest:
        raise BrounckerError(f"cycle lengths must satisfy 1 <= K1 <= K2, got {shortest}..{longest}")
    periods: list[tuple[int, ...]] = []
    for length in range(shortest, longest + 1):
        for period in itertools.product((-1, 1), repeat=length):
            primitive = _primitive_period(period)
            if any(m % primitive == 0 for m in range(shortest, length)):
                continue
            periods.append(period)
    return periods


def count_sign_periods(shortest: int, longest: int) -> int:
    r"""``len(sign_periods(shortest, longest))``, without listing them.

    A length-$n$ period with primitive period $d$ is kept unless $d$ divides some $m$ in
    [shortest, n); there are $\sum_{e | d} \mu(d/e)\, 2^e$ sign words of primitive period $d$.

    >>> count_sign_periods(1, 4), count_sign_periods(1, 40)
    (22, 2199021141580)
    """
    if shortest < 1 or longest < shortest:
        raise BrounckerError(f"cycle lengths must satisfy 1 <= K1 <= K2, got {shortest}..{longest}")
    total = 0
    for length in range(shortest, longest + 1):
        for d in divisors(length):
            if not any(m % d == 0 for m in range(shortest, length)):
                total += sum(int(mobius(d // e)) * 2**e for e in divisors(d))
    return total


def _primitive_period(period: tuple[int, ...]) -> int:
    n = len(period)
    for d in range(1, n + 1):
        if n % d == 0 and period == period[:d] * (n // d):
            return d
    return n


def parse_cycles(text: str) -> tuple[int, int]:
    """``"K1..K2"`` (or a single ``"K"``) as a pair of lengths.

    >>> parse_cycles("1..3"), parse_cycles("2")
    ((1, 3), (2, 2))
    """
    parts = text.strip().split("..")
    try:
        if len(parts) == 1:
            k1 = k2 = int(parts[0])
        elif len(parts) == 2:
            k1, k2 = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise BrounckerError(f"cannot parse cycles '{text}': expected K1..K2, e.g. 1..3") from None
    if k1 < 1 or k2 < k1:
        raise BrounckerError(f"cycles '{text}': need 1 <= K1 <= K2")
    return k1, k2


# --- left-hand sides P(c)/Q(c) -------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class LHS(Plain):
    r"""A left-hand side $P(c)/Q(c)$: integer polynomials in the constant, highest degree first.

    Canonical form (see :func:`canonical_lhs`): $\gcd(P, Q) = 1$ as polynomials, the
    coefficients jointly primitive, $Q$ with a positive leading coefficient, and the
    value positive (an LHS is taken up to sign, like the reference's ``abs``).
    """

    numerator: tuple[int, ...]
    denominator: tuple[int, ...]

    def value(self, c: mpf) -> mpf:
        """$P(c)/Q(c)$ at the current precision."""
        return evaluate(self.numerator, c) / evaluate(self.denominator, c)

    def text(self, symbol: str = "c") -> str:
        """Text that :func:`brouncker.constants.parse_constant` reads back; of $P/Q$ and
        $(-P)/(-Q)$ the one with fewer minus signs in front.

        >>> LHS((1, 0), (1, -1)).text("e")
        'e/(e-1)'
        >>> LHS((-1, 1), (1, -2)).text("tan1")
        '(1-tan1)/(tan1-2)'
        >>> LHS((-1, 0), (1, -1)).text("e")
        'e/(1-e)'
        >>> LHS((-1, -1), (2, -2)).text("e")
        '(e+1)/(2-2*e)'
        >>> LHS((2, 1), (1, 0, 0)).text("tan(1)")
        '(2*(tan(1))+1)/(tan(1))^2'
        """
        return polynomial_ratio(self.numerator, self.denominator, symbol)


def _reduce(numerator: Sequence[int], denominator: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    r"""$(P, Q)$ divided by $\gcd(P, Q)$ and by the content, with $Q$'s leading coefficient
    positive; ``None`` for a zero vector or a constant quotient."""
    if not any(numerator) or not any(denominator):
        return None
    p, q = to_flint([int(x) for x in numerator]), to_flint([int(x) for x in denominator])
    g = p.gcd(q)
    if g.degree() > 0:
        p, q = p // g, q // g
    if p.degree() <= 0 and q.degree() <= 0:
        return None  # a rational number
    pc, qc = from_flint(p), from_flint(q)
    both = primitive(pc + qc, leading=(len(pc),))  # Q's leading coefficient positive
    return both[:len(pc)], both[len(pc):]


def _up_to_sign(pc: tuple[int, ...], qc: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """One key for $P/Q$ and $-P/Q$: the numerator with a positive leading coefficient."""
    return (pc if pc[0] > 0 else tuple(-x for x in pc)), qc


def canonical_lhs(numerator: Sequence[int], denominator: Sequence[int], c: mpf) -> LHS | None:
    r"""The canonical form of $\pm P(c)/Q(c)$, or ``None`` when it does not depend on $c$.

    Divides out $\gcd(P, Q)$ (python-flint), makes the coefficients jointly primitive
    and $Q$'s leading coefficient positive, and flips the sign of $P$ so the value is
    positive. ``None`` for $P = 0$ or $Q = 0$, for $P \propto Q$, and for values that are
    (numerically) zero, infinite or a rational $p/q$ with $q \le 10^6$ (possible only
    for algebraic $c$).

    >>> c = mpmath.e
    >>> canonical_lhs((-2, 0), (-2, 2), c)        # -2e/(2-2e) = e/(e-1)
    LHS(numerator=(1, 0), denominator=(1, -1))
    >>> canonical_lhs((2, 2), (1, 1), c) is None   # (2e+2)/(e+1) = 2
    True
    """
    reduced = _reduce(numerator, denominator)
    return None if reduced is None else _signed(*_up_to_sign(*reduced), c)


def _signed(pc: tuple[int, ...], qc: tuple[int, ...], c: mpf) -> LHS | None:
    r"""The LHS $\pm P/Q$ with a positive value, or ``None`` for a degenerate value."""
    with mp.workdps(ESMA_ENUMERATION_DPS):
        pv, qv = evaluate(pc, c), evaluate(qc, c)
        tiny = mpf(10) ** (-(ESMA_ENUMERATION_DPS // 2))
        if abs(qv) < tiny or abs(pv) < tiny:
            return None
        value = pv / qv
        if _looks_rational(value):
            return None
    if value < 0:
        pc = tuple(-x for x in pc)
    return LHS(pc, qc)


def _looks_rational(value: mpf) -> bool:
    r"""Whether ``value`` is $p/q$ with $q \le$ RATIONAL_HEIGHT to nearly all its digits.

    A float screen first: the best approximation with $q \le 10^6$ of the double is
    $p/q$ itself when the value is $p/q$ (neighbouring fractions are $10^{-12}$ apart).
    """
    f = float(value)
    approx = Fraction(f).limit_denominator(RATIONAL_HEIGHT)
    if abs(f - approx) > 1e-9 * max(1.0, abs(f)):
        return False
    return abs(value - mpf(approx.numerator) / approx.denominator) < mpf(10) ** (-(ESMA_ENUMERATION_DPS - 10))


def lhs_bound(degree: int, coeff_limit: int) -> int:
    r"""An upper bound of ``len(enumerate_lhs(c, degree, coeff_limit))``, without enumerating.

    Of the $(V - 1)^2$ pairs of non-zero coefficient vectors ($V = (2L+1)^{D+1}$),
    $(P, Q)$, $(-P, Q)$, $(P, -Q)$ and $(-P, -Q)$ always share one canonical LHS.

    >>> lhs_bound(1, 2), len(enumerate_lhs(mpmath.e, 1, 2))
    (144, 112)
    """
    vectors = (2 * coeff_limit + 1) ** (degree + 1) - 1
    return vectors * vectors // 4


def enumerate_lhs(c: mpf, degree: int, coeff_limit: int) -> list[LHS]:
    r"""Every distinct LHS $P(c)/Q(c)$ with $\deg P, \deg Q \le$ ``degree`` and
    coefficients in $[-L, L]$, up to sign, sorted.

    *Distinct* means: different canonical forms (so $P/Q$, $(-P)/(-Q)$, $(kP)/(kQ)$,
    $(RP)/(RQ)$ and $-P/Q$ are one LHS) and different values to ``ESMA_ENUMERATION_DPS``
    digits (which only merges further for an algebraic $c$, e.g. $\sqrt 2$). Zero vectors
    and expressions independent of $c$ are dropped.

    >>> len(enumerate_lhs(mpmath.e, 1, 1)), len(enumerate_lhs(mpmath.e, 1, 2))
    (12, 112)
    """
    if degree < 0 or coeff_limit < 1:
        raise BrounckerError("the LHS degree must be >= 0 and the coefficient limit >= 1")
    with mp.workdps(ESMA_ENUMERATION_DPS + 20):
        c = +c
        vectors = [v for v in itertools.product(range(-coeff_limit, coeff_limit + 1), repeat=degree + 1) if any(v)]
        keys: set[tuple[tuple[int, ...], tuple[int, ...]]] = set()
        for numerator in vectors:
            for denominator in vectors:
                reduced = _reduce(numerator, denominator)
                if reduced is not None:
                    keys.add(_up_to_sign(*reduced))
        found: list[LHS] = []
        values: set[str] = set()
        for key in sorted(keys):
            lhs = _signed(*key, c)
            if lhs is None:
                continue
            value = mpmath.nstr(lhs.value(c), ESMA_ENUMERATION_DPS - 10)
            if value in values:
                continue
            values.add(value)
            found.append(lhs)
    return sorted(found)


# --- one (LHS, sign period) pair: filter, rebuild, verify ---------------------------


@dataclass(frozen=True, slots=True)
class ESMAResult:
    r"""A verified conjecture $P(c)/Q(c) = a_0 + s_0/(a_1 + s_1/(a_2 + \dots))$.

    ``recurrence`` is the connection polynomial $(1, c_1, \dots, c_d)$ (lowest power
    first): $a_n = -\sum_j c_j a_{n-j}$ for $n \ge$ ``len(initial_terms)``.
    ``digits`` agreed at depth 1000 (measured up to ``ESMA_VERIFY_MAX_DPS``);
    ``convergence_rate`` in digits per term.
    """

    constant: str
    lhs: str
    numerator: tuple[int, ...]
    denominator: tuple[int, ...]
    signs: tuple[int, ...]
    recurrence: tuple[int, ...]
    initial_terms: tuple[int, ...]
    partial_quotients: tuple[int, ...]  # the first few, for display
    digits: int
    convergence_rate: float
    value: str  # the LHS, ESMA_VALUE_KEY_DIGITS significant digits
    depth: int  # partial quotients the search extracted
    closed_form: str | None = None  # e.g. "a(2m) = 2m + 1; a(2m+1) = 2", when the channels are polynomials

    def as_dict(self) -> dict:
        return {
            "lhs": self.lhs,
            "signs": list(self.signs),
            "recurrence": list(self.recurrence),
            "initial_terms": list(self.initial_terms),
            "digits": self.digits,
            "convergence_rate": self.convergence_rate,
            "value": self.value,
            "constant": self.constant,
            "numerator": list(self.numerator),
            "denominator": list(self.denominator),
            "partial_quotients": list(self.partial_quotients),
            "depth": self.depth,
            "closed_form": self.closed_form,
        }

    def sort_key(self) -> tuple:
        """Results of one value are ordered by sign period as the reference meets them."""
        return (self.value, len(self.signs), self.signs, self.numerator, self.denominator)


def max_register_length(depth: int) -> int:
    """The largest LFSR length $L$ approved at ``depth``: $L + 1 <$ depth // 4."""
    return depth // BEAUTY_DIVISOR - 2


def to_mpfr(x: mpf, bits: int) -> gmpy2.mpfr:
    """An mpmath number as an MPFR number (exactly, when ``bits`` suffice)."""
    sign, mantissa, exponent, _ = x._mpf_
    with gmpy2.context(gmpy2.get_context(), precision=bits):
        y = gmpy2.mul_2exp(gmpy2.mpfr(mpz(mantissa)), exponent)
        return -y if sign else y


def lhs_interval(lhs: LHS, c: gmpy2.mpfr, dps: int, bits: int) -> tuple[int, int, int]:
    """:func:`value_interval` of $P(c)/Q(c)$, computed with MPFR (the search's hot path)."""
    with gmpy2.context(gmpy2.get_context(), precision=bits):
        p = gmpy2.mpfr(0)
        for coefficient in lhs.numerator:
            p = p * c + coefficient
        q = gmpy2.mpfr(0)
        for coefficient in lhs.denominator:
            q = q * c + coefficient
        x = p / q
        magnitude = int(gmpy2.floor(gmpy2.log2(abs(x)))) + 1 if x != 0 else 0
        k = max(int(dps * 3.3219280948873626) - max(magnitude, 0), 0)
        centre = int(gmpy2.floor(gmpy2.mul_2exp(x, k)))
    return centre - INTERVAL_ULPS, centre + INTERVAL_ULPS, 1 << k


def rebuild(register: LinearRecurrence, partial_quotients: Sequence[int], count: int) -> list[int] | None:
    """The partial quotients regenerated over Z from the register and its first $L$ terms;
    ``None`` unless they reproduce every extracted term (the lift from GF(p) was right)."""
    initial = list(partial_quotients[: register.length])
    terms = [int(t) for t in register.extend(initial, max(count, len(partial_quotients)))]
    if terms[: len(partial_quotients)] != list(partial_quotients):
        return None
    return terms[:count]


def convergents(quotients: Sequence[int], signs: Sequence[int], depth: int,
                keep: int = 0) -> tuple[Convergent, list[tuple[mpz, mpz]]]:
    r"""$p(n)/q(n)$ of $a_0 + s_0/(a_1 + s_1/(\dots))$ by the three-term recurrence.

    Returns the convergent at ``depth`` and the pairs $(p(n), q(n))$ for $n <$ ``keep``.
    """
    k = len(signs)
    p_prev, p, q_prev, q = mpz(1), mpz(quotients[0]), mpz(0), mpz(1)
    kept = [(p, q)] if keep > 0 else []
    for n in range(1, depth + 1):
        a, b = quotients[n], signs[(n - 1) % k]
        p_prev, p = p, a * p + b * p_prev
        q_prev, q = q, a * q + b * q_prev
        if n < keep:
            kept.append((p, q))
    return Convergent(depth, p, q, p_prev, q_prev), kept


def convergence_rate(kept: Sequence[tuple[mpz, mpz]], limit: Convergent) -> float:
    r"""Digits per term over the second half of the kept convergents (as the reference):
    $(E(N/2) - E(N-1)) / (N/2)$ with $E(n) = \log_{10}|p(n)/q(n) - L|$, where the deep
    convergent stands in for $L$ exactly (no precision limit)."""
    n = len(kept)
    if n < 4 or limit.q == 0:
        return math.nan

    first, last = (log10_gap(*kept[i], limit.p, limit.q) for i in (n // 2, n - 1))
    if not (math.isfinite(first) and math.isfinite(last)):
        return math.nan
    return (first - last) / (n / 2)


def verify_candidate(constant: ConstantExpression, lhs: LHS, signs: Sequence[int], quotients: Sequence[int],
                     register: LinearRecurrence, depth: int, cache: dict[int, mpf] | None = None) -> ESMAResult | None:
    """Rebuild the partial quotients over Z and check the fraction at depth 1000 against
    the LHS to at least ``VERIFY_DIGITS`` digits; ``None`` when it fails."""
    terms = rebuild(register, quotients, VERIFY_DEPTH + 1)
    if terms is None:
        return None
    deep, kept = convergents(terms, signs, VERIFY_DEPTH, keep=min(CONVERGENCE_TERMS, depth))
    if deep.q == 0:
        return None
    trustworthy = deep.trustworthy_digits
    dps = int(min(max(trustworthy if math.isfinite(trustworthy) else ESMA_VERIFY_MAX_DPS, VERIFY_DIGITS) + 10, ESMA_VERIFY_MAX_DPS))
    cache = {} if cache is None else cache
    if dps not in cache:
        cache[dps] = constant.value(dps + ESMA_GUARD_DIGITS)
    with mp.workdps(dps + ESMA_GUARD_DIGITS):
        x = lhs.value(cache[dps])
        error = log10_distance(deep.value(dps + ESMA_GUARD_DIGITS), x)
        digits = dps if error == -math.inf else min(dps, math.floor(-error))
        value = mpmath.nstr(x, ESMA_VALUE_KEY_DIGITS)
    if digits < VERIFY_DIGITS:
        return None
    rate = convergence_rate(kept, deep)
    irregular = register.length - (len(register.coefficients) - 1)  # terms before the recurrence holds
    form = interleaved_polynomials(terms[:CLOSED_FORM_TERMS], max_period=max(register.length, 1), start=irregular)
    return ESMAResult(
        constant=constant.text,
        lhs=lhs.text(constant.text),
        numerator=lhs.numerator,
        denominator=lhs.denominator,
        signs=tuple(signs),
        recurrence=tuple(int(c) for c in register.padded()),
        initial_terms=tuple(terms[: register.length]),
        partial_quotients=tuple(terms[:12]),
        digits=int(digits),
        convergence_rate=round(rate, 6) if math.isfinite(rate) else rate,
        value=value,
        depth=depth,
        closed_form=None if form is None else str(form),
    )

