"""The conjecture store on real databases: SQLite and PostgreSQL (see conftest_store.py)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mpmath
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mpmath import mp, mpf

from brouncker.constants import BANK, parse_constant
from brouncker.errors import StoreError
from brouncker.pcf.canonical import canonical_key
from brouncker.pcf.fraction import PCF
from brouncker.pcf.polynomial import parse
from brouncker.records import (
    ConjectureKind,
    ConjectureRecord,
    ConjectureStatus,
    DeltaKind,
    MetricsRecord,
    PCFRecord,
    SearchStatus,
    ShardStatus,
    Verdict,
)
from brouncker.store import (
    CONTRACT_FIELDS,
    ROW_FIELDS,
    SCHEMA_REVISION,
    ConjectureRow,
    NewCluster,
    Store,
    open_store,
    rows_frame,
    upgrade,
)
from brouncker.store.engine import known_revisions
from brouncker.store.models import TABLES, Base
from tests.conftest_cli import one_line

pytest_plugins = ["tests.conftest_store"]

ROOT = Path(__file__).resolve().parents[1]
INJECTION = "pi'; DROP TABLE pcf; --"
HUGE = 99999999999999999999  # beyond every database's 64-bit integers

Coefficients = tuple[int, ...]
APERY: tuple[Coefficients, Coefficients] = ((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))  # 6/zeta(3)
BROUNCKER: tuple[Coefficients, Coefficients] = ((2,), (4, -4, 1))  # a = 2, b = (2n-1)^2


def pcf_record(a: Coefficients, b: Coefficients, search_id: int | None = None) -> PCFRecord:
    return PCFRecord(canonical_key(a, b), a, b, search_id)


def conjecture(a: Coefficients, b: Coefficients, expression: str, constants: tuple[str, ...], delta: float | None = None,
               status: ConjectureStatus = ConjectureStatus.CONJECTURED, search_id: int | None = None, digits: int = 50,
               limit: str | None = None) -> ConjectureRecord:
    return ConjectureRecord(
        kind=ConjectureKind.PCF, expression=expression, constants=constants, relation=(1, 0, 0, -1), digits=digits,
        canonical_key=canonical_key(a, b), a=a, b=b, delta=delta, delta_kind=None if delta is None else DeltaKind.FR,
        limit=limit, status=status, search_id=search_id,
    )


def candidate(a: Coefficients, b: Coefficients, value: str, digits: int = 40, search_id: int | None = None) -> ConjectureRecord:
    """A value no bank constant explains: no expression, no constants, no relation."""
    return ConjectureRecord(kind=ConjectureKind.PCF, expression=None, constants=(), relation=(), digits=digits,
                            canonical_key=canonical_key(a, b), a=a, b=b, limit=value, candidate=True, search_id=search_id)


def bulk_pcfs(n: int, offset: int = 0) -> list[PCFRecord]:
    return [pcf_record((1, k + offset), (2, 0, -(k + offset))) for k in range(n)]


def shards(n: int, size: int = 100) -> list[tuple[int, int, int]]:
    return [(i, i * size, (i + 1) * size) for i in range(n)]


def tables_in(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def schema_diff(conn: sa.Connection) -> list[Any]:
    """What differs between the database and the models (empty: the migrations build them exactly)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata))


# --- schema ------------------------------------------------------------------------------


def test_migrations_end_at_the_schema_revision_of_the_code() -> None:
    assert known_revisions()[-1] == SCHEMA_REVISION == "0007"


def test_new_database_gets_the_schema_and_the_bank(store: Store) -> None:
    with store.engine.connect() as conn:
        assert set(TABLES) <= set(sa.inspect(conn).get_table_names())
        assert schema_diff(conn) == []
        names = set(conn.execute(sa.text("SELECT name FROM constant")).scalars())
    assert set(BANK) <= names
    assert store.query() == []


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'w.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_default_url_is_brouncker_db_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BROUNCKER_DB", raising=False)
    open_store().close()
    assert (tmp_path / "brouncker.db").exists()
    monkeypatch.setenv("BROUNCKER_DB", f"sqlite:///{tmp_path / 'env.db'}")
    open_store().close()
    assert (tmp_path / "env.db").exists()


# --- writes ------------------------------------------------------------------------------


def test_writing_twice_adds_nothing(store: Store) -> None:
    pcfs = bulk_pcfs(1500) + [pcf_record(*APERY)]
    metrics = [MetricsRecord(pcfs[0].canonical_key, 400, {"delta_fr": 0.5, "fr": True, "convergence": "exponential"})]
    conjectures = [conjecture(*APERY, "6/zeta(3)", ("zeta3",), delta=0.08), candidate(*BROUNCKER, "0.27", 2)]
    first = store.write_records(pcfs=pcfs, metrics=metrics, conjectures=conjectures)
    counts = store.counts()
    second = store.write_records(pcfs=pcfs, metrics=metrics, conjectures=conjectures)
    assert first.as_dict() == {"pcfs": 1501, "metrics": 1, "conjectures": 2}
    assert second.as_dict() == {"pcfs": 0, "metrics": 0, "conjectures": 0}
    assert store.counts() == counts
    assert counts["pcf"] == 1501 and counts["conjecture_constant"] == 1


def test_a_failing_batch_leaves_nothing_behind(store: Store) -> None:
    before = store.counts()
    good = conjecture(*APERY, "6/zeta(3)", ("zeta3",))
    too_many_digits = ConjectureRecord(ConjectureKind.PCF, "pi", ("pi",), (1,), 10**30, canonical_key="k", a=(1,), b=(1,))
    with pytest.raises(StoreError, match="nothing of it was written"):
        store.write_records(pcfs=bulk_pcfs(700) + [pcf_record(*APERY)], conjectures=[good, too_many_digits])  # fails mid-batch
    assert store.counts() == before
    with pytest.raises(StoreError, match="not stored"):
        store.write_records(pcfs=bulk_pcfs(10), metrics=[MetricsRecord("no such key", 100, {})])
    assert store.counts() == before


