"""Canonical forms: inflated copies share a key, and the stated value relation holds exactly.

The value relation is checked on exact convergents: an equivalence transformation c(n)
multiplies every convergent p(N)/q(N) by c(0), so at any depth the input's convergent
(by the sequential recurrence) must equal value_factor times the canonical one's (by the
product tree), and both must tend to limits in that ratio (mpmath, at depth 400).
"""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from brouncker.cli import app
from brouncker.pcf.canonical import (
    Inflation,
    canonical,
    canonical_key,
    inflate,
    shift,
    shift_class,
    shift_mobius,
    shift_relation,
)
from brouncker.pcf.fraction import PCF
from brouncker.pcf.mobius import Mobius
from brouncker.pcf.polynomial import evaluate, multiply, normalize
from brouncker.pcf.walk import walk, walk_sequential

APERY_LIKE = PCF.parse("(2n+1)(3n^2+3n+1)", "-n^6")


def assert_value_relation(original: PCF, depth: int = 30) -> None:
    """p/q of the input = value_factor * p/q of the canonical PCF, exactly, at every depth."""
    c = canonical(original)
    factor = c.scale.value_factor
    for n in (1, 2, 5, depth):
        left = walk_sequential(original.a, original.b, n)
        right = walk(c.pcf.a, c.pcf.b, n)
        if left.q != 0 and right.q != 0:
            assert left.fraction() == factor * right.fraction()
        else:  # both undefined together: q scales by c(1)...c(n), never zero
            assert left.q == 0 and right.q == 0


def no_root_at_naturals(f: tuple[int, ...]) -> bool:
    """f(n) != 0 for every integer n >= 0 (roots are below the Cauchy bound)."""
    f = normalize(f)
    if f == (0,):
        return False
    bound = 1 + max((abs(c) for c in f[1:]), default=0) // abs(f[0]) + 1
    return all(evaluate(f, n) != 0 for n in range(bound + 1))


small = st.integers(-5, 5)
polys = st.lists(small, min_size=1, max_size=4).map(normalize)
b_polys = st.lists(small, min_size=1, max_size=6).map(normalize)
factors = st.lists(st.integers(-4, 4), min_size=1, max_size=3).map(normalize).filter(no_root_at_naturals)


# --- inflations of known fractions share their key --------------------------------------


def test_constant_inflation_of_the_apery_like_fraction_shares_the_key():
    inflated = PCF.parse("(2n+1)(6n^2+6n+2)", "-4n^6")
    assert canonical(inflated).key == canonical(APERY_LIKE).key == "a=6,9,5,1|b=-1,0,0,0,0,0,0"
    assert canonical(inflated).pcf == APERY_LIKE
    assert canonical(inflated).scale == Inflation(sign=1, constant=2)
    assert canonical(inflated).scale.value_factor == 2  # the value doubles: c(0) = 2
    assert_value_relation(inflated)


def test_polynomial_inflation_deflates_to_the_issue_fraction():
    big = PCF.parse(
        "9n^4+72n^3+201n^2+228n+85",
        "-18n^8-225n^7-1131n^6-2904n^5-3932n^4-2400n^3+66n^2+769n+255",
    )
    c = canonical(big)
    assert c.pcf == PCF.parse("3n^2+9n+5", "-2n^4-9n^3-9n^2+n+3")
    assert c.key == "a=3,9,5|b=-2,-9,-9,1,3"
    # a = (3n^2+15n+17)(3n^2+9n+5): the factor is f(n) = 3n^2+15n+17, f(0) = 17
    assert c.scale.numerator == (3, 15, 17) and c.scale.value_factor == 17
    assert c.scale.apply(c.pcf) == big
    assert_value_relation(big)


def test_value_relation_holds_for_the_limits():
    big = PCF.parse("9n^4+72n^3+201n^2+228n+85", "-18n^8-225n^7-1131n^6-2904n^5-3932n^4-2400n^3+66n^2+769n+255")
    c = canonical(big)
    with mpmath.workdps(40):
        left = mpmath.mpf(int(walk(big.a, big.b, 400).p)) / int(walk(big.a, big.b, 400).q)
        right = mpmath.mpf(int(walk(c.pcf.a, c.pcf.b, 400).p)) / int(walk(c.pcf.a, c.pcf.b, 400).q)
        assert abs(left - 17 * right) < mpmath.mpf(10) ** -30


def test_sign_normalisation_negates_the_value():
    negated = PCF((-34, -51, -27, -5), (-1, 0, 0, 0, 0, 0, 0))
    c = canonical(negated)
    assert c.pcf == PCF.parse("34n^3+51n^2+27n+5", "-n^6")
    assert c.scale.sign == -1 and c.scale.value_factor == -1
    assert_value_relation(negated)


# --- properties ------------------------------------------------------------------------


