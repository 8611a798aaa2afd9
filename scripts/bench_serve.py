#!/usr/bin/env python3
"""Page load times of ``brouncker serve``: the list of conjectures and a conjecture's page.

Two stores, each on SQLite and PostgreSQL:

* ``deg2``: the whole unsupervised-deg2 identify search (``searches/unsupervised-deg2.toml``,
  1,768,900 PCFs), run here first;
* ``synthetic``: 100,000 conjectures over the bank's constants, each with its PCF and a
  dynamics record, written through the store's bulk write API (``Store.write_records``).

A real server (``python -m brouncker serve``) answers; each page is requested once cold,
then REQUESTS times, and the table gives the cold time and the median (client-side wall
time of the whole response). Target: under 300 ms a page.

    python scripts/bench_serve.py                          # both stores, both backends
    python scripts/bench_serve.py --stores synthetic --backends sqlite --requests 5
    python scripts/bench_serve.py --body 200                # the server's peak RSS under a 200 MB body

PostgreSQL runs in a throwaway schema, dropped afterwards; it is left out, with the reason
printed, when no server answers. Run it on a quiet machine: the times are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from brouncker.pcf.canonical import canonical_key
from brouncker.records import ConjectureKind, ConjectureRecord, DeltaKind, MetricsRecord, PCFRecord
from brouncker.store import open_store

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = os.environ.get("BROUNCKER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SYNTHETIC = 100_000
BATCH = 5_000
CONSTANTS = ("pi", "e", "ln2", "zeta3", "catalan", "sqrt2", "gauss", "phi")
CONVERGENCE = ("exponential", "factorial", "polynomial")
TARGET_MS = 300


def synthetic_batches(count: int, seed: int = 1) -> Iterator[tuple[list[PCFRecord], list[MetricsRecord], list[ConjectureRecord]]]:
    """``count`` distinct degree-2 PCFs, each with a dynamics record and a Möbius formula
    ``(c0 + c1 K)/(c2 + c3 K)`` over a bank constant (the formulas are made up: this is a
    load, not mathematics)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    pcfs: list[PCFRecord] = []
    metrics: list[MetricsRecord] = []
    conjectures: list[ConjectureRecord] = []
    while len(seen) < count:
        a = (rng.randint(1, 9), rng.randint(-9, 9), rng.randint(-9, 9))
        b = (rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(-9, 9), rng.randint(-9, 9))
        key = canonical_key(a, b)
        if key in seen:
            continue
        seen.add(key)
        name = CONSTANTS[len(seen) % len(CONSTANTS)]
        c0, c1, c2, c3 = (rng.randint(-12, 12) for _ in range(4))
        c3 = c3 or 1
        delta = rng.uniform(-1.0, 1.0)
        dpt = rng.uniform(0.05, 3.0)
        convergence = CONVERGENCE[len(seen) % len(CONVERGENCE)]
        limit = f"{rng.random():.30f}"
        dynamics = {"limit": limit, "digits": int(2000 * dpt), "convergence": convergence, "fr": delta > 0,
                    "delta_fr": delta, "delta_naive": delta - 0.3, "c": rng.uniform(0, 3), "d": 0.0, "digits_per_term": dpt}
        pcfs.append(PCFRecord(key, a, b))
        metrics.append(MetricsRecord(key, 2000, dynamics))
        conjectures.append(ConjectureRecord(
            ConjectureKind.PCF, f"({c0} + {c1}*{name})/({c2} + {c3}*{name})", (name,), (c2, -c0, -c1, c3), 60, key, a, b, delta=delta,
            delta_kind=DeltaKind.FR, limit=limit,
        ))
        if len(pcfs) == BATCH:
            yield pcfs, metrics, conjectures
            pcfs, metrics, conjectures = [], [], []
    if pcfs:
        yield pcfs, metrics, conjectures


