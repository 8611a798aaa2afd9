"""Fault tolerance: a crashed worker is retried, a killed driver is resumed, a Ray instance
that goes away under a search interrupts it, and either way the search ends with exactly
the records of an undisturbed run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from brouncker.search.executor import RayExecutor, SerialExecutor
from brouncker.search.kinds.pcf import ShardTask, run_task
from brouncker.search.runner import run_search
from brouncker.search.shards import ShardResult
from brouncker.search.spec import load_spec, parse_spec
from brouncker.store import open_store

pytest_plugins = ["tests.conftest_ray"]

SPEC = {
    "constants": ["pi", "e", "ln2", "sqrt2", "phi"],
    "digits": 20,
    "family": {"a": {"degree": 1, "range": [-3, 3]}, "b": {"degree": 2, "range": [-1, 1]}},
    "screen": {"depth": 150},
    "exact": {"depth": 2000, "dynamics_depth": 200},
}


def crash_once(task: ShardTask) -> ShardResult:
    """Kills its worker process the first time it meets shard 2 (a marker file remembers)."""
    marker = Path(tempfile.gettempdir(), f"brouncker-{task.spec.name}-crashed")
    if task.shard.index == 2 and not marker.exists():
        marker.touch()
        os._exit(1)
    return run_task(task)


def stored(url: str) -> dict[str, object]:
    """What a search left in the database: keys, conjectures, and whether any is doubled."""
    with open_store(url) as store:
        conjectures = [(r.canonical_key, r.expression) for r in store.query()]
        counts = store.counts()
    return {"conjectures": sorted(conjectures), "pcf": counts["pcf"], "metrics": counts["metrics"],
            "doubled": len(conjectures) != len(set(conjectures))}


FR_SPEC = {  # mode fr over a template: Apéry's PCF, its double and Euler's among 18 PCFs, three shards
    "mode": "fr",
    "constants": ["zeta3"],
    "digits": 20,
    "family": {"a": "(2n+1)*(x*n^2 + x*n + y)", "b": "-z*n^6",
               "parameters": {"x": {"values": [1, 17, 34]}, "y": {"values": [1, 5, 10]}, "z": {"values": [1, 4]}}},
    "fr": {"recheck_depth": 4096},
}


@pytest.mark.ray
@pytest.mark.parametrize(("base", "shard_size"), [(SPEC, 100), (FR_SPEC, 6)], ids=["identify", "fr"])
def test_a_crashed_worker_changes_nothing(ray_local, tmp_path, base, shard_size):
    import ray

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    spec = parse_spec({**base, "name": f"crash-{os.getpid()}-{time.time_ns()}", "shard_size": shard_size})
    calm, shaken = f"sqlite:///{tmp_path}/calm.db", f"sqlite:///{tmp_path}/shaken.db"
    with open_store(calm) as store:
        run_search(store, spec, executor=SerialExecutor(), progress=False)
    with open_store(shaken) as store, RayExecutor(workers=2, max_retries=2) as executor:
        report = run_search(store, spec, executor=executor, progress=False, task_fn=crash_once)
    assert Path(tempfile.gettempdir(), f"brouncker-{spec.name}-crashed").exists()  # it did crash
    assert report.status == "done" and report.errors == []
    assert stored(shaken) == stored(calm) and stored(calm)["conjectures"]


def _done_shards(db_file: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM shard WHERE status = 'done'").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_a_killed_driver_resumes_without_loss_or_duplicates(tmp_path):
    spec_file = tmp_path / "long.toml"
    spec_file.write_text(
        'name = "long"\nconstants = ["pi", "e", "ln2", "sqrt2", "phi"]\ndigits = 20\nshard_size = 400\n'
        "[family.a]\ndegree = 1\nrange = [-5, 5]\n[family.b]\ndegree = 2\nrange = [-2, 2]\n"
        "[screen]\ndepth = 150\n[exact]\ndepth = 2000\ndynamics_depth = 200\n"
    )
    spec = load_spec(spec_file)
    shards = len(spec.space().shards(spec.shard_size))
    db_file = tmp_path / "killed.db"
    url = f"sqlite:///{db_file}"
    # the command line's own driver, writing after every shard so that it is caught mid-run
    script = (
        "import sys; from brouncker.search import runner; runner.BATCH_SECONDS = 0; "
        "from brouncker.cli import main; sys.argv = ['brouncker', *sys.argv[1:]]; main()"
    )
    command = [sys.executable, "-c", script, "search", "run", str(spec_file), "--db", url, "--workers", "0", "--json"]
    driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _done_shards(db_file) < 3 and time.monotonic() < deadline and driver.poll() is None:
        time.sleep(0.05)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    done_at_kill = _done_shards(db_file)
    assert 3 <= done_at_kill < shards, "the driver was not stopped mid-run"
    status = _status(url)  # its process is gone: no need to wait for the beat to go stale
    assert status["status"] == "interrupted" and status["no_driver_since"] is not None
    assert status["resume"] == f"brouncker search resume 1 --db {url}"

    resumed = subprocess.run([sys.executable, "-m", "brouncker", "search", "resume", "1", "--db", url, "--workers", "0"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert _done_shards(db_file) == shards

    calm = f"sqlite:///{tmp_path}/calm.db"
    with open_store(calm) as store:
        run_search(store, spec, executor=SerialExecutor(), progress=False)
    assert stored(url) == stored(calm) and not stored(url)["doubled"] and stored(url)["conjectures"]


def _status(url: str, search_id: int = 1) -> dict[str, object]:
    """``brouncker search status ID --json``, run as a user would."""
    done = subprocess.run([sys.executable, "-m", "brouncker", "search", "status", str(search_id), "--db", url, "--json"],
                          check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _processes() -> dict[int, tuple[int, int, str]]:
    """Every process of this machine: pid -> (parent pid, process group, command name)."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    head, _, tail = stat.read().rpartition(")")
            except OSError:
                continue
            fields = tail.split()
            out[int(entry)] = (int(fields[1]), int(fields[2]), head.partition("(")[2])
    return out


