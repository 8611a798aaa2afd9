"""The search space: index <-> coefficients is a bijection onto the box minus zero polynomials."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from brouncker.search.space import PolynomialBox, Space


def test_blind_delta_space_has_1768900_pcfs():
    space = Space.box(2, (-5, 5), 2, (-5, 5))
    assert len(space) == (11**3 - 1) ** 2 == 1_768_900


def test_small_space_enumerates_the_box_without_zero_polynomials():
    space = Space(PolynomialBox(((0, 1), (-1, 0, 2))), PolynomialBox(((0, 3),)))
    a, b = space.coefficients(0, len(space))
    found = {(tuple(x), tuple(y)) for x, y in zip(a.tolist(), b.tolist())}
    expected = {
        (ta, tb)
        for ta in itertools.product((0, 1), (-1, 0, 2))
        for tb in itertools.product((0, 3),)
        if any(ta) and any(tb)
    }
    assert found == expected and len(found) == len(space) == 5


@given(st.integers(min_value=0, max_value=1_768_899))
def test_index_round_trips(index):
    space = Space.box(2, (-5, 5), 2, (-5, 5))
    a, b = space.pcf(index)
    assert any(a) and any(b)
    assert space.index_of(a, b) == index


def test_shards_cover_the_space_once():
    space = Space.box(1, (-3, 3), 1, (-2, 2))
    shards = space.shards(7)
    assert [s.index for s in shards] == list(range(len(shards)))
    covered = np.concatenate([np.arange(s.start, s.stop) for s in shards])
    assert covered.tolist() == list(range(len(space)))
    assert shards == space.shards(7)  # stable ids


def test_box_without_zero_keeps_every_index():
    box = PolynomialBox(((1, 2), (3,)))
    assert len(box) == 2 and box.zero_index is None
    assert box.decode(np.arange(2)).tolist() == [[1, 3], [2, 3]]
