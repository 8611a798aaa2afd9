r"""Integer relations between a number and the constant bank.

A value $x$ known to $D$ digits is matched, in this order, against

* a rational $p/q$: a relation among $[x, 1]$;
* a Möbius form $x = (c_0 + c_1 K)/(c_2 + c_3 K)$ for each bank constant $K$: a relation
  among $[x, 1, K, xK]$;
* two constants at once, $x (d_0 + d_1 K_1 + d_2 K_2) = c_0 + c_1 K_1 + c_2 K_2$: a
  relation among $[x, 1, K_1, K_2, x K_1, x K_2]$.

Relations are found with LLL from python-flint on the lattice spanned by the rows
$(e_i, \lfloor 10^s v_i \rceil)$; mpmath's PSLQ is offered as a cross-check
(``method="pslq"``). A relation $r$ is **accepted** only when

1. its cost $\sum_{r_i \ne 0} \log_{10} |r_i|$ (the digits the coefficients take) leaves
   at least ``margin`` (default :data:`MARGIN`) of the $D$ digits unexplained: a random
   number satisfies some relation of cost about $\tfrac{n}{n-1} D > D$ among $n$ values,
   so $D - \text{cost}$ is the evidence;
2. its residual is at the noise level of the $D$-digit value;
3. it still holds on a deeper value, at about $2D$ digits, when one is given (always in
   :func:`identify_pcf` and :func:`confirm`, which compute it themselves).

Among accepted relations the cheapest wins; a rational before a single constant before two.

Every coefficient is capped at :data:`MAX_COEFFICIENT` ($10^9$; ``max_coefficient=None``
lifts it): larger ones are not formulas. The cap bounds the cost of any acceptable
relation, so the lattice is built from only the leading :func:`search_digits` digits
(about 51 for a Möbius form) and the candidates are checked on all $D$: at 100 digits
this halves the work of LLL. Bank values are cached per precision. Measured
(``scripts/bench_identify.py``, one core): a 100-digit value against the whole bank
(23 constants) in about 2.5–3 ms of CPU; all 253 pairs of the bank in about 90 ms.

>>> identify("1.2732395447351626861510701069801148962756771659236515899813387524711743810738122807", 80).expression
'4/pi'
>>> identify_pcf("34n^3+51n^2+27n+5", "-n^6", digits=40).expression
'6/zeta(3)'
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import combinations
from typing import Any

import flint
import gmpy2
import mpmath
from mpmath import mp, mpf

from ..constants import BANK, VALUE_EXPONENT, constant_value, parse_constant
from ..errors import BrounckerError, ParseError, UnknownConstantError
from ..limits import DIGITS
from ..pcf.limit import GUARD_DIGITS, MAX_DEPTH, Limit, pcf_limit

MARGIN = 12  # digits of evidence beyond the coefficients' cost (DESIGN.md: identification)
RESIDUAL_SLACK = 2  # a relation must vanish to within 10^2 units of the value's last digit
DEFAULT_DIGITS = 50  # digits used to find a relation for a PCF; re-checked at twice as many
RECHECK_FACTOR = 2  # the deeper value carries about this many times the digits
MAX_VALUE_TEXT = 100_000  # longest decimal text accepted
MAX_COEFFICIENT = 10**9  # a formula's coefficients fit in 9 digits; None lifts the cap
SEARCH_MARGIN = 15  # digits beyond the largest acceptable cost that the lattice is given

_DISPLAY = {"zeta2": "zeta(2)", "zeta3": "zeta(3)", "zeta4": "zeta(4)", "zeta5": "zeta(5)"}
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,6})?")


@dataclass(frozen=True, slots=True)
class Identification:
    r"""An accepted integer relation and the closed form it gives for $x$.

    ``relation`` holds the integer coefficients over ``basis`` (``x`` stands for the
    value): ``relation · basis = 0``.
    """

    expression: str  # "6/zeta(3)"; parseable by brouncker.constants.parse_constant
    constants: tuple[str, ...]  # bank names used, e.g. ("zeta3",)
    relation: tuple[int, ...]  # integer relation over basis
    basis: tuple[str, ...]  # e.g. ("x", "1", "zeta3", "x*zeta3")
    excess_digits: int  # digits - cost of the coefficients
    value: str  # x as decimal text, to `digits` digits
    digits: int  # digits of x the relation was found with
    checked_digits: int | None = None  # digits of the deeper value it was re-checked on
    method: str = "lll"

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "digits": self.digits,
            "expression": self.expression,
            "constants": list(self.constants),
            "relation": list(self.relation),
            "basis": list(self.basis),
            "excess_digits": self.excess_digits,
            "checked_digits": self.checked_digits,
            "method": self.method,
        }


# --- values --------------------------------------------------------------------------


def parse_decimal(text: str) -> tuple[mpf, int]:
    """A decimal number from text, and its count of significant digits; never ``eval``.

    >>> value, digits = parse_decimal("-0.000314159e4")
    >>> mpmath.nstr(value, 6), digits
    ('-3.14159', 6)
    """
    if not isinstance(text, str):
        raise ParseError(f"cannot use {type(text).__name__} as a decimal number")
    if len(text) > DIGITS.bound + _DECIMAL_SYNTAX:  # refuse a huge text before reading it
        DIGITS.check(len(text), "the length of the value in characters")
    stripped = text.strip()
    match = _DECIMAL.fullmatch(stripped) if stripped.isascii() else None
    if match is None:
        raise ParseError(f"cannot parse '{text[:60]}': expected a decimal number such as 1.2732395447")
    mantissa = match.group(1).replace(".", "").lstrip("0")
    significant = DIGITS.check(max(len(mantissa), 1), "the number of digits of the value")
    return _decimal_value(match, significant), significant


_DECIMAL_SYNTAX = 10  # characters of a decimal number that are not digits: sign, point, exponent


def _decimal_value(match: re.Match[str], significant: int) -> mpf:
    """The number of a :data:`_DECIMAL` match, read through gmpy2 (no 4,300-digit limit of
    ``int``) and refused outside a double's range, which no bank relation can reach."""
    whole, _, fraction = match.group(1).partition(".")
    exponent = int(match.group(2)[1:]) if match.group(2) else 0
    digits = (whole + fraction).lstrip("0")
    if whole.strip("0"):
        magnitude = exponent + len(whole.lstrip("0")) - 1
    else:
        magnitude = exponent - (len(fraction) - len(fraction.lstrip("0"))) - 1
    if digits and abs(magnitude) > VALUE_EXPONENT:
        raise ParseError(f"the value '{match.group(0)[:40]}' is outside 10^±{VALUE_EXPONENT}: no relation with the bank reaches it")
    with mp.workdps(significant + 30):  # then one rounding to the working precision
        value = mpf(gmpy2.mpz(digits or "0")) * mpf(10) ** (exponent - len(fraction))
    with mp.workdps(significant + 10):
        return -value if match.group(0).startswith("-") else +value


