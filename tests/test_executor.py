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
