"""Möbius maps: algebra checked on exact rationals, both relation orders checked against the
relation finders that produce them, and one printer for text, expressions and LaTeX."""

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from mpmath import mp, mpf

from brouncker.constants import constant_value, parse_constant
from brouncker.identification.identify import confirm
from brouncker.identification.relations import mobius_relation
from brouncker.pcf.mobius import Mobius
from brouncker.printing import mobius

small = st.integers(-12, 12)
maps = st.tuples(small, small, small, small).filter(lambda c: c[1] * c[2] != c[0] * c[3]).map(lambda c: Mobius.of(*c))
rationals = st.fractions(max_denominator=50).filter(lambda x: abs(x) < 100)


@given(maps, maps, rationals)
def test_composition_and_inverse_are_those_of_functions(m, n, x):
    assume(n.c2 + n.c3 * x != 0 and m.c2 + m.c3 * n.apply(x) != 0 and m.c2 + m.c3 * x != 0)
    assert (m @ n).apply(x) == m.compose(n).apply(x) == m.apply(n.apply(x))
    assert m.inverse().apply(m.apply(x)) == x
    assert m @ m.inverse() == m.inverse() @ m == Mobius.identity()


@given(maps, st.sampled_from(["y,1,x,xy", "1,x,y,xy"]), rationals)
def test_each_relation_order_vanishes_on_the_map_and_reads_back(m, order, x):
    assume(m.c2 + m.c3 * x != 0)
    y = m.apply(x)
    r = m.relation(order)
    basis = {"y,1,x,xy": (y, 1, x, x * y), "1,x,y,xy": (1, x, y, x * y)}[order]
    assert sum(c * v for c, v in zip(r, basis)) == 0
    assert Mobius.from_relation(r, order) == m
    assert Mobius.from_relation([-3 * c for c in r], order) == m  # scale and sign do not matter


@pytest.mark.parametrize("c", [(1, -2, 3, 1), (4, 0, 0, 1), (-1, 5, 0, 1), (0, 1, 3, -1)])
def test_lll_relations_read_as_the_planted_map(c):
    planted = Mobius.of(*c)
    with mp.workdps(80):
        x = +mp.e
        found = mobius_relation(x, planted.apply(x), 60)
    assert found is not None and Mobius.from_relation(found, "1,x,y,xy") == planted


@pytest.mark.parametrize("a, b, constant, c", [("2n+1", "n^2", "pi", (4, 0, 0, 1)), ("n+3", "-n", "e", (0, 1, 1, 0))])
def test_confirm_reads_the_map_in_the_identification_order(a, b, constant, c):
    """``confirm`` checks ``(c0, c1, c2, c3)`` through its relation over [x, 1, K, xK]."""
    found = confirm(a, b, constant, 30, mobius=c)
    assert found is not None and found.basis[:2] == ("x", "1")
    assert Mobius.from_relation(found.relation, "y,1,x,xy") == Mobius.of(*c)


@given(maps, st.sampled_from(["pi", "e", "zeta3", "ln2"]))
def test_expression_evaluates_to_the_map_of_the_constant(m, name):
    with mp.workdps(50):
        k = constant_value(name, 50)
        assume(abs(m.c2 + m.c3 * k) > 1e-6)
        value = parse_constant(m.expression(name)).value(50)
        assert abs(value - m.apply(k)) <= mpf(10) ** -35 * max(1, abs(value))


@given(maps)
def test_text_expression_and_latex_are_one_printer(m):
    """The map over a variable is the expression over that name without the ``*``, and its
    LaTeX has the same numerator and denominator."""
    text = m.text("x")
    assert text == m.expression("x").replace("*", "") == mobius(m.coefficients, "x", variable=True)
    latex = m.latex("x")
    if "/" not in text:
        assert latex == text
    else:
        top, bottom = latex.removeprefix(r"\frac{").removesuffix("}").split("}{")
        assert text in (f"{top}/{bottom}", f"({top})/{bottom}", f"{top}/({bottom})", f"({top})/({bottom})")


def test_known_texts():
    assert Mobius.of(-1, 5, 0, 1).text() == "(5x - 1)/x"
    assert Mobius.of(-1, -1, 0, 6).text("V") == "(-V - 1)/(6V)"
    assert Mobius.of(0, 1, 3, -1).text() == "x/(3 - x)"
    assert Mobius.of(6, 6, 1, 0).text("L") == "6L + 6"
    assert Mobius.identity().text("V") == "V"
    assert Mobius.of(1, 2, 3, 0).expression("pi") == "(2*pi + 1)/3"
    assert Mobius.of(0, -1, 2, 5).expression("pi") == "-pi/(5*pi + 2)"
    assert Mobius.of(-1, 5, 0, 1).latex(r"\pi") == r"\frac{5\pi - 1}{\pi}"
    assert Mobius.of(4, 0, 0, 1).as_dict() == {"coefficients": [4, 0, 0, 1], "map": "4/x"}


def test_normal_form_and_degenerate_maps():
    assert Mobius.of(Fraction(1, 2), 3, -2, -4) == Mobius(-1, -6, 4, 8)  # primitive, c3 > 0
    assert Mobius.of(2, 4, -6, 0) == Mobius(-1, -2, 3, 0)  # c3 = 0: c2 > 0
    with pytest.raises(ValueError, match="non-zero"):
        Mobius.of(0, 0, 0, 0)
    with pytest.raises(ValueError, match="degenerate"):
        Mobius.of(1, 2, 2, 4).inverse()