def _as_mpf(value: mpf | str | int | Fraction, dps: int) -> mpf:
    if isinstance(value, str):
        return parse_decimal(value)[0]
    with mp.workdps(dps):
        if isinstance(value, Fraction):
            return mpf(value.numerator) / value.denominator
        if isinstance(value, (int, mpf)):
            return mpf(value)
    raise ParseError(f"cannot use {type(value).__name__} as a value: give an mpf, an int or decimal text")


def bank_names(constants: Sequence[str] | str | None) -> tuple[str, ...]:
    """Resolve constant names (``zeta3``, ``zeta(3)``, aliases; a comma-separated string
    is split); ``None`` means the whole bank.

    >>> bank_names("pi, zeta(3)")
    ('pi', 'zeta3')
    """
    if constants is None:
        return tuple(BANK)
    if isinstance(constants, str):
        constants = [c for c in constants.split(",") if c.strip()]
    out: list[str] = []
    for text in constants:
        names = parse_constant(text).names
        if len(names) != 1:
            raise UnknownConstantError(f"'{text}' is not one bank constant; known: {', '.join(BANK)}")
        if names[0] not in out:
            out.append(names[0])
    if not out:
        raise UnknownConstantError("no constants given; leave the list out to use the whole bank")
    return tuple(out)


@lru_cache(maxsize=256)
def bank_value(name: str, dps: int) -> mpf:
    """A bank constant to ``dps`` digits, cached per (name, dps)."""
    return constant_value(name, dps)


@lru_cache(maxsize=4096)
def _scaled(name: str, s: int) -> int:
    r"""$\lfloor 10^s K \rceil$ for a bank constant, cached per (name, s)."""
    with mp.workdps(s + 10):
        return int(mpmath.nint(bank_value(name, s + 5) * mpf(10) ** s))


