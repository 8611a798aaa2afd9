r"""Convergence-dynamics metrics of a PCF (the "Blind-Delta" record of arXiv 2412.16818).

Everything comes from **one** exact walk to depth $N$, with checkpoints at the sample
depths $\{6, m/8, m/4, m/2, m\}$, $m = \lfloor N/2 \rfloor$, and at $N$:

* ``limit``, ``digits``: $p(N)/q(N)$ printed to the decimals its tail cannot change
  (:func:`brouncker.pcf.value.tail_log10_error`, less half a unit for the rounding);
* ``c``, ``d``, ``fr``: $\ln \tilde q(n) \approx c\,n + d\,n\ln n$; factorial reduction
  when $|d| <$ ``FR_SLOPE_TOLERANCE``;
* ``eig_ratio_log``, ``complex_eigenvalues``, ``predicted_delta``: the roots of
  $x^2 - a(n)x - b(n)$ at $n = 10^9$;
* ``delta_naive``, ``delta_fr``: blind δ at $m$ against the limit at $N$;
* ``beta``, ``gamma``, ``eta``: $\ln|L - p(n)/q(n)| \approx \beta\ln n + \gamma n + \eta\,n\ln n$;
* ``convergence``: ``rational``, ``factorial``, ``exponential`` or ``polynomial`` (the
  trustworthy digits grow from $m$ to $N$), ``divergent`` (no digit settles, and the walk
  shows why) or ``unknown`` (in doubt).

The classification follows the walk's honest digits and nothing else: no bound on $|L|$,
on the size of $p$ and $q$ or on the coefficients says "divergent", so a convergent
fraction with a large value or large coefficients keeps its limit and δ. A ``divergent``
record never reports digits.

Every undefined number is ``None`` (never NaN or a sentinel), so :meth:`Dynamics.as_dict`
is plain JSON. The definitions, the classification rules and where they depart from the
paper are in ``docs/dynamics.md``.

>>> r = dynamics((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))      # Apéry: 6/zeta(3)
>>> r.convergence, r.fr, round(r.delta_fr, 3), r.limit[:12]
('exponential', True, 0.086, '4.9914442354')
>>> dynamics((1, 0), (1, -3)).convergence                       # b(3) = 0: finite
'rational'
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import gmpy2
import numpy as np
from gmpy2 import mpz

from ..display import Displayed
from ..errors import BrounckerError
from ..limits import DEPTH, check_memory, walk_bytes
from ..pcf.convergent import Convergent, delta_of, log10_abs
from ..pcf.polynomial import Coefficients, add, degree, evaluate, keeps_sign_beyond, multiply, normalize, scale
from ..pcf.value import tail_log10_error
from ..pcf.walk import walk, walk_checkpoints
from ..plain import Plain
from ..precision import TEXT_ROUNDING
from ..printing import latex_number, leading_digits

DEFAULT_DEPTH = 2000  # N of arXiv 2412.16818
MIN_DEPTH = 16  # m = 8 still gives five distinct sample depths {1, 2, 4, 6, 8}
FIRST_SAMPLE = 6  # the first sample depth (arXiv 2412.16818 reference code, depths_for_fit)
FR_SLOPE_TOLERANCE = 0.05  # |d| below this means factorial reduction (arXiv 2412.16818)
EIGENVALUE_DEPTH = 10**9  # n at which the characteristic roots are compared
MIN_DIGITS = 1  # fewer trustworthy digits than this: no digits settle (divergent or unknown)
SETTLE_SAMPLES = 3  # |L - p(n)/q(n)| must fall strictly over the last three sample depths (chosen here)
FACTORIAL_ETA = 0.5  # eta <= -0.5: factorial; a factorial PCF has eta = -(2 deg a - deg b), an integer
EXPONENTIAL_GAMMA = 0.01  # gamma <= -0.01 nats/term (0.0043 digits/term): exponential (chosen here)
EXACT_DIGITS = 100  # decimals printed for an exact rational limit; its exact value is in `fraction`

CONVERGENT_TYPES = ("exponential", "factorial", "polynomial")  # the digits grow with the depth: limit and δ are filled in
CONVERGENCE_TYPES = (*CONVERGENT_TYPES, "divergent", "rational", "unknown")

_LN10 = math.log(10.0)


@dataclass(frozen=True, slots=True)
class Dynamics(Displayed, Plain):
    """The convergence-dynamics record of PCF(a, b) at one depth (see the module docstring)."""

    depth: int  # N; the sample depths go up to m = N // 2
    limit: str | None  # decimal text of p(N)/q(N) to `digits` decimals; None when no digit settles
    digits: int  # trustworthy decimals of `limit` (EXACT_DIGITS for an exact rational)
    convergence: str  # one of CONVERGENCE_TYPES
    fr: bool  # factorial reduction: |d| < FR_SLOPE_TOLERANCE
    c: float | None  # ln q~(n) ~ c n + d n ln n
    d: float | None  # 0.0 when fr
    delta_naive: float | None  # blind delta at m with q(m)
    delta_fr: float | None  # blind delta at m with q~(m)
    eig_ratio_log: float | None  # ln|(a + sqrt disc)/(a - sqrt disc)| at n = 10^9; None if complex
    complex_eigenvalues: bool  # a(n)^2 + 4 b(n) < 0 at n = 10^9
    predicted_delta: float | None  # |eig_ratio_log| / (c + d ln m) - 1
    beta: float | None  # ln|L - p(n)/q(n)| ~ beta ln n + gamma n + eta n ln n
    gamma: float | None
    eta: float | None
    digits_per_term: float | None  # digits / depth; None for an exact rational
    growth_fit_residual: float | None  # RMS residual of the ln q~ fit (nats)
    convergence_fit_residual: float | None  # RMS residual of the ln|L - p/q| fit (nats)
    fraction: str | None = None  # the exact value "u/v" when convergence is rational

    def latex(self) -> tuple[str, str]:
        """The limit and the measures of convergence."""
        limit = r"\text{none}" if self.limit is None else leading_digits(self.limit) + r"\ldots"
        return (
            rf"L = {limit}\quad\text{{({self.digits} digits at depth {self.depth}; {self.convergence}{', FR' if self.fr else ''})}}",
            rf"\delta_{{\mathrm{{FR}}}} = {latex_number(self.delta_fr)},\quad \delta = {latex_number(self.delta_naive)},\quad "
            rf"\frac{{\text{{digits}}}}{{\text{{term}}}} = {latex_number(self.digits_per_term)}",
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Dynamics":
        """Inverse of :meth:`as_dict`; also accepts the ``"nan"``/``"inf"`` strings of the CLI."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if isinstance(value, str) and value in ("nan", "inf", "-inf"):
                value = None if value == "nan" else float(value)
            if f.name in ("depth", "digits") and value is not None:
                value = int(value)
            elif f.name in ("fr", "complex_eigenvalues"):
                value = bool(value)
            elif isinstance(value, int) and not isinstance(value, bool) and f.name not in ("limit", "convergence", "fraction"):
                value = float(value)
            values[f.name] = value
        return cls(**values)


