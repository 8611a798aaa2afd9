"""The equivalence graph of a store (``brouncker relate SEARCH_ID``): formulas built equivalent by
construction end in one class and unrelated ones do not; every stored certificate is re-checked
by an independent sympy computation; the classical unifications (Brouncker's PCF with the π
field's diagonal, Apéry's with the ζ(3) field's diagonal) come out; ``--check``, resuming and
the views work, on real SQLite (and PostgreSQL for the edge table)."""

from __future__ import annotations

import contextlib
import io
import json
import urllib.request
from pathlib import Path

import mpmath
import pytest
import sqlalchemy as sa
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from brouncker.cli.app import run
from brouncker.equivalence.find import relate_limits
from brouncker.equivalence.graph import FieldPoint, Node, Placed, candidate_pairs, equivalence_classes, formula_key, relate_block
from brouncker.pcf.canonical import shift
from brouncker.pcf.fold import fold
from brouncker.pcf.fraction import PCF
from brouncker.pcf.mobius import Mobius
from brouncker.records import ConjectureRecord, EdgeRecord, ShardStatus
from brouncker.search.executor import SerialExecutor
from brouncker.search.kinds.relate import plan_relate, relate_spec, run_relate_shard
from brouncker.search.runner import resume_search, run_search
from brouncker.store import open_store
from tests.test_certificate import sympy_residual

pytest_plugins = ["tests.conftest_store"]

BROUNCKER = PCF.parse("2n+1", "n^2")  # 4/pi
APERY = PCF.parse("34n^3+51n^2+27n+5", "-n^6")  # 6/zeta(3)
EULER_E = PCF.parse("n+3", "-n")  # e
FIELDS = "pi,zeta3"


def family_rows() -> list[tuple[str, PCF]]:
    """Formulas equivalent by construction, three families: a formula, its shift, a fold of it
    (and Apéry's factored and shifted forms)."""
    b2 = fold(BROUNCKER, 2, 1).pcf
    return [
        ("brouncker", BROUNCKER), ("brouncker", shift(BROUNCKER, 1)), ("brouncker", b2),
        ("apery", APERY), ("apery", shift(APERY, 1)),
        ("e", EULER_E), ("e", shift(EULER_E, 2)),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int, dict[str, set[int]]]:
    """A store with the families imported (SQLite): (URL, import search id, family -> conjecture ids)."""
    path = tmp_path_factory.mktemp("graph")
    csv = path / "families.csv"
    rows = family_rows()
    csv.write_text("a,b,source\n" + "".join(f'"{p.a_text}","{p.b_text}",{name}\n' for name, p in rows), encoding="utf-8")
    url = f"sqlite:///{path / 'g.db'}"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(["import", str(csv), "--db", url, "--workers", "0", "--json"]) == 0
    search_id = json.loads(out.getvalue())["search_id"]
    with open_store(url) as store:
        families: dict[str, set[int]] = {}
        for detail in store.conjecture_details(search_id):
            (source,) = {s.source for s in detail.sources}
            families.setdefault(str(source), set()).add(detail.conjecture.id)
    assert sum(len(v) for v in families.values()) == len(rows)
    return url, search_id, families


@pytest.fixture(scope="module")
def graph(built: tuple[str, int, dict[str, set[int]]]) -> dict:
    """``relate SEARCH_ID --json`` on the built store, run once."""
    url, search_id, _ = built
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run(["relate", str(search_id), "--db", url, "--workers", "0", "--fields", FIELDS, "--json"])
    assert code == 0
    return json.loads(out.getvalue())


# --- the graph's core ---------------------------------------------------------------------------


def test_classes_are_the_connected_components() -> None:
    assert equivalence_classes(["conjecture:1", "conjecture:2", "conjecture:3", "conjecture:10"],
                               [("conjecture:10", "conjecture:1"), ("conjecture:2", "field:pi||1,1|1,1")]) == [
        ["conjecture:1", "conjecture:10"], ["conjecture:2", "field:pi||1,1|1,1"], ["conjecture:3"]]