@pytest.mark.parametrize("record, message", [
    (ConjectureRecord(ConjectureKind.PCF, None, (), (), 30, canonical_key="k", a=(1,), b=(1,)), "must be a candidate"),
    (ConjectureRecord(ConjectureKind.PCF, "pi", ("pi",), (1,), 30, canonical_key="k", a=(1,), b=(1,), delta=0.5), "come together"),
    (ConjectureRecord(ConjectureKind.PCF, "pi", ("pi",), (1,), 30, canonical_key="k", delta_kind=DeltaKind.FR), "come together"),
    (ConjectureRecord(ConjectureKind.PCF, "pi", ("pi",), (1,), 30), "canonical key"),
])
def test_records_that_break_a_promise_are_refused_whole(store: Store, record: ConjectureRecord, message: str) -> None:
    before = store.counts()
    with pytest.raises(StoreError, match=message):
        store.write_records(pcfs=[pcf_record(*APERY)], conjectures=[conjecture(*APERY, "6/zeta(3)", ("zeta3",)), record])
    assert store.counts() == before


def test_unknown_enum_text_is_refused_when_the_record_is_made() -> None:
    with pytest.raises(ValueError):
        ConjectureRecord("pcf", "pi", ("pi",), (1,), 30, status="candidate")  # type: ignore[arg-type]  # the old name, on purpose
    with pytest.raises(ValueError):
        ConjectureRecord("nosuchkind", "pi", ("pi",), (1,), 30)  # type: ignore[arg-type]  # not a kind, on purpose


def test_limit_text_keeps_every_digit(store: Store) -> None:
    mp.dps = 120
    try:
        value = 6 / mpmath.zeta(3)
        limit = mpmath.nstr(value, 110, strip_zeros=False)
        store.write_records(pcfs=[pcf_record(*APERY)], conjectures=[conjecture(*APERY, "6/zeta(3)", ("zeta3",), limit=limit)])
        (row,) = store.query()
        detail = store.get_conjecture(row.id)
        assert detail is not None and detail.limit == limit
        mp.dps = 100
        assert mpf(detail.limit) == +value  # the same 100-digit number
        assert abs(mpf(detail.limit) - parse_constant("6/zeta(3)").value(105)) < mpf(10) ** -100
    finally:
        mp.dps = 15


def test_huge_relation_coefficients_and_infinite_delta_round_trip(store: Store) -> None:
    big = 10**40 + 7
    record = ConjectureRecord(ConjectureKind.PCF, "pi", ("pi",), (big, -1, 0, -(big**2)), 30, canonical_key(*BROUNCKER), BROUNCKER[0],
                              BROUNCKER[1], delta=math.inf, delta_kind=DeltaKind.NAIVE)
    store.write_records(pcfs=[pcf_record(*BROUNCKER)], conjectures=[record])
    (row,) = store.query()
    assert row.delta == math.inf and row.delta_kind is DeltaKind.NAIVE
    detail = store.get_conjecture(row.id)
    assert detail is not None and detail.relation == (big, -1, 0, -(big**2))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-10**30, 10**30), min_size=1, max_size=4), st.lists(st.integers(-50, 50), min_size=1, max_size=7))
def test_stored_coefficients_read_back_as_the_same_polynomials(store: Store, a_list: list[int], b_list: list[int]) -> None:
    a, b = tuple(a_list), tuple(b_list)
    if a[0] == 0 or b[0] == 0:
        return
    record = conjecture(a, b, "pi", ("pi",))
    store.write_records(pcfs=[pcf_record(a, b)], conjectures=[record])
    row = next(r for r in store.query(constant="pi") if r.canonical_key == record.canonical_key)
    assert row.a is not None and row.b is not None
    assert (parse(row.a), parse(row.b)) == (a, b)


def test_metrics_keep_the_dynamics_record(store: Store) -> None:
    from brouncker.convergence import dynamics

    record = dynamics.dynamics(APERY[0], APERY[1], depth=200)
    store.write_records(
        pcfs=[pcf_record(*APERY)],
        metrics=[MetricsRecord(canonical_key(*APERY), 200, record.as_dict())],
        conjectures=[conjecture(*APERY, "6/zeta(3)", ("zeta3",), delta=record.delta_fr)],
    )
    (row,) = store.query()
    detail = store.get_conjecture(row.id)
    assert detail is not None
    (stored,) = detail.metrics
    assert stored.depth == 200 and dynamics.Dynamics.from_dict(stored.as_dict()) == record
    mp.dps = 60
    try:  # the stored limit is 6/zeta(3) to its trustworthy digits
        assert abs(mpf(stored.dynamics["limit"]) - 6 / mpmath.zeta(3)) < mpf(10) ** (-(stored.dynamics["digits"] - 1))
    finally:
        mp.dps = 15
    with store.engine.connect() as conn:
        indexed = conn.execute(sa.text("SELECT delta_fr, fr, convergence FROM metrics")).one()
    assert indexed.delta_fr == pytest.approx(record.delta_fr) and bool(indexed.fr) == record.fr


def test_esma_conjectures_are_unique_by_their_data(store: Store) -> None:
    data = {"lhs": [1, 0], "signs": [1, -1], "recurrence": [[1, 2], [3]], "initial_terms": [1, 2], "convergence_rate": 1.5}
    record = ConjectureRecord(ConjectureKind.ESMA, "e/(e-2)", ("e",), (1, 0, -1, 1), 40, data=data)
    assert store.write_records(conjectures=[record, record]).conjectures == 1
    assert store.write_records(conjectures=[record]).conjectures == 0
    (row,) = store.query(kind="esma")
    assert row.a is None and row.b is None and row.canonical_key is None and row.kind is ConjectureKind.ESMA
    detail = store.get_conjecture(row.id)
    assert detail is not None and detail.data == data and detail.pcf is None and detail.metrics == ()