def _private_instance(driver_pid: int) -> int | None:
    """The process group of the private Ray instance of a driver: its keeper leads it."""
    return next((pid for pid, (parent, group, _) in _processes().items() if parent == driver_pid and group == pid), None)


def _members(group: int) -> dict[int, str]:
    return {pid: name for pid, (_, g, name) in _processes().items() if g == group}


LOST_SPEC = (  # a dynamics-mode search of 21 shards: long enough on 2 workers to be caught mid-run
    'name = "lost-instance"\nmode = "dynamics"\nconstants = ["pi", "e", "ln2", "sqrt2", "phi"]\ndigits = 20\nshard_size = 60\n'
    "[family.a]\ndegree = 1\nrange = [-3, 3]\n[family.b]\ndegree = 2\nrange = [-1, 1]\n"
    "[screen]\ndepth = 150\n[exact]\ndepth = 2000\ndynamics_depth = 200\n"
)


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.parametrize("kill", ["instance", "raylet"])
def test_a_search_whose_ray_instance_goes_away_is_interrupted_and_resumes_to_the_same_conjectures(tmp_path, kill):
    """Only the private instance of the driver under test is killed: the whole process group
    (an out-of-memory kill of everything), or its raylet and GCS (what `ray stop` does to
    it), never `ray stop`, which would take every Ray instance of the machine with it."""
    spec_file = tmp_path / "lost.toml"
    spec_file.write_text(LOST_SPEC)
    spec = load_spec(spec_file)
    shards = len(spec.space().shards(spec.shard_size))
    db_file = tmp_path / "lost.db"
    url = f"sqlite:///{db_file}"
    script = (
        "import sys; from brouncker.search import runner; runner.BATCH_SECONDS = 0; "
        "from brouncker.cli import main; sys.argv = ['brouncker', *sys.argv[1:]]; main()"
    )
    command = [sys.executable, "-c", script, "search", "run", str(spec_file), "--db", url, "--workers", "2"]
    driver = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while _done_shards(db_file) < 2 and time.monotonic() < deadline and driver.poll() is None:
            time.sleep(0.05)
        group = _private_instance(driver.pid)
        assert group is not None and driver.poll() is None, "the driver did not get going"
        if kill == "instance":
            os.killpg(group, signal.SIGKILL)
        else:
            for pid, name in _members(group).items():
                if name in ("raylet", "gcs_server"):
                    os.kill(pid, signal.SIGKILL)
        _, err = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert driver.returncode == 3 and "Traceback" not in err and len(errors) == 1, err
    went = "its keeper process" if kill == "instance" else "its gcs_server and raylet died"
    assert errors[0].startswith(f"error: the local Ray instance went away ({went}")
    assert f"resume with 'brouncker search resume 1 --db {url}'" in errors[0]
    deadline = time.monotonic() + 30
    while _members(group) and time.monotonic() < deadline:  # nothing of the instance outlives it
        time.sleep(0.1)
    assert not _members(group)

    done_at_loss = _done_shards(db_file)
    assert 2 <= done_at_loss < shards, "the instance was not lost mid-run"
    status = _status(url)
    assert status["status"] == "interrupted" and status["resume"] == f"brouncker search resume 1 --db {url}"
    assert status["shards"] == {"done": done_at_loss, "pending": shards - done_at_loss}  # none left 'running'

    resumed = subprocess.run([sys.executable, "-m", "brouncker", "search", "resume", "1", "--db", url, "--workers", "0"],
                             check=False, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert _status(url)["status"] == "done" and _done_shards(db_file) == shards

    calm = f"sqlite:///{tmp_path}/calm.db"
    with open_store(calm) as store:
        run_search(store, spec, executor=SerialExecutor(), progress=False)
    assert stored(url) == stored(calm) and not stored(url)["doubled"] and stored(url)["conjectures"]
