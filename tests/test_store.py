"""The conjecture store on real databases: SQLite and PostgreSQL (see conftest_store.py)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

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
from brouncker.records import ConjectureRecord, MetricsRecord, PCFRecord
from brouncker.store import CONTRACT_FIELDS, SCHEMA_REVISION, open_store, upgrade
from brouncker.store.engine import known_revisions
from brouncker.store.models import TABLES, Base

pytest_plugins = ["tests.conftest_store"]

ROOT = Path(__file__).resolve().parents[1]
INJECTION = "pi'; DROP TABLE pcf; --"

APERY = ((34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0))  # 6/zeta(3)
BROUNCKER = ((2,), (4, -4, 1))  # a = 2, b = (2n-1)^2: 1 + 4/pi... value 4/pi - 1 + 1
EULER_E = ((1, 3), (-1, -2, 0))  # a = 3n+1? any PCF works as data here


def pcf_record(a, b, search_id=None):  # type: ignore[no-untyped-def]
    return PCFRecord(canonical_key(tuple(a), tuple(b)), tuple(a), tuple(b), search_id)


def conjecture(a, b, expression, constants, delta=None, status="candidate", search_id=None, digits=50, limit=None):  # type: ignore[no-untyped-def]
    return ConjectureRecord(
        kind="pcf", expression=expression, constants=tuple(constants), relation=(1, 0, 0, -1), digits=digits,
        canonical_key=canonical_key(tuple(a), tuple(b)), a=tuple(a), b=tuple(b), delta=delta, limit=limit,
        status=status, search_id=search_id,
    )


def bulk_pcfs(n: int, offset: int = 0) -> list[PCFRecord]:
    return [pcf_record((1, k + offset), (2, 0, -(k + offset))) for k in range(n)]


# --- schema ------------------------------------------------------------------------------


def test_migrations_end_at_the_schema_revision_of_the_code() -> None:
    assert known_revisions()[-1] == SCHEMA_REVISION


def test_new_database_gets_the_schema_and_the_bank(store) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        assert set(TABLES) <= set(sa.inspect(conn).get_table_names())
        # The migrations build exactly the schema the models declare.
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []
        names = set(conn.execute(sa.text("SELECT name FROM constant")).scalars())
    assert set(BANK) <= names
    assert store.query() == []


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with open_store(f"sqlite:///{tmp_path / 'w.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_default_url_is_brouncker_db_in_the_working_directory(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BROUNCKER_DB", raising=False)
    open_store().close()
    assert (tmp_path / "brouncker.db").exists()
    monkeypatch.setenv("BROUNCKER_DB", f"sqlite:///{tmp_path / 'env.db'}")
    open_store().close()
    assert (tmp_path / "env.db").exists()


# --- writes ------------------------------------------------------------------------------


def test_writing_twice_adds_nothing(store) -> None:  # type: ignore[no-untyped-def]
    pcfs = bulk_pcfs(1500) + [pcf_record(*APERY)]
    metrics = [MetricsRecord(pcfs[0].canonical_key, 400, {"delta_fr": 0.5, "fr": True, "convergence": "exponential"})]
    conjectures = [conjecture(*APERY, "6/zeta(3)", ("zeta3",), delta=0.08)]
    first = store.write_records(pcfs=pcfs, metrics=metrics, conjectures=conjectures)
    counts = store.counts()
    second = store.write_records(pcfs=pcfs, metrics=metrics, conjectures=conjectures)
    assert first.as_dict() == {"pcfs": 1501, "metrics": 1, "conjectures": 1}
    assert second.as_dict() == {"pcfs": 0, "metrics": 0, "conjectures": 0}
    assert store.counts() == counts
    assert counts["pcf"] == 1501 and counts["conjecture_constant"] == 1


def test_a_failing_batch_leaves_nothing_behind(store) -> None:  # type: ignore[no-untyped-def]
    before = store.counts()
    good = conjecture(*APERY, "6/zeta(3)", ("zeta3",))
    bad = ConjectureRecord("pcf", None, ("pi",), (1,), 10, canonical_key="k", a=(1,), b=(1,))  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="nothing of it was written"):
        store.write_records(pcfs=bulk_pcfs(700) + [pcf_record(*APERY)], conjectures=[good, bad])  # NOT NULL fails mid-batch
    assert store.counts() == before
    with pytest.raises(StoreError, match="not stored"):
        store.write_records(pcfs=bulk_pcfs(10), metrics=[MetricsRecord("no such key", 100, {})])
    assert store.counts() == before


def test_limit_text_keeps_every_digit(store) -> None:  # type: ignore[no-untyped-def]
    mp.dps = 120
    try:
        value = 6 / mpmath.zeta(3)
        limit = mpmath.nstr(value, 110, strip_zeros=False)
        store.write_records(pcfs=[pcf_record(*APERY)], conjectures=[conjecture(*APERY, "6/zeta(3)", ("zeta3",), limit=limit)])
        (row,) = store.query()
        stored = store.get_conjecture(row["id"])["limit"]
        assert stored == limit
        mp.dps = 100
        assert mpf(stored) == +value  # the same 100-digit number
        assert abs(mpf(stored) - parse_constant("6/zeta(3)").value(105)) < mpf(10) ** -100
    finally:
        mp.dps = 15


def test_huge_relation_coefficients_and_infinite_delta_round_trip(store) -> None:  # type: ignore[no-untyped-def]
    big = 10**40 + 7
    record = ConjectureRecord("pcf", "pi", ("pi",), (big, -1, 0, -(big**2)), 30, canonical_key(*BROUNCKER), BROUNCKER[0],
                              BROUNCKER[1], delta=math.inf)
    store.write_records(pcfs=[pcf_record(*BROUNCKER)], conjectures=[record])
    (row,) = store.query()
    assert row["delta"] == math.inf
    assert store.get_conjecture(row["id"])["relation"] == [big, -1, 0, -(big**2)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-10**30, 10**30), min_size=1, max_size=4), st.lists(st.integers(-50, 50), min_size=1, max_size=7))
def test_stored_coefficients_read_back_as_the_same_polynomials(store, a, b) -> None:  # type: ignore[no-untyped-def]
    a, b = tuple(a), tuple(b)
    if a[0] == 0 or b[0] == 0:
        return
    record = conjecture(a, b, "pi", ("pi",))
    store.write_records(pcfs=[pcf_record(a, b)], conjectures=[record])
    row = next(r for r in store.query(constant="pi") if r["canonical_key"] == record.canonical_key)
    assert (parse(row["a"]), parse(row["b"])) == (a, b)


def test_metrics_keep_the_dynamics_record(store) -> None:  # type: ignore[no-untyped-def]
    dynamics = pytest.importorskip("brouncker.convergence.dynamics")
    record = dynamics.dynamics(APERY[0], APERY[1], depth=200)
    store.write_records(
        pcfs=[pcf_record(*APERY)],
        metrics=[MetricsRecord(canonical_key(*APERY), 200, record.as_dict())],
        conjectures=[conjecture(*APERY, "6/zeta(3)", ("zeta3",), delta=record.delta_fr)],
    )
    (row,) = store.query()
    full = store.get_conjecture(row["id"])
    (stored,) = full["metrics"]
    assert dynamics.Dynamics.from_dict(stored) == record
    mp.dps = 60
    try:  # the stored limit is 6/zeta(3) to its trustworthy digits
        assert abs(mpf(stored["limit"]) - 6 / mpmath.zeta(3)) < mpf(10) ** (-(stored["digits"] - 1))
    finally:
        mp.dps = 15
    with store.engine.connect() as conn:
        indexed = conn.execute(sa.text("SELECT delta_fr, fr, convergence FROM metrics")).one()
    assert indexed.delta_fr == pytest.approx(record.delta_fr) and bool(indexed.fr) == record.fr


def test_esma_conjectures_are_unique_by_their_data(store) -> None:  # type: ignore[no-untyped-def]
    data = {"lhs": [1, 0], "signs": [1, -1], "recurrence": [[1, 2], [3]], "initial_terms": [1, 2], "convergence_rate": 1.5}
    record = ConjectureRecord("esma", "e/(e-2)", ("e",), (1, 0, -1, 1), 40, data=data)
    assert store.write_records(conjectures=[record, record]).conjectures == 1
    assert store.write_records(conjectures=[record]).conjectures == 0
    (row,) = store.query(kind="esma")
    assert row["a"] is None and row["b"] is None and row["canonical_key"] is None
    assert store.get_conjecture(row["id"])["data"] == data


# --- reading -----------------------------------------------------------------------------


@pytest.fixture
def filled(store):  # type: ignore[no-untyped-def]
    """Five conjectures over two searches, of several constants, degrees and deltas."""
    s1 = store.create_search("one", {"x": 1}, "h1")
    s2 = store.create_search("two", {"x": 2}, "h2")
    pcfs = [(APERY, s1), (BROUNCKER, s1), (((1, 1), (1, 0, 0)), s2), (((3, 1), (-2, 0, 0)), s2)]
    store.write_records(pcfs=[pcf_record(*p, search_id=s) for p, s in pcfs])
    store.write_records(conjectures=[
        conjecture(*APERY, "6/zeta(3)", ("zeta3",), delta=0.08, search_id=s1, digits=60),
        conjecture(*BROUNCKER, "4/pi", ("pi",), delta=-0.5, search_id=s1, digits=20),
        conjecture((1, 1), (1, 0, 0), "1/(e-2)", ("e",), delta=None, search_id=s2, digits=30),
        conjecture((3, 1), (-2, 0, 0), "pi/(pi-2)", ("pi",), delta=1.0, search_id=s2, status="verified", digits=40),
    ])
    store.write_records(conjectures=[ConjectureRecord("esma", "pi+e", ("pi", "e"), (1,), 25, data={"lhs": [1]}, search_id=s2)])
    return store, s1, s2


def _expressions(rows):  # type: ignore[no-untyped-def]
    return [r["expression"] for r in rows]


def test_query_rows_have_exactly_the_contract_fields(filled) -> None:  # type: ignore[no-untyped-def]
    store, *_ = filled
    rows = store.query()
    assert len(rows) == 5 and all(tuple(r) == CONTRACT_FIELDS for r in rows)
    apery = rows[0]
    assert (apery["a"], apery["b"], apery["digits"]) == ("34n^3 + 51n^2 + 27n + 5", "-n^6", 60)
    assert PCF.parse(apery["a"], apery["b"]) == PCF(*APERY)


def test_query_filters(filled) -> None:  # type: ignore[no-untyped-def]
    store, s1, s2 = filled
    assert _expressions(store.query(constant="pi")) == ["4/pi", "pi/(pi-2)", "pi+e"]
    assert _expressions(store.query(constant="zeta(3)")) == _expressions(store.query(constant="zeta3")) == ["6/zeta(3)"]
    assert _expressions(store.query(constant="e", kind="esma")) == ["pi+e"]
    assert _expressions(store.query(search=s1)) == ["6/zeta(3)", "4/pi"]
    assert _expressions(store.query(status="verified")) == ["pi/(pi-2)"]
    assert _expressions(store.query(min_delta=0.0)) == ["6/zeta(3)", "pi/(pi-2)"]
    assert _expressions(store.query(min_delta=-1, max_delta=0.5)) == ["6/zeta(3)", "4/pi"]
    assert _expressions(store.query(degree=6)) == ["6/zeta(3)"]
    assert _expressions(store.query(degree=2, search=s2)) == ["1/(e-2)", "pi/(pi-2)"]
    assert store.query(constant="nosuchconstant") == [] and store.query(search=999) == []


def test_query_sorts_and_limits(filled) -> None:  # type: ignore[no-untyped-def]
    store, *_ = filled
    assert _expressions(store.query(sort="-delta")) == ["pi/(pi-2)", "6/zeta(3)", "4/pi", "1/(e-2)", "pi+e"]
    assert _expressions(store.query(sort="delta", limit=2)) == ["4/pi", "6/zeta(3)"]
    assert [r["digits"] for r in store.query(sort="-digits")] == [60, 40, 30, 25, 20]
    assert store.query(limit=0) == []
    with pytest.raises(StoreError, match="cannot sort"):
        store.query(sort="delta; DROP TABLE pcf")


def test_filter_values_cannot_inject_sql(filled) -> None:  # type: ignore[no-untyped-def]
    store, *_ = filled
    before = store.counts()
    assert store.query(constant=INJECTION) == []
    assert store.query(kind=INJECTION) == [] and store.query(status=INJECTION) == []
    assert store.query(cluster=INJECTION) == []
    assert store.find_search_by_hash(INJECTION) is None
    with pytest.raises(StoreError):
        store.query(sort=INJECTION)
    with store.engine.connect() as conn:
        assert set(TABLES) <= set(sa.inspect(conn).get_table_names())
    assert store.counts() == before and len(store.query()) == 5


def test_verification_is_recorded_and_sets_the_status(filled) -> None:  # type: ignore[no-untyped-def]
    store, *_ = filled
    cid = store.query(constant="zeta3")[0]["id"]
    store.record_verification(cid, 100, 50, 400, 0.5, "inconclusive")
    assert store.get_conjecture(cid)["status"] == "candidate"
    store.record_verification(cid, 200, 201, 800, 1.25, "verified")
    full = store.get_conjecture(cid)
    assert full["status"] == "verified"
    assert [(v["verdict"], v["digits_agreed"]) for v in full["verifications"]] == [("inconclusive", 50), ("verified", 201)]
    store.record_verification(cid, 200, 3, 800, 1.0, "refuted")
    assert store.query(status="refuted")[0]["id"] == cid
    with pytest.raises(StoreError, match="no conjecture"):
        store.record_verification(10**6, 10, 10, 10, 0.1, "verified")
    with pytest.raises(StoreError, match="verdict"):
        store.record_verification(cid, 10, 10, 10, 0.1, "maybe")
    assert store.get_conjecture(10**6) is None


def test_searches_and_shards(store) -> None:  # type: ignore[no-untyped-def]
    sid = store.create_search("q", {"a": {"degree": 2}}, "abc")
    assert store.find_search_by_hash("abc") == sid and store.find_search_by_hash("zzz") is None
    assert store.add_shards(sid, [(0, 0, 100), (1, 100, 200), (2, 200, 250)]) == 3
    assert store.add_shards(sid, [(0, 0, 100), (3, 250, 300)]) == 1  # idempotent
    store.set_shard_status(sid, 1, "running")
    store.set_shard_status(sid, 1, "running")
    store.set_shard_status(sid, 1, "done", counts={"screened": 100})
    store.set_shard_status(sid, 2, "failed", error="boom")
    shards = store.shards(sid)
    assert [s.shard_index for s in shards] == [0, 1, 2, 3]
    assert (shards[1].status, shards[1].attempts, shards[1].counts) == ("done", 2, {"screened": 100})
    assert [s.shard_index for s in store.shards(sid, status="pending")] == [0, 3]
    with pytest.raises(StoreError):
        store.set_shard_status(sid, 99, "done")
    store.set_search_status(sid, "running", {"screened": 100})
    store.set_search_status(sid, "done", {"found": 3})
    info = store.search(sid)
    assert info["status"] == "done" and info["counters"] == {"screened": 100, "found": 3}
    assert info["spec"] == {"a": {"degree": 2}} and info["shards"] == {"pending": 2, "done": 1, "failed": 1}
    assert [s["id"] for s in store.searches()] == [sid] and store.search(sid + 1) is None


def test_clusters_are_saved_and_replaced(filled) -> None:  # type: ignore[no-untyped-def]
    store, s1, s2 = filled
    rows = store.conjectures_with_metrics(s2)
    assert len(rows) == 3 and all("metrics" in r for r in rows)
    ids = [r["id"] for r in rows]
    clusters = [{"plane": "delta-c", "label": "0", "anchor": "pi", "description": {"centre": [1.0, 2.0]}},
                {"plane": "delta-c", "label": "1", "is_candidate": True}]
    new = store.save_clusters(s2, clusters, {ids[0]: 0, ids[1]: 1, ids[2]: None})
    assert [c["size"] for c in store.clusters(s2)] == [1, 1]
    assert [r["id"] for r in store.query(cluster=new[1])] == [ids[1]]
    assert [r["id"] for r in store.query(cluster="0")] == []  # "0" is an id, not a label
    assert store.get_conjecture(ids[0])["cluster_info"]["anchor"] == "pi"
    again = store.save_clusters(s2, clusters[:1], {ids[2]: 0})
    assert [r["id"] for r in store.query(cluster=again[0])] == [ids[2]]
    assert store.get_conjecture(ids[0])["cluster"] is None and store.get_conjecture(ids[1])["cluster"] is None
    assert len(store.clusters(s2)) == 1 and store.clusters(s1) == []


# --- migrations and failures -------------------------------------------------------------


def test_older_schema_is_refused_until_upgraded(db_url) -> None:  # type: ignore[no-untyped-def]
    assert upgrade(db_url, "0001") == "0001"
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # data written at revision 0001 must survive the upgrade
        conn.execute(sa.text("INSERT INTO pcf (canonical_key, a, b, deg_a, deg_b, degree) VALUES ('k', '[1]', '[1]', 0, 0, 0)"))
        conn.execute(sa.text(
            "INSERT INTO conjecture (kind, value_key, canonical_key, pcf_id, expression, constants, relation, digits, status, created_at) "
            "VALUES ('pcf', 'k', 'k', 1, 'pi', '[\"pi\"]', '[1]', 10, 'candidate', CURRENT_TIMESTAMP)"))
        conn.execute(sa.text(
            "INSERT INTO verification (conjecture_id, digits_requested, verdict, created_at) VALUES (1, 10, 'verified', CURRENT_TIMESTAMP)"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"older than this brouncker.*brouncker db upgrade"):
        open_store(db_url)
    assert upgrade(db_url) == SCHEMA_REVISION
    with open_store(db_url) as store:
        (row,) = store.query()
        assert row["expression"] == "pi" and row["cluster"] is None
        assert len(store.get_conjecture(row["id"])["verifications"]) == 1  # the table rebuild did not cascade


def test_unknown_newer_schema_is_refused(db_url) -> None:  # type: ignore[no-untyped-def]
    open_store(db_url).close()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="upgrade brouncker"):
        open_store(db_url)


@pytest.mark.slow  # three interpreters start at once
def test_concurrent_first_use_creates_the_schema_once(db_url) -> None:  # type: ignore[no-untyped-def]
    code = "import sys; from brouncker.store import open_store; open_store(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with open_store(db_url) as store:
        assert store.counts()["constant"] == len(BANK)


def test_tables_without_a_revision_are_not_taken_for_a_brouncker_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE pcf (x INTEGER)"))
    engine.dispose()
    with pytest.raises(StoreError, match="no schema revision"):
        open_store(url)


@pytest.mark.parametrize("url", ["nosuchdialect://x", "not a url", "mysql://u@h/d", "postgresql+psycopg://postgres@127.0.0.1:1/test",
                                 "sqlite:////nonexistent-dir/x/y.db"])
def test_bad_urls_give_one_line(url: str) -> None:
    with pytest.raises(StoreError) as info:
        open_store(url)
    assert "\n" not in str(info.value) and str(info.value)


def test_password_is_not_shown(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError) as info:
        open_store("postgresql+psycopg://user:s3cret@127.0.0.1:1/test")
    assert "s3cret" not in str(info.value)


# --- the command line --------------------------------------------------------------------


def brouncker(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "brouncker", *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, "BROUNCKER_DB": "nosuchdialect://unused"})


def test_cli_upgrade_and_empty_query(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from brouncker.cli import app

    monkeypatch.chdir(tmp_path)  # the migrations are found from any directory
    monkeypatch.setenv("BROUNCKER_DB", f"sqlite:///{tmp_path / 'c.db'}")
    done = CliRunner().invoke(app, ["db", "upgrade", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["revision"] == SCHEMA_REVISION
    done = CliRunner().invoke(app, ["query", "--format", "json"])
    assert (done.exit_code, done.stdout.strip()) == (0, "[]")


def test_cli_bad_url_exits_2_without_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = brouncker("query", "--db", "nosuchdialect://x", "--format", "json", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_cli_formats(filled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from brouncker.cli import app

    store, *_ = filled
    url = store.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()

    rows = json.loads(runner.invoke(app, ["query", "--db", url, "--json", "--constant", "pi"]).stdout)
    assert [r["expression"] for r in rows] == ["4/pi", "pi/(pi-2)", "pi+e"] and all(tuple(r) == CONTRACT_FIELDS for r in rows)

    csv_text = runner.invoke(app, ["query", "--db", url, "--format", "csv", "--sort", "-delta", "--limit", "2"]).stdout
    assert csv_text.splitlines() == [",".join(CONTRACT_FIELDS)] + [
        line for line in csv_text.splitlines()[1:] if line.split(",")[4] in ("pi/(pi-2)", "6/zeta(3)")]
    assert len(csv_text.splitlines()) == 3

    latex = runner.invoke(app, ["query", "--db", url, "--format", "latex", "--constant", "zeta3"]).stdout
    display = [line for line in latex.splitlines() if line.startswith(r"\[")]
    assert display == [r"\[ \frac{6}{\zeta\left(3\right)} = 5 + \cfrac{-1}{117 + \cfrac{-64}{535 + \ddots + \cfrac{-n^{6}}"
                       r"{34n^{3} + 51n^{2} + 27n + 5 + \ddots}}} \]"]
    assert latex.count("{") == latex.count("}")

    cid = rows[0]["id"]
    store.record_verification(cid, 100, 100, 500, 0.2, "verified")
    shown = json.loads(runner.invoke(app, ["show", str(cid), "--db", url, "--json"]).stdout)
    assert shown["status"] == "verified" and shown["verifications"][0]["digits_agreed"] == 100
    assert runner.invoke(app, ["show", str(cid), "--db", url]).exit_code == 0
    assert runner.invoke(app, ["show", "999999", "--db", url]).exit_code == 1


def test_alembic_command_line_uses_db_alembic_ini(tmp_path) -> None:  # type: ignore[no-untyped-def]
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
def test_pcf_record_round_trips(key, a, b, search_id) -> None:  # type: ignore[no-untyped-def]
    record = PCFRecord(key, a, b, search_id)
    assert PCFRecord.from_dict(json.loads(json.dumps(record.as_dict()))) == record


@given(st.sampled_from(["pcf", "esma", "cmf"]), st.text(max_size=20), ints, st.integers(1, 10**4),
       st.none() | ints, st.none() | st.floats(allow_nan=False, allow_infinity=False),
       st.none() | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
def test_conjecture_record_round_trips(kind, expression, relation, digits, a, delta, data) -> None:  # type: ignore[no-untyped-def]
    record = ConjectureRecord(kind, expression, ("pi",), relation, digits, canonical_key="k", a=a, b=a, delta=delta, data=data)
    assert ConjectureRecord.from_dict(json.loads(json.dumps(record.as_dict()))) == record
    metrics = MetricsRecord("k", digits, {"x": delta})
    assert MetricsRecord.from_dict(metrics.as_dict()) == metrics