def sample_depths(depth: int) -> list[int]:
    """The sample depths $\\{6, m/8, m/4, m/2, m\\}$ with $m = N/2$, deduplicated, in $[1, m]$.

    >>> sample_depths(2000)
    [6, 125, 250, 500, 1000]
    """
    m = depth // 2
    return sorted({n for n in (FIRST_SAMPLE, m // 8, m // 4, m // 2, m) if 1 <= n <= m})


def dynamics(a: Sequence[int], b: Sequence[int], depth: int = DEFAULT_DEPTH, *, limit_digits: int | None = None) -> Dynamics:
    """The dynamics record of PCF(a, b) at ``depth`` from one exact walk.

    ``limit_digits`` caps the decimals printed in ``limit`` (for storage); ``digits`` still
    reports every trustworthy digit.
    """
    a, b = normalize(a), normalize(b)
    depth = DEPTH.check(int(depth))
    check_memory(walk_bytes(a, b, depth), f"a walk to depth {depth:,}", "lower --depth")
    if depth < MIN_DEPTH:
        raise BrounckerError(f"depth must be at least {MIN_DEPTH} for the dynamics fits, got {depth}")
    m = depth // 2
    samples = sample_depths(depth)
    convergents = walk_checkpoints(a, b, [*samples, depth])
    last = convergents[-1]
    at = dict(zip(samples, convergents[:-1]))

    ln_reduced_q = {n: _ln_abs(at[n].reduced_q) for n in samples}  # one gcd per sample depth
    c, d, fr, growth_residual = growth_fit(samples, [ln_reduced_q[n] for n in samples])
    eig, complex_eig = eigenvalue_ratio_log(a, b)
    predicted = None
    if eig is not None and c is not None and d is not None:
        rate = c + d * math.log(m)
        predicted = abs(eig) / rate - 1 if rate > 0 else None

    common: dict[str, Any] = dict(depth=depth, fr=fr, c=c, d=d, eig_ratio_log=eig, complex_eigenvalues=complex_eig,
                  predicted_delta=predicted, growth_fit_residual=growth_residual)
    no_limit: dict[str, Any] = dict(delta_naive=None, delta_fr=None, beta=None, gamma=None, eta=None, convergence_fit_residual=None)

    exact, value = _exact_value(a, b, last, at[m])
    if exact and value is None:  # a finite fraction equal to x/0
        return Dynamics(limit=None, digits=0, convergence="divergent", digits_per_term=0.0, **common, **no_limit)
    if value is not None:
        places = EXACT_DIGITS if limit_digits is None else min(EXACT_DIGITS, limit_digits)
        return Dynamics(limit=decimal_text(value.numerator, value.denominator, places), digits=EXACT_DIGITS,
                        convergence="rational", digits_per_term=None, fraction=_fraction_text(value), **common, **no_limit)

    if last.q == 0:  # p(N)/q(N) is no number at this one depth: nothing to judge by
        return Dynamics(limit=None, digits=0, convergence="unknown", digits_per_term=0.0, **common, **no_limit)
    errors = [at[n].log10_gap(last) * _LN10 for n in samples]  # ln|L - p(n)/q(n)|, exactly from the integers
    digits = trustworthy_digits(a, last, at[m]) if _settles(errors) else 0
    if digits < MIN_DIGITS:
        verdict = "divergent" if diverges(a, b, at[m], last, complex_eig) else "unknown"
        return Dynamics(limit=None, digits=0, convergence=verdict, digits_per_term=0.0, **common, **no_limit)
    places = digits if limit_digits is None else min(digits, limit_digits)
    if not digits_grow(a, last, at[m], at[m // 2]):  # honest digits, but no sign yet that more depth brings more
        return Dynamics(limit=decimal_text(last.p, last.q, places), digits=digits, convergence="unknown",
                        digits_per_term=digits / depth, **common, **no_limit)

    (beta, gamma, eta), conv_residual = _fit(samples, errors, _convergence_basis)
    ln_err_m = errors[samples.index(m)]
    delta_naive = delta_of(ln_err_m, _ln_abs(at[m].q))
    delta_fr = delta_of(ln_err_m, ln_reduced_q[m])

    return Dynamics(
        limit=decimal_text(last.p, last.q, places),
        digits=digits,
        convergence=_convergence_type([c for c in convergents if c.depth >= m // 8]),
        delta_naive=delta_naive,
        delta_fr=delta_fr,
        beta=beta,
        gamma=gamma,
        eta=eta,
        digits_per_term=digits / depth,
        convergence_fit_residual=conv_residual,
        **common,
    )


def eigenvalue_ratio_log(a: Coefficients, b: Coefficients, n: int = EIGENVALUE_DEPTH) -> tuple[float | None, bool]:
    r"""$(\ln|(a+\sqrt\Delta)/(a-\sqrt\Delta)|, \Delta < 0)$ for $x^2 - a(n)x - b(n)$, $\Delta = a^2 + 4b$.

    The ratio is ``None`` when the roots are complex, or when one root is 0 ($b(n) = 0$).
    Since $(a+\sqrt\Delta)(a-\sqrt\Delta) = -4b$, the smaller factor is never formed by
    subtraction.

    >>> round(eigenvalue_ratio_log((2, 1), (1, 0, 0))[0], 6)      # 2 ln(1 + sqrt 2)
    1.762747
    """
    an, bn = mpz(evaluate(a, n)), mpz(evaluate(b, n))
    disc = an * an + 4 * bn
    if disc < 0:
        return None, True
    if bn == 0:
        return None, False
    with gmpy2.context(gmpy2.get_context(), precision=int(disc.bit_length()) + 64):
        root = gmpy2.sqrt(gmpy2.mpfr(disc))
        big = 2 * gmpy2.log(abs(an) + root) - gmpy2.log(gmpy2.mpfr(4 * abs(bn)))
    return (float(big) if an >= 0 else -float(big)), False


def trustworthy_digits(a: Coefficients, last: Convergent, middle: Convergent) -> int:
    r"""Decimals to which $p(N)/q(N)$, printed, is within one unit of the last place of $L$.

    The tail bound is :func:`brouncker.pcf.value.tail_log10_error` (``last`` at $N$,
    ``middle`` at $m$); printing rounds by half a unit more, so the bound must be below
    half a unit of the last place.
    """
    lg_error = tail_log10_error(a, last, middle)
    return max(0, math.floor(-lg_error - TEXT_ROUNDING)) if math.isfinite(lg_error) else 0


def digits_grow(a: Coefficients, last: Convergent, middle: Convergent, early: Convergent) -> bool:
    r"""Whether the tail bound on $|L - p(n)/q(n)|$ (:func:`brouncker.pcf.value.tail_log10_error`)
    is smaller at $N$ (``last``, with ``middle`` at $m$) than at $m$ (with ``early`` at
    $m/2$): the trustworthy digits grow with the depth.

    >>> from brouncker.pcf.walk import walk_checkpoints
    >>> digits_grow((2, 1), *reversed(walk_checkpoints((2, 1), (1, 0, 0), [50, 100, 200])))   # 4/pi
    True
    """
    at_last = tail_log10_error(a, last, middle)
    return math.isfinite(at_last) and at_last < tail_log10_error(a, middle, early)


def diverges(a: Coefficients, b: Coefficients, middle: Convergent, last: Convergent, complex_eigenvalues: bool) -> bool:
    r"""Whether a fraction none of whose digits settle by depth $N$ (``last``) shows why.

    Only where the recurrence is past its transients ($a$, $b$ and $\Delta = a^2 + 4b$
    keep their signs beyond $m$, the depth of ``middle``), and then when the
    characteristic roots are complex at an angle that stays away from the real axis
    ($\deg \Delta \ge 2 \deg a$: the two solutions of the real recurrence are conjugate
    and their ratio turns by a fixed angle per step, so $p/q$ has no limit; a smaller
    $\Delta$ lets the angle tend to 0, and the turning may stop), or when the consecutive
    differences $|p(n)/q(n) - p(n-1)/q(n-1)|$ do not fall from $m$ to $N$ (an oscillation
    between two limits, or a value running off). Anything else is in doubt: a slow convergence
    such as $1/\ln n$ looks the same at finite depth.

    >>> from brouncker.pcf.walk import walk_checkpoints
    >>> diverges((2,), (-1, 0, 0), *walk_checkpoints((2,), (-1, 0, 0), [1000, 2000]), True)     # 2 - n^2/(2 - ...)
    True
    >>> diverges((2, 1), (-1, 0, 0), *walk_checkpoints((2, 1), (-1, 0, 0), [1000, 2000]), False)   # 1/H(n+1) -> 0
    False
    """
    disc = add(multiply(a, a), scale(b, 4))
    if not all(keeps_sign_beyond(f, middle.depth) for f in (a, b, disc) if f != (0,)):
        return False
    if complex_eigenvalues and degree(disc) >= 2 * degree(a):
        return True
    at_middle, at_last = middle.log10_error_bound(), last.log10_error_bound()
    return math.isfinite(at_middle) and math.isfinite(at_last) and at_last >= at_middle


def _settles(ln_errors: Sequence[float]) -> bool:
    """Whether $|L - p(n)/q(n)|$ falls strictly over the last ``SETTLE_SAMPLES`` sample depths.

    Oscillating fractions (complex eigenvalues) can show a small last difference by
    chance; their distances to the blind limit do not fall steadily.
    """
    tail = list(ln_errors[-SETTLE_SAMPLES:])
    return all(math.isfinite(y) or y == -math.inf for y in tail) and all(x > y for x, y in zip(tail, tail[1:]))


def decimal_text(p: int | mpz, q: int | mpz, places: int) -> str:
    """$p/q$ rounded to ``places`` decimals, exactly (no floating point).

    >>> decimal_text(-22, 7, 5), decimal_text(1, 3, 0), decimal_text(-1, 300, 2)
    ('-3.14286', '0', '0.00')
    """
    p, q = mpz(p), mpz(q)
    if q < 0:
        p, q = -p, -q
    scaled = (2 * abs(p) * mpz(10) ** places + q) // (2 * q)  # round half up
    sign = "-" if p < 0 and scaled else ""
    text = scaled.digits(10).rjust(places + 1, "0")
    return sign + (f"{text[:-places]}.{text[-places:]}" if places > 0 else text)


def _exact_value(a: Coefficients, b: Coefficients, last: Convergent, middle: Convergent) -> tuple[bool, Any]:
    """``(exact, value)``: whether the value is an exact rational, and that rational (``mpq``).

    A finite fraction whose value has denominator 0 gives ``(True, None)``; a fraction
    that is not (known to be) rational gives ``(False, None)``.
    """
    if last.finite_at is not None:
        stop = walk(a, b, last.finite_at - 1)  # the fraction ends at depth finite_at - 1
        return True, (gmpy2.mpq(stop.p, stop.q) if stop.q != 0 else None)
    if last.q != 0 and middle.q != 0 and last.p * middle.q == middle.p * last.q:
        return True, gmpy2.mpq(last.p, last.q)
    return False, None


def _fraction_text(value: Any) -> str:
    """``"u/v"`` in lowest terms, or ``"u"`` (gmpy2 prints integers of any length)."""
    numerator, denominator = mpz(value.numerator), mpz(value.denominator)
    return numerator.digits(10) + ("" if denominator == 1 else "/" + denominator.digits(10))


def _convergence_type(convergents: Sequence[Convergent]) -> str:
    r"""Factorial, exponential or polynomial, from the decay of consecutive differences.

    ``convergents`` are those at $N/16, N/8, N/4, N/2, N$: a geometric grid, without the
    pre-asymptotic depth 6, on which a pure power law fits with $|\gamma| < 0.002$ over
    the degree-2 space at $N = 2000$ (and a true exponential has $\gamma < -0.1$).
    """
    points = [(c.depth, c.log10_error_bound() * _LN10) for c in convergents]
    points = [(n, y) for n, y in points if math.isfinite(y)]
    if len(points) < 4:
        return "polynomial"
    ns, ys = zip(*points)
    (_, _, gamma, eta), _ = _fit(list(ns), list(ys), _classification_basis)
    if eta is not None and eta <= -FACTORIAL_ETA:
        return "factorial"
    if gamma is not None and gamma <= -EXPONENTIAL_GAMMA:
        return "exponential"
    return "polynomial"


def growth_fit(ns: list[int], ln_q: list[float]) -> tuple[float | None, float | None, bool, float | None]:
    """$(c, d, fr, residual)$ of $\\ln \\tilde q(n) \\approx c n + d n \\ln n$, refitted with $c$ alone under FR."""
    (c, d), residual = _fit(ns, ln_q, _growth_basis)
    if d is None or abs(d) >= FR_SLOPE_TOLERANCE:
        return c, d, False, residual
    (c,), residual = _fit(ns, ln_q, _linear_basis)
    return c, 0.0, True, residual


def _linear_basis(n: np.ndarray) -> list[np.ndarray]:
    return [n]


def _growth_basis(n: np.ndarray) -> list[np.ndarray]:
    return [n, n * np.log(n)]


def _convergence_basis(n: np.ndarray) -> list[np.ndarray]:
    return [np.log(n), n, n * np.log(n)]


def _classification_basis(n: np.ndarray) -> list[np.ndarray]:
    return [np.ones_like(n), np.log(n), n, n * np.log(n)]


@functools.lru_cache(maxsize=256)
def _design(basis: Callable[[np.ndarray], list[np.ndarray]], ns: tuple[int, ...]) -> np.ndarray:
    """The design matrix of ``basis`` at the depths ``ns`` (the same few for every PCF)."""
    design = np.stack(basis(np.array(ns, dtype=float)), axis=1)
    design.flags.writeable = False
    return design


def _fit(
    ns: Sequence[int], ys: Sequence[float], basis: Callable[[np.ndarray], list[np.ndarray]]
) -> tuple[tuple[float | None, ...], float | None]:
    """Linear least squares over the finite points; ``None`` when there are too few."""
    width = len(basis(np.ones(1)))
    kept = [(n, y) for n, y in zip(ns, ys) if math.isfinite(y)]
    if len(kept) < width:
        return (None,) * width, None
    design = _design(basis, tuple(n for n, _ in kept))
    y = np.array([y for _, y in kept], dtype=float)
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    residual = float(np.sqrt(np.mean((design @ solution - y) ** 2)))
    return tuple(float(v) for v in solution), residual


def _ln_abs(x: int | mpz) -> float:
    """$\\ln|x|$ of an integer of any size; $-\\infty$ for 0."""
    return log10_abs(x) * _LN10