def _scale_exponent(x: mpf, digits: int) -> int:
    """s with 10^s |x| about 10^digits: the last trusted digit of x lands near 10^0."""
    magnitude = 0 if x == 0 else int(mpmath.floor(mpmath.log10(abs(x))))
    return max(1, digits - max(0, magnitude) - 1)


def _scaled_value(x: mpf, s: int) -> int:
    with mp.workdps(s + 20):
        return int(mpmath.nint(x * mpf(10) ** s))


# --- relations -----------------------------------------------------------------------


def cost(relation: Sequence[int]) -> float:
    r"""$\sum_{r_i \ne 0} \log_{10} |r_i|$: the digits that the coefficients take.

    >>> round(cost((6, 0, 0, -1)), 3)
    0.778
    """
    return sum(math.log10(abs(r)) for r in relation if r)


def lll_relations(columns: Sequence[int]) -> list[tuple[int, ...]]:
    r"""Short integer vectors $r$ with $\sum r_i v_i \approx 0$, from LLL.

    ``columns`` are the values already scaled to integers ($\lfloor 10^s v_i \rceil$).
    The lattice rows are $(e_i, v_i)$; each reduced row gives a candidate $r$ (its first
    $n$ entries, first non-zero entry positive), shortest first.

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
            sign = -1 if next(v for v in r if v) < 0 else 1
            out.append(tuple(sign * v for v in r))
    return out


def pslq_relation(values: Sequence[mpf], digits: int, max_coefficient: int) -> tuple[int, ...] | None:
    """mpmath's PSLQ on the same values (a slower cross-check of LLL), first non-zero
    entry positive."""
    with mp.workdps(digits):
        found = mpmath.pslq(
            [mpf(v) for v in values],
            tol=mpf(10) ** (-(digits - RESIDUAL_SLACK - 1)),
            maxcoeff=int(max_coefficient),
            maxsteps=20_000,
        )
    if found is None:
        return None
    sign = -1 if next(v for v in found if v) < 0 else 1
    return tuple(sign * int(v) for v in found)


def _residual_ok(relation: Sequence[int], columns: Sequence[int]) -> bool:
    """The relation vanishes on the scaled values to the noise of their last digits."""
    residual = abs(sum(r * v for r, v in zip(relation, columns)))
    return residual <= 10**RESIDUAL_SLACK * (1 + sum(abs(r) for r in relation))


@dataclass(frozen=True, slots=True)
class _Form:
    """A relation read as x = numerator / denominator over the constants (coefficients of
    [1, K1, ...] each); the relation sign makes the denominator's first K term positive."""

    relation: tuple[int, ...]
    names: tuple[str, ...]
    numerator: tuple[int, ...]
    denominator: tuple[int, ...]


def _basis(names: Sequence[str]) -> tuple[str, ...]:
    return ("x", "1", *names, *(f"x*{k}" for k in names))


