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


def _decode(values: tuple[tuple[int, ...], ...], raw: int) -> tuple[int, ...]:
    """Mixed radix in Python integers, the last position fastest."""
    out = []
    for v in reversed(values):
        raw, digit = divmod(raw, len(v))
        out.append(v[digit])
    return tuple(reversed(out))


@given(st.data())
def test_indices_past_2_to_the_62_decode_exactly(data):
    """A box of about 1400^6 > 2^62 PCFs with coefficients near ±2^62: every index, near the top too,
    decodes to the coefficients that Python's integers give (int64 enumeration must not wrap)."""
    wide = tuple(sorted({0, 2**62 - 1, -(2**62), *range(-700, 697)}))
    space = Space(PolynomialBox((wide,) * 3), PolynomialBox((wide,) * 3))
    assert 2**62 < len(space) < 2**63
    start = data.draw(st.one_of(st.integers(0, len(space) - 4), st.just(len(space) - 4)))
    a, b = space.coefficients(start, start + 4)
    zero = space.b.zero_index
    for i, index in enumerate(range(start, start + 4)):
        ia, ib = divmod(index, len(space.b))
        want_a, want_b = _decode(space.a.values, ia + (ia >= zero)), _decode(space.b.values, ib + (ib >= zero))
        assert (tuple(a[i].tolist()), tuple(b[i].tolist())) == (want_a, want_b)
        assert space.index_of(want_a, want_b) == index
