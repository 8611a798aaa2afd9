"""The driver's heartbeat: a search whose driver went away without a word reads as
interrupted (in the store, on the command line and in the web app), with the command that
finishes it; a search whose driver is still there cannot be run by a second one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from brouncker.cli.app import run as cli_run
from brouncker.cli.output import console
from brouncker.errors import StoreError
from brouncker.records import SearchStatus
from brouncker.search.executor import SerialExecutor
from brouncker.search.runner import run_search
from brouncker.search.spec import parse_spec
from brouncker.store import Driver, open_store, upgrade
from brouncker.store.drivers import STALE_AFTER, no_driver_since, process_exists

pytest_plugins = ["tests.conftest_store"]

HERE = socket.gethostname()
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SPEC = {
    "name": "heartbeat",
    "constants": ["pi", "e"],
    "digits": 20,
    "shard_size": 20,
    "family": {"a": {"degree": 1, "range": [-1, 1]}, "b": {"degree": 1, "range": [-1, 1]}},
    "screen": {"depth": 150},
    "exact": {"depth": 2000, "dynamics_depth": 200},
}


@pytest.fixture
def dead_pid() -> int:
    """The id of a process of this host that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'beat.db'}"


def new_search(url: str, shards: int = 3) -> int:
    with open_store(url) as store:
        return store.create_search("s", {"name": "s"}, "hash", shards=[(i, 10 * i, 10 * i + 10) for i in range(shards)])