def _columns(x_scaled: int, s: int, names: Sequence[str]) -> list[int]:
    r"""$[X, 10^s, K_i 10^s, X K_i]$ as integers, with $X = \lfloor 10^s x \rceil$.

    The constants carry guard digits beyond $s$ as many as $|x|$ has integer digits, so
    that $x K_i$ is as accurate as $X$ itself.
    """
    one = 10**s
    guard = max(3, int(abs(x_scaled).bit_length() * 0.30103) - s + 4)
    unit = 10**guard
    big = one * unit
    ks = [_scaled(k, s + guard) for k in names]
    return [
        x_scaled,
        one,
        *((k + unit // 2) // unit for k in ks),
        *((x_scaled * k + big // 2) // big for k in ks),
    ]


def _read(relation: tuple[int, ...], names: tuple[str, ...], columns: Sequence[int] | None = None) -> _Form | None:
    """Turn a relation over ``_basis(names)`` (one constant or more) into a non-degenerate
    form, or None: x must occur, every constant must occur, x must not come out rational,
    and the denominator must not vanish (as it does for dependent constants such as
    pi2 and zeta2)."""
    m = len(names)
    g = math.gcd(*relation)
    relation = tuple(r // g for r in relation)
    den = (relation[0], *relation[2 + m :])  # coefficients of x, x K1, ... = of 1, K1, ...
    num = tuple(-r for r in relation[1 : 2 + m])  # x = num / den over [1, K1, ...]
    leading = next((d for d in den[1:] if d), den[0])
    if leading == 0:
        return None  # no x in the relation: a relation among the constants alone
    if leading < 0:
        relation, den, num = tuple(-r for r in relation), tuple(-d for d in den), tuple(-c for c in num)
    if any(num[i + 1] == 0 and den[i + 1] == 0 for i in range(m)):
        return None  # a constant that takes no part: a smaller group owns the relation
    if all(num[i] * den[j] == num[j] * den[i] for i in range(m + 1) for j in range(i + 1, m + 1)):
        return None  # numerator proportional to denominator: x is rational
    if columns is not None:  # columns = scaled [x, 1, K1, ...]: the denominator's size
        value = sum(d * c for d, c in zip(den, columns[1 : 2 + m]))
        if abs(value) ** 2 <= columns[1]:
            return None  # the denominator is below 10^(-s/2): it vanishes
    return _Form(relation, names, num, den)


def _term(c: int, name: str | None) -> str:
    if name is None:
        return str(c)
    shown = _DISPLAY.get(name, name)
    return shown if c == 1 else ("-" + shown if c == -1 else f"{c}*{shown}")


def _linear(coefficients: Sequence[int], names: Sequence[str]) -> tuple[str, int]:
    """c0 + c1 K1 + ... as text (constant terms first only when it avoids a leading
    minus), and the count of its terms."""
    terms = [(c, k) for c, k in zip(coefficients[1:], names) if c]
    if coefficients[0]:
        if terms and terms[0][0] < 0 < coefficients[0]:
            terms.insert(0, (coefficients[0], None))
        else:
            terms.append((coefficients[0], None))
    if not terms:
        return "0", 1
    text = _term(*terms[0])
    for c, k in terms[1:]:
        text += f" - {_term(-c, k)}" if c < 0 else f" + {_term(c, k)}"
    return text, len(terms)


def expression(form: _Form) -> str:
    """The closed form, readable and parseable by :func:`brouncker.constants.parse_constant`."""
    num, n_terms = _linear(form.numerator, form.names)
    if not any(form.denominator[1:]):
        d = form.denominator[0]
        if d == 1:
            return num
        return f"{num}/{d}" if n_terms == 1 else f"({num})/{d}"
    den, d_terms = _linear(form.denominator, form.names)
    num = num if n_terms == 1 else f"({num})"
    atomic = d_terms == 1 and not any(ch in den for ch in "*-")  # a name or a number
    return f"{num}/{den}" if atomic else f"{num}/({den})"


def _rational_text(relation: tuple[int, int]) -> tuple[str, tuple[int, int]]:
    q, minus_p = relation
    if q < 0:
        q, minus_p = -q, -minus_p
    fraction = Fraction(-minus_p, q)
    text = str(fraction.numerator) if fraction.denominator == 1 else f"{fraction.numerator}/{fraction.denominator}"
    return text, (fraction.denominator, -fraction.numerator)


@dataclass(frozen=True, slots=True)
class _Candidate:
    cost: float
    order: int
    expression: str
    names: tuple[str, ...]
    relation: tuple[int, ...]


def search_digits(digits: int, size: int, max_coefficient: int | None) -> int:
    r"""Digits the lattice needs to find every relation that can be accepted.

    With coefficients capped at $10^h$, a relation over ``size`` values costs at most
    ``size`` $\cdot h$ digits, and LLL finds it once the values carry
    :data:`SEARCH_MARGIN` digits more; the full ``digits`` then only check it. This halves
    the lattice's bits at 100 digits.
    """
    if max_coefficient is None:
        return digits
    bound = size * math.log10(max(max_coefficient, 2)) + SEARCH_MARGIN
    return min(digits, int(math.ceil(bound)))


def _candidates(
    x_scaled: int,
    s: int,
    digits: int,
    groups: Sequence[tuple[str, ...]],
    margin: int,
    method: str,
    max_coefficient: int | None,
) -> list[_Candidate]:
    """Accepted relations for each group of constants (empty group: rational)."""
    out: list[_Candidate] = []
    for order, names in enumerate(groups):
        columns = _columns(x_scaled, s, names)
        drop = digits - search_digits(digits, 2 + 2 * len(names), max_coefficient)
        if drop > 0:  # search on the leading digits, check on all of them
            unit = 10**drop
            search = _columns((x_scaled + unit // 2) // unit, s - drop, names)
        else:
            search = columns
        if method == "lll":
            found = lll_relations(search)
        elif method == "pslq":
            with mp.workdps(digits + 10):
                values = [mpf(c) / mpf(10) ** (s - drop) for c in search]
            one = pslq_relation(values, digits - drop, max_coefficient or 10 ** max(1, digits - margin))
            found = [] if one is None else [one]
        else:
            raise BrounckerError(f"unknown method '{method}'; use 'lll' or 'pslq'")
        # LLL's rows are not sorted by cost, and an algebraic K (phi, sqrt2, ...) satisfies
        # several independent relations: keep the cheapest valid one of the group
        group: list[_Candidate] = []
        for relation in found:
            if max_coefficient is not None and max(abs(r) for r in relation) > max_coefficient:
                continue
            if digits - cost(relation) < margin or not _residual_ok(relation, columns):
                continue
            if not names:
                if relation[0] == 0:
                    continue
                text, relation = _rational_text(relation)  # type: ignore[arg-type]
                group.append(_Candidate(cost(relation), order, text, (), relation))
                continue
            form = _read(relation, names, columns)
            if form is not None:
                group.append(_Candidate(cost(form.relation), order, expression(form), names, form.relation))
        if group:
            out.append(min(group, key=lambda c: (c.cost, sum(r * r for r in c.relation))))
    return out


def _holds(candidate: _Candidate, deeper: mpf, deeper_digits: int) -> bool:
    s = _scale_exponent(deeper, deeper_digits)
    return _residual_ok(candidate.relation, _columns(_scaled_value(deeper, s), s, candidate.names))


def identify(
    value: mpf | str | int | Fraction,
    digits: int,
    constants: Sequence[str] | str | None = None,
    *,
    margin: int = MARGIN,
    method: str = "lll",
    pairs: bool | None = None,
    deeper: mpf | str | None = None,
    deeper_digits: int | None = None,
    max_coefficient: int | None = MAX_COEFFICIENT,
) -> Identification | None:
    r"""The simplest accepted relation for ``value`` (known to ``digits`` digits), or None.

    ``constants`` restricts the bank (default: all of it). ``pairs`` asks for two-constant
    relations too; by default they are tried only among explicitly listed constants, since
    the whole bank has hundreds of pairs. ``deeper`` (with ``deeper_digits``, by default
    inferred from decimal text, else ``2 * digits``) is a more precise value on which the
    relation must hold as well; without it only the margin guards against chance.
    ``max_coefficient`` caps every coefficient (default :data:`MAX_COEFFICIENT`): a
    relation with 12-digit coefficients may pass the margin at 45 digits, but it is not a
    formula (``0.123456789101112…2829`` is such a case: it agrees with
    60499999499/490050000000 to 48 digits).

    >>> identify("0.58197670686932642438500200510901155854686930107539613626678", 55).expression
    '1/(e - 1)'
    >>> identify("0.1234567891011121314151617181920212223242526272829", 45) is None
    True
    """
    DIGITS.check(digits)
    if digits < 1:
        raise BrounckerError(f"digits must be positive, got {digits}")
    text_digits = None
    if isinstance(value, str):
        parsed, text_digits = parse_decimal(value)
        if text_digits < digits and parsed != 0:
            raise ParseError(f"the value has {text_digits} significant digits; {digits} were asked for")
        x = parsed
    else:
        x = _as_mpf(value, digits + 10)
    names = bank_names(constants)
    with mp.workdps(digits + 10):
        x_digits = +x
    s = _scale_exponent(x_digits, digits)
    x_scaled = _scaled_value(x_digits, s)
    groups: list[tuple[str, ...]] = [()] + [(k,) for k in names]
    use_pairs = (constants is not None) if pairs is None else pairs
    pair_groups = list(combinations(names, 2)) if use_pairs else []

    if deeper is not None:
        if isinstance(deeper, str):
            deeper_value, inferred = parse_decimal(deeper)
            deeper_digits = deeper_digits or inferred
        else:
            deeper_value = deeper
            deeper_digits = deeper_digits or RECHECK_FACTOR * digits
    elif text_digits is not None and text_digits - 1 > digits:  # the text itself is deeper
        deeper_value, deeper_digits = x, text_digits - 1
    else:
        deeper_value = None

    for stage in (groups, pair_groups):
        found = _candidates(x_scaled, s, digits, stage, margin, method, max_coefficient)
        for candidate in sorted(found, key=lambda c: (c.cost, c.order)):
            if deeper_value is not None and not _holds(candidate, deeper_value, int(deeper_digits)):
                continue
            with mp.workdps(digits):
                shown = mpmath.nstr(x_digits, digits, strip_zeros=False)
            return Identification(
                expression=candidate.expression,
                constants=candidate.names,
                relation=candidate.relation,
                basis=("x", "1") if not candidate.names else _basis(candidate.names),
                excess_digits=int(math.floor(digits - candidate.cost)),
                value=shown,
                digits=digits,
                checked_digits=None if deeper_value is None else int(deeper_digits),
                method=method,
            )
    return None


# --- PCFs ----------------------------------------------------------------------------


def identify_pcf(
    a: Sequence[int] | str,
    b: Sequence[int] | str,
    digits: int = DEFAULT_DIGITS,
    constants: Sequence[str] | str | None = None,
    *,
    margin: int = MARGIN,
    method: str = "lll",
    pairs: bool | None = None,
    max_depth: int = MAX_DEPTH,
    max_coefficient: int | None = MAX_COEFFICIENT,
    limit: Limit | None = None,
) -> Identification | None:
    r"""Identify the limit of PCF(a, b): found with ``digits`` digits, re-checked on a
    deeper convergent with about twice as many.

    Raises :class:`InconclusiveError` when the walk cannot reach the digits by ``max_depth``.
    ``limit`` reuses a limit from :func:`pcf_limit` with at least ``2 * digits`` digits.

    >>> identify_pcf("n+3", "-n", digits=30).expression
    'e'
    """
    DIGITS.check(digits)
    deep = RECHECK_FACTOR * digits
    if limit is None or limit.digits < deep:
        limit = pcf_limit(a, b, deep + GUARD_DIGITS, max_depth)
    return identify(
        limit.value, digits, constants, margin=margin, method=method, pairs=pairs,
        deeper=limit.value, deeper_digits=deep, max_coefficient=max_coefficient,
    )


def confirm(
    a: Sequence[int] | str,
    b: Sequence[int] | str,
    constant: str,
    digits: int = DEFAULT_DIGITS,
    *,
    mobius: Sequence[int] | None = None,
    limit: Limit | None = None,
    margin: int = MARGIN,
    max_depth: int = MAX_DEPTH,
) -> Identification | None:
    r"""Confirm a candidate from the float Möbius pre-match cheaply: one constant only.

    With ``mobius = (c0, c1, c2, c3)`` (meaning $x = (c_0 + c_1 K)/(c_2 + c_3 K)$) the
    relation is only checked, at ``digits`` and at twice as many; without it one LLL over
    $[x, 1, K, xK]$ finds it (a rational limit is reported as such). ``limit`` reuses a
    limit already computed to at least ``2 * digits`` digits.

    >>> confirm("2n+1", "n^2", "pi", 30, mobius=(4, 0, 0, 1)).expression
    '4/pi'
    >>> confirm("2n+1", "n^2", "pi", 30, mobius=(3, 0, 0, 1)) is None
    True
    """
    deep = RECHECK_FACTOR * digits
    if limit is None or limit.digits < deep:
        limit = pcf_limit(a, b, deep + GUARD_DIGITS, max_depth)
    (name,) = bank_names([constant])
    if mobius is None:
        return identify(limit.value, digits, [name], margin=margin, pairs=False, deeper=limit.value, deeper_digits=deep)
    c0, c1, c2, c3 = (int(c) for c in mobius)
    relation = (c2, -c0, -c1, c3)  # x (c2 + c3 K) - c0 - c1 K = 0 over [x, 1, K, xK]
    form = _read(relation, (name,))
    if form is None or digits - cost(form.relation) < margin:
        return None
    candidate = _Candidate(cost(form.relation), 0, expression(form), (name,), form.relation)
    if not (_holds(candidate, limit.value, digits) and _holds(candidate, limit.value, deep)):
        return None
    with mp.workdps(digits):
        shown = mpmath.nstr(limit.value, digits, strip_zeros=False)
    return Identification(
        expression=candidate.expression,
        constants=(name,),
        relation=candidate.relation,
        basis=_basis((name,)),
        excess_digits=int(math.floor(digits - candidate.cost)),
        value=shown,
        digits=digits,
        checked_digits=deep,
    )
