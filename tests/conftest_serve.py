"""The web app's fixtures (a pytest plugin: ``pytest_plugins = ["tests.conftest_store", "tests.conftest_serve"]``).

``served`` is one real ``brouncker serve`` process per backend for the whole session,
over a store filled by a small real search: a dynamics-mode search whose space holds
Brouncker's PCF(2n+1, n^2) = 4/pi, formulas for e and pi, then clustered (so that there are
clusters and families). The PostgreSQL one lives in a throwaway schema.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import brouncker

SERVE_SPEC = {
    "name": "serve-test",
    "mode": "dynamics",
    "digits": 30,
    "shard_size": 200,
    "constants": ["pi", "e", "ln2"],
    "family": {"a": {"coefficients": [[1, 2, 3], list(range(-3, 7))]}, "b": {"coefficients": [[-2, 0, 1], [-1, 0, 1], [0]]}},
    "screen": {"depth": 300},
    "exact": {"depth": 500, "dynamics_depth": 2000},
}
MAX_DIGITS = 1000  # the server's cap on "Verify to N digits"
START_TIMEOUT_S = 120  # a loaded 2-core machine takes a while to import everything


@dataclass(frozen=True)
class Served:
    """A running server: its database, its base URL, and the search it holds."""

    backend: str
    url: str
    base: str
    search_id: int

    def get(self, path: str, method: str = "GET", data: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of a request; error statuses are answers too."""
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()

    def form(self, conjecture_id: int) -> tuple[dict[str, str], str]:
        """What a browser on the conjecture's page sends with its verify form: the headers
        (the session's cookie, the app's own origin, the form's content type) and the token."""
        status, headers, body = self.get(f"/conjectures/{conjecture_id}")
        assert status == 200, body[:300]
        cookie = headers["set-cookie"].split(";")[0]
        found = re.search(r'name="form_token" value="([^"]+)"', body.decode())
        assert found is not None and cookie == f"brouncker_form_token={found.group(1)}"
        return {"cookie": cookie, "origin": self.base, "content-type": "application/x-www-form-urlencoded"}, found.group(1)

    def store(self):  # type: ignore[no-untyped-def]
        from brouncker.store import open_store

        return open_store(self.url, create=False)


def fill(url: str) -> int:
    """Search :data:`SERVE_SPEC` into ``url`` serially and cluster it; the search's id."""
    from brouncker.clustering.cluster import cluster_points
    from brouncker.search.executor import SerialExecutor
    from brouncker.search.runner import run_search
    from brouncker.search.spec import parse_spec
    from brouncker.store import open_store
    from brouncker.store.clusters import clustering_points, save_clustering

    with open_store(url) as store:
        report = run_search(store, parse_spec(SERVE_SPEC), executor=SerialExecutor(), progress=False)
        points = clustering_points(store, report.search_id)
        save_clustering(store, report.search_id, cluster_points(points), points)
    return report.search_id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, extra: tuple[str, ...] = (), log: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``brouncker serve`` on a free port of 127.0.0.1, once it answers: (process, base URL).
    Its output goes to ``log`` when given."""
    port = free_port()
    src = str(Path(brouncker.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    output = subprocess.PIPE if log is None else log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "brouncker", "serve", "--db", url, "--port", str(port), "--max-digits", str(MAX_DIGITS), *extra],
        stdout=output, stderr=subprocess.STDOUT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read().decode() if proc.stdout else log.read_text() if log else ""
            raise RuntimeError(f"brouncker serve exited with {proc.returncode}: {output[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/static/style.css", timeout=5):
                return proc, base
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"brouncker serve did not answer within {START_TIMEOUT_S} s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A running server over a store filled by a small real search, on each backend."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('serve') / 'serve.db'}"])
    else:
        from tests.conftest_store import pg_schema_url

        urls = pg_schema_url(request.getfixturevalue("pg_server"))
    url = next(urls)
    try:
        search_id = fill(url)
        proc, base = start_server(url)
        try:
            yield Served(request.param, url, base, search_id)
        finally:
            stop_server(proc)
    finally:
        for _ in urls:  # drops the PostgreSQL schema
            pass
