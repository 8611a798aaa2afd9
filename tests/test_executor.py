"""Executors: the same outcomes serially and on Ray; errors are data, crashes are retried."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from brouncker.search.executor import (
    RayExecutor,
    SerialExecutor,
    TaskOutcome,
    make_executor,
)

pytest_plugins = ["tests.conftest_ray"]


def square_or_fail(task: tuple[int, str]) -> int:
    """Squares ``x``; raises for 5; records each call in ``log`` (a directory)."""
    x, log = task
    Path(log, f"call-{x}-{os.getpid()}-{len(os.listdir(log))}").touch()
    if x == 5:
        raise ValueError("five is not allowed")
    return x * x


def crash_once(task: tuple[int, str]) -> int:
    """Kills its own worker process the first time it sees ``x == 3``."""
    x, marker_dir = task
    marker = Path(marker_dir, f"crashed-{x}")
    if x == 3 and not marker.exists():
        marker.touch()
        os._exit(1)
    return x + 100


def _outcomes(executor, fn, tasks) -> list[tuple[int, int | None, str | None]]:
    return sorted((o.index, o.result, o.error) for o in executor.imap_unordered(fn, tasks))


def test_serial_executor_turns_exceptions_into_errors(tmp_path):
    tasks = [(x, str(tmp_path)) for x in range(7)]
    with make_executor(workers=0) as ex:
        assert isinstance(ex, SerialExecutor)
        found = _outcomes(ex, square_or_fail, tasks)
    assert [r for _, r, e in found if e is None] == [0, 1, 4, 9, 16, 36]
    (_, result, error), = [f for f in found if f[0] == 5]
    assert result is None and error.startswith("ValueError: five is not allowed")


def test_task_outcome_is_frozen():
    outcome = TaskOutcome(0, "t", 1, None)
    with pytest.raises(AttributeError):
        outcome.result = 2  # type: ignore[misc]
    assert outcome.ok


@pytest.mark.ray
def test_ray_matches_serial_and_does_not_retry_errors(ray_local, tmp_path):
    import ray

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    serial_log, ray_log = tmp_path / "serial", tmp_path / "ray"
    serial_log.mkdir()
    ray_log.mkdir()
    serial = _outcomes(SerialExecutor(), square_or_fail, [(x, str(serial_log)) for x in range(12)])
    with RayExecutor(workers=2) as ex:
        on_ray = _outcomes(ex, square_or_fail, [(x, str(ray_log)) for x in range(12)])
    assert [(i, r, e is None) for i, r, e in on_ray] == [(i, r, e is None) for i, r, e in serial]
    assert len([p for p in os.listdir(ray_log) if p.startswith("call-5-")]) == 1  # not retried
    assert ray.is_initialized()  # the fixture's instance is left running


@pytest.mark.ray
def test_ray_retries_a_crashed_worker(ray_local, tmp_path):
    import ray

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with RayExecutor(workers=2, max_retries=2) as ex:
        found = _outcomes(ex, crash_once, [(x, str(tmp_path)) for x in range(6)])
    assert (tmp_path / "crashed-3").exists()
    assert found == [(x, x + 100, None) for x in range(6)]


def test_an_address_where_nothing_listens_fails_fast():
    import socket

    from brouncker.search.executor import _check_reachable

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        _check_reachable(f"127.0.0.1:{port}")  # a head that answers
    with pytest.raises(ConnectionError, match="nothing answers"):
        _check_reachable(f"127.0.0.1:{port}", timeout=2)
    _check_reachable("auto")  # left to Ray


@pytest.mark.ray
def test_a_head_that_stops_answering_is_a_lost_cluster(ray_local):
    import socket

    with RayExecutor(workers=1) as ex:
        assert ex.lost() is None  # the session's instance answers
        with socket.socket() as closed:  # a port where nothing listens any more
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        ex._gcs_address = f"127.0.0.1:{port}"  # as if the head had gone away
        assert ex.lost() is None  # one refused connection may be a hiccup
        assert ex.lost() == f"the local Ray instance went away (its head at 127.0.0.1:{port} does not answer)"


def large_requests_allowed(_: object) -> bool:
    from brouncker.limits import large_allowed

    return large_allowed()


@pytest.mark.ray
def test_allowing_large_requests_travels_with_the_tasks(ray_local):
    import ray

    from brouncker.limits import allow_large

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with RayExecutor(workers=2) as ex:
        assert [o.result for o in ex.imap_unordered(large_requests_allowed, [0, 1])] == [False, False]
        with allow_large():
            assert [o.result for o in ex.imap_unordered(large_requests_allowed, [0, 1])] == [True, True]


def test_negative_workers_are_a_usage_error():
    from brouncker.errors import BrounckerError

    with pytest.raises(BrounckerError, match="--workers must be 0"):
        make_executor(workers=-1)


# --- nothing outlives a killed driver ------------------------------------------------

ORPHAN_SPEC = """
name = "orphans"
mode = "dynamics"
digits = 30
shard_size = 500
[family.a]
degree = 2
range = [-4, 4]
[family.b]
degree = 2
range = [-4, 4]
[screen]
depth = 200
[exact]
depth = 1000
dynamics_depth = 2000
"""


def _processes() -> dict[int, tuple[int, int, int, str]]:
    """pid -> (parent, process group, start time, state) of every process, from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path("/proc", entry, "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()  # fields 3.. of proc(5): state, ppid, pgrp, ...
            table[int(entry)] = (int(fields[1]), int(fields[2]), int(fields[19]), fields[0])
    return table


def _descendants(root: int, table: dict[int, tuple[int, int, int, str]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, *_rest) in table.items():
        children.setdefault(parent, []).append(pid)
    found, stack = set(), [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path("/proc", str(pid), "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_nothing_of_the_ray_instance_outlives_a_killed_driver(tmp_path):
    """A search on Ray in a subprocess, SIGKILLed once its Ray agents run: within seconds no
    process it started (by descent: the processes of other sessions are not counted) lives."""
    import signal
    import subprocess
    import time

    import brouncker

    spec = tmp_path / "orphans.toml"
    spec.write_text(ORPHAN_SPEC)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(brouncker.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]))
    env.pop("RAY_ADDRESS", None)
    command = [sys.executable, "-m", "brouncker", "search", "run", str(spec), "--db", f"sqlite:///{tmp_path / 's.db'}", "--workers", "2"]
    driver = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ours: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and driver.poll() is None:
            table = _processes()
            below = _descendants(driver.pid, table)
            titles = " ".join(_cmdline(pid) for pid in below)
            if "DashboardAgent" in titles and "RuntimeEnvAgent" in titles and "raylet" in titles:
                break
            time.sleep(0.2)
        assert driver.poll() is None, "the search ended before its Ray instance was seen"
        assert time.monotonic() < deadline, "the Ray instance did not start within 120 s"
        time.sleep(1.0)  # let the workers start too
        table = _processes()
        ours = {pid: table[pid][2] for pid in _descendants(driver.pid, table) | {driver.pid}}
        groups = {table[pid][1] for pid in ours}
        driver.kill()
        driver.wait()
        deadline = time.monotonic() + 10
        while True:
            table = _processes()
            alive = {pid for pid, (_, group, start, state) in table.items()
                     if state != "Z" and (ours.get(pid) == start or group in groups)}
            if not alive or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert not alive, f"still running 10 s after the driver was killed: {[_cmdline(pid)[:60] for pid in alive]}"
    finally:
        if driver.poll() is None:
            driver.kill()
        table = _processes()
        for pid, start in ours.items():  # leave nothing behind, even when the test fails
            if pid in table and table[pid][2] == start:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
