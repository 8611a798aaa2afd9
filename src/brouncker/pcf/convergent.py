r"""The convergent $p/q$ of a walk: one owner of p, q, the value, the honest digits, the
log-distance between two fractions and δ.

PCF walks (:mod:`brouncker.pcf.walk`), CMF walks (:mod:`brouncker.cmf.walk`) and ESMA's
signed fractions all return a :class:`Convergent`. The conversion of $p/q$ to an mpmath
number (:meth:`Convergent.value`), the log-distance $\log_{10}|p/q - P/Q|$ from the
integers (:func:`log10_gap`) and δ (:func:`delta_of`) are written here and nowhere else.

**δ** (the irrationality measure of the approximations): $|p/q - L| = \tilde q^{-(1+\delta)}$
with $\tilde q = |q| / \gcd(p, q)$ (or $|q|$ itself, for the naive δ), so
$\delta = -\log|p/q - L| / \log \tilde q - 1$. $L$ is a known limit
(:meth:`Convergent.delta`), or a deeper convergent $P/Q$, exactly (:meth:`Convergent.blind_delta`).

**An undefined δ is** ``None``, never NaN or infinity, and ``null`` in JSON and the store:
when $\tilde q \le 1$, when a convergent is no number ($q = 0$), or when the error is 0 (the
convergent equals $L$: a rational limit, or an $L$ with too few digits).

>>> import mpmath
>>> from brouncker.pcf.walk import walk
>>> c, deeper = walk((2, 1), (1, 0, 0), 3), walk((2, 1), (1, 0, 0), 30)   # 4/pi: 204/160 = 51/40
>>> c.reduced_q, c.trustworthy_digits, round(c.log10_gap(deeper), 4)
(mpz(40), 1.0, -2.7544)
>>> round(c.blind_delta(deeper), 4), round(c.delta(4 / mpmath.pi), 4)
(0.7193, 0.7193)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import gmpy2
from gmpy2 import mpz
from mpmath import mp, mpf

_LOG10_2 = math.log10(2.0)


def log10_abs(x: int | mpz) -> float:
    r"""$\log_{10}|x|$ for an integer of any size, to double precision; $-\infty$ for 0.

    >>> round(log10_abs(mpz(10) ** 5000), 9)
    5000.0
    """
    x = abs(mpz(x))
    if x == 0:
        return -math.inf
    bits = x.bit_length()
    if bits <= 1000:
        return math.log10(int(x))
    shift = bits - 64
    return math.log10(int(x >> shift)) + shift * _LOG10_2


def log10_gap(p: int | mpz, q: int | mpz, big_p: int | mpz, big_q: int | mpz, log10_cross: float | None = None) -> float:
    r"""$\log_{10}|p/q - P/Q| = \log_{10}|pQ - Pq| - \log_{10}|q| - \log_{10}|Q|$, from the
    integers (no division, no rounding beyond the final logarithms).

    ``math.inf`` when $q = 0$ or $Q = 0$ (a fraction that is no number), ``-math.inf`` when
    the two are equal. ``log10_cross``, when given, stands for $\log_{10}|pQ - Pq|$ (a walk
    knows it for consecutive convergents: it saves two big multiplications).

    >>> round(log10_gap(22, 7, 355, 113), 6)       # |22/7 - 355/113| = 1/791
    -2.898176
    """
    if q == 0 or big_q == 0:
        return math.inf
    cross = log10_abs(mpz(p) * big_q - mpz(big_p) * q) if log10_cross is None else log10_cross
    return cross - log10_abs(q) - log10_abs(big_q)


def log10_distance(x: mpf, y: mpf) -> float:
    r"""$\log_{10}|x - y|$ of two mpmath numbers, from the binary exponent (no logarithm at full
    precision); $-\infty$ when they are equal at the working precision of the subtraction.

    >>> round(log10_distance(mpf(1), mpf("1.001")), 6)
    -3.0
    """
    diff = abs(x - y)
    if diff == 0:
        return -math.inf
    _, man, exp, _ = diff._mpf_
    return log10_abs(man) + exp * _LOG10_2


def delta_of(log_error: float, log_q: float) -> float | None:
    r"""$\delta = -\log|p/q - L| / \log Q - 1$, the one δ formula (both logarithms in the same
    base); ``None`` when it is undefined: $Q \le 1$, or an error that is 0 or no number.

    >>> delta_of(-3.0, 1.0), delta_of(-math.inf, 1.0), delta_of(-3.0, 0.0)
    (2.0, None, None)
    """
    if not math.isfinite(log_error) or not math.isfinite(log_q) or log_q <= 0:
        return None
    return -log_error / log_q - 1


@dataclass(frozen=True, slots=True)
class Convergent:
    r"""The convergent $p(N)/q(N)$ together with $p(N-1)/q(N-1)$, exactly.

    ``finite_at`` is the first $n \le N$ with $b(n) = 0$, if any (PCFs only): the fraction
    then stops at depth ``finite_at - 1`` and its value is the rational $p/q$ of that depth,
    which every later convergent repeats. ``log10_det`` is
    $\log_{10} |p(N)q(N-1) - p(N-1)q(N)| = \sum_{n \le N} \log_{10}|b(n)|$ when the walk
    knows it (it saves two big multiplications per error bound).
    """

    depth: int
    p: mpz
    q: mpz
    p_prev: mpz
    q_prev: mpz
    finite_at: int | None = None
    log10_det: float | None = field(default=None, compare=False, repr=False)

    @property
    def gcd(self) -> mpz:
        r"""$\gcd(p(N), q(N))$; its growth like $n \log n$ is factorial reduction."""
        return gmpy2.gcd(self.p, self.q)

    @property
    def reduced_q(self) -> mpz:
        r"""$\tilde q(N) = |q(N)| / \gcd(p(N), q(N))$."""
        g = self.gcd
        return abs(self.q) // g if g else abs(self.q)

    @property
    def defined(self) -> bool:
        """Whether $q(N) \\ne 0$, so that the convergent is a number."""
        return self.q != 0

    def fraction(self) -> Fraction:
        """The convergent as an exact rational; raises ``ZeroDivisionError`` if $q(N) = 0$."""
        return Fraction(int(self.p), int(self.q))

    def value(self, dps: int) -> mpf:
        r"""$p(N)/q(N)$ as an mpmath number with ``dps`` significant digits.

        The one conversion of a convergent to a float; raises ``ZeroDivisionError`` if
        $q(N) = 0$.

        >>> import mpmath
        >>> mpmath.nstr(Convergent(3, mpz(204), mpz(160), mpz(24), mpz(19)).value(10), 10)     # 51/40
        '1.275'
        """
        if self.q == 0:
            raise ZeroDivisionError(f"q({self.depth}) = 0: the convergent is not a number")
        with mp.workdps(dps):
            return mpf(int(self.p)) / mpf(int(self.q))  # mpf(int) is much faster than mpf(mpz) here

    def log10_gap(self, other: Convergent) -> float:
        r"""$\log_{10}|p/q - P/Q|$ against another convergent, exactly (:func:`log10_gap`)."""
        return log10_gap(self.p, self.q, other.p, other.q)

    def log10_error_bound(self) -> float:
        r"""$\log_{10} |p(N)/q(N) - p(N-1)/q(N-1)|$, computed without division.

        The numerator $p(N)q(N-1) - p(N-1)q(N) = \pm\prod_{n \le N} b(n)$ is exact (or
        summed in logarithms by the walk); $-\infty$ when the two agree, $\infty$ when
        either is undefined.
        """
        return log10_gap(self.p, self.q, self.p_prev, self.q_prev, self.log10_det)

    @property
    def trustworthy_digits(self) -> float:
        r"""$\lfloor -\log_{10} |p(N)/q(N) - p(N-1)/q(N-1)| \rfloor$.

        ``math.inf`` when the two last convergents agree exactly (a finite fraction),
        ``-math.inf`` when either is undefined.
        """
        if self.finite_at is not None and self.finite_at < self.depth and self.q != 0:
            return math.inf
        bound = self.log10_error_bound()
        if bound == math.inf:
            return -math.inf
        if bound == -math.inf:
            return math.inf
        return float(math.floor(-bound))

    def delta(self, limit: mpf, reduced: bool = True) -> float | None:
        r"""δ against a known limit $L$, which must carry more digits than the convergent
        (else the error reads as 0 and δ is ``None``); the naive δ with $|q|$ when not ``reduced``.

        >>> import mpmath
        >>> from brouncker.pcf.walk import walk
        >>> with mpmath.workdps(200):   # Fibonacci: δ = 1 + log √5 / log q → 1
        ...     round(walk((1,), (1,), 300).delta((1 + mpmath.sqrt(5)) / 2), 3)
        1.006
        """
        q = self.reduced_q if reduced else abs(self.q)
        if q <= 1:
            return None
        dps = max(mp.dps, int(2 * log10_abs(q)) + 20)
        with mp.workdps(dps):
            error = log10_distance(self.value(dps), limit)
        return delta_of(error, log10_abs(q))

    def blind_delta(self, deeper: Convergent, reduced: bool = True) -> float | None:
        r"""δ against a deeper convergent's $P/Q$ as the limit, exactly:
        $|p/q - P/Q| = |pQ - Pq| / |qQ|$ in logarithms of integers (no rounding)."""
        q = self.reduced_q if reduced else abs(self.q)
        if q <= 1:
            return None
        return delta_of(self.log10_gap(deeper), log10_abs(q))
