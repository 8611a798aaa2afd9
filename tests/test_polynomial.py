"""Parsing and printing of integer polynomials, checked against direct evaluation."""

import math
import re
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brouncker.errors import LimitError, ParseError
from brouncker.limits import allow_large
from brouncker.pcf.polynomial import (
    compose,
    evaluate,
    first_root,
    from_flint,
    multiply,
    normalize,
    parse,
    primitive,
    root_bound,
    shift,
    shift_flint,
    to_flint,
)
from brouncker.printing import format_polynomial, latex_polynomial

coefficients = st.lists(st.integers(-50, 50), min_size=1, max_size=6).map(tuple)


@pytest.mark.parametrize(
    "text, coeffs",
    [
        ("34n^3+51n^2+27n+5", (34, 51, 27, 5)),
        ("-n^6", (-1, 0, 0, 0, 0, 0, 0)),
        ("(2n+1)(3n^2+3n+1)", (6, 9, 5, 1)),
        ("n*(2*n-1)", (2, -1, 0)),
        ("n**2 - 1", (1, 0, -1)),
        ("2(n+1)^2", (2, 4, 2)),
        ("  7 ", (7,)),
        ("-(n-1)(n+1)", (-1, 0, 1)),
        ("0", (0,)),
        ("n - n", (0,)),
    ],
)
def test_parse_known_polynomials(text, coeffs):
    assert parse(text) == coeffs


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("2n+", "ends after '+'"),
        ("n^-1", "negative exponents"),
        ("sin(n)", "'sin'"),
        ("n/2", "division"),
        ("__import__('os')", "'__import__'"),
        ("", "empty"),
        ("   ", "empty"),
        ("(n+1", "ends"),
        ("n^n", "exponent"),
        ("x+1", "'x'"),
    ],
)
def test_bad_text_is_one_clear_line(text, fragment):
    with pytest.raises(ParseError) as info:
        parse(text)
    message = str(info.value)
    assert fragment in message and "\n" not in message


@given(coefficients, st.integers(-30, 30))
def test_format_round_trips_and_evaluates_like_numpy_polyval(coeffs, n):
    parsed = parse(format_polynomial(coeffs))
    assert evaluate(parsed, n) == evaluate(coeffs, n) == sum(c * n**k for k, c in enumerate(reversed(coeffs)))


@given(coefficients, coefficients, st.integers(-20, 20))
def test_product_and_shift_agree_with_evaluation(f, g, n):
    assert evaluate(multiply(f, g), n) == evaluate(f, n) * evaluate(g, n)
    assert evaluate(shift(f, 3), n) == evaluate(f, n + 3)


def test_latex_uses_braced_exponents():
    assert latex_polynomial((34, 51, 27, 5)) == "34n^{3} + 51n^{2} + 27n + 5"


# --- the parser against an independent evaluation of random expression trees -----------

def _render(tree) -> str:
    """Text for a tree: ('n',), ('int', k), ('neg', t), ('add'|'sub'|'mul'|'imp', t, u), ('pow', t, k)."""
    kind = tree[0]
    if kind == "n":
        return "n"
    if kind == "int":
        return str(tree[1])
    if kind == "neg":
        return f"-({_render(tree[1])})"
    if kind == "pow":
        return f"({_render(tree[1])})^{tree[2]}"
    left, right = _render(tree[1]), _render(tree[2])
    return {"add": f"{left} + ({right})", "sub": f"{left} - ({right})", "mul": f"({left})*({right})", "imp": f"({left})({right})"}[kind]


def _value(tree, n: int) -> int:
    kind = tree[0]
    if kind == "n":
        return n
    if kind == "int":
        return tree[1]
    if kind == "neg":
        return -_value(tree[1], n)
    if kind == "pow":
        return _value(tree[1], n) ** tree[2]
    a, b = _value(tree[1], n), _value(tree[2], n)
    return {"add": a + b, "sub": a - b, "mul": a * b, "imp": a * b}[kind]


trees = st.recursive(
    st.one_of(st.just(("n",)), st.integers(0, 99).map(lambda k: ("int", k))),
    lambda inner: st.one_of(
        inner.map(lambda t: ("neg", t)),
        st.tuples(st.sampled_from(["add", "sub", "mul", "imp"]), inner, inner),
        st.tuples(st.just("pow"), inner, st.integers(0, 3)),
    ),
    max_leaves=8,
)


@given(trees, st.integers(-6, 6))
def test_the_parser_agrees_with_python_on_random_expressions(tree, n):
    text = _render(tree)
    try:
        coefficients = parse(text)
    except LimitError:  # a degree over the limit: the tree's own degree says so
        assert degree_of(tree) > 64
        return
    assert evaluate(coefficients, n) == _value(tree, n)


def degree_of(tree) -> int:
    kind = tree[0]
    if kind in ("n", "int"):
        return int(kind == "n")
    if kind == "neg":
        return degree_of(tree[1])
    if kind == "pow":
        return degree_of(tree[1]) * tree[2]
    a, b = degree_of(tree[1]), degree_of(tree[2])
    return a + b if kind in ("mul", "imp") else max(a, b)


