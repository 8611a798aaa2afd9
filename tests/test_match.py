"""Möbius tables and the meet-in-the-middle match."""

from __future__ import annotations

import math
import random

import mpmath
import numpy as np
import pytest

from brouncker.constants import constant_value, parse_constant
from brouncker.screening.match import match, moebius_table, moebius_tables
from brouncker.screening.screen import screen

CONSTANTS = ("pi", "e", "zeta3", "catalan", "ln2", "euler_gamma")


def test_known_pcfs_match_their_constants():
    a = np.array([[2, 1], [1, 0], [1, 3], [0, 3]])
    b = np.array([[1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1]])
    result = screen(a, b, depth=200)
    found = {(m.index, m.constant, m.coefficients) for m in match(result.limits, moebius_tables(CONSTANTS))}
    assert (0, "pi", (4, 0, 0, 1)) in found  # 4/pi
    assert (1, "e", (1, 0, -1, 1)) in found  # 1/(e - 1)
    assert (2, "e", (0, 1, 1, 0)) in found  # e
    assert all(i != 3 for i, _, _ in found)  # PCF(3, 1) = (3 + sqrt 13)/2: not in these tables


def test_every_planted_moebius_value_is_found():
    """Held out: random non-degenerate primitive vectors, values from mpmath, all recovered."""
    rng = random.Random(7)
    tables = moebius_tables(CONSTANTS)
    planted = []
    while len(planted) < 300:
        c = [rng.randint(-12, 12) for _ in range(4)]
        if c[1] * c[2] - c[0] * c[3] == 0 or math.gcd(*c) != 1:
            continue
        name = rng.choice(CONSTANTS)
        k = constant_value(name, 40)
        den = c[2] + c[3] * k
        if den < 0:
            c = [-x for x in c]
            den = -den
        planted.append((name, tuple(c), float((c[0] + c[1] * k) / den)))
    limits = np.array([v for _, _, v in planted])
    found = {(m.index, m.constant, m.coefficients) for m in match(limits, tables)}
    assert all((i, name, c) in found for i, (name, c, _) in enumerate(planted))


def test_table_values_are_the_moebius_values():
    table = moebius_table("zeta3", 5)
    assert np.all(np.diff(table.values) > 0)
    rng = np.random.default_rng(0)
    with mpmath.workdps(40):
        k = constant_value("zeta3", 40)
        for row in rng.choice(len(table), 50, replace=False):
            c0, c1, c2, c3 = (int(x) for x in table.coefficients[row])
            assert c1 * c2 - c0 * c3 != 0 and math.gcd(c0, c1, c2, c3) == 1
            assert c2 + c3 * k > 0
            assert table.values[row] == pytest.approx(float((c0 + c1 * k) / (c2 + c3 * k)), rel=1e-14)


def test_quadratic_irrationals_keep_one_vector_per_value():
    table = moebius_table("phi", 3)
    values = table.values
    assert np.all(np.diff(values) > 1e-13 * np.abs(values[1:]))


def test_small_rationals_are_not_moebius_matches():
    assert match(np.array([0.5, 1 / 3, -7 / 11, 2.0]), moebius_tables(CONSTANTS)) == []


def test_match_expressions_read_back_to_the_table_values():
    """Each match's text, parsed by the constant parser, evaluates to its table value."""
    table = moebius_table("catalan", 4)
    rng = np.random.default_rng(3)
    for row in rng.choice(len(table), 40, replace=False):
        c = tuple(int(x) for x in table.coefficients[row])
        found = match(np.array([table.values[row]]), moebius_tables(("catalan",), 4))
        m = next(m for m in found if m.coefficients == c)
        assert float(parse_constant(m.expression).value(30)) == pytest.approx(table.values[row], rel=1e-14)