# --- candidates and δ ----------------------------------------------------------------------


def test_a_candidate_is_stored_once_without_an_expression(store: Store) -> None:
    """An unexplained value: stored once per PCF, listed with --candidates, beside the formulas."""
    value = mpmath.nstr(mpmath.mpf(2) / 7, 30)
    store.write_records(pcfs=[pcf_record(*BROUNCKER), pcf_record(*APERY)],
                        conjectures=[candidate(*BROUNCKER, value, 30), conjecture(*APERY, "6/zeta(3)", ("zeta3",), delta=0.1)])
    assert store.write_records(conjectures=[candidate(*BROUNCKER, value, 30)]).conjectures == 0
    (row,) = store.query(candidate=True)
    assert (row.candidate, row.expression, row.status, row.delta, row.delta_kind) == (True, None, ConjectureStatus.CONJECTURED, None, None)
    assert [r.expression for r in store.query(candidate=False)] == ["6/zeta(3)"]
    assert len(store.query()) == 2 and store.query(constant="pi") == []
    detail = store.get_conjecture(row.id)
    assert detail is not None and detail.limit == value and detail.constants == () and detail.relation == ()
    # a formula found later for the same PCF is a row of its own
    assert store.write_records(conjectures=[conjecture(*BROUNCKER, "4/pi", ("pi",))]).conjectures == 1
    assert [r.expression for r in store.query(constant="pi")] == ["4/pi"] and len(store.query(candidate=True)) == 1


def test_delta_says_which_delta_it_is(store: Store) -> None:
    naive = ConjectureRecord(ConjectureKind.PCF, "4/pi", ("pi",), (1, 0, 0, -4), 30, canonical_key(*BROUNCKER), *BROUNCKER,
                             delta=-0.5, delta_kind=DeltaKind.NAIVE)
    store.write_records(pcfs=[pcf_record(*BROUNCKER), pcf_record(*APERY)],
                        conjectures=[naive, conjecture(*APERY, "6/zeta(3)", ("zeta3",), delta=0.08)])
    rows = store.query(sort="-delta")
    assert [(r.delta, r.delta_kind) for r in rows] == [(0.08, DeltaKind.FR), (-0.5, DeltaKind.NAIVE)]
    assert [r.as_dict()["delta_kind"] for r in rows] == ["fr", "naive"]
    assert [r.expression for r in store.query(sort="delta_kind")] == ["6/zeta(3)", "4/pi"]


# --- reading -----------------------------------------------------------------------------


@pytest.fixture
def filled(store: Store) -> tuple[Store, int, int]:
    """Five conjectures over two searches, of several constants, degrees and deltas."""
    s1 = store.create_search("one", {"x": 1}, "h1", shards=shards(2))
    s2 = store.create_search("two", {"x": 2}, "h2", shards=shards(1))
    pcfs = [(APERY, s1), (BROUNCKER, s1), (((1, 1), (1, 0, 0)), s2), (((3, 1), (-2, 0, 0)), s2)]
    store.write_records(pcfs=[pcf_record(*p, search_id=s) for p, s in pcfs])
    store.write_records(conjectures=[
        conjecture(*APERY, "6/zeta(3)", ("zeta3",), delta=0.08, search_id=s1, digits=60),
        conjecture(*BROUNCKER, "4/pi", ("pi",), delta=-0.5, search_id=s1, digits=20),
        conjecture((1, 1), (1, 0, 0), "1/(e-2)", ("e",), delta=None, search_id=s2, digits=30),
        conjecture((3, 1), (-2, 0, 0), "pi/(pi-2)", ("pi",), delta=1.0, search_id=s2, status=ConjectureStatus.VERIFIED, digits=40),
    ])
    esma = ConjectureRecord(ConjectureKind.ESMA, "pi+e", ("pi", "e"), (1,), 25, data={"lhs": [1]}, search_id=s2)
    store.write_records(conjectures=[esma])
    return store, s1, s2


def _expressions(rows: list[ConjectureRow]) -> list[str | None]:
    return [r.expression for r in rows]


def test_query_rows_are_typed_and_give_the_contract_json(filled: tuple[Store, int, int]) -> None:
    store, *_ = filled
    rows = store.query()
    assert len(rows) == 5 and all(isinstance(r, ConjectureRow) for r in rows)
    assert all(tuple(r.as_dict()) == ROW_FIELDS and ROW_FIELDS[: len(CONTRACT_FIELDS)] == CONTRACT_FIELDS for r in rows)
    apery = rows[0]
    assert (apery.a, apery.b, apery.digits, apery.status, apery.kind) == (
        "34n^3 + 51n^2 + 27n + 5", "-n^6", 60, ConjectureStatus.CONJECTURED, ConjectureKind.PCF)
    assert PCF.parse(apery.a or "", apery.b or "") == PCF(*APERY)
    text = json.loads(json.dumps(apery.as_dict()))
    assert text["status"] == "conjectured" and text["kind"] == "pcf" and text["delta_kind"] == "fr" and text["candidate"] is False


def test_rows_turn_into_a_data_frame(filled: tuple[Store, int, int]) -> None:
    pandas = pytest.importorskip("pandas")
    store, s1, _ = filled
    frame = rows_frame(store.query())
    assert isinstance(frame, pandas.DataFrame) and tuple(frame.columns) == ROW_FIELDS and len(frame) == 5
    assert list(frame.sort_values("digits")["digits"]) == [20, 25, 30, 40, 60]
    assert tuple(rows_frame([], ConjectureRow).columns) == ROW_FIELDS
    assert list(rows_frame(store.searches())["name"]) == ["two", "one"]