@given(polys.filter(lambda a: a != (0,)), b_polys, factors, st.sampled_from([1, -1, 2, -3, 6]))
def test_inflated_copies_share_the_key_and_the_value_relation_holds(a, b, f, constant):
    original = PCF(a, b)
    inflated = inflate(inflate(original, f), constant)
    c_orig, c_infl = canonical(original), canonical(inflated)
    assert c_orig.key == c_infl.key
    assert c_infl.scale.apply(c_infl.pcf) == inflated
    assert_value_relation(inflated)
    assert_value_relation(original)


@given(polys, b_polys)
def test_canonical_is_idempotent(a, b):
    once = canonical(PCF(a, b))
    twice = canonical(once.pcf)
    assert twice.key == once.key and twice.pcf == once.pcf
    assert twice.scale.trivial


@given(polys.filter(lambda a: a != (0,)), b_polys, st.integers(1, 6))
def test_canonical_never_grows_the_fraction(a, b, shift):
    c = canonical(PCF(a, b))
    assert len(c.pcf.a) <= len(normalize(a)) and len(c.pcf.b) <= len(normalize(b))
    assert c.pcf.a[0] > 0 or c.pcf.a == (0,)


def test_competing_deflations_along_a_shift_orbit_meet():
    # (n+5)(n+4) a0 with (n+5)(n+4)(n+3) b0 deflates by n+5 or by n+4, not both; the two
    # results are equivalent by c(n) = (n+4)/(n+5) and must share one key.
    a0, b0 = (1, 0, 3), (2, 1)
    by_n5 = PCF(multiply((1, 4), a0), multiply((1, 3), b0))
    by_n4 = PCF(multiply((1, 5), a0), multiply((1, 5), b0))
    both = PCF(multiply(multiply((1, 5), (1, 4)), a0), multiply(multiply(multiply((1, 5), (1, 4)), (1, 3)), b0))
    keys = {canonical(p).key for p in (by_n5, by_n4, both)}
    assert len(keys) == 1
    for p in (by_n5, by_n4, both):
        assert_value_relation(p)
    assert canonical(by_n5).scale.value_factor == Fraction(4, 5)


def test_factors_vanishing_at_a_natural_number_are_kept():
    # n(n-1) b(n) has b(1) = 0: the fraction is finite, and dividing n out would change it
    finite = PCF(multiply((1, 0), (2, 1)), multiply((1, 0, 0), (1, -1)))
    c = canonical(finite)
    assert c.pcf == finite and c.scale.trivial
    assert_value_relation(finite)


def test_degenerate_fractions():
    assert canonical(PCF((0,), (4, 0))).pcf == PCF((0,), (1, 0))  # 2^2 divides b's content
    assert canonical(PCF((6, 3), (0,))).pcf == PCF((1,), (0,))  # b = 0: value a(0), any c(n)
    assert canonical(PCF((0,), (0,))).key == "a=0|b=0"
    assert_value_relation(PCF((6, 3), (0,)))


def test_constant_factor_uses_square_content_of_b():
    # c must divide content(a) = 12 and c^2 must divide content(b) = 8: c = 2
    c = canonical(PCF((12, 24), (8, 0, 8)))
    assert c.scale.constant == 2 and c.pcf == PCF((6, 12), (2, 0, 2))


def test_key_format_is_stable():
    assert canonical_key((3, 9, 5), (-2, -9, -9, 1, 3)) == "a=3,9,5|b=-2,-9,-9,1,3"


def test_scale_is_json_safe():
    c = canonical(PCF.parse("-(2n+1)(6n^2+6n+2)", "-4n^6"))
    data = json.loads(json.dumps(c.as_dict()))
    assert data["key"] == "a=6,9,5,1|b=-1,0,0,0,0,0,0"
    assert data["scale"]["value_factor"] == "-2" and data["scale"]["sign"] == -1