def test_a_block_skips_pairs_already_in_one_class() -> None:
    """Three equivalent formulas: two edges join them, the third pair is never tried."""
    nodes = [Node(formula_key(i), p, i) for i, p in enumerate([BROUNCKER, shift(BROUNCKER, 1), shift(BROUNCKER, 2)], 1)]
    placed = [Placed(n, 0, relate_limits(n.pcf, BROUNCKER)) for n in nodes]
    result = relate_block(placed, candidate_pairs(placed))
    assert (result.tried, result.skipped, len(result.edges)) == (2, 1, 2)
    for edge in result.edges:
        assert sympy_residual(edge.certificate.as_dict()) == sp.zeros(2, 2)


def test_unrelated_groups_are_never_paired() -> None:
    placed = [Placed(Node(formula_key(1), BROUNCKER, 1), 0, Mobius.of(4, 0, 0, 1)),
              Placed(Node(formula_key(2), PCF.parse("2n+3", "(n+1)^2"), 2), 1, Mobius.identity())]
    assert candidate_pairs(placed) == []


def test_field_point_keys_round_trip() -> None:
    from fractions import Fraction

    point = FieldPoint.of("2F1", [("z", Fraction(1, 2))], (1, 1), (Fraction(1, 2), Fraction(1)))
    assert point.key == "field:2F1|z=1/2|1,1|1/2,1" and FieldPoint.from_dict(point.as_dict()) == point


# --- the graph of a store -------------------------------------------------------------------------


def test_formulas_built_equivalent_end_in_one_class(graph: dict, built: tuple[str, int, dict[str, set[int]]]) -> None:
    _, _, families = built
    classes = [set(c["members"]) for c in graph["classes"]]
    for name, members in families.items():
        (home,) = [c for c in classes if members & c]  # one class holds the family ...
        assert members <= home, name  # ... all of it
        assert all(not (home & other) for other_name, other in families.items() if other_name != name)


def test_every_stored_certificate_is_rechecked_by_sympy(graph: dict, built: tuple[str, int, dict[str, set[int]]]) -> None:
    url, _, _ = built
    with open_store(url, read_only=True) as store:
        edges = store.edges(search_id=graph["search_id"])
    assert edges and len(edges) == len(graph["edges"])
    for edge in edges:
        assert sympy_residual(edge.certificate) == sp.zeros(2, 2)


def test_brouncker_and_apery_are_unified_with_their_fields_diagonals(graph: dict, built: tuple[str, int, dict[str, set[int]]]) -> None:
    _, _, families = built
    by_member = {m: c for c in graph["classes"] for m in c["members"]}
    for name, field in (("brouncker", "pi"), ("apery", "zeta3")):
        fields = by_member[min(families[name])]["fields"]
        assert any(f["field"] == field and f["trajectory"] == [1, 1] for f in fields), fields
    assert not by_member[min(families["e"])]["fields"]  # the e field was not asked for
    assert graph["unified"] == len(families["brouncker"]) + len(families["apery"])
    assert graph["related"] == sum(len(v) for v in families.values())


def test_json_has_the_contract_fields(graph: dict) -> None:
    assert list(graph)[:6] == ["formulas", "pairs_tried", "edges", "classes", "related", "unified"]
    assert graph["formulas"] == len(family_rows()) and 0 < graph["pairs_tried"] <= graph["pairs"]
    edge = next(e for e in graph["edges"] if e["to_id"] is None)
    assert {"from_id", "to_id", "from", "to", "fold_from", "fold_to", "U", "c", "mobius", "field", "trajectory", "start"} <= set(edge)
    assert all(set(c) == {"members", "fields"} for c in graph["classes"])