def test_query_filters(filled: tuple[Store, int, int]) -> None:
    store, s1, s2 = filled
    assert _expressions(store.query(constant="pi")) == ["4/pi", "pi/(pi-2)", "pi+e"]
    assert _expressions(store.query(constant="zeta(3)")) == _expressions(store.query(constant="zeta3")) == ["6/zeta(3)"]
    assert _expressions(store.query(constant="e", kind="esma")) == ["pi+e"]
    assert _expressions(store.query(search=s1)) == ["6/zeta(3)", "4/pi"]
    assert _expressions(store.query(status="verified")) == ["pi/(pi-2)"]
    assert len(store.query(status=ConjectureStatus.CONJECTURED)) == 4
    assert _expressions(store.query(min_delta=0.0)) == ["6/zeta(3)", "pi/(pi-2)"]
    assert _expressions(store.query(min_delta=-1, max_delta=0.5)) == ["6/zeta(3)", "4/pi"]
    assert _expressions(store.query(degree=6)) == ["6/zeta(3)"]
    assert _expressions(store.query(degree=2, search=s2)) == ["1/(e-2)", "pi/(pi-2)"]
    assert store.query(constant="nosuchconstant") == [] and store.query(search=999) == []


def test_query_refuses_unknown_names_in_one_line(filled: tuple[Store, int, int]) -> None:
    store, *_ = filled
    for kwargs, message in (({"status": "candidate"}, "candidates"), ({"status": "verifed"}, "conjectured, verified, refuted"),
                            ({"kind": "pfc"}, "pcf, esma, cmf"), ({"min_delta": math.nan}, "number"),
                            ({"sort": "nosuch"}, "cannot sort")):
        with pytest.raises(StoreError, match=message) as info:
            store.query(**kwargs)
        assert "\n" not in str(info.value)


def test_query_sorts_and_limits(filled: tuple[Store, int, int]) -> None:
    store, *_ = filled
    assert _expressions(store.query(sort="-delta")) == ["pi/(pi-2)", "6/zeta(3)", "4/pi", "1/(e-2)", "pi+e"]
    assert _expressions(store.query(sort="delta", limit=2)) == ["4/pi", "6/zeta(3)"]
    assert [r.digits for r in store.query(sort="-digits")] == [60, 40, 30, 25, 20]
    assert store.query(limit=0) == []
    with pytest.raises(StoreError, match="cannot sort"):
        store.query(sort="delta; DROP TABLE pcf")


def test_filter_values_cannot_inject_sql(filled: tuple[Store, int, int]) -> None:
    store, *_ = filled
    before = store.counts()
    assert store.query(constant=INJECTION) == [] and store.query(cluster=INJECTION) == []
    assert store.find_search_by_hash(INJECTION) is None
    for kwargs in ({"kind": INJECTION}, {"status": INJECTION}, {"sort": INJECTION}):
        with pytest.raises(StoreError):
            store.query(**kwargs)
    with store.engine.connect() as conn:
        assert set(TABLES) <= set(sa.inspect(conn).get_table_names())
    assert store.counts() == before and len(store.query()) == 5


def test_verification_is_recorded_and_sets_the_status(filled: tuple[Store, int, int]) -> None:
    store, *_ = filled
    cid = store.query(constant="zeta3")[0].id

    def detail() -> Any:
        found = store.get_conjecture(cid)
        assert found is not None
        return found

    store.record_verification(cid, 100, 50, 400, 0.5, Verdict.INCONCLUSIVE)
    assert detail().conjecture.status is ConjectureStatus.CONJECTURED
    store.record_verification(cid, 200, 201, 800, 1.25, "verified")
    assert detail().conjecture.status is ConjectureStatus.VERIFIED
    assert [(v.verdict, v.digits_agreed) for v in detail().verifications] == [(Verdict.INCONCLUSIVE, 50), (Verdict.VERIFIED, 201)]
    store.record_verification(cid, 200, 3, 800, 1.0, "refuted")
    assert store.query(status="refuted")[0].id == cid
    for missing in (10**6, HUGE):
        with pytest.raises(StoreError, match="no conjecture"):
            store.record_verification(missing, 10, 10, 10, 0.1, "verified")
    with pytest.raises(StoreError, match="verdict"):
        store.record_verification(cid, 10, 10, 10, 0.1, "maybe")
    assert store.get_conjecture(10**6) is None


def test_conjecture_detail_json(filled: tuple[Store, int, int]) -> None:
    store, s1, _ = filled
    row = store.query(constant="zeta3")[0]
    store.record_verification(row.id, 100, 100, 500, 0.25, "verified")
    detail = store.get_conjecture(row.id)
    assert detail is not None
    data = json.loads(json.dumps(detail.as_dict()))
    assert {k: data[k] for k in CONTRACT_FIELDS if k not in ("status", "cluster")} == {
        k: v for k, v in row.as_dict().items() if k in CONTRACT_FIELDS and k not in ("status", "cluster")}
    assert data["status"] == "verified" and data["cluster"] is None and data["constants"] == ["zeta3"]
    assert data["pcf"]["a"] == "34n^3 + 51n^2 + 27n + 5" and data["pcf"]["first_search_id"] == s1
    assert data["verifications"][0]["verdict"] == "verified" and data["verifications"][0]["created_at"]
    assert [d.conjecture.expression for d in store.conjecture_details(s1)] == ["6/zeta(3)", "4/pi"]