def test_cli_canonical_json():
    result = CliRunner().invoke(app, ["canonical", "--a", "(2n+1)(6n^2+6n+2)", "--b", "-4n^6", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) >= {"a", "b", "key", "scale"}
    assert data["a"] == "6n^3 + 9n^2 + 5n + 1" and data["b"] == "-n^6"


# --- shift equivalence ------------------------------------------------------------------

APERY = PCF.parse("34n^3+51n^2+27n+5", "-n^6")
APERY_SHIFTED = PCF.parse("(2n+3)(17n^2+51n+39)", "-(n+1)^6")  # the ζ(3) diagonal from (1, 1)


def exact_convergent(pcf: PCF, depth: int) -> Fraction | None:
    c = walk_sequential(pcf.a, pcf.b, depth)
    return None if c.q == 0 else c.fraction()


def test_the_zeta3_diagonal_is_apery_shifted_and_one_shift_class():
    assert shift(APERY, 1) == APERY_SHIFTED
    cls, apery_cls = shift_class(APERY_SHIFTED), shift_class(APERY)
    assert cls.key != apery_cls.key  # the exact PCFs differ ...
    assert cls.class_key == apery_cls.class_key == canonical(APERY).key  # ... the family is one
    assert cls.representative == APERY and cls.shift == -1


def test_the_shift_map_carries_the_shifted_value_to_aperys_exactly():
    m = shift_relation(APERY, APERY_SHIFTED)  # value(Apéry) = m(value(shifted))
    assert m == shift_mobius(APERY, 1) == Mobius.of(-1, 5, 0, 1)  # 5 - 1/x
    for depth in range(0, 12):  # exact on every convergent: the map is the first level of the fraction
        assert exact_convergent(APERY, depth + 1) == m.apply(exact_convergent(APERY_SHIFTED, depth))
    with mpmath.workdps(60):
        shifted_value = mpmath.mpf(int(walk(APERY_SHIFTED.a, APERY_SHIFTED.b, 60).p)) / int(walk(APERY_SHIFTED.a, APERY_SHIFTED.b, 60).q)
        assert abs(m.apply(shifted_value) - 6 / mpmath.zeta(3)) < mpmath.mpf(10) ** -50
        inverse = shift_relation(APERY_SHIFTED, APERY)
        assert abs(inverse.apply(6 / mpmath.zeta(3)) - shifted_value) < mpmath.mpf(10) ** -50


@given(polys.filter(lambda a: a != (0,)), b_polys.filter(lambda b: b != (0,)), st.integers(-3, 3), st.integers(-3, 3))
def test_shifted_copies_share_the_class_key(a, b, s, t):
    p = PCF(a, b)
    assert shift_class(shift(p, s)).class_key == shift_class(shift(p, t)).class_key == shift_class(p).class_key


@given(polys.filter(lambda a: a != (0,)), b_polys.filter(lambda b: b != (0,)), factors, st.integers(-2, 3))
def test_inflated_shifted_copies_share_the_class_key(a, b, f, s):
    p = PCF(a, b)
    assert shift_class(inflate(shift(p, s), f)).class_key == shift_class(p).class_key


@given(polys.filter(lambda a: a != (0,)), b_polys, st.integers(-3, 4))
def test_shift_map_is_exact_on_convergents(a, b, s):
    p = PCF(a, b)
    m = shift_mobius(p, s)
    lo = max(0, -s)  # both fractions have a convergent at these depths
    if m is None:  # the fraction stops between the two levels: b vanishes at a level entered
        levels = range(1, s + 1) if s > 0 else range(1 + s, 1)
        assert any(evaluate(b, k) == 0 for k in levels)
        return
    moved = shift(p, s)
    for depth in range(lo, lo + 6):
        left, right = exact_convergent(p, depth + s), exact_convergent(moved, depth)
        if left is None or right is None or m.c2 + m.c3 * right == 0:
            continue
        assert left == m.apply(right)


@given(polys.filter(lambda a: a != (0,)), b_polys, factors, st.integers(-2, 3))
def test_shift_relation_maps_values_exactly(a, b, f, s):
    p = PCF(a, b)
    q = inflate(shift(p, s), f)  # value(q) = f(0) value(shift(p, s))
    m = shift_relation(p, q)
    direct = shift_mobius(p, s)
    periodic = canonical(shift(p, 1)).key == canonical(p).key  # then several maps fix the one value
    if direct is None or periodic:
        return
    assert m is not None
    scale = Mobius.of(0, Fraction(1, evaluate(f, 0)), 1, 0)  # value(shift(p, s)) = value(q) / f(0)
    assert m == direct.compose(scale)


def test_mobius_algebra():
    m = Mobius.of(Fraction(1, 2), 3, -2, 4)
    assert (m.c0, m.c1, m.c2, m.c3) == (1, 6, -4, 8)
    x = Fraction(7, 3)
    assert m.inverse().apply(m.apply(x)) == x
    assert m.compose(m.inverse()) == Mobius.identity()
    n = Mobius.of(2, -1, 5, 1)
    assert m.compose(n).apply(x) == m.apply(n.apply(x))
    c2, c0n, c1n, c3 = m.relation("y,1,x,xy")  # c2 y - c0 - c1 x + c3 x y = 0
    y = m.apply(x)
    assert c2 * y + c0n + c1n * x + c3 * x * y == 0
    assert Mobius.of(-1, 5, 0, 1).text() == "(5x - 1)/x" and Mobius.identity().text("V") == "V"


def test_finite_fractions_have_no_shift_map():
    finite = PCF((1, 1), (1, -2))  # b(2) = 0
    assert shift_mobius(finite, 3) is None and shift_mobius(shift(finite, 3), -3) is None
    assert shift_mobius(finite, 1) is not None
