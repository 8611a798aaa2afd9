"""CMF trajectory searches (kind "cmf"): the space, the spec and its limits, the shard
pipeline, and the driver (store, resume, Ray, plan, clustering), checked against mpmath
and against walks computed step by step with exact fractions."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from brouncker.cmf.known import known_field
from brouncker.cmf.space import TrajectorySpace, count_primitive, primitive_trajectories, signs_of
from brouncker.cmf.trajectory import symbolic_trajectory_matrix
from brouncker.errors import SpecError
from brouncker.pcf.canonical import canonical
from brouncker.pcf.fraction import PCF
from brouncker.records import ConjectureKind, DeltaKind
from brouncker.search.estimate import estimate_search
from brouncker.search.executor import SerialExecutor
from brouncker.search.kinds import plan_search
from brouncker.search.kinds.cmf import CMFShardTask, CMFSpec, run_cmf_shard
from brouncker.search.runner import resume_search, run_search
from brouncker.search.shards import Shard
from brouncker.search.spec import parse_spec
from brouncker.store import open_store

pytest_plugins = ["tests.conftest_ray"]

APERY_KEY = canonical(PCF.parse("34n^3+51n^2+27n+5", "-n^6")).key
ZETA3 = {"kind": "cmf", "name": "zeta3 walks", "field": "zeta3", "constants": ["zeta3"], "max_norm": 2, "start": [1, 2],
         "shard_size": 4, "dynamics_depth": 200, "delta_depth": 300}


def zeta3_spec(**extra: object) -> CMFSpec:
    spec = parse_spec({**ZETA3, **extra})
    assert isinstance(spec, CMFSpec)
    return spec


def mobius_value(relation: tuple[int, ...], k: mpmath.mpf) -> mpmath.mpf:
    """x from the relation r0 x + r1 + r2 K + r3 x K = 0 (the identification's basis [x, 1, K, xK])."""
    r0, r1, r2, r3 = relation
    return -(r1 + r2 * k) / (r0 + r3 * k)


def fraction_walk(name: str, trajectory: tuple[int, ...], start: tuple[int, ...], depth: int, **parameters: object) -> Fraction:
    """W[0,-1]/W[1,-1] of M(s) M(s+t) ⋯ with the trajectory matrix evaluated by sympy and
    multiplied with exact fractions, one step at a time (no product tree, no companion form)."""
    field = known_field(name, **parameters)  # type: ignore[arg-type]
    m = symbolic_trajectory_matrix(field, trajectory, start)
    n = sp.Symbol("n")
    rank = m.rows
    entries = [[sp.lambdify(n, m[r, c], "sympy") for c in range(rank)] for r in range(rank)]
    w = [[Fraction(int(r == c)) for c in range(rank)] for r in range(rank)]
    for k in range(depth):
        step = [[Fraction(str(sp.Rational(entries[r][c](k)))) for c in range(rank)] for r in range(rank)]
        w = [[sum((w[r][j] * step[j][c] for j in range(rank)), Fraction(0)) for c in range(rank)] for r in range(rank)]
    return w[0][-1] / w[1][-1]


# --- the space ------------------------------------------------------------------------------


@given(st.integers(1, 3), st.integers(1, 6), st.data())
def test_primitive_trajectories_are_counted_by_arithmetic(dim: int, norm: int, data: st.DataObject) -> None:
    orthant = data.draw(st.sampled_from(["positive", "all"]) | st.lists(st.sampled_from([1, -1, 0]), min_size=dim, max_size=dim))
    signs = signs_of(orthant, dim)
    listed = primitive_trajectories(dim, norm, signs)
    by_hand = [t for t in itertools.product(range(-norm, norm + 1), repeat=dim)
               if any(t) and math.gcd(*t) == 1
               and all((s == "+" and v >= 0) or (s == "-" and v <= 0) or s == "±" for s, v in zip(signs, t))]
    assert sorted(listed) == sorted(by_hand) and len(set(listed)) == len(listed)
    assert count_primitive(dim, norm, signs) == len(listed)


def test_items_are_the_product_in_order() -> None:
    space = TrajectorySpace.of(2, 1, [(1, "1/2"), (2,)], parameters=[("c", (0, 1)), ("d", ("-1/3",))])
    expected = [(p, t, s) for p in itertools.product((0, 1), (Fraction(-1, 3),)) for t in space.trajectories
                for s in itertools.product((1, Fraction(1, 2)), (2,))]
    got = [(tuple(v for _, v in i.parameters), i.trajectory, i.start) for i in space.items()]
    assert got == expected and len(space) == len(expected) == 12


# --- the spec -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"field": "zeta4"}, "unknown field 'zeta4'; known: e, pi, zeta3"),
        ({"field": "cmf1"}, "field cmf1 has parameters c0, c1, c2, c3: give a range or values for each in [parameters] (missing: c0"),
        ({"parameters": {"c": [0, 1]}}, "field zeta3 has no parameter 'c' (parameters: none)"),
        ({"start": {"x": [1, 2], "w": [1, 2]}}, "field zeta3 has no axis 'w' (axes: x, y)"),
        ({"start": {"x": [1, 2]}}, "[start] gives no values for axis y of field zeta3"),
        ({"start": [2, 1]}, "start: the range [2, 1] is empty"),
        ({"start": {"x": {"values": [1, 0.5]}, "y": [1, 1]}}, "not an exact rational"),
        ({"orthant": [1]}, "one of 1, -1, 0 (either sign) for each of the 2 axes"),
        ({"max_norm": 99}, "max_norm"),
        ({"max_norm": 16, "start": [1, 100], "limits": {"max_space": 1000}},
         "the space has 1,610,000 (parameters, trajectory, start) triples (1 parameter sets x 161 trajectories x 10,000 starts), "
         "over limits.max_space = 1,000"),
        ({"shard_size": 5000}, "over limits.max_task_size = 1,000"),
        ({"depth": 10**9}, "depth"),
        ({"dpeth": 10}, "unknown key 'dpeth'"),
    ],
)
def test_bad_specs_are_refused_in_one_line(change: dict, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec({**ZETA3, **change}, "z.toml")
    text = str(caught.value)
    assert "\n" not in text and text.startswith("z.toml: ") and message in text


def test_plan_and_estimate_count_triples() -> None:
    spec = zeta3_spec()
    plan = plan_search(spec)
    assert (plan.kind, plan.items, len(plan.shards)) == ("cmf", 20, 5)
    estimate = estimate_search(spec, workers=0, budget=0.3)
    assert estimate.kind == "cmf" and estimate.unit == "walks" and estimate.pcfs == 20 and estimate.shards == 5
    assert estimate.estimated_seconds > 0


# --- the pipeline and the driver ------------------------------------------------------------


@pytest.fixture(scope="module")
def zeta3_search(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    url = f"sqlite:///{tmp_path_factory.mktemp('cmf') / 'z.db'}"
    with open_store(url) as store:
        report = run_search(store, zeta3_spec(), executor=SerialExecutor(), progress=False)
        assert report.status == "done" and report.kind == "cmf" and report.shards == {"done": 5}
    return url, report.search_id


def test_zeta3_search_finds_mobius_forms_of_zeta3(zeta3_search: tuple[str, int]) -> None:
    url, search_id = zeta3_search
    with open_store(url, read_only=True) as store:
        details = store.conjecture_details(search_id)
        counters = store.search(search_id).counters  # type: ignore[union-attr]
    # 5 trajectories x 4 starts; the axis trajectories converge only polynomially, and the
    # extrapolated limit still gives them 60 digits
    assert (counters["walks"], counters["identified"], counters["inconclusive"], counters["candidates"]) == (20, 20, 0, 0)
    by_walk = {(tuple(d.data["trajectory"]), tuple(d.data["start"])): d for d in details}  # type: ignore[index]
    assert len(by_walk) == 20
    for (_, s), d in by_walk.items():  # the field conserves: from one start every direction has one limit
        assert d.conjecture.expression == by_walk[(1, 1), s].conjecture.expression
    diagonal = by_walk[(1, 1), ("1", "1")]
    assert diagonal.conjecture.expression == "(1 - zeta(3))/zeta(3)"
    assert diagonal.data["class_key"] == APERY_KEY  # type: ignore[index]
    assert diagonal.conjecture.canonical_key == canonical(PCF.parse("(2n+3)(17n^2+51n+39)", "-(n+1)^6")).key
    with mpmath.workdps(80):
        zeta3 = mpmath.zeta(3)
        for d in details:
            row = d.conjecture
            assert row.kind is ConjectureKind.CMF and d.constants == ("zeta3",) and row.digits == 60
            expected = mobius_value(d.relation, zeta3)  # the stored relation, read with mpmath's zeta(3)
            assert abs(mpmath.mpf(d.limit) - expected) < mpmath.mpf(10) ** -58
            t, s = tuple(d.data["trajectory"]), tuple(int(v) for v in d.data["start"])  # type: ignore[index]
            if t not in ((1, 0), (0, 1)):  # 30 exact steps of a geometric walk give far more than 20 digits
                walked = fraction_walk("zeta3", t, s, 30)
                assert abs(mpmath.mpf(walked.numerator) / walked.denominator - expected) < mpmath.mpf(10) ** -20
            # δ of the walk: positive on the diagonal (Apéry), negative off it
            assert row.delta_kind is DeltaKind.FR and row.delta is not None
            assert (0.07 < row.delta < 0.1) if t == (1, 1) else (row.delta < -0.05)


def test_the_trajectories_pcfs_are_stored_with_dynamics_and_cluster(zeta3_search: tuple[str, int], tmp_path) -> None:
    import shutil

    from brouncker.clustering.cluster import cluster_points
    from brouncker.store.clusters import clustering_points, save_clustering

    url, search_id = zeta3_search
    copy = tmp_path / "copy.db"
    shutil.copyfile(url.removeprefix("sqlite:///"), copy)
    with open_store(f"sqlite:///{copy}") as store:
        details = store.conjecture_details(search_id)
        assert all(d.pcf is not None and d.pcf.canonical_key == d.conjecture.canonical_key for d in details)
        assert all(d.metrics and d.metrics[0].depth == 200 for d in details)
        points = clustering_points(store, search_id)
        assert {p.key for p in points} == {d.conjecture.canonical_key for d in details}
        saved = save_clustering(store, search_id, cluster_points(points, families=False), points)
        assert saved.clusters == len(store.clusters(search_id))


def test_a_rerun_adds_nothing_and_a_failed_shard_resumes(tmp_path) -> None:
    spec = zeta3_spec()

    def fail_on_shard_two(job: CMFShardTask):
        if job.shard.index == 2:
            raise ArithmeticError("shard two is cursed")
        return run_cmf_shard(job)

    with open_store(f"sqlite:///{tmp_path}/r.db") as store:
        report = run_search(store, spec, executor=SerialExecutor(), progress=False, task_fn=fail_on_shard_two)
        assert report.status == "failed" and report.shards == {"done": 4, "failed": 1}
        before = {(r.expression, r.canonical_key) for r in store.query(search=report.search_id)}
        fixed = resume_search(store, report.search_id, executor=SerialExecutor(), progress=False)
        assert fixed.status == "done" and fixed.counters["walks"] == 20 and fixed.counters["identified"] == 20
        after = {(r.expression, r.canonical_key) for r in store.query(search=report.search_id)}
        assert before < after and len(store.query(search=report.search_id)) == 20
        again = run_search(store, spec, executor=SerialExecutor(), progress=False)
        assert again.search_id == report.search_id and again.written == {"pcfs": 0, "metrics": 0, "conjectures": 0}


def test_shards_are_pure_and_cover_the_space() -> None:
    spec = zeta3_spec()
    whole = run_cmf_shard(CMFShardTask(spec, Shard(0, 0, 20)))
    parts = [run_cmf_shard(CMFShardTask(spec, s)) for s in plan_search(spec).shards]
    assert {c.data["start"].__repr__() + repr(c.data["trajectory"]) for c in whole.conjectures} == {  # type: ignore[index]
        c.data["start"].__repr__() + repr(c.data["trajectory"]) for p in parts for c in p.conjectures}  # type: ignore[index]
    assert sum(p.counts["walks"] for p in parts) == whole.counts["walks"] == 20


def test_a_field_with_parameters_reaches_ln2() -> None:
    """cmf1 with c = (0, 1, 0, 1), diagonal from (1, 1): 1/ln 2 - 1 (ramanujantools' cmf1 example)."""
    spec = parse_spec({"kind": "cmf", "name": "ln2", "field": "cmf1", "constants": ["ln2"], "max_norm": 1, "start": [1, 1],
                       "parameters": {"c0": [0, 0], "c1": [1, 1], "c2": {"values": [0]}, "c3": {"values": ["1"]}},
                       "dynamics": False})
    assert isinstance(spec, CMFSpec)
    result = run_cmf_shard(CMFShardTask(spec, Shard(0, 0, 3)))
    found = {tuple(c.data["trajectory"]): c for c in result.conjectures}  # type: ignore[index]
    diagonal = found[(1, 1)]
    assert diagonal.data["parameters"] == {"c0": "0", "c1": "1", "c2": "0", "c3": "1"}  # type: ignore[index]
    with mpmath.workdps(70):
        assert abs(mobius_value(diagonal.relation, mpmath.log(2)) - (1 / mpmath.log(2) - 1)) < mpmath.mpf(10) ** -60
        assert abs(mpmath.mpf(diagonal.limit) - (1 / mpmath.log(2) - 1)) < mpmath.mpf(10) ** -55
    assert result.metrics == ()  # dynamics = false


def test_an_unidentified_limit_is_a_candidate() -> None:
    """Against a constant it has nothing to do with, the ζ(3) diagonal's limit is kept as a candidate value."""
    spec = zeta3_spec(constants=["e"], start=[1, 1], max_norm=1)
    result = run_cmf_shard(CMFShardTask(spec, Shard(0, 0, 3)))
    (diagonal,) = [c for c in result.conjectures if c.data["trajectory"] == [1, 1]]  # type: ignore[index]
    assert diagonal.candidate and diagonal.expression is None and diagonal.relation == ()
    with mpmath.workdps(70):
        assert abs(mpmath.mpf(diagonal.limit) - (1 - mpmath.zeta(3)) / mpmath.zeta(3)) < mpmath.mpf(10) ** -58


@pytest.mark.ray
@pytest.mark.slow
def test_ray_gives_the_serial_results(zeta3_search: tuple[str, int], ray_local: object) -> None:
    url, search_id = zeta3_search
    with open_store(url, read_only=True) as store:
        serial = {(r.expression, r.canonical_key, r.delta) for r in store.query(search=search_id)}
    with open_store("sqlite://") as store:
        report = run_search(store, zeta3_spec(), workers=2, progress=False)
        assert report.status == "done" and not report.errors
        assert {(r.expression, r.canonical_key, r.delta) for r in store.query(search=report.search_id)} == serial


def test_the_report_lists_the_trajectories_under_their_field(zeta3_search: tuple[str, int], tmp_path) -> None:
    from brouncker.report import write_report

    url, search_id = zeta3_search
    with open_store(url, read_only=True) as store:
        report = write_report(store, search_id, tmp_path / "z.html")
    html = (tmp_path / "z.html").read_text()
    assert report.field_links == 20 and "zeta3 (20)" in html and "limit = (1 - zeta(3))/zeta(3)" in html