def test_relating_the_same_store_again_adds_nothing(graph: dict, built: tuple[str, int, dict[str, set[int]]], cli) -> None:
    url, search_id, _ = built
    code, out, err = cli("relate", str(search_id), "--db", url, "--workers", "0", "--fields", FIELDS, "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["search_id"] == graph["search_id"] and again["edges"] == graph["edges"]


def test_check_holds_and_names_a_tampered_certificate(graph: dict, built: tuple[str, int, dict[str, set[int]]], cli,
                                                      tmp_path: Path) -> None:
    url, search_id, _ = built
    copy = tmp_path / "t.db"
    copy.write_bytes(Path(url.removeprefix("sqlite:///")).read_bytes())
    tampered = f"sqlite:///{copy}"
    assert cli("relate", "--check", str(graph["search_id"]), "--db", tampered)[0] == 0
    assert cli("relate", "--check", str(search_id), "--db", tampered)[0] == 0  # the edges of the import's formulas
    engine = sa.create_engine(tampered)
    with engine.begin() as conn:
        edge_id, cert = conn.execute(sa.text("SELECT id, certificate FROM equivalence_edge ORDER BY id DESC LIMIT 1")).one()
        cert = json.loads(cert)
        cert["c"] = "n + 1"
        conn.execute(sa.text("UPDATE equivalence_edge SET certificate = :c WHERE id = :i"), {"c": json.dumps(cert), "i": edge_id})
    engine.dispose()
    code, _, err = cli("relate", "--check", str(graph["search_id"]), "--db", tampered)
    assert code == 1 and f"edge {edge_id}" in err and "does not hold" in err


def test_views_show_the_class(graph: dict, built: tuple[str, int, dict[str, set[int]]], cli) -> None:
    url, _, families = built
    member = min(families["apery"])
    code, out, _ = cli("show", str(member), "--db", url, "--json")
    assert code == 0
    shown = json.loads(out)["equivalence_class"]
    assert set(shown["members"]) == families["apery"] and shown["fields"][0]["field"] == "zeta3" and shown["edges"]
    code, out, _ = cli("query", "--class", str(member), "--db", url, "--format", "json")
    assert code == 0 and {r["id"] for r in json.loads(out)} == families["apery"]
    code, out, _ = cli("query", "--unified", "--db", url, "--format", "json")
    assert code == 0 and {r["id"] for r in json.loads(out)} == families["apery"] | families["brouncker"]


# --- the search driver ------------------------------------------------------------------------


def test_a_failed_block_is_redone_by_resume(built: tuple[str, int, dict[str, set[int]]], graph: dict, tmp_path: Path) -> None:
    """The first block fails in a run; ``resume`` finishes it, and the edges are those of a clean run."""
    url, search_id, _ = built
    copy = tmp_path / "r.db"
    copy.write_bytes(Path(url.removeprefix("sqlite:///")).read_bytes())
    with open_store(f"sqlite:///{copy}") as store:
        spec = relate_spec(store, [search_id], fields=FIELDS.split(","))
        spec = spec.model_copy(update={"name": "relate again"})  # a new search in this copy
        first = plan_relate(spec).shards[0].index

        def flaky(task):  # type: ignore[no-untyped-def]
            if task.shard.index == first:
                raise RuntimeError("worker lost")
            return run_relate_shard(task)

        report = run_search(store, spec, executor=SerialExecutor(), progress=False, task_fn=flaky)
        assert report.status == "failed"
        assert any(s.status is ShardStatus.FAILED for s in store.shards(report.search_id))
        resumed = resume_search(store, report.search_id, executor=SerialExecutor(), progress=False)
        assert resumed.status == "done"
        keys = {(e.from_key, e.to_key) for e in store.edges(search_id=report.search_id)}
    assert keys == {(f"conjecture:{e['from_id']}", _to_key(e)) for e in graph["edges"]}


def _to_key(edge: dict) -> str:
    if edge["to_id"] is not None:
        return f"conjecture:{edge['to_id']}"
    return FieldPoint.from_dict(edge).key


# --- the edge table, on both backends ----------------------------------------------------------------


def test_edges_are_stored_once_and_read_back(db_url: str) -> None:
    with open_store(db_url) as store:
        search = store.create_search("relate", {"kind": "relate"}, "h", shards=[(0, 0, 1)])
        store.write_records(conjectures=[ConjectureRecord("pcf", "4/pi", ("pi",), (), 30, "k1", (2, 1), (1, 0, 0)),
                                         ConjectureRecord("pcf", "8/pi", ("pi",), (), 30, "k2", (4, 2), (4, 0, 0))])
        a, b = (r.id for r in store.query(sort="id"))
        cert = {"U": [["1", "0"], ["0", "2"]], "c": "1/2"}
        edges = [EdgeRecord(search, formula_key(a), formula_key(b), a, b, None, cert),
                 EdgeRecord(search, formula_key(a), "field:pi||1,1|1,1", a, None, {"field": "pi", "trajectory": [1, 1]}, cert)]
        assert store.write_edges(edges) == 2 and store.write_edges(edges) == 0
        assert [(e.from_id, e.to_id) for e in store.edges(conjecture_id=b)] == [(a, b)]
        assert [e.to_field for e in store.edges(search_id=search)] == [None, {"field": "pi", "trajectory": [1, 1]}]


def test_the_class_page_draws_the_graph_and_typesets_each_certificate(graph: dict, built: tuple[str, int, dict[str, set[int]]]) -> None:
    from tests.conftest_serve import start_server, stop_server

    url, _, families = built
    member = min(families["brouncker"])
    proc, base = start_server(url)
    try:
        with urllib.request.urlopen(f"{base}/classes/{member}", timeout=60) as response:
            page = response.read().decode()
        with urllib.request.urlopen(f"{base}/conjectures/{member}", timeout=60) as response:
            assert f'href="/classes/{member}"' in response.read().decode()
    finally:
        stop_server(proc)
    edges = [e for e in graph["edges"] if e["from_id"] in families["brouncker"]]
    assert '<svg id="graph"' in page and page.count("<line ") == len(edges) and page.count("<circle ") == len(families["brouncker"])
    assert page.count('<section class="certificate"') == len(edges) and "<math" in page and "<script" not in page
    assert "unified with pi" in page


def test_the_report_lists_the_classes(graph: dict, built: tuple[str, int, dict[str, set[int]]], tmp_path: Path, cli) -> None:
    url, search_id, families = built
    out = tmp_path / "r.html"
    code, _, err = cli("report", str(search_id), "--out", str(out), "--db", url)
    assert code == 0, err
    text = out.read_text()
    assert 'id="classes"' in text and "zeta3 (1, 1)" in text
    assert all(f"#{m}" in text for m in families["apery"])


coefficient = st.integers(-4, 4)


@settings(max_examples=15, deadline=None)
@given(st.tuples(st.integers(1, 4), coefficient), st.tuples(coefficient, coefficient, st.integers(1, 4)),
       st.tuples(st.integers(1, 4), coefficient), st.tuples(coefficient, coefficient, st.integers(1, 4)))
def test_formulas_whose_limits_are_not_related_never_get_an_edge(a1, b1, a2, b2) -> None:  # type: ignore[no-untyped-def]
    """Random pairs: grouped by their limits, paired only within a group, and every edge found
    carries one limit onto the other (to 60 digits; slow ones extrapolated)."""
    from brouncker.equivalence.find import relation_limit
    from brouncker.equivalence.graph import Grouping, usable
    from brouncker.errors import InconclusiveError
    from tests.test_certificate import apply

    pcfs = [PCF(a1, b1), PCF(a2, b2)]
    assume(all(usable(p) for p in pcfs) and pcfs[0] != pcfs[1])
    grouping = Grouping(40)
    limits = {}
    for i, p in enumerate(pcfs):
        try:
            limits[p] = relation_limit(p)
        except InconclusiveError:
            return
        grouping.by_value(Node(formula_key(i), p, i), limits[p], create=True)
    placed = grouping.placed
    pairs = candidate_pairs(placed)
    assert all(placed[pr.i].group == placed[pr.j].group for pr in pairs)
    for edge in relate_block(placed, pairs).edges:
        cert = edge.certificate
        with mpmath.workdps(90):
            v_from, v_to = limits[cert.from_pcf].value, limits[cert.to_pcf].value
            m = cert.mobius
            assert abs(apply([m.c0, m.c1, m.c2, m.c3], v_to) - v_from) < mpmath.mpf(10) ** -60 * (1 + abs(v_from))