def test_searches_and_shards(store: Store) -> None:
    sid = store.create_search("q", {"a": {"degree": 2}}, "abc", shards=[(0, 0, 100), (1, 100, 200), (2, 200, 250)])
    assert store.find_search_by_hash("abc") == sid and store.find_search_by_hash("zzz") is None
    assert store.add_shards(sid, [(0, 0, 100), (3, 250, 300)]) == 1  # idempotent
    store.set_shard_status(sid, 1, ShardStatus.RUNNING)
    store.set_shard_status(sid, 1, "running")
    store.set_shard_status(sid, 1, "done", counts={"screened": 100})
    store.set_shard_status(sid, 2, "failed", error="boom")
    rows = store.shards(sid)
    assert [s.shard_index for s in rows] == [0, 1, 2, 3]
    assert (rows[1].status, rows[1].attempts, rows[1].counts) == (ShardStatus.DONE, 2, {"screened": 100})
    assert [s.shard_index for s in store.shards(sid, status="pending")] == [0, 3]
    with pytest.raises(StoreError):
        store.set_shard_status(sid, 99, "done")
    with pytest.raises(StoreError, match="unknown shard status 'finished'"):
        store.set_shard_status(sid, 0, "finished")
    store.set_search_status(sid, SearchStatus.RUNNING, {"screened": 100})
    store.set_search_status(sid, "done", {"found": 3})
    with pytest.raises(StoreError, match="unknown search status"):
        store.set_search_status(sid, "paused")
    info = store.search(sid)
    assert info is not None and info.status is SearchStatus.DONE and info.counters == {"screened": 100, "found": 3}
    assert info.spec == {"a": {"degree": 2}} and info.shards == {"pending": 2, "done": 1, "failed": 1}
    assert "spec" in info.as_dict() and "spec" not in store.searches()[0].as_dict()
    assert [s.id for s in store.searches()] == [sid] and store.search(sid + 1) is None


def test_a_search_and_its_shards_are_written_together_or_not_at_all(store: Store) -> None:
    before = store.counts()
    with pytest.raises(StoreError):  # the last shard overflows the database's integers: the search goes too
        store.create_search("x", {}, "h", shards=[*shards(1000), (1000, 0, 2**70)])
    with pytest.raises(StoreError, match="no shards"):
        store.create_search("x", {}, "h", shards=[])
    assert store.counts() == before and store.find_search_by_hash("h") is None
    sid = store.create_search("x", {}, "h", shards=shards(1000))
    assert len(store.shards(sid)) == 1000 and store.search(sid) is not None


def test_clusters_are_saved_and_replaced(filled: tuple[Store, int, int]) -> None:
    store, s1, s2 = filled
    ids = [d.conjecture.id for d in store.conjecture_details(s2)]
    assert len(ids) == 3
    clusters = [NewCluster("delta-c", "0", anchor="pi", description={"centre": [1.0, 2.0]}), NewCluster("delta-c", "1", is_candidate=True)]
    new = store.save_clusters(s2, clusters, {ids[0]: 0, ids[1]: 1, ids[2]: None})
    assert [c.size for c in store.clusters(s2)] == [1, 1] and store.clusters(s2)[1].is_candidate
    assert [r.id for r in store.query(cluster=new[1])] == [ids[1]]
    assert [r.id for r in store.query(cluster="0")] == []  # "0" is an id, not a label
    assert [r.id for r in store.query(cluster=str(new[1]))] == [ids[1]]
    detail = store.get_conjecture(ids[0])
    assert detail is not None and detail.cluster is not None and detail.cluster.anchor == "pi"
    assert detail.conjecture.cluster == detail.cluster.id == new[0] and detail.as_dict()["cluster"]["label"] == "0"
    again = store.save_clusters(s2, clusters[:1], {ids[2]: 0})
    assert [r.id for r in store.query(cluster=again[0])] == [ids[2]]
    assert all(d.cluster is None for d in map(store.get_conjecture, ids[:2]) if d is not None)
    assert len(store.clusters(s2)) == 1 and store.clusters(s1) == []
    with pytest.raises(StoreError, match="out of range"):
        store.save_clusters(s2, clusters, {ids[0]: 5})


# --- numbers beyond the database's integers (SQLite and PostgreSQL) -----------------------


def test_ids_and_limits_beyond_the_database_integers(filled: tuple[Store, int, int]) -> None:
    store, *_ = filled
    assert store.get_conjecture(HUGE) is None and store.get_conjecture(-HUGE) is None
    assert store.search(HUGE) is None and store.shards(HUGE) == [] and store.clusters(HUGE) == []
    assert store.conjecture_details(HUGE) == [] and list(store.pcf_dynamics(HUGE)) == []
    assert store.query(search=HUGE) == [] and store.query(degree=HUGE) == [] and store.query(cluster=str(HUGE)) == []
    assert store.query(cluster="²") == []  # a digit to isdigit(), not to int(): a label, which no cluster has
    assert len(store.query(limit=2**63 - 1)) == 5
    for limit in (HUGE, 2**63, -1):
        with pytest.raises(StoreError, match="limit") as info:
            store.query(limit=limit)
        assert "\n" not in str(info.value)


# --- the command line --------------------------------------------------------------------


@pytest.fixture
def cli(cli: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str, str]]:
    """The command line in-process, with a default database that cannot be opened (every
    command here names its own ``--db``)."""
    monkeypatch.setenv("BROUNCKER_DB", "nosuchdialect://unused")
    return cli


def url_of(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def brouncker(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "brouncker", *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, "BROUNCKER_DB": "nosuchdialect://unused", **(env or {})})


