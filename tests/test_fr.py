"""The factorial-reduction (FR) test and the FR search (arXiv 2308.11829).

The test's gcds are checked against a sequential walk with Python's own gcd, its verdict
against the dynamics record, and every limit the search stores against mpmath's value of
the closed form (or, for a candidate, of the formula we know it has).
"""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brouncker.cli.app import run
from brouncker.constants import parse_constant
from brouncker.convergence.dynamics import FR_SLOPE_TOLERANCE, dynamics, growth_fit
from brouncker.convergence.factorial import checkpoints, factorial_reduction, factorial_reductions
from brouncker.pcf.canonical import canonical
from brouncker.pcf.fraction import PCF
from brouncker.pcf.polynomial import evaluate, parse
from brouncker.search.executor import SerialExecutor
from brouncker.search.kinds.pcf import run_shard
from brouncker.search.runner import run_search
from brouncker.search.shards import Shard
from brouncker.search.spec import parse_spec
from brouncker.store import open_store

pytest_plugins = ["tests.conftest_ray"]

APERY = (parse("(2n+1)(17n^2+17n+5)"), parse("-n^6"))
APERY_4 = (parse("(2n+1)(34n^2+34n+10)"), parse("-4n^6"))
ZETA2 = (parse("11n^2+11n+3"), parse("n^4"))
EULER_ZETA3 = (parse("n^3+(n+1)^3"), parse("-n^6"))


def small_zeta3(constants: list[str], **extra: object) -> dict[str, object]:
    """Apéry's space at (x, y, z) in {1, 17, 34} x {1, 5, 10} x {1, 4}: Apéry, its double, Euler."""
    return {"name": f"fr-{'-'.join(constants)}", "mode": "fr", "constants": constants, "digits": 30, "shard_size": 6,
            "family": {"a": "(2n+1)*(x*n^2 + x*n + y)", "b": "-z*n^6",
                       "parameters": {"x": {"values": [1, 17, 34]}, "y": {"values": [1, 5, 10]}, "z": {"values": [1, 4]}}},
            **extra}


def reduced_q_by_hand(a: tuple[int, ...], b: tuple[int, ...], depths: list[int]) -> list[float]:
    """ln q~(n) at ``depths`` from the three-term recurrence and math.gcd."""
    p_prev, p, q_prev, q = 1, evaluate(a, 0), 0, 1
    out = []
    for n in range(1, max(depths) + 1):
        an, bn = evaluate(a, n), evaluate(b, n)
        p_prev, p = p, an * p + bn * p_prev
        q_prev, q = q, an * q + bn * q_prev
        if n in depths:
            out.append(math.log(abs(q) // math.gcd(p, q)))
    return out


# --- the test -----------------------------------------------------------------------------------


def test_zeta_fractions_reduce_and_their_inflations_share_a_key() -> None:
    for a, b in (APERY, APERY_4, ZETA2, EULER_ZETA3):
        assert factorial_reduction(a, b).fr, (a, b)
        assert dynamics(a, b, 2000).fr, (a, b)  # and the re-check at the dynamics depth holds
    assert canonical(PCF(*APERY)).key == canonical(PCF(*APERY_4)).key
    for a, b in (((1, 1), (1, 0, 0)), ((2, 3, 11, 5), (-9, 0, 0, 0, 0, 0, 0)), ((1, 3), (-1, 0))):
        assert not factorial_reduction(a, b).fr, (a, b)


def test_the_fit_rests_on_the_gcds_of_a_sequential_walk() -> None:
    for a, b in (APERY, ZETA2, ((2, 3, 11, 5), (-9, 0, 0, 0, 0, 0, 0))):
        depths = checkpoints(128)
        c, d, _, _ = growth_fit(depths, reduced_q_by_hand(a, b, depths))
        reduction = factorial_reduction(a, b, 128, tolerance=10.0)
        assert reduction.d == pytest.approx(d, abs=1e-9) and reduction.c == pytest.approx(c, abs=1e-9)


coefficient = st.integers(-6, 6)


@settings(max_examples=40, deadline=None)
@given(a=st.lists(coefficient, min_size=2, max_size=4), b=st.lists(coefficient, min_size=2, max_size=5))
def test_with_the_dynamics_tolerance_the_test_is_the_dynamics_verdict(a: list[int], b: list[int]) -> None:
    if not any(a) or not any(b):
        return
    reduction = factorial_reduction(a, b, 64, tolerance=FR_SLOPE_TOLERANCE)
    if reduction.finite:
        assert any(evaluate(tuple(b), k) == 0 for k in range(1, 65))
        return
    assert reduction.fr == dynamics(a, b, 128).fr


@settings(max_examples=15, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(1, 60), st.integers(-30, 30), st.sampled_from([1, 4, 9, 0])), min_size=1, max_size=12))
def test_the_batch_gives_the_verdicts_of_one_by_one(rows: list[tuple[int, int, int]]) -> None:
    a_rows = np.array([(2 * x, 3 * x, x + 2 * y, y) for x, y, _ in rows])
    b_rows = np.array([(-z, 0, 0, 0, 0, 0, 3 - z if z == 0 else 0) for _, _, z in rows])  # z = 0: b(n) = 3, no FR
    batch = factorial_reductions(a_rows, b_rows, 128)
    assert batch == [factorial_reduction(tuple(map(int, a)), tuple(map(int, b)), 128) for a, b in zip(a_rows, b_rows)]


