r"""Closed forms of a number over the constant bank, by integer relations.

A value $x$ known to $D$ digits is matched, in this order, against

* a rational $p/q$: a relation among $[x, 1]$;
* a Möbius form $x = (c_0 + c_1 K)/(c_2 + c_3 K)$ for each bank constant $K$: a relation
  among $[x, 1, K, xK]$;
* two constants at once, $x (d_0 + d_1 K_1 + d_2 K_2) = c_0 + c_1 K_1 + c_2 K_2$: a
  relation among $[x, 1, K_1, K_2, x K_1, x K_2]$.

Relations are found and accepted by :mod:`brouncker.identification.relations`: LLL (PSLQ
with ``method="pslq"``), $D - \text{cost}$ at least the margin plus $\log_{10}$ of the
relations tried so far on this value (so ``--pairs``, which tries hundreds of lattices, asks
for about 3 digits more evidence than one constant), a cost within a share of the evidence
(:func:`~brouncker.identification.relations.allowed_cost`: coefficients may be as large as
the digits support, such as those of a Möbius image of $4/\pi$ with 10-digit coefficients
at 300 digits), a residual at the noise of the last digit, and a re-check on a deeper value
when one is given (always in :func:`identify_pcf` and :func:`confirm`, which compute it
themselves). Among accepted relations the cheapest wins; a rational before a single
constant before two. Bank values are cached per precision. :func:`identify_pcf` with
``max_digits`` raises the digits of a fast-converging PCF when a first pass finds nothing,
so that large coefficients come within reach.

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

import gmpy2
import mpmath
from mpmath import mp, mpf

from ..constants import BANK, VALUE_EXPONENT, constant_value, parse_constant
from ..display import Displayed
from ..errors import BrounckerError, InconclusiveError, ParseError, UnknownConstantError
from ..limits import DIGITS
from ..pcf.mobius import Mobius
from ..pcf.polynomial import primitive
from ..pcf.value import MAX_DEPTH, Limit, pcf_limit, reachable
from ..precision import LIMIT_GUARD_DIGITS, MARGIN, RECHECK_FACTOR
from ..printing import latex_expression, leading_digits, linear_ratio
from .relations import (
    Relation,
    accepted,
    allowed_cost,
    candidates,
    cost,
    fixed_point,
    required_margin,
    residual_ok,
    scale_exponent,
    search_digits,
    tried,
    with_combinations,
)

DEFAULT_DIGITS = 50  # digits used to find a relation for a PCF; re-checked at RECHECK_FACTOR times as many

_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,6})?")


@dataclass(frozen=True, slots=True)
class Identification(Displayed):
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

    def latex(self) -> tuple[str, str]:
        """``value = expression``, and how far the relation is trusted."""
        checked = "" if self.checked_digits is None else f", re-checked at {self.checked_digits}"
        note = rf"\text{{found with {self.digits} digits{checked}; {self.excess_digits} digits to spare}}"
        return rf"{leading_digits(self.value)}\ldots = {latex_expression(self.expression)}", note


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


SQUARE = "^2"  # a bank name with this suffix stands for the constant's square in a relation's basis


def square(name: str) -> str:
    """The basis name of a bank constant's square: ``square("zeta3") == "zeta3^2"``."""
    return name + SQUARE


def base_name(name: str) -> str:
    """The bank constant a basis name stands on: ``base_name("zeta3^2") == "zeta3"``."""
    return name.removesuffix(SQUARE)


@lru_cache(maxsize=256)
def bank_value(name: str, dps: int) -> mpf:
    """A bank constant (or its square, see :func:`square`) to ``dps`` digits, cached per (name, dps)."""
    if name.endswith(SQUARE):
        with mp.workdps(dps + 5):
            value = bank_value(base_name(name), dps + 5) ** 2
        return +value
    return constant_value(name, dps)


@lru_cache(maxsize=4096)
def _scaled(name: str, s: int) -> int:
    r"""$\lfloor 10^s K \rceil$ for a bank constant, cached per (name, s)."""
    return fixed_point(bank_value(name, s + 5), s)


# --- relations over the bank -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Form:
    """A relation read as x = numerator / denominator over the constants (coefficients of
    [1, K1, ...] each); the relation is signed so that the denominator's first K term (or,
    without one, its constant) is positive."""

    relation: Relation
    names: tuple[str, ...]
    numerator: tuple[int, ...]
    denominator: tuple[int, ...]

    @property
    def expression(self) -> str:
        """The closed form, parseable by :func:`brouncker.constants.parse_constant`."""
        return linear_ratio(self.numerator, self.denominator, self.names)


