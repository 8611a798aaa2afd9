"""Tails of classical continued fractions: PCF(a(n+k), b(n+k)) for k = 10 … 40 is a Möbius
image of the constant whose coefficients grow with k (about 35 digits each at k = 40 for
Brouncker's 4/π, 105 for Apéry's 6/ζ(3)). Each must be identified from the fraction alone,
against the right constant, and the relation must be the one the head of the fraction
gives: with $p, q$ the convergents of the whole fraction, its value $x$ and the tail's
value $t$ satisfy $x = (b(k) p_{k-2} + p_{k-1} t)/(b(k) q_{k-2} + q_{k-1} t)$ exactly."""

from __future__ import annotations

import json
from collections.abc import Callable

import mpmath
import pytest
from mpmath import mp, mpf
from typer.testing import CliRunner

from brouncker.cli import app
from brouncker.constants import parse_constant
from brouncker.identification.identify import identify, identify_pcf, identify_pcf_attempt
from brouncker.identification.relations import cost, primitive
from brouncker.limits import IDENTIFY_RAISE_DIGITS
from brouncker.pcf.polynomial import shift

# name: (a, b, constant, x as (m0 + m1 K)/(m2 + m3 K), x by mpmath)
FRACTIONS: dict[str, tuple[tuple[int, ...], tuple[int, ...], str, tuple[int, int, int, int], Callable[[], mpf]]] = {
    "brouncker": ((2, 1), (1, 0, 0), "pi", (4, 0, 0, 1), lambda: 4 / mp.pi),
    "apery": ((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0), "zeta3", (6, 0, 0, 1), lambda: 6 / mpmath.zeta(3)),
    "e": ((1, 0), (1, 0), "e", (1, 0, -1, 1), lambda: 1 / (mp.e - 1)),
}
TAILS = range(10, 41)


def value_at(poly: tuple[int, ...], n: int) -> int:
    out = 0
    for c in poly:
        out = out * n + c
    return out


def head(a: tuple[int, ...], b: tuple[int, ...], k: int) -> tuple[int, int, int, int, int]:
    """$p_{k-2}, p_{k-1}, q_{k-2}, q_{k-1}, b(k)$ by the plain recurrence."""
    p2, p1, q2, q1 = 1, value_at(a, 0), 0, 1
    for n in range(1, k):
        p2, p1 = p1, value_at(a, n) * p1 + value_at(b, n) * p2
        q2, q1 = q1, value_at(a, n) * q1 + value_at(b, n) * q2
    return p2, p1, q2, q1, value_at(b, k)


def tail_relation(name: str, k: int) -> tuple[int, ...]:
    r"""The tail's relation over $[t, 1, K, tK]$, from the head: $t = (N_0 + N_1 K)/(D_0 + D_1 K)$
    with $t = b(k)(p_{k-2} - q_{k-2} x)/(q_{k-1} x - p_{k-1})$ and $x = (m_0 + m_1 K)/(m_2 + m_3 K)$."""
    a, b, _, (m0, m1, m2, m3), _ = FRACTIONS[name]
    p2, p1, q2, q1, bk = head(a, b, k)
    n0, n1 = bk * (p2 * m2 - q2 * m0), bk * (p2 * m3 - q2 * m1)
    d0, d1 = q1 * m0 - p1 * m2, q1 * m1 - p1 * m3
    return primitive((d0, -n0, -n1, d1))


def tail_value(name: str, k: int, dps: int) -> mpf:
    """The tail's value from mpmath's closed form of the whole fraction and the head's convergents."""
    a, b, _, _, closed_form = FRACTIONS[name]
    p2, p1, q2, q1, bk = head(a, b, k)
    with mp.workdps(dps):
        x = closed_form()
        return bk * (p2 - q2 * x) / (q1 * x - p1)


@pytest.mark.parametrize("name", FRACTIONS)
def test_every_tail_from_10_to_40_is_identified(name):
    a, b, constant, _, _ = FRACTIONS[name]
    for k in TAILS:
        found = identify_pcf(shift(a, k), shift(b, k), max_digits=IDENTIFY_RAISE_DIGITS)
        assert found is not None, (name, k)
        assert found.constants == (constant,), (name, k, found.expression)
        assert found.relation in {tail_relation(name, k), tuple(-c for c in tail_relation(name, k))}, (name, k)
        assert found.checked_digits == 2 * found.digits
        dps = 2 * found.checked_digits
        work = dps + 2 * max(len(str(abs(c))) for c in found.relation) + 20  # both sides cancel that many digits
        with mp.workdps(work):  # the printed expression, read back, is the tail's value
            assert abs(parse_constant(found.expression).value(work) - tail_value(name, k, work)) < mpf(10) ** -dps


def test_digits_rise_only_as_far_as_the_coefficients_need():
    """Brouncker's tail from n = 40 (35-digit coefficients, cost 139) needs more than 139 +
    the margin digits: found at 200, after 50 and 100 found nothing."""
    attempt = identify_pcf_attempt("2n+81", "(n+40)^2", max_digits=IDENTIFY_RAISE_DIGITS)
    assert attempt.digits == 200 and attempt.found is not None
    assert attempt.found.excess_digits == int(200 - cost(tail_relation("brouncker", 40)))
    assert identify_pcf("2n+81", "(n+40)^2") is None  # one pass at 50 digits
    assert attempt.limit.digits >= 400


def test_slow_fraction_is_not_raised():
    """An extrapolated (slowly converging) limit gives no promise of more digits: one pass."""
    attempt = identify_pcf_attempt("1", "n^2+n+1", digits=20, max_digits=IDENTIFY_RAISE_DIGITS)
    assert attempt.limit.method.startswith("levin")
    assert attempt.digits == 20


def test_cli_finds_the_tail_at_300_digits_and_raises_digits_on_its_own():
    runner = CliRunner()
    result = runner.invoke(app, ["identify", "--a", "2n+29", "--b", "(n+14)^2", "--digits", "300", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["digits"] == 300 and data["constants"] == ["pi"]
    assert tuple(data["relation"]) in {tail_relation("brouncker", 14), tuple(-c for c in tail_relation("brouncker", 14))}
    result = runner.invoke(app, ["identify", "--a", "2n+29", "--b", "(n+14)^2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["digits"] == 100 and data["excess_digits"] == int(100 - cost(tail_relation("brouncker", 14)))
    assert len(data["value"].replace(".", "")) == 100  # the value as the digits it was identified with


def test_cli_reports_the_digits_of_the_last_pass_when_nothing_is_found():
    result = CliRunner().invoke(app, ["identify", "--a", "7n+3", "--b", "n^2+n+1", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["expression"] is None and data["digits"] == IDENTIFY_RAISE_DIGITS


def test_large_rational_factor_is_found_when_the_digits_support_it():
    """11876722200/(2916 - 415 pi): a 11-digit numerator (cost 16.2). A fixed cap of 10^9
    refused it at any digits; 60 digits support it, 40 do not."""
    with mp.workdps(140):
        x = 11876722200 / (2916 - 415 * mp.pi)
    found = identify(mpmath.nstr(x, 61, strip_zeros=False), 60)  # no deeper digits to re-check on
    assert found is not None and found.constants == ("pi",)
    assert primitive(found.relation) in {(2916, -11876722200, 0, -415), (-2916, 11876722200, 0, 415)}
    with mp.workdps(140):
        assert abs(parse_constant(found.expression).value(140) - x) < mpf(10) ** -125
    assert identify(mpmath.nstr(x, 41, strip_zeros=False), 40) is None  # 40 digits leave (40 - 14) / 2 = 13 for the coefficients