def fill_synthetic(url: str, count: int) -> float:
    started = time.perf_counter()
    with open_store(url) as store:
        for pcfs, metrics, conjectures in synthetic_batches(count):
            store.write_records(pcfs=pcfs, metrics=metrics, conjectures=conjectures)
        assert store.counts()["conjecture"] == count
    return time.perf_counter() - started


def fill_deg2(url: str, workers: int | None) -> float:
    from brouncker.search.runner import run_search
    from brouncker.search.spec import load_spec

    started = time.perf_counter()
    with open_store(url) as store:
        report = run_search(store, load_spec(str(ROOT / "searches" / "unsupervised-deg2.toml")), workers=workers, progress=False)
        assert report.status == "done", report.errors[:3]
    return time.perf_counter() - started


@contextmanager
def database(backend: str, pg: str) -> Iterator[str]:
    """A new, empty database of the backend; dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as d:
            yield f"sqlite:///{Path(d) / 'bench.db'}"
        return
    admin = sa.create_engine(pg, connect_args={"connect_timeout": 5})
    schema = f"brouncker_bench_{secrets.token_hex(4)}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@contextmanager
def server(url: str) -> Iterator[tuple[str, int]]:
    """``brouncker serve`` over ``url`` on a free port: its base URL once it answers, and its process id."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "brouncker", "serve", "--db", url, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/static/style.css", timeout=5).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(f"brouncker serve failed: {proc.stderr.read().decode()[-1000:] if proc.stderr else ''}") from None
                time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def timed(url: str) -> float:
    """Milliseconds to fetch the whole page (it must answer 200)."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        assert response.status == 200, url
    return 1000 * (time.perf_counter() - started)


def pages(url: str) -> list[tuple[str, str]]:
    """(what, path) of the pages timed: the list, a filtered and sorted list, a deep page,
    and the pages of three conjectures (the first, the middle and the last)."""
    with open_store(url, read_only=True) as store:
        ids = [r.id for r in store.query(sort="id")]
    middle = ids[len(ids) // 2]
    return [
        ("list", "/conjectures"),
        ("list: constant=pi, sort=-delta", "/conjectures?constant=pi&sort=-delta"),
        ("list: page 100", "/conjectures?page=100"),
        (f"conjecture {ids[0]}", f"/conjectures/{ids[0]}"),
        (f"conjecture {middle}", f"/conjectures/{middle}"),
        (f"conjecture {ids[-1]}", f"/conjectures/{ids[-1]}"),
    ]


def measure(store_name: str, backend: str, fill: Callable[[str], float], pg: str, requests: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with database(backend, pg) as url:
        fill_seconds = fill(url)
        with open_store(url, read_only=True) as store:
            conjectures = store.counts()["conjecture"]
        with server(url) as (base, _):
            for what, path in pages(url):
                cold = timed(base + path)
                times = [timed(base + path) for _ in range(requests)]
                rows.append({"store": store_name, "backend": backend, "conjectures": conjectures, "page": what,
                             "cold_ms": round(cold, 1), "median_ms": round(statistics.median(times), 1),
                             "max_ms": round(max(times), 1), "fill_seconds": round(fill_seconds, 1)})
    return rows


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1000
    raise SystemExit("no VmHWM in /proc: this measurement needs Linux")


def send_body(base: str, path: str, megabytes: int, chunked: bool) -> str:
    """POST a form body of ``megabytes`` MB to ``path``, declared by Content-Length or
    streamed in chunks; the status line of the answer (or how the connection ended)."""
    host, port = base.removeprefix("http://").split(":")
    piece = b"digits=5&" + b"x" * (2**20 - 9)
    framing = "transfer-encoding: chunked" if chunked else f"content-length: {megabytes * len(piece)}"
    head = (f"POST {path} HTTP/1.1\r\nhost: {host}:{port}\r\norigin: {base}\r\n"
            f"content-type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=120) as conn:
        conn.sendall(head.encode())
        try:
            for _ in range(megabytes):
                conn.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
            if chunked:
                conn.sendall(b"0\r\n\r\n")
        except OSError as exc:  # the server answered and closed before the whole body was sent
            sent = f" (sending stopped: {type(exc).__name__})"
        else:
            sent = ""
        try:
            answer = conn.recv(200).split(b"\r\n")[0].decode()
        except OSError as exc:
            answer = type(exc).__name__
    return (answer or "closed") + sent


def measure_body(megabytes: int) -> list[dict[str, object]]:
    """Peak RSS of a fresh server before and after it is sent one large body to the verify action."""
    rows: list[dict[str, object]] = []
    with database("sqlite", "") as url:
        fill_synthetic(url, 100)
        with open_store(url, read_only=True) as store:
            target = store.query(sort="id")[0].id
        for chunked in (False, True):
            with server(url) as (base, pid):
                before = peak_rss_mb(pid)
                started = time.perf_counter()
                answer = send_body(base, f"/conjectures/{target}/verify", megabytes, chunked)
                seconds = time.perf_counter() - started
                time.sleep(0.5)
                rows.append({"body": f"{megabytes} MB " + ("chunked" if chunked else "content-length"), "answer": answer,
                             "rss_before_mb": round(before), "peak_rss_mb": round(peak_rss_mb(pid)), "seconds": round(seconds, 2)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="deg2,synthetic")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=7, help="timed requests per page, after a cold one")
    parser.add_argument("--synthetic", type=int, default=SYNTHETIC, help="conjectures of the synthetic store")
    parser.add_argument("--workers", type=int, default=None, help="workers of the deg2 search (0 serial; default Ray)")
    parser.add_argument("--pg", default=PG_DEFAULT)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--body", type=int, default=None, metavar="MB",
                        help="instead of page times: the server's peak RSS when the verify action is sent a body of MB megabytes")
    args = parser.parse_args()
    if args.body is not None:
        body_rows = measure_body(args.body)
        if args.json:
            print(json.dumps(body_rows, indent=2))
            return
        print(f"{'body':<26} {'rss before MB':>13} {'peak rss MB':>12} {'seconds':>8}  answer")
        for r in body_rows:
            print(f"{r['body']:<26} {r['rss_before_mb']:>13} {r['peak_rss_mb']:>12} {r['seconds']:>8}  {r['answer']}")
        return

    fills: dict[str, Callable[[str], float]] = {
        "deg2": lambda url: fill_deg2(url, args.workers),
        "synthetic": lambda url: fill_synthetic(url, args.synthetic),
    }
    results: list[dict[str, object]] = []
    for store_name in args.stores.split(","):
        for backend in args.backends.split(","):
            try:
                results += measure(store_name, backend, fills[store_name], args.pg, args.requests)
            except (sa.exc.OperationalError, OSError) as exc:  # a missing server is reported, not fatal
                print(f"{store_name} on {backend}: skipped ({' '.join(str(exc).split())[:160]})", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"]
    print(f"{'store':<10} {'backend':<11} {'conjectures':>11} {'page':<32} {'cold ms':>8} {'median ms':>10} {'max ms':>8}  <{TARGET_MS} ms")
    for r in results:
        ok = "yes" if float(r["median_ms"]) < TARGET_MS else "no"  # type: ignore[arg-type]
        print(f"{r['store']:<10} {r['backend']:<11} {r['conjectures']:>11,} {r['page']:<32} {r['cold_ms']:>8} {r['median_ms']:>10} "
              f"{r['max_ms']:>8}  {ok}")
    filled = {(r["store"], r["backend"]): r["fill_seconds"] for r in results}
    for (store_name, backend), seconds in filled.items():
        print(f"{store_name} on {backend}: filled in {seconds} s")
    print(f"(median of {args.requests} requests after a cold one; load average {' '.join(load)})")


if __name__ == "__main__":
    main()