def _basis(names: Sequence[str]) -> tuple[str, ...]:
    return ("x", "1") if not names else ("x", "1", *names, *(f"x*{k}" for k in names))


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


def _read(relation: Sequence[int], names: tuple[str, ...], columns: Sequence[int] | None = None) -> _Form | None:
    """Turn a relation over ``_basis(names)`` into a non-degenerate form, or None: x must
    occur, every constant must occur, x must not come out rational (unless ``names`` is
    empty: a rational is asked for), and the denominator must not vanish (as it does for
    dependent constants such as pi2 and zeta2)."""
    m = len(names)
    relation = primitive(relation, (*range(2 + m, 2 + 2 * m), 0))
    den = (relation[0], *relation[2 + m :])  # coefficients of x, x K1, ... = of 1, K1, ...
    num = tuple(-r for r in relation[1 : 2 + m])  # x = num / den over [1, K1, ...]
    if not any(den):
        return None  # no x in the relation: a relation among the constants alone
    if m and any(num[i + 1] == 0 and den[i + 1] == 0 for i in range(m)):
        return None  # a constant that takes no part: a smaller group owns the relation
    if m and all(num[i] * den[j] == num[j] * den[i] for i in range(m + 1) for j in range(i + 1, m + 1)):
        return None  # numerator proportional to denominator: x is rational
    if m and columns is not None:  # columns = scaled [x, 1, K1, ...]: the denominator's size
        value = sum(d * c for d, c in zip(den, columns[1 : 2 + m]))
        if abs(value) ** 2 <= columns[1]:
            return None  # the denominator is below 10^(-s/2): it vanishes
    return _Form(relation, names, num, den)


@dataclass(frozen=True, slots=True)
class _Candidate:
    cost: float
    order: int
    form: _Form


def _size(names: Sequence[str]) -> int:
    return 2 + 2 * len(names)