@pytest.mark.parametrize("depth", [1, 250, 5000])
def test_nesting_costs_no_stack(depth):
    with allow_large():
        assert parse("(" * depth + "n+1" + ")" * depth + "^2") == (1, 2, 1)
        assert parse("-(" * depth + "n" + ")" * depth) == ((-1) ** depth, 0)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("n^2^3", "power of a power"),
        ("２n", "non-ASCII"),
        ("n^٢", "non-ASCII"),
        ("1 2", "two numbers in a row"),
        ("(n", "before its ')'"),
        ("n)", "unexpected ')'"),
        ("nn", "unknown symbol 'nn'"),
    ],
)
def test_ambiguous_or_foreign_text_is_refused(text, fragment):
    with pytest.raises(ParseError, match=re.escape(fragment)):
        parse(text)


def test_a_symbol_table_names_what_text_may_use():
    assert parse("2m+1", symbols={"m": (1, 0)}) == (2, 1)
    with pytest.raises(ParseError, match="may use m"):
        parse("n", symbols={"m": (1, 0)})


def _times_root(f: tuple[int, ...], r: int) -> tuple[int, ...]:
    """f(n) (n - r), highest degree first, by hand."""
    return tuple(x - r * y for x, y in zip(f + (0,), (0,) + f))


def _brute_first_root(f: tuple[int, ...], limit: int) -> int | None:
    return next((n for n in range(1, limit + 1) if sum(c * n**k for k, c in enumerate(reversed(f))) == 0), None)


huge = st.integers(-(10**30), 10**30)
planted = st.builds(
    lambda roots, cofactor, scale, power: _planted(roots, cofactor, scale, power),
    st.lists(st.integers(-50, 600), max_size=4),
    st.lists(st.one_of(st.integers(-9, 9), huge), min_size=1, max_size=5).filter(any),
    st.one_of(st.just(1), st.integers(1, 10**25)),
    st.integers(0, 3),
)


def _planted(roots: list[int], cofactor: list[int], scale: int, power: int) -> tuple[int, ...]:
    f = tuple(scale * c for c in cofactor) + (0,) * power
    for r in roots:
        f = _times_root(f, r)
    return f


@given(st.one_of(planted, st.lists(huge, min_size=1, max_size=13).map(tuple)), st.integers(0, 700))
def test_first_root_is_the_least_root_found_by_trying_every_n(f, limit):
    assert first_root(f, limit) == _brute_first_root(f, limit)


@given(planted)
def test_no_root_lies_beyond_the_root_bound(f):
    if any(f):
        roots = [n for n in range(1, 1000) if sum(c * n**k for k, c in enumerate(reversed(f))) == 0]
        assert all(n <= root_bound(f) for n in roots)


def test_first_root_needs_no_integer_factoring():
    """A root of (n - 2)(n - 10^12) is found though 2·10^12 has divisors far past the scan;
    a 60-digit lowest coefficient (a product of two 30-digit primes) costs flint's roots only."""
    assert first_root((1, -(10**12 + 2), 2 * 10**12), 10) == 2
    p, q = 10**29 + 3 * 37, 10**29 + 9 * 13
    assert first_root(_times_root((1, p * q), 5), 10**6) == 5 and first_root((1, 0, p * q), 10**6) is None


# --- the flint bridge, evaluation, composition, primitive part ------------------------------


@given(coefficients, st.integers(-20, 20))
def test_flint_bridge_round_trips_and_agrees_with_evaluation(f, n):
    poly = to_flint(f)
    assert from_flint(poly) == normalize(f)
    assert int(poly(n)) == evaluate(f, n)
    assert from_flint(shift_flint(poly, n)) == shift(normalize(f), n)


@given(coefficients, st.fractions(max_denominator=30), st.integers(-5, 5))
def test_evaluation_is_exact_on_rationals_and_matches_mpmath(f, x, n):
    exact = sum(Fraction(c) * x ** (len(f) - 1 - i) for i, c in enumerate(f))
    assert evaluate(f, x) == exact
    assert evaluate([Fraction(c, 3) for c in f], n) == Fraction(evaluate(f, n), 3)
    with mpmath.mp.workdps(40):
        y = mpmath.mpf(x.numerator) / x.denominator
        assert abs(evaluate(f, y) - mpmath.polyval(list(f), y)) <= mpmath.mpf(10) ** -30 * max(1, abs(exact))


@given(coefficients, st.lists(st.integers(-5, 5), min_size=1, max_size=3).map(tuple), st.integers(-10, 10))
def test_composition_is_substitution(f, g, n):
    assert evaluate(compose(f, g), n) == evaluate(f, evaluate(g, n))


@given(st.lists(st.integers(-60, 60), min_size=1, max_size=6), st.data())
def test_primitive_part_is_the_vector_over_its_content(values, data):
    leading = data.draw(st.none() | st.permutations(range(len(values))))
    p = primitive(values, leading)
    g = math.gcd(*values)
    if g == 0:
        assert p == tuple(values)
        return
    assert math.gcd(*p) == 1
    assert p in (tuple(v // g for v in values), tuple(-v // g for v in values))
    order = range(len(values)) if leading is None else leading
    assert next(p[i] for i in order if p[i]) > 0
