"""Folds of a PCF (every k-th convergent as a PCF again): checked against the original's
convergents, computed here by the three-term recurrence with exact integers."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from brouncker.errors import FoldError, LimitError
from brouncker.limits import allow_large
from brouncker.pcf.canonical import natural_roots
from brouncker.pcf.fold import fold, folds, step_matrix
from brouncker.pcf.fraction import PCF
from brouncker.pcf.polynomial import evaluate, normalize

BROUNCKER = PCF.parse("2n+1", "n^2")
APERY = PCF.parse("34n^3+51n^2+27n+5", "-n^6")

coefficients = st.lists(st.integers(-4, 4), min_size=1, max_size=3).map(normalize)


def convergents(pcf: PCF, depth: int) -> tuple[list[int], list[int]]:
    """p(-1), p(0), …, p(depth) and the same for q, one step at a time."""
    p, q = [1, evaluate(pcf.a, 0)], [0, 1]
    for n in range(1, depth + 1):
        a, b = evaluate(pcf.a, n), evaluate(pcf.b, n)
        p.append(a * p[-1] + b * p[-2])
        q.append(a * q[-1] + b * q[-2])
    return p, q


def infinite(pcf: PCF) -> bool:
    return pcf.b != (0,) and not [n for n in natural_roots(pcf.b) if n >= 1]


@settings(max_examples=60, deadline=None)
@given(coefficients, coefficients, st.integers(2, 5), st.data())
def test_a_fold_keeps_every_kth_convergent(a: tuple[int, ...], b: tuple[int, ...], k: int, data: st.DataObject) -> None:
    pcf = PCF(a, b)
    assume(infinite(pcf))
    r = data.draw(st.integers(0, k - 1))
    p, q = convergents(pcf, k * 12 + r)
    n_step = step_matrix(pcf, k, r)
    walked = [[p[r], p[r + 1]], [q[r], q[r + 1]]]  # W(r) = [[p(r-1), p(r)], [q(r-1), q(r)]]
    for n in range(8):  # the walk of the k-step matrices from W(r) reaches W(kn + r)
        step = [[int(f(n)) if f != 0 else 0 for f in row] for row in n_step]
        walked = [[sum(walked[i][t] * step[t][j] for t in range(2)) for j in range(2)] for i in range(2)]
        depth = k * (n + 1) + r
        assert walked == [[p[depth], p[depth + 1]], [q[depth], q[depth + 1]]]
    with allow_large():
        try:
            f = fold(pcf, k, r)
        except FoldError:  # the k-step walk collapses: nothing to check
            return
    assert (f.k, f.r) == (k, r)
    deepest = f.depth_of(6)
    p, q = convergents(pcf, deepest)
    fp, fq = convergents(f.pcf, 6)
    m = f.mobius
    for j in range(7):  # m(p_f(j)/q_f(j)) = p(depth)/q(depth), exactly and projectively
        top, bottom = m.c0 * fq[j + 1] + m.c1 * fp[j + 1], m.c2 * fq[j + 1] + m.c3 * fp[j + 1]
        depth = f.depth_of(j)
        assert top * q[depth + 1] == bottom * p[depth + 1] and (top, bottom) != (0, 0)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_the_folds_of_brouncker_and_apery_map_onto_their_convergents_at_depth_200(k: int) -> None:
    for pcf in (BROUNCKER, APERY):
        for f in folds(pcf, k)[-k:]:
            conv = f.pcf.convergent(50)
            depth = f.depth_of(50)
            original = pcf.convergent(depth)
            m = f.mobius
            assert (m.c0 * conv.q + m.c1 * conv.p) * original.q == (m.c2 * conv.q + m.c3 * conv.p) * original.p


def test_the_one_fold_is_the_pcf_itself_and_two_gives_the_even_and_odd_parts() -> None:
    same = fold(APERY, 1)
    assert same.pcf == APERY and same.mobius.text() == "x" and same.depth_of(7) == 7
    assert [(f.k, f.r) for f in folds(BROUNCKER, 3)] == [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]
    even, odd = fold(BROUNCKER, 2, 0), fold(BROUNCKER, 2, 1)
    assert even.depth_of(0) % 2 == 1 and odd.depth_of(0) % 2 == 0  # the companion form follows the other column


def test_a_finite_fraction_a_bad_residue_and_a_large_fold_are_refused() -> None:
    with pytest.raises(FoldError, match="finite fraction"):
        fold(PCF.parse("2n+1", "-n^2+n"), 2)
    assert folds(PCF.parse("2n+1", "-n^2+n"), 2) == []
    with pytest.raises(FoldError, match="residue"):
        fold(BROUNCKER, 3, 3)
    with pytest.raises(LimitError, match="--allow-large"):
        fold(BROUNCKER, 5)
    with allow_large():
        assert fold(BROUNCKER, 5, 4).k == 5