def _candidates(
    x_scaled: int,
    s: int,
    digits: int,
    groups: Sequence[tuple[str, ...]],
    margin: float,
    method: str,
    max_coefficient: int | None,
    checked: int | None = None,
) -> list[_Candidate]:
    """The cheapest accepted relation of each group of constants (empty group: rational),
    to be re-checked on ``checked`` digits."""
    out: list[_Candidate] = []
    for order, names in enumerate(groups):
        columns = _columns(x_scaled, s, names)
        drop = digits - search_digits(digits, _size(names), max_coefficient)
        if drop > 0:  # search on the leading digits, check on all of them
            unit = 10**drop
            search = _columns((x_scaled + unit // 2) // unit, s - drop, names)
        else:
            search, drop = columns, 0
        # LLL's rows are not sorted by cost, and an algebraic K (phi, sqrt2, ...) satisfies
        # several independent relations, whose sums and differences may cost less than any
        # row: keep the cheapest valid one of the group
        found = [r for r in candidates(search, s - drop, method, max_coefficient)
                 if accepted(r, digits, margin, columns, max_coefficient, checked)]
        for relation in with_combinations(found):
            if not accepted(relation, digits, margin, columns, max_coefficient, checked):
                continue
            form = _read(relation, names, columns)
            if form is not None:
                out.append(_Candidate(cost(form.relation), order, form))
                break
    return out


def _holds(form: _Form, deeper: mpf, deeper_digits: int) -> bool:
    s = scale_exponent(deeper, deeper_digits)
    return residual_ok(form.relation, _columns(fixed_point(deeper, s), s, form.names))


def check_digits(digits: int) -> int:
    """``digits`` if it is a positive number of digits, else a one-line error."""
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise BrounckerError(f"digits must be a positive integer, got {digits!r}")
    return digits


def identify(
    value: mpf | str | int | Fraction,
    digits: int,
    constants: Sequence[str] | str | None = None,
    *,
    margin: float = MARGIN,
    method: str = "lll",
    pairs: bool | None = None,
    squares: bool = False,
    deeper: mpf | str | None = None,
    deeper_digits: int | None = None,
    max_coefficient: int | None = None,
) -> Identification | None:
    r"""The simplest accepted relation for ``value`` (known to ``digits`` digits), or None.

    ``constants`` restricts the bank (default: all of it). ``pairs`` asks for two-constant
    relations too; by default they are tried only among explicitly listed constants, since
    the whole bank has hundreds of pairs. ``squares`` also tries a Möbius form in $K$ and
    $K^2$, $x = (c_0 + c_1 K + c_2 K^2)/(d_0 + d_1 K + d_2 K^2)$, for each constant (as for
    $\zeta(3)$, whose PCFs in arXiv 2308.11829 reach such forms). ``margin`` is the evidence one relation needs; each
    stage asks for ``margin + log10(relations tried so far)``. ``deeper`` (with
    ``deeper_digits``, by default inferred from decimal text, else ``2 * digits``) is a more
    precise value on which the relation must hold as well; without it only the margin
    and the share of the evidence that the coefficients may take guard against chance
    (:func:`~brouncker.identification.relations.allowed_cost`): a relation with 12-digit
    coefficients passes the margin at 45 digits, but not the share, and it is not a formula
    (``0.123456789101112…2829`` agrees with 60499999499/490050000000 to 48 digits).
    ``max_coefficient`` caps every coefficient on purpose (default: no cap).

    >>> identify("0.58197670686932642438500200510901155854686930107539613626678", 55).expression
    '1/(e - 1)'
    >>> identify("0.1234567891011121314151617181920212223242526272829", 45) is None
    True
    """
    DIGITS.check(digits)
    check_digits(digits)
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
    s = scale_exponent(x_digits, digits)
    x_scaled = fixed_point(x_digits, s)
    groups: list[tuple[str, ...]] = [()] + [(k,) for k in names]
    use_pairs = (constants is not None) if pairs is None else pairs
    pair_groups: list[tuple[str, ...]] = list(combinations(names, 2)) if use_pairs else []
    if squares:
        pair_groups += [(k, square(k)) for k in names]

    deeper_value: mpf | None = None
    if deeper is not None:
        if isinstance(deeper, str):
            deeper_value, inferred = parse_decimal(deeper)
            deeper_digits = deeper_digits or inferred
        else:
            deeper_value = deeper
            deeper_digits = deeper_digits or RECHECK_FACTOR * digits
    elif text_digits is not None and text_digits - 1 > digits:  # the text itself is deeper
        deeper_value, deeper_digits = x, text_digits - 1

    relations_tried = 0
    for stage in (groups, pair_groups):
        if not stage:
            continue
        relations_tried += sum(tried(_size(names), method) for names in stage)
        need = required_margin(relations_tried, margin)
        found = _candidates(x_scaled, s, digits, stage, need, method, max_coefficient,
                            None if deeper_value is None else int(deeper_digits or 0))
        for candidate in sorted(found, key=lambda c: (c.cost, c.order)):
            if deeper_value is not None and not _holds(candidate.form, deeper_value, int(deeper_digits or 0)):
                continue
            return _identification(candidate.form, x_digits, digits, None if deeper_value is None else int(deeper_digits or 0), method)
    return None


def _identification(form: _Form, x: mpf, digits: int, checked_digits: int | None, method: str = "lll") -> Identification:
    with mp.workdps(digits):
        shown = mpmath.nstr(x, digits, strip_zeros=False)
    return Identification(
        expression=form.expression,
        constants=tuple(dict.fromkeys(base_name(k) for k in form.names)),
        relation=form.relation,
        basis=_basis(form.names),
        excess_digits=int(math.floor(digits - cost(form.relation))),
        value=shown,
        digits=digits,
        checked_digits=checked_digits,
        method=method,
    )


# --- PCFs ----------------------------------------------------------------------------


def identify_pcf(
    a: Sequence[int] | str,
    b: Sequence[int] | str,
    digits: int = DEFAULT_DIGITS,
    constants: Sequence[str] | str | None = None,
    *,
    margin: float = MARGIN,
    method: str = "lll",
    pairs: bool | None = None,
    max_depth: int = MAX_DEPTH,
    max_coefficient: int | None = None,
    max_digits: int | None = None,
    limit: Limit | None = None,
) -> Identification | None:
    r"""Identify the limit of PCF(a, b): found with ``digits`` digits, re-checked on a
    deeper convergent with about twice as many.

    Raises :class:`InconclusiveError` when the walk cannot reach the digits by ``max_depth``.
    ``limit`` reuses a limit from :func:`pcf_limit` with at least ``2 * digits`` digits.
    ``max_digits`` lets a fast-converging PCF try again with more digits when nothing is
    found (:func:`identify_pcf_attempt`).

    >>> identify_pcf("n+3", "-n", digits=30).expression
    'e'
    """
    return identify_pcf_attempt(
        a, b, digits, constants, margin=margin, method=method, pairs=pairs, max_depth=max_depth,
        max_coefficient=max_coefficient, max_digits=max_digits, limit=limit,
    ).found


RAISE_FACTOR = 2  # each further pass of identify_pcf_attempt uses this many times the digits of the last


@dataclass(frozen=True, slots=True)
class PCFAttempt:
    """How the identification of a PCF's limit ended: what was found (or None), with how
    many digits the last pass looked, and the limit it used (with at least twice as many)."""

    found: Identification | None
    digits: int
    limit: Limit


def identify_pcf_attempt(
    a: Sequence[int] | str,
    b: Sequence[int] | str,
    digits: int = DEFAULT_DIGITS,
    constants: Sequence[str] | str | None = None,
    *,
    margin: float = MARGIN,
    method: str = "lll",
    pairs: bool | None = None,
    max_depth: int = MAX_DEPTH,
    max_coefficient: int | None = None,
    max_digits: int | None = None,
    limit: Limit | None = None,
) -> PCFAttempt:
    r"""Identify the limit of PCF(a, b) with ``digits`` digits (re-checked at twice as many)
    and, while nothing is found and the walk converges fast enough to give them within
    ``max_depth`` (:func:`~brouncker.pcf.value.reachable`), again with :data:`RAISE_FACTOR`
    times the digits, up to ``max_digits`` (default: ``digits``, one pass).

    Coefficients may take a share of the digits (:func:`~brouncker.identification.relations.allowed_cost`),
    so more digits reach larger ones: the tail of Brouncker's $4/\pi$ from $n = 40$ is a
    Möbius image of $\pi$ with 35-digit coefficients, found at 200 digits.

    >>> attempt = identify_pcf_attempt("2n+81", "(n+40)^2", max_digits=2000)
    >>> attempt.digits, attempt.found.constants, attempt.found.checked_digits
    (200, ('pi',), 400)
    """
    DIGITS.check(digits)
    check_digits(digits)
    top = digits if max_digits is None else max(digits, DIGITS.check(max_digits, "the digits of an identification"))
    while True:
        deep = RECHECK_FACTOR * digits
        if limit is None or limit.digits < deep:
            limit = pcf_limit(a, b, deep + LIMIT_GUARD_DIGITS, max_depth)
        found = identify(
            limit.value, digits, constants, margin=margin, method=method, pairs=pairs,
            deeper=limit.value, deeper_digits=deep, max_coefficient=max_coefficient,
        )
        more = min(top, RAISE_FACTOR * digits)
        if found is not None or more <= digits or not reachable(limit, RECHECK_FACTOR * more + LIMIT_GUARD_DIGITS, max_depth):
            return PCFAttempt(found, digits, limit)
        try:
            deeper = pcf_limit(a, b, RECHECK_FACTOR * more + LIMIT_GUARD_DIGITS, max_depth)
        except InconclusiveError:  # the rate promised more than the walk gave: keep what was found
            return PCFAttempt(found, digits, limit)
        digits, limit = more, deeper


def confirm(
    a: Sequence[int] | str,
    b: Sequence[int] | str,
    constant: str,
    digits: int = DEFAULT_DIGITS,
    *,
    mobius: Sequence[int] | None = None,
    limit: Limit | None = None,
    margin: float = MARGIN,
    max_depth: int = MAX_DEPTH,
) -> Identification | None:
    r"""Confirm a candidate from the float Möbius pre-match cheaply: one constant only.

    With ``mobius = (c0, c1, c2, c3)`` (meaning $x = (c_0 + c_1 K)/(c_2 + c_3 K)$) the
    relation is only checked (one relation tried: the margin as it is), at ``digits`` and
    at twice as many; without it one LLL over $[x, 1, K, xK]$ finds it (a rational limit is
    reported as such). ``limit`` reuses a limit already computed to at least ``2 * digits``
    digits.

    >>> confirm("2n+1", "n^2", "pi", 30, mobius=(4, 0, 0, 1)).expression
    '4/pi'
    >>> confirm("2n+1", "n^2", "pi", 30, mobius=(3, 0, 0, 1)) is None
    True
    """
    check_digits(digits)
    deep = RECHECK_FACTOR * digits
    if limit is None or limit.digits < deep:
        limit = pcf_limit(a, b, deep + LIMIT_GUARD_DIGITS, max_depth)
    (name,) = bank_names([constant])
    if mobius is None:
        return identify(limit.value, digits, [name], margin=margin, pairs=False, deeper=limit.value, deeper_digits=deep)
    form = _read(Mobius(*(int(c) for c in mobius)).relation("y,1,x,xy"), (name,))  # over [x, 1, K, xK]
    if form is None or cost(form.relation) > allowed_cost(digits, required_margin(1, margin), deep):
        return None
    if not (_holds(form, limit.value, digits) and _holds(form, limit.value, deep)):
        return None
    return _identification(form, limit.value, digits, deep)
