"""Shared test configuration: hypothesis profiles and the plugins of each layer."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

pytest_plugins = ["tests.conftest_cli"]  # `cli`: the command line in-process, for every test module

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# --- one small real dynamics-mode search, shared by the clustering and report tests ----

SMALL_DYNAMICS_SPEC = {
    "name": "small-dynamics",
    "mode": "dynamics",
    "digits": 30,
    "shard_size": 200,
    "constants": ["pi", "e", "ln2"],
    "family": {"a": {"coefficients": [[1, 3], list(range(-5, 9))]}, "b": {"coefficients": [[-2, 0], [-1, 1], [0]]}},
    "screen": {"depth": 300},
    "exact": {"depth": 500, "dynamics_depth": 2000},
}


@pytest.fixture(scope="session")
def small_dynamics_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A SQLite file holding :data:`SMALL_DYNAMICS_SPEC` searched serially: (file, search id).

    Searched once per session; take :func:`small_dynamics_search` to get a private copy.
    """
    from brouncker.search.executor import SerialExecutor
    from brouncker.search.runner import run_search
    from brouncker.search.spec import parse_spec
    from brouncker.store import open_store

    path = tmp_path_factory.mktemp("small-dynamics") / "search.db"
    with open_store(f"sqlite:///{path}") as store:
        report = run_search(store, parse_spec(SMALL_DYNAMICS_SPEC), executor=SerialExecutor(), progress=False)
    return path, report.search_id


@pytest.fixture(scope="module")
def small_dynamics_search(small_dynamics_db: tuple[Path, int], tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """A private copy of the small search's database, for a module that writes: (URL, search id)."""
    path, search_id = small_dynamics_db
    copy = tmp_path_factory.mktemp("small-dynamics-copy") / "search.db"
    shutil.copyfile(path, copy)
    return f"sqlite:///{copy}", search_id