def test_cli_upgrade_and_empty_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from brouncker.cli import app

    monkeypatch.chdir(tmp_path)  # the migrations are found from any directory
    monkeypatch.setenv("BROUNCKER_DB", f"sqlite:///{tmp_path / 'c.db'}")
    done = CliRunner().invoke(app, ["db", "upgrade", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["revision"] == SCHEMA_REVISION
    done = CliRunner().invoke(app, ["query", "--format", "json"])
    assert (done.exit_code, done.stdout.strip()) == (0, "[]")


def test_cli_bad_url_exits_2_without_traceback(tmp_path: Path) -> None:
    done = brouncker("query", "--db", "nosuchdialect://x", "--format", "json", cwd=tmp_path)
    assert done.returncode == 2 and one_line(done.stderr)


def test_cli_formats(filled: tuple[Store, int, int], cli: Callable[..., tuple[int, str, str]]) -> None:
    store, *_ = filled
    url = url_of(store)
    code, out, _ = cli("query", "--db", url, "--json", "--constant", "pi")
    rows = json.loads(out)
    assert code == 0 and [r["expression"] for r in rows] == ["4/pi", "pi/(pi-2)", "pi+e"]
    assert all(tuple(r)[: len(CONTRACT_FIELDS)] == CONTRACT_FIELDS for r in rows)

    code, csv_text, _ = cli("query", "--db", url, "--format", "csv", "--sort", "-delta", "--limit", "2")
    assert csv_text.splitlines()[0] == ",".join(ROW_FIELDS)
    assert [line.split(",")[4] for line in csv_text.splitlines()[1:]] == ["pi/(pi-2)", "6/zeta(3)"]

    code, latex, _ = cli("query", "--db", url, "--format", "latex", "--constant", "zeta3")
    display = [line for line in latex.splitlines() if line.startswith(r"\[")]
    assert display == [r"\[ \frac{6}{\zeta\left(3\right)} = 5 + \cfrac{-1}{117 + \cfrac{-64}{535 + \ddots + \cfrac{-n^{6}}"
                       r"{34n^{3} + 51n^{2} + 27n + 5 + \ddots}}} \]"]
    assert latex.count("{") == latex.count("}")

    code, table, _ = cli("query", "--db", url, "--constant", "zeta3")
    assert code == 0 and "conjectures" in table

    cid = rows[0]["id"]
    store.record_verification(cid, 100, 100, 500, 0.2, "verified")
    code, out, _ = cli("show", str(cid), "--db", url, "--json")
    shown = json.loads(out)
    assert shown["status"] == "verified" and shown["verifications"][0]["digits_agreed"] == 100
    assert cli("show", str(cid), "--db", url)[0] == 0
    assert cli("show", "999999", "--db", url)[0] == 1


def test_cli_candidates_and_statuses(store: Store, cli: Callable[..., tuple[int, str, str]]) -> None:
    store.write_records(pcfs=[pcf_record(*BROUNCKER), pcf_record(*APERY)],
                        conjectures=[candidate(*BROUNCKER, "0.2857142857", 10), conjecture(*APERY, "6/zeta(3)", ("zeta3",), delta=0.1)])
    url = url_of(store)
    code, out, _ = cli("query", "--db", url, "--candidates", "--json")
    (row,) = json.loads(out)
    assert code == 0 and row["candidate"] is True and row["expression"] is None and row["status"] == "conjectured"
    assert [r["expression"] for r in json.loads(cli("query", "--db", url, "--no-candidates", "--json")[1])] == ["6/zeta(3)"]
    assert len(json.loads(cli("query", "--db", url, "--status", "conjectured", "--json")[1])) == 2
    code, _, err = cli("query", "--db", url, "--status", "candidate")
    assert code == 2 and "--candidates" in one_line(err)
    code, _, err = cli("verify", str(row["id"]), "--db", url, "--digits", "20")
    assert code == 2 and "candidate" in one_line(err)
    code, out, _ = cli("show", str(row["id"]), "--db", url, "--json")
    assert code == 0 and json.loads(out)["limit"] == "0.2857142857"


def test_cli_numbers_beyond_the_database_integers(filled: tuple[Store, int, int], cli: Callable[..., tuple[int, str, str]]) -> None:
    store, *_ = filled
    url, before = url_of(store), store.counts()
    code, _, err = cli("show", str(HUGE), "--db", url)
    assert code == 1 and "no conjecture" in one_line(err)
    code, _, err = cli("query", "--db", url, "--limit", str(HUGE))
    assert code == 2 and "limit" in one_line(err)
    code, _, err = cli("query", "--db", url, "--limit", "-1")
    assert code == 2 and "limit" in one_line(err)
    for args in (("--search", str(HUGE)), ("--degree", str(HUGE)), ("--cluster", str(HUGE))):
        code, out, _ = cli("query", "--db", url, "--json", *args)
        assert (code, json.loads(out)) == (0, [])
    assert cli("search", "status", str(HUGE), "--db", url)[0] == 1
    code, _, err = cli("verify", str(HUGE), "--db", url, "--digits", "10")
    assert code == 2 and "no conjecture" in one_line(err)
    assert store.counts() == before


@pytest.mark.parametrize("url", ["sqlite://:memory:x", "postgresql://u@h:abc/x", "postgresql://u:s3cret@h:abc/x",
                                 "nosuchdialect://x", "not a url", "mysql://u@h/d", "postgresql+psycopg://postgres@127.0.0.1:1/test",
                                 "sqlite:////nonexistent-dir/x/y.db", "   ", "sqlite:///x.db?nosuchoption=1"])
def test_bad_urls_give_one_line(url: str, cli: Callable[..., tuple[int, str, str]], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError) as info:
        open_store(url)
    assert "\n" not in str(info.value) and str(info.value) and "s3cret" not in str(info.value)
    for args in (("query",), ("show", "1"), ("db", "upgrade"), ("search", "list")):
        code, _, err = cli(*args, "--db", url)
        assert code == 2 and "s3cret" not in one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_empty_url_does_not_open_the_default_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       cli: Callable[..., tuple[int, str, str]]) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (("query", "--db", ""), ("show", "1", "--db", ""), ("db", "upgrade", "--db", "")):
        code, _, err = cli(*args)
        assert code == 2 and "empty" in one_line(err)
    monkeypatch.setenv("BROUNCKER_DB", "")
    code, _, err = cli("query")
    assert code == 2 and "BROUNCKER_DB" in one_line(err)
    assert not (tmp_path / "brouncker.db").exists() and list(tmp_path.iterdir()) == []


def test_password_is_not_shown() -> None:
    with pytest.raises(StoreError) as info:
        open_store("postgresql+psycopg://user:s3cret@127.0.0.1:1/test")
    assert "s3cret" not in str(info.value)


# --- read-only commands do not create a database (SQLite and PostgreSQL) -------------------


READING_COMMANDS = (("query",), ("query", "--json"), ("show", "1"), ("search", "list"), ("search", "status", "1"),
                    ("report", "1", "--out", "{tmp}/r.html"), ("verify", "1", "--digits", "10"), ("search", "resume", "1"),
                    ("cluster", "1"))


def test_reading_commands_do_not_create_a_schema(db_url: str, tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    for command in READING_COMMANDS:
        args = [a.replace("{tmp}", str(tmp_path)) for a in command]
        code, _, err = cli(*args, "--db", db_url)
        line = one_line(err)
        assert code == 2 and "no brouncker database" in line and "brouncker db upgrade --db" in line, (command, line)
    if db_url.startswith("sqlite"):
        assert not Path(sa.engine.make_url(db_url).database or "").exists()
    else:
        assert tables_in(db_url) == set()
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(StoreError, match="no brouncker database"):
        open_store(db_url, read_only=True)
    assert cli("db", "upgrade", "--db", db_url)[0] == 0 and cli("query", "--db", db_url, "--json")[1].strip() == "[]"


def test_an_empty_sqlite_file_stays_empty(tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    code, _, err = cli("query", "--db", f"sqlite:///{path}")
    assert code == 2 and "no brouncker database" in one_line(err) and path.stat().st_size == 0


def test_a_read_only_store_cannot_write(db_url: str) -> None:
    open_store(db_url).close()
    with open_store(db_url, read_only=True) as store:
        before = store.counts()
        assert store.query() == []
        with pytest.raises(StoreError, match="read-only"):
            store.write_records(pcfs=[pcf_record(*APERY)])
        with pytest.raises(StoreError, match="read-only"):
            store.create_search("x", {}, "h", shards=shards(1))
        with store.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):  # the database itself refuses
            conn.execute(sa.text("INSERT INTO constant (name) VALUES ('written')"))
        assert store.counts() == before


# --- migrations and failures -------------------------------------------------------------


def test_upgrade_from_0002_keeps_the_rows_renames_statuses_and_tells_the_delta(db_url: str) -> None:
    assert upgrade(db_url, "0002") == "0002"
    engine = sa.create_engine(db_url)
    now = "CURRENT_TIMESTAMP"
    with engine.begin() as conn:
        run = lambda sql: conn.execute(sa.text(sql))  # noqa: E731
        run(f"INSERT INTO search (id, name, spec, spec_hash, status, counters, created_at, updated_at) "
            f"VALUES (1, 's', '{{}}', 'h', 'done', '{{}}', {now}, {now})")
        for pid in (1, 2, 3):
            run(f"INSERT INTO pcf (id, canonical_key, a, b, deg_a, deg_b, degree, first_search_id) "
                f"VALUES ({pid}, 'k{pid}', '[{pid}]', '[1]', 0, 0, 0, 1)")
        run("INSERT INTO metrics (pcf_id, depth, dynamics, delta_fr, delta_naive) VALUES (1, 100, '{}', 0.25, -0.5)")
        run("INSERT INTO metrics (pcf_id, depth, dynamics, delta_fr, delta_naive) VALUES (2, 100, '{}', NULL, -0.75)")
        run("INSERT INTO cluster (id, search_id, plane, label, size, is_candidate) VALUES (1, 1, 'delta_fr/d', 'pi', 1, false)")
        conjectures = [  # id, kind, pcf, expression, delta, status, cluster
            (1, "pcf", 1, "4/pi", "0.25", "candidate", "1"),
            (2, "pcf", 2, "pi", "-0.75", "verified", "NULL"),
            (3, "pcf", 3, "e", "0.1", "refuted", "NULL"),
            (4, "esma", "NULL", "e/(e-2)", "NULL", "candidate", "NULL"),
        ]
        for cid, kind, pid, expression, delta, status, cluster in conjectures:
            key = f"'k{pid}'" if pid != "NULL" else "NULL"
            run(f"INSERT INTO conjecture (id, kind, value_key, canonical_key, pcf_id, expression, constants, relation, digits, "
                f"delta, status, search_id, cluster_id, created_at) VALUES ({cid}, '{kind}', 'v{cid}', {key}, {pid}, "
                f"'{expression}', '[\"pi\"]', '[1]', 30, {delta}, '{status}', 1, {cluster}, {now})")
        run("INSERT INTO constant (id, name) VALUES (1, 'pi')")
        run("INSERT INTO conjecture_constant (conjecture_id, constant_id) VALUES (1, 1)")
        run(f"INSERT INTO verification (conjecture_id, digits_requested, verdict, created_at) VALUES (2, 30, 'verified', {now})")
        if engine.dialect.name == "postgresql":  # rows given their ids: move the id sequences past them
            for table in ("search", "pcf", "cluster", "conjecture", "constant"):
                run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    engine.dispose()
    with pytest.raises(StoreError, match=r"older than this brouncker.*brouncker db upgrade"):
        open_store(db_url)
    with pytest.raises(StoreError, match="no brouncker database|older"):
        open_store(db_url, read_only=True)
    assert upgrade(db_url) == SCHEMA_REVISION
    with open_store(db_url) as store:
        rows = store.query()
        assert [(r.id, r.status, r.delta_kind, r.candidate) for r in rows] == [
            (1, ConjectureStatus.CONJECTURED, DeltaKind.FR, False),
            (2, ConjectureStatus.VERIFIED, DeltaKind.NAIVE, False),
            (3, ConjectureStatus.REFUTED, None, False),  # no metrics tell which δ it was
            (4, ConjectureStatus.CONJECTURED, None, False),
        ]
        assert rows[0].cluster == 1 and [r.id for r in store.query(constant="pi")] == [1]
        detail = store.get_conjecture(2)
        assert detail is not None and len(detail.verifications) == 1  # the table rebuild did not cascade
        assert store.write_records(conjectures=[candidate((1,), (1,), "1.5"), candidate((1,), (1,), "1.5")]).conjectures == 1
        with store.engine.connect() as conn:
            assert schema_diff(conn) == []
            assert conn.execute(sa.text("SELECT count(*) FROM conjecture WHERE status = 'candidate'")).scalar() == 0


def test_older_schema_is_refused_until_upgraded(db_url: str) -> None:
    assert upgrade(db_url, "0001") == "0001"
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # data written at revision 0001 must survive the upgrade
        conn.execute(sa.text("INSERT INTO pcf (canonical_key, a, b, deg_a, deg_b, degree) VALUES ('k', '[1]', '[1]', 0, 0, 0)"))
        conn.execute(sa.text(
            "INSERT INTO conjecture (kind, value_key, canonical_key, pcf_id, expression, constants, relation, digits, status, created_at) "
            "VALUES ('pcf', 'k', 'k', 1, 'pi', '[\"pi\"]', '[1]', 10, 'candidate', CURRENT_TIMESTAMP)"))
        conn.execute(sa.text(
            "INSERT INTO verification (conjecture_id, digits_requested, verdict, created_at) "
            "VALUES (1, 10, 'verified', CURRENT_TIMESTAMP)"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"older than this brouncker.*brouncker db upgrade"):
        open_store(db_url)
    assert upgrade(db_url) == SCHEMA_REVISION
    with open_store(db_url) as store:
        (row,) = store.query()
        assert row.expression == "pi" and row.cluster is None and row.status is ConjectureStatus.CONJECTURED
        detail = store.get_conjecture(row.id)
        assert detail is not None and len(detail.verifications) == 1  # the table rebuild did not cascade


def test_upgrade_to_an_unknown_or_older_revision_is_one_line_and_changes_nothing(db_url: str, tmp_path: Path,
                                                                                  cli: Callable[..., tuple[int, str, str]]) -> None:
    fresh = f"sqlite:///{tmp_path / 'never.db'}"
    code, _, err = cli("db", "upgrade", "--db", fresh, "--revision", "9999")
    assert code == 2 and "unknown schema revision '9999'" in one_line(err) and not (tmp_path / "never.db").exists()
    assert upgrade(db_url) == SCHEMA_REVISION
    code, _, err = cli("db", "upgrade", "--db", db_url, "--revision", "0001")
    assert code == 2 and "nothing was changed" in one_line(err)
    with pytest.raises(StoreError, match="unknown schema revision"):
        upgrade(db_url, "head; DROP TABLE pcf")
    with open_store(db_url) as store:
        assert store.query() == [] and set(TABLES) <= tables_in(db_url)


def test_unknown_newer_schema_is_refused(db_url: str) -> None:
    open_store(db_url).close()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="upgrade brouncker"):
        open_store(db_url)


@pytest.mark.slow  # three interpreters start at once
def test_concurrent_first_use_creates_the_schema_once(db_url: str) -> None:
    code = "import sys; from brouncker.store import open_store; open_store(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with open_store(db_url) as store:
        assert store.counts()["constant"] == len(BANK)


def test_tables_without_a_revision_are_not_taken_for_a_brouncker_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE pcf (x INTEGER)"))
    engine.dispose()
    with pytest.raises(StoreError, match="no schema revision"):
        open_store(url)


def test_alembic_command_line_uses_db_alembic_ini(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    alembic = [sys.executable, "-m", "alembic", "-c", str(ROOT / "db" / "alembic.ini")]
    done = subprocess.run([*alembic, "upgrade", "head"], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "BROUNCKER_DB": url})
    assert done.returncode == 0, done.stderr
    with open_store(url) as store:
        assert store.query() == []


# --- records -----------------------------------------------------------------------------


ints = st.lists(st.integers(-10**20, 10**20), max_size=5).map(tuple)


@given(st.text(max_size=20), ints, ints, st.none() | st.integers(1, 10**6))
def test_pcf_record_round_trips(key: str, a: Coefficients, b: Coefficients, search_id: int | None) -> None:
    record = PCFRecord(key, a, b, search_id)
    assert PCFRecord.from_dict(json.loads(json.dumps(record.as_dict()))) == record


@given(st.sampled_from(list(ConjectureKind)), st.none() | st.text(max_size=20), ints, st.integers(1, 10**4),
       st.none() | ints, st.none() | st.floats(allow_nan=False, allow_infinity=False),
       st.none() | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
       st.sampled_from(list(ConjectureStatus)), st.sampled_from(list(DeltaKind)), st.booleans())
def test_conjecture_record_round_trips(kind: ConjectureKind, expression: str | None, relation: Coefficients, digits: int,
                                       a: Coefficients | None, delta: float | None, data: dict[str, int] | None,
                                       status: ConjectureStatus, delta_kind: DeltaKind, is_candidate: bool) -> None:
    record = ConjectureRecord(kind, expression, ("pi",), relation, digits, canonical_key="k", a=a, b=a, delta=delta, data=data,
                              status=status, delta_kind=None if delta is None else delta_kind, candidate=is_candidate)
    assert ConjectureRecord.from_dict(json.loads(json.dumps(record.as_dict()))) == record
    metrics = MetricsRecord("k", digits, {"x": delta})
    assert MetricsRecord.from_dict(metrics.as_dict()) == metrics


def test_records_accept_the_text_of_their_enums() -> None:
    record = ConjectureRecord("esma", "e", ("e",), (1,), 10, status="verified", delta=0.5, delta_kind="naive")  # type: ignore[arg-type]  # text on purpose
    assert (record.kind, record.status, record.delta_kind) == (ConjectureKind.ESMA, ConjectureStatus.VERIFIED, DeltaKind.NAIVE)
