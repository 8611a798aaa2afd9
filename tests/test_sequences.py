"""Berlekamp–Massey and recurrence guessing, against sequences computed independently."""

from __future__ import annotations

from fractions import Fraction
from math import comb, factorial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brouncker.esma.sequences import (
    LinearRecurrence,
    PRecurrence,
    berlekamp_massey,
    berlekamp_massey_mod,
    extend_linear,
    guess_p_recursive,
    interleaved_polynomials,
    symmetric_lift,
)


def fibonacci(count: int) -> list[int]:
    out = [0, 1]
    while len(out) < count:
        out.append(out[-1] + out[-2])
    return out[:count]


def e_partial_quotients(count: int) -> list[int]:
    """The regular continued fraction of e, from the exact rational sum_{k<=60} 1/k!
    (within 1e-80 of e, far closer than the first 40 quotients need)."""
    x = sum(Fraction(1, factorial(k)) for k in range(61))
    out = []
    for _ in range(count):
        a = x.numerator // x.denominator
        out.append(a)
        x = 1 / (x - a)
    return out


def apery_zeta3(count: int) -> list[int]:
    return [sum(comb(n, k) ** 2 * comb(n + k, k) ** 2 for k in range(n + 1)) for n in range(count)]


def apery_zeta2(count: int) -> list[int]:
    return [sum(comb(n, k) ** 2 * comb(n + k, k) for k in range(n + 1)) for n in range(count)]


def test_fibonacci_over_q_and_gf_p():
    terms = fibonacci(40)
    assert berlekamp_massey(terms) == LinearRecurrence((1, -1, -1), 2)
    assert berlekamp_massey_mod(terms, 199) == LinearRecurrence((1, -1, -1), 2)
    assert extend_linear((1, -1, -1), terms[:2], 40) == terms


def test_e_partial_quotients_follow_the_pattern_and_the_recurrence():
    terms = e_partial_quotients(40)
    assert terms[:12] == [2, 1, 2, 1, 1, 4, 1, 1, 6, 1, 1, 8]
    # a(n) = 2 a(n-3) - a(n-6) from n = 7 on: L = 7 exceeds deg C = 6 (a(0) = 2 is irregular)
    for rec in (berlekamp_massey(terms), berlekamp_massey_mod(terms, 199)):
        assert rec == LinearRecurrence((1, 0, 0, -2, 0, 0, 1), 7)
        assert rec.extend(terms[:7], 40) == terms


def test_zeta3_apery_recurrence_found_from_terms_alone():
    terms = apery_zeta3(30)
    assert terms[:5] == [1, 5, 73, 1445, 33001]
    rec = guess_p_recursive(terms)
    # n^3 u(n) = (34n^3 - 51n^2 + 27n - 5) u(n-1) - (n-1)^3 u(n-2)
    assert rec == PRecurrence(((1, 0, 0, 0), (-34, 51, -27, 5), (1, -3, 3, -1)), start=2)
    assert rec.extend(terms[:2], 60) == apery_zeta3(60)


def test_zeta2_apery_recurrence_found_from_terms_alone():
    terms = apery_zeta2(30)
    assert terms[:5] == [1, 3, 19, 147, 1251]
    rec = guess_p_recursive(terms)
    # n^2 u(n) = (11n^2 - 11n + 3) u(n-1) + (n-1)^2 u(n-2)
    assert rec == PRecurrence(((1, 0, 0), (-11, 11, -3), (-1, 2, -1)), start=2)
    assert rec.extend(terms[:2], 60) == apery_zeta2(60)


def test_guess_refuses_what_the_check_terms_contradict():
    terms = apery_zeta3(30)
    terms[-1] += 1  # the last term no longer follows any small recurrence
    rec = guess_p_recursive(terms, max_order=2, max_degree=3)
    assert rec is None


def test_too_few_terms_gives_none():
    assert guess_p_recursive(apery_zeta3(10), max_order=2, max_degree=3) is None


small = st.integers(min_value=-5, max_value=5)


@given(st.lists(small, min_size=1, max_size=4), st.lists(small, min_size=4, max_size=4))
def test_bm_over_q_regenerates_any_linear_recurrence(tail, initial):
    coefficients = [1, *tail]
    terms = extend_linear(coefficients, initial, 30)
    rec = berlekamp_massey(terms)
    assert rec.length <= len(tail)  # never longer than the generating register
    assert rec.extend(terms[: rec.length], 30) == terms


@given(st.lists(small, min_size=1, max_size=4), st.lists(small, min_size=4, max_size=4))
def test_bm_mod_p_agrees_with_q_on_small_integer_recurrences(tail, initial):
    """Over GF(p) the register is never longer than over Q, and it is the same one unless
    the terms mod p obey a shorter recurrence (tail [-1, 3, -2, -1] from [4, -5, -1, 4] does
    mod 199): then that shorter one regenerates them mod p."""
    terms = extend_linear([1, *tail], initial, 40)
    exact = berlekamp_massey(terms)
    if all(isinstance(c, int) and abs(c) < 99 for c in exact.coefficients):
        found = berlekamp_massey_mod(terms, 199)
        assert found is not None and found.length <= exact.length
        if found.length == exact.length:
            assert found == exact
        else:
            c, length = found.coefficients, found.length
            assert all(sum(c[j] * terms[n - j] for j in range(len(c))) % 199 == 0 for n in range(length, len(terms)))


def test_bm_mod_p_gives_up_beyond_max_length():
    terms = [int(d) for d in "31415926535897932384626433832795028841971693993751"]
    assert berlekamp_massey_mod(terms, 199, max_length=5) is None
    assert berlekamp_massey_mod(terms, 199).length > 5


@given(st.integers(), st.sampled_from([3, 5, 199, 1_000_003]))
def test_symmetric_lift(x, p):
    y = symmetric_lift(x, p)
    assert (y - x) % p == 0 and -(p // 2) <= y <= p - 1 - p // 2


def test_extend_linear_needs_l_initial_terms():
    with pytest.raises(ValueError):
        extend_linear((1, -1, -1), [1], 5)


def test_closed_form_of_e_squared_partial_quotients():
    """e^2 = [7; 2, 1, 1, 3, 18, 5, 1, 1, 6, 30, ...]: after a(0), period 5 with channels
    3m+2, 1, 1, 3m+3, 12m+18 (computed here from an exact rational within 1e-100 of e^2)."""
    x = sum(Fraction(2**k, factorial(k)) for k in range(120))
    terms = []
    for _ in range(60):
        a = x.numerator // x.denominator
        terms.append(a)
        x = 1 / (x - a)
    form = interleaved_polynomials(terms, start=1)
    assert form is not None and form.period == 5
    assert str(form) == "a(5m+1) = 3m + 2; a(5m+2) = 1; a(5m+3) = 1; a(5m+4) = 3m + 3; a(5m+5) = 12m + 18"
    assert all(form.term(n) == terms[n] for n in range(1, 60))
    assert interleaved_polynomials(terms) is None  # a(0) = 7 breaks the pattern


def test_closed_form_with_rational_coefficients():
    assert str(interleaved_polynomials([comb(n + 2, 2) for n in range(12)])) == "a(m) = (m^2 + 3m + 2)/2"
