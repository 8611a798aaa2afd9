r"""Integer relations among real numbers: one finder, one cost, one normal form, one rule.

A relation of values $v_1, \dots, v_n$ known to $D$ digits is an integer vector $r \ne 0$
with $\sum r_i v_i = 0$. It is found with python-flint's LLL on the lattice of rows
$(e_i, \lfloor 10^s v_i \rceil)$ (mpmath's PSLQ is the slower cross-check), written
primitive (:func:`~brouncker.pcf.polynomial.primitive`), priced by :func:`cost`, the digits its coefficients take,
$\sum_{r_i \ne 0} \log_{10} |r_i|$, and **accepted** when

1. its cost is within :func:`allowed_cost`: $D - \text{cost} \ge m$, the margin of
   :func:`required_margin` (:data:`~brouncker.precision.MARGIN` digits of evidence, plus
   $\log_{10} N$ when $N$ relations were tried on the same value: the chance of a fluke
   grows with the number of places one looks), and the cost takes at most
   :data:`~brouncker.precision.COEFFICIENT_SHARE` of the $E - m$ digits it is checked on,
   so the coefficients may grow with the evidence and with nothing else;
2. it vanishes on the values to the noise of their last digit (:func:`residual_ok`);
3. it holds again on a deeper value, at about :data:`~brouncker.precision.RECHECK_FACTOR`
   times the digits, when one is at hand (:func:`holds`).

A caller may still cap every coefficient on purpose (``max_coefficient``, e.g. to look for
small formulas only); the rule itself has no cap but what an expression can hold.

>>> from mpmath import mp
>>> with mp.workdps(60):
...     mobius_relation(+mp.pi, 4 / mp.pi, 50)
(4, 0, 0, -1)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import flint
import mpmath
from mpmath import mp, mpf

from ..limits import NUMBER_DIGITS
from ..pcf.polynomial import primitive
from ..precision import COEFFICIENT_SHARE, MARGIN, RECHECK_FACTOR, RELATION_GUARD_DIGITS, RESIDUAL_SLACK, SEARCH_MARGIN

Relation = tuple[int, ...]

PSLQ_MAX_STEPS = 20_000  # PSLQ iterations before it gives up on one group of values


def cost(relation: Sequence[int]) -> float:
    r"""$\sum_{r_i \ne 0} \log_{10} |r_i|$: the digits that the coefficients take.

    A coefficient $\pm 1$ costs nothing and a zero takes no part: the count of integer
    vectors of cost at most $c$ grows like $10^c$, which is what the margin is measured
    against (a count of decimal digits would charge 1 for a 1 and 2 for a 10).

    >>> round(cost((6, 0, 0, -1)), 3), cost((1, -1))
    (0.778, 0.0)
    """
    return sum(math.log10(abs(r)) for r in relation if r)


def required_margin(tried: int, margin: float = MARGIN) -> float:
    """Digits of evidence a relation needs when ``tried`` relations were tried on one value:
    ``margin`` plus log10(tried), so that the chance of a fluke stays at 10^-margin.

    >>> required_margin(1), round(required_margin(1612), 2)
    (12.0, 15.21)
    """
    return float(margin) + math.log10(max(1, int(tried)))


WRITABLE = 10**NUMBER_DIGITS.large
"""Coefficients below this can be written in an expression that reads back (and printed:
Python's int-to-text conversion stops at 4,300 digits)."""


def within_cap(relation: Sequence[int], max_coefficient: int | None = None) -> bool:
    """No coefficient beyond ``max_coefficient`` (``None``: none beyond what an expression holds)."""
    cap = WRITABLE if max_coefficient is None else min(max_coefficient, WRITABLE)
    return max(abs(int(r)) for r in relation) <= cap


def allowed_cost(digits: int, margin: float, checked: int | None = None) -> float:
    r"""The largest cost of an acceptable relation found with ``digits`` digits ($D$) and
    checked on ``checked`` digits ($E$, default $D$; a re-check on a deeper value counts):
    $\min(D - m, s\,(E - m))$ with $s$ = :data:`~brouncker.precision.COEFFICIENT_SHARE`.

    It must pass the margin $m$ where it was found, and leave half of the evidence beyond the
    margin unexplained: a coefficient cap that follows the digits. Without a re-check, 30
    digits allow 9 digits of coefficients and 300 allow 144; with a re-check at twice the
    digits the margin alone decides.

    >>> allowed_cost(30, 12), allowed_cost(300, 12), allowed_cost(50, 12, checked=100)
    (9.0, 144.0, 38.0)
    """
    evidence = digits if checked is None else max(digits, checked)
    return float(min(digits - margin, COEFFICIENT_SHARE * (evidence - margin)))


def accepted(relation: Sequence[int], digits: int, margin: float, columns: Sequence[int],
             max_coefficient: int | None = None, checked: int | None = None) -> bool:
    """The acceptance rule (module docstring, points 1-2) for a relation of values known to
    ``digits`` digits, given as fixed-point ``columns`` (see :func:`fixed_point`), that will
    be checked on ``checked`` digits (:func:`allowed_cost`)."""
    return (within_cap(relation, max_coefficient) and cost(relation) <= allowed_cost(digits, margin, checked)
            and residual_ok(relation, columns))


# --- fixed point ------------------------------------------------------------------------


def scale_exponent(magnitude: mpf, digits: int) -> int:
    r"""$s$ with $10^s |m|$ about $10^{\text{digits}}$: the last trusted digit of a value of
    size ``magnitude`` lands near $10^0$ (values below 1 keep ``digits`` decimals).

    >>> scale_exponent(mpf(3), 50), scale_exponent(mpf("1234.5"), 50), scale_exponent(mpf("0.01"), 50)
    (49, 46, 49)
    """
    size = 0 if magnitude == 0 else int(mpmath.floor(mpmath.log10(abs(magnitude))))
    return max(1, digits - max(0, size) - 1)


def fixed_point(value: mpf, exponent: int) -> int:
    r"""$\lfloor 10^{\text{exponent}}\, v \rceil$.

    >>> fixed_point(mpf("3.14159"), 3)
    3142
    """
    with mp.workdps(exponent + RELATION_GUARD_DIGITS + 10):
        return int(mpmath.nint(value * mpf(10) ** exponent))


def fixed_point_vector(values: Sequence[mpf], digits: int) -> tuple[list[int], int]:
    """The values as integers at one scale that keeps ``digits`` digits of the largest, and
    that scale's exponent."""
    exponent = scale_exponent(max((abs(v) for v in values), default=mpf(0)), digits)
    return [fixed_point(v, exponent) for v in values], exponent


def residual_ok(relation: Sequence[int], columns: Sequence[int]) -> bool:
    r"""The relation vanishes on fixed-point values to the noise of their last digits:
    $|\sum r_i V_i| \le 10^{\text{RESIDUAL\_SLACK}} (1 + \sum |r_i|)$.

    >>> residual_ok((2, 0, -1), [1414213562373095, 10**15, 2828427124746190])
    True
    >>> residual_ok((2, 0, -1), [1414213562373095, 10**15, 2828427124746990])
    False
    """
    residual = abs(sum(int(r) * int(v) for r, v in zip(relation, columns)))
    return residual <= 10**RESIDUAL_SLACK * (1 + sum(abs(int(r)) for r in relation))


def holds(relation: Sequence[int], values: Sequence[mpf], digits: int) -> bool:
    """Whether the relation vanishes on ``values`` known to ``digits`` digits.

    >>> with mp.workdps(200):
    ...     holds((4, -1), [1 / mp.pi, 4 / mp.pi], 150), holds((4, -1), [1 / mp.pi, 4 / mp.pi + mpf(10) ** -100], 150)
    (True, False)
    """
    columns, _ = fixed_point_vector(values, digits)
    return residual_ok(relation, columns)


# --- finding ------------------------------------------------------------------------------


def lll_relations(columns: Sequence[int]) -> list[Relation]:
    r"""Short integer vectors $r$ with $\sum r_i V_i \approx 0$, from LLL.

    ``columns`` are the values in fixed point ($\lfloor 10^s v_i \rceil$). The lattice rows
    are $(e_i, V_i)$; each reduced row gives a candidate (its first $n$ entries, primitive),
    in LLL's order.

    >>> lll_relations([1414213562373095, 10**15, 2828427124746190])[0]
    (2, 0, -1)
    """
    n = len(columns)
    rows = [[1 if j == i else 0 for j in range(n)] + [int(columns[i])] for i in range(n)]
    reduced = flint.fmpz_mat(rows).lll()
    out = []
    for row in reduced.tolist():
        r = tuple(int(v) for v in row[:n])
        if any(r):
            out.append(primitive(r))
    return out


def pslq_relation(values: Sequence[mpf], digits: int, max_coefficient: int) -> Relation | None:
    """mpmath's PSLQ on values known to ``digits`` decimals (a slower cross-check of LLL),
    primitive."""
    size = max((abs(v) for v in values if v), default=mpf(1))
    magnitude = max(0, int(mpmath.floor(mpmath.log10(size))))
    with mp.workdps(digits + magnitude + 5):
        found = mpmath.pslq(
            [mpf(v) for v in values],
            tol=mpf(10) ** (-(digits - RESIDUAL_SLACK)),
            maxcoeff=int(max_coefficient),
            maxsteps=PSLQ_MAX_STEPS,
        )
    return None if found is None else primitive(found)


def search_digits(digits: int, size: int, max_coefficient: int | None) -> int:
    r"""Digits the lattice needs to find every relation that can be accepted.

    With coefficients capped at $10^h$ by the caller, a relation among ``size`` values costs
    at most ``size`` $\cdot h$ digits, and LLL finds it once the values carry
    :data:`~brouncker.precision.SEARCH_MARGIN` digits more; the full ``digits`` then only
    check it (fresh digits for the candidates). Without a cap, :func:`allowed_cost` lets a
    single coefficient take a share of all the digits, and the lattice gets every one.

    >>> search_digits(100, 4, 10**9), search_digits(30, 4, 10**9), search_digits(100, 4, None)
    (51, 30, 100)
    """
    if max_coefficient is None:
        return digits
    bound = size * math.log10(max(max_coefficient, 2)) + SEARCH_MARGIN
    return min(digits, int(math.ceil(bound)))


def candidates(columns: Sequence[int], exponent: int, method: str = "lll",
               max_coefficient: int | None = None) -> list[Relation]:
    """Relations of the fixed-point values ``columns`` (at scale ``10^exponent``) within the
    coefficient cap, cheapest first: every reduced row of LLL, or PSLQ's one relation."""
    if method == "lll":
        found = lll_relations(columns)
    elif method == "pslq":
        with mp.workdps(exponent + RELATION_GUARD_DIGITS + len(str(max(abs(c) for c in columns)))):
            values = [mpf(c) / mpf(10) ** exponent for c in columns]
        cap = max_coefficient or 10 ** max(1, exponent - MARGIN)
        one = pslq_relation(values, exponent, cap)
        found = [] if one is None else [one]
    else:
        from ..errors import BrounckerError

        raise BrounckerError(f"unknown method '{method}'; use 'lll' or 'pslq'")
    return sorted((r for r in found if within_cap(r, max_coefficient)), key=lambda r: (cost(r), sum(c * c for c in r)))


def with_combinations(relations: Sequence[Relation]) -> list[Relation]:
    """``relations`` (each one already accepted) with the sum and the difference of every
    pair, primitive, cheapest first. Two independent relations hold at once when a constant
    is algebraic (``sqrt3`` satisfies $K^2 = 3$), and a combination of them can cost less than
    either, which LLL's reduced rows need not show; a combination of relations is one too,
    so it adds no chance coincidence to the look-elsewhere count.

    >>> with_combinations([(3, 4, -5, -1), (3, -7, -6, 1)])[0]
    (0, 11, 1, -2)
    """
    out = set(relations)
    for i, r in enumerate(relations):
        for q in relations[i + 1:]:
            for sign in (1, -1):
                combined = tuple(x + sign * y for x, y in zip(r, q))
                if any(combined):
                    out.add(primitive(combined))
    return sorted(out, key=lambda r: (cost(r), sum(c * c for c in r), r))


def tried(size: int, method: str = "lll") -> int:
    """Relations one search among ``size`` values tries: every reduced row of LLL, or PSLQ's one."""
    return size if method == "lll" else 1


# --- Möbius maps between two values -----------------------------------------------------------


def mobius_relation(x: mpf, y: mpf, digits: int, margin: float = MARGIN,
                    max_coefficient: int | None = None, checked: int | None = None) -> Relation | None:
    r"""The cheapest accepted relation $r_0 + r_1 x + r_2 y + r_3 xy = 0$ among
    $[1, x, y, xy]$ at ``digits`` digits, i.e. $y = -(r_0 + r_1 x)/(r_2 + r_3 x)$, that is a
    genuine Möbius map ($r_0 r_3 \ne r_1 r_2$); primitive, or None. ``checked``: the digits
    the caller will re-check it on (:func:`allowed_cost`).

    >>> with mp.workdps(60):
    ...     mobius_relation(+mp.e, (2 * mp.e - 1) / (mp.e + 3), 50)
    (1, -2, 3, 1)
    """
    with mp.workdps(digits + RELATION_GUARD_DIGITS):
        x, y = mpf(x), mpf(y)
        columns, exponent = fixed_point_vector([mpf(1), x, y, x * y], digits)
    need = required_margin(tried(4), margin)
    for r in candidates(columns, exponent, "lll", max_coefficient):
        if r[0] * r[3] != r[1] * r[2] and accepted(r, digits, need, columns, max_coefficient, checked):
            return r
    return None


def relate(x: mpf, x_digits: int, y: mpf, y_digits: int, digits: int,
           recheck: int | None = None) -> tuple[Relation | None, bool]:
    """``(relation, confirmed)``: a Möbius relation between two values found at ``digits``
    digits, and whether it holds again at ``recheck`` digits (default
    ``RECHECK_FACTOR * digits``) on the more precise values given; ``(None, False)`` when the
    values carry fewer than ``digits`` digits or no relation is accepted.

    >>> with mp.workdps(130):
    ...     relate(+mp.pi, 120, 4 / mp.pi, 120, 50)
    ((4, 0, 0, -1), True)
    """
    recheck = RECHECK_FACTOR * digits if recheck is None else recheck
    if min(x_digits, y_digits) < digits:
        return None, False
    depth = min(recheck, x_digits, y_digits)
    relation = mobius_relation(x, y, digits, checked=depth if depth >= recheck else None)
    if relation is None:
        return None, False
    if depth < recheck:
        return relation, False
    with mp.workdps(depth + RELATION_GUARD_DIGITS):
        confirmed = holds(relation, [mpf(1), x, y, x * y], depth)
    return relation, confirmed