def test_terms_beyond_62_bits_are_walked_one_by_one_with_the_same_verdicts() -> None:
    a_rows = np.array([(34, 51, 27, 5), (2 * 10**5, 3 * 10**5, 10**5 + 2, 1)])
    b_rows = np.array([(-1, 0, 0, 0, 0, 0, 0), (-(10**6), 0, 0, 0, 0, 0, 0)])  # 10^6 * 256^6 > 2^62
    batch = factorial_reductions(a_rows, b_rows, 256)
    assert batch == [factorial_reduction(tuple(map(int, a)), tuple(map(int, b)), 256) for a, b in zip(a_rows, b_rows)]
    assert batch[0].fr


def test_a_finite_fraction_is_never_fr() -> None:
    reduction = factorial_reduction((1, 0), (1, -3), 64)  # b(3) = 0
    assert reduction.finite and not reduction.fr
    assert factorial_reductions(np.array([[1, 0]]), np.array([[1, -3]]), 64) == [reduction]


# --- the search -------------------------------------------------------------------------------


def run_small(constants: list[str]):  # type: ignore[no-untyped-def]
    spec = parse_spec(small_zeta3(constants))
    results = [run_shard(spec, shard) for shard in spec.space().shards(spec.shard_size)]
    return spec, results


def test_the_search_identifies_apery_as_6_over_zeta3_and_keeps_one_class_for_its_double() -> None:
    spec, results = run_small(["zeta3", "zeta2", "ln2"])
    conjectures = {c.canonical_key: c for r in results for c in r.conjectures}
    apery = canonical(PCF(*APERY)).key
    assert conjectures[apery].expression == "6/zeta(3)" and conjectures[apery].digits >= 60
    euler = canonical(PCF(*EULER_ZETA3)).key
    assert conjectures[euler].expression == "1/zeta(3)"
    with mpmath.workdps(70):
        for c in conjectures.values():
            assert c.expression is not None and not c.candidate
            exact = parse_constant(c.expression).value(70)
            assert abs(mpmath.mpf(c.limit) - exact) < mpmath.mpf(10) ** -(c.digits // 2 - 1)
            assert dynamics(c.a, c.b, spec.fr.recheck_depth).fr  # no FR PCF is reported that fails the re-check
    found = {tuple(c.data["parameters"].values()) for c in conjectures.values() if c.canonical_key == apery}
    assert found & {(17, 5, 1), (34, 10, 4)}
    counts = {k: sum(r.counts[k] for r in results) for k in ("pcfs", "fr_passed", "fr", "confirmed", "candidates")}
    assert counts["pcfs"] == 18 and counts["candidates"] == 0 and counts["confirmed"] == counts["fr"] >= 2


def test_what_no_constant_explains_is_a_candidate_with_its_limit() -> None:
    _, results = run_small(["catalan"])
    candidates = {c.canonical_key: c for r in results for c in r.conjectures}
    assert candidates and all(c.candidate and c.expression is None and c.relation == () for c in candidates.values())
    apery = candidates[canonical(PCF(*APERY)).key]
    with mpmath.workdps(80):
        assert apery.digits >= 60
        assert abs(mpmath.mpf(apery.limit) - 6 / mpmath.zeta(3)) < mpmath.mpf(10) ** -(apery.digits - 1)


def test_zeta2_space_finds_5_over_zeta2() -> None:
    spec = parse_spec({"name": "z2", "mode": "fr", "constants": ["zeta2", "zeta3"], "digits": 30,
                       "family": {"a": "x*n^2 + x*n + y", "b": "s*n^4",
                                  "parameters": {"x": [10, 12], "y": [2, 4], "s": {"values": [-1, 1]}}}})
    result = run_shard(spec, Shard(0, 0, len(spec.space())))
    found = {(c.a, c.b): c.expression for c in result.conjectures}
    assert found[ZETA2] == "5/zeta(2)"


@pytest.mark.ray
def test_an_fr_search_runs_on_ray_stores_its_candidates_and_resumes_idempotently(ray_local, tmp_path) -> None:
    from brouncker.search.executor import RayExecutor

    url = f"sqlite:///{tmp_path}/fr.db"
    spec = parse_spec(small_zeta3(["zeta2"]))  # zeta(3) is not asked for: its formulas are candidates
    with open_store(url) as store, RayExecutor(workers=2) as executor:
        report = run_search(store, spec, executor=executor, progress=False)
        assert report.status == "done"
        first = sorted((r.canonical_key, r.candidate, r.limit) for r in store.query())
        again = run_search(store, spec, executor=SerialExecutor(), progress=False)  # the same search again
        assert sorted((r.canonical_key, r.candidate, r.limit) for r in store.query()) == first
        assert again.search_id == report.search_id
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = run(["query", "--db", url, "--candidates", "--json"])
    assert code == 0
    rows = json.loads(out.getvalue())
    assert rows and all(r["candidate"] and r["expression"] is None for r in rows)
    with mpmath.workdps(60):
        values = sorted(mpmath.mpf(r["limit"]) for r in rows)
        euler = 1 / mpmath.zeta(3)
        assert any(abs(v - euler) < mpmath.mpf(10) ** -40 for v in values)