def set_beat(url: str, search_id: int, when: datetime) -> None:
    """Move a search's last beat to ``when`` (as a driver that stopped beating then would leave it)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE search SET heartbeat_at = :t WHERE id = :i"), {"t": when, "i": search_id})
    engine.dispose()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``brouncker ARGS`` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(console, "width", 200)  # a table row on one line

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli_run(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


# --- the rule -------------------------------------------------------------------------------


@given(st.floats(min_value=0, max_value=3 * STALE_AFTER.total_seconds(), allow_nan=False))
def test_a_driver_elsewhere_is_gone_exactly_when_its_beat_is_stale(seconds: float) -> None:
    now = T0 + timedelta(seconds=seconds)
    gone = no_driver_since("another-host", 1, T0, T0, now=now, here=HERE)
    assert gone == (T0 if now - T0 > STALE_AFTER else None)


def test_a_driver_here_is_gone_as_soon_as_its_process_is(dead_pid: int) -> None:
    now = datetime.now(UTC)
    assert no_driver_since(HERE, os.getpid(), now, now, now=now, here=HERE) is None
    assert no_driver_since(HERE, dead_pid, now, now, now=now, here=HERE) == now
    assert no_driver_since("another-host", dead_pid, now, now, now=now, here=HERE) is None  # not ours to look up


def test_a_killed_process_not_yet_reaped_does_not_exist() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import os; os._exit(0)"])
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while process_exists(proc.pid) and datetime.now(UTC) < deadline:  # exited, and a zombie until waited for
            pass
        assert not process_exists(proc.pid) and proc.poll() is not None
    finally:
        proc.wait()
    assert process_exists(os.getpid()) and not process_exists(0)


# --- the store --------------------------------------------------------------------------------


def test_the_store_reads_a_running_search_without_its_driver_as_interrupted(db_url: str, dead_pid: int) -> None:
    sid = new_search(db_url)
    with open_store(db_url) as store:
        store.claim_search(sid, Driver(HERE, dead_pid))  # a driver of this host that has died
        (listed,) = store.searches()
        assert listed.status is SearchStatus.INTERRUPTED and listed.no_driver_since is not None
        assert listed.status_text.startswith("interrupted (no driver since ") and listed.as_dict()["status"] == "interrupted"

        store.claim_search(sid, Driver.this_process())  # taken over
        row = store.search(sid)
        assert row is not None and row.status is SearchStatus.RUNNING and row.no_driver_since is None
        assert (row.driver_host, row.driver_pid) == (HERE, os.getpid()) and row.heartbeat_at is not None
        assert store.beat(sid, Driver.this_process()) and not store.beat(sid, Driver(HERE, dead_pid))

        store.set_search_status(sid, SearchStatus.DONE)
        store.claim_search(sid, Driver("another-host", 1))  # judged by its beat alone
        assert store.search(sid).status is SearchStatus.RUNNING  # type: ignore[union-attr]
    stale = datetime.now(UTC) - STALE_AFTER - timedelta(seconds=5)
    set_beat(db_url, sid, stale)
    with open_store(db_url, read_only=True) as store:
        row = store.search(sid)
        assert row is not None and row.status is SearchStatus.INTERRUPTED
        assert abs((row.no_driver_since - stale).total_seconds()) < 1  # type: ignore[operator]
    with open_store(db_url) as store:
        store.set_search_status(sid, SearchStatus.DONE)
        assert store.search(sid).status is SearchStatus.DONE  # type: ignore[union-attr]  # only a running search loses its driver


def test_a_live_driver_keeps_its_search(db_url: str) -> None:
    sid = new_search(db_url)
    parent = Driver(HERE, os.getppid())  # a process of this host that outlives the test
    with open_store(db_url) as store:
        store.claim_search(sid, parent)
        with pytest.raises(StoreError, match=rf"search {sid} is running: its driver, process {parent.pid} on "):
            store.claim_search(sid, Driver.this_process())
        assert store.search(sid).driver_pid == parent.pid  # type: ignore[union-attr]
    set_beat(db_url, sid, datetime.now(UTC) - STALE_AFTER - timedelta(seconds=5))  # it stopped beating: taken over
    with open_store(db_url) as store:
        store.claim_search(sid, Driver.this_process())
        assert store.search(sid).driver_pid == os.getpid()  # type: ignore[union-attr]


def test_a_running_search_of_an_older_schema_reads_as_interrupted_after_the_upgrade(sqlite_url: str) -> None:
    assert upgrade(sqlite_url, "0004") == "0004"
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:  # what a driver killed before the heartbeat existed left
        conn.execute(sa.text("INSERT INTO search (id, name, spec, spec_hash, status, counters, created_at, updated_at) "
                             "VALUES (1, 's', '{}', 'h', 'running', '{}', '2026-12-01 10:00:00', '2026-12-01 11:00:00')"))
        conn.execute(sa.text("INSERT INTO shard (search_id, shard_index, start, stop, status, attempts, updated_at) "
                             "VALUES (1, 0, 0, 10, 'running', 1, '2026-12-01 11:00:00')"))
    engine.dispose()
    upgrade(sqlite_url)
    with open_store(sqlite_url, read_only=True) as store:
        row = store.search(1)
    assert row is not None and row.status is SearchStatus.INTERRUPTED and row.heartbeat_at is None
    assert row.no_driver_since == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert row.status_text == "interrupted (no driver since 2026-12-01 11:00:00 UTC)"


# --- the driver ---------------------------------------------------------------------------------


def test_a_run_records_its_driver_and_ends_with_its_status(sqlite_url: str) -> None:
    spec = parse_spec(SPEC)
    with open_store(sqlite_url) as store:
        report = run_search(store, spec, executor=SerialExecutor(), progress=False)
        row = store.search(report.search_id)
    assert report.status == "done" and report.interruption is None and report.as_dict()["interruption"] is None
    assert row is not None and row.status is SearchStatus.DONE and (row.driver_host, row.driver_pid) == (HERE, os.getpid())
    assert row.heartbeat_at is not None and row.no_driver_since is None


def test_a_second_driver_is_refused_while_the_first_runs(sqlite_url: str, cli: Callable[..., tuple[int, str, str]]) -> None:
    spec = parse_spec(SPEC)
    with open_store(sqlite_url) as store:
        sid = store.create_search(spec.name, spec.as_dict(), spec.hash, shards=[(0, 0, 27)])
        store.claim_search(sid, Driver(HERE, os.getppid()))
    code, out, err = cli("search", "resume", str(sid), "--db", sqlite_url, "--workers", "0")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"search {sid} is running: its driver, process {os.getppid()}" in err
    with open_store(sqlite_url, read_only=True) as store:
        assert {s.status for s in store.shards(sid)} == {"pending"}  # nothing was touched


# --- what a user sees ---------------------------------------------------------------------------


@pytest.fixture
def lost(sqlite_url: str, dead_pid: int) -> Iterator[int]:
    """A search left running by a driver that died: one shard done, two still marked running."""
    sid = new_search(sqlite_url)
    with open_store(sqlite_url) as store:
        store.claim_search(sid, Driver(HERE, dead_pid))
        store.set_shard_status(sid, 0, "done", counts={"pcfs": 10})
        store.set_shard_status(sid, 1, "running")
        store.set_shard_status(sid, 2, "running")
    yield sid


def test_search_status_and_list_show_an_interrupted_search_and_how_to_resume_it(sqlite_url: str, lost: int,
                                                                                 cli: Callable[..., tuple[int, str, str]]) -> None:
    resume = f"brouncker search resume {lost} --db {sqlite_url}"
    code, out, _ = cli("search", "status", str(lost), "--db", sqlite_url, "--json")
    row = json.loads(out)
    assert code == 0 and row["status"] == "interrupted" and row["resume"] == resume
    assert row["no_driver_since"] is not None and row["driver_host"] == HERE and isinstance(row["driver_pid"], int)
    assert row["shards"] == {"done": 1, "running": 2}
    code, out, _ = cli("search", "status", str(lost), "--db", sqlite_url)
    assert code == 0 and "interrupted (no driver since " in out and f"resume it with: {resume}" in out
    code, out, _ = cli("search", "list", "--db", sqlite_url, "--json")
    (listed,) = json.loads(out)
    assert code == 0 and listed["status"] == "interrupted" and listed["no_driver_since"] == row["no_driver_since"]
    code, out, _ = cli("search", "list", "--db", sqlite_url)
    assert code == 0 and "interrupted (no driver since " in out and f"resume search {lost} with: {resume}" in out


def test_a_finished_search_has_nothing_to_resume(sqlite_url: str, cli: Callable[..., tuple[int, str, str]]) -> None:
    with open_store(sqlite_url) as store:
        sid = run_search(store, parse_spec(SPEC), executor=SerialExecutor(), progress=False).search_id
    code, out, _ = cli("search", "status", str(sid), "--db", sqlite_url, "--json")
    assert code == 0 and json.loads(out)["resume"] is None and json.loads(out)["status"] == "done"


def test_the_web_app_shows_an_interrupted_search_and_how_to_resume_it(sqlite_url: str, lost: int) -> None:
    from tests.conftest_serve import start_server, stop_server

    proc, base = start_server(sqlite_url)
    try:
        with urllib.request.urlopen(base + "/", timeout=120) as response:
            page = response.read().decode()
    finally:
        stop_server(proc)
    assert "interrupted (no driver since " in page and f"brouncker search resume {lost} --db " in page
