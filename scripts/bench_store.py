#!/usr/bin/env python3
"""Write throughput of the conjecture store: PCF rows per second on SQLite and PostgreSQL.

Each repeat writes ROWS new degree-2 PCF records into a fresh database in batches of
BATCH (one ``Store.write_records`` call, one transaction, per batch), then writes them
all again (every row is then a duplicate that ON CONFLICT DO NOTHING skips). The table
gives the median over the repeats. Target: at least 50,000 new rows/s on SQLite.

    python scripts/bench_store.py                        # 100,000 rows, batches of 1,000
    python scripts/bench_store.py --rows 20000 --repeats 1 --backends sqlite
    python scripts/bench_store.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

PostgreSQL runs in a throwaway schema that is dropped afterwards; it is left out, with
the reason printed, when no server answers.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from brouncker.pcf.canonical import canonical_key
from brouncker.records import PCFRecord
from brouncker.store import open_store

PG_DEFAULT = os.environ.get("BROUNCKER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
COEFFICIENTS = range(-5, 6)


def records(rows: int) -> list[PCFRecord]:
    """The first ``rows`` PCFs of the degree-2 space with coefficients in [-5, 5]."""
    out = []
    polys = itertools.product(COEFFICIENTS, repeat=3)
    space = ((a, b) for a, b in itertools.product(list(polys), repeat=2) if a[0] and b[0])
    for a, b in itertools.islice(space, rows):
        out.append(PCFRecord(canonical_key(a, b), a, b))
    if len(out) < rows:
        raise SystemExit(f"the space holds only {len(out)} PCFs")
    return out


def write_all(url: str, batches: list[list[PCFRecord]]) -> tuple[float, float, float, int]:
    """Seconds to write every batch into a new database, seconds to write them again,
    CPU seconds of this process for the first pass, and the rows stored."""
    with open_store(url) as store:
        c0, t0 = time.process_time(), time.perf_counter()
        for batch in batches:
            store.write_records(pcfs=batch)
        c1, t1 = time.process_time(), time.perf_counter()
        for batch in batches:
            store.write_records(pcfs=batch)
        t2 = time.perf_counter()
        stored = store.counts()["pcf"]
    return t1 - t0, t2 - t1, c1 - c0, stored


def sqlite_runs(batches: list[list[PCFRecord]], repeats: int) -> list[tuple[float, float, float, int]]:
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as d:
            runs.append(write_all(f"sqlite:///{Path(d) / 'bench.db'}", batches))
    return runs


def pg_runs(base: str, batches: list[list[PCFRecord]], repeats: int) -> list[tuple[float, float, float, int]]:
    admin = sa.create_engine(base, connect_args={"connect_timeout": 5})
    runs = []
    try:
        for _ in range(repeats):
            schema = f"brouncker_bench_{secrets.token_hex(4)}"
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            try:
                url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
                runs.append(write_all(url.render_as_string(hide_password=False), batches))
            finally:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server URL (a schema is created and dropped)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    pcfs = records(args.rows)
    batches = [pcfs[i : i + args.batch] for i in range(0, len(pcfs), args.batch)]
    results = []
    for backend in args.backends.split(","):
        try:
            runs = sqlite_runs(batches, args.repeats) if backend == "sqlite" else pg_runs(args.pg, batches, args.repeats)
        except Exception as exc:  # noqa: BLE001 - a missing server is reported, not fatal
            print(f"{backend}: skipped ({' '.join(str(exc).split())[:160]})", file=sys.stderr)
            continue
        assert all(stored == args.rows for *_, stored in runs), "every row must be stored exactly once"
        new = statistics.median(r[0] for r in runs)
        again = statistics.median(r[1] for r in runs)
        cpu = statistics.median(r[2] for r in runs)
        results.append({"backend": backend, "rows": args.rows, "batch": args.batch, "repeats": args.repeats,
                        "median_seconds": round(new, 3), "rows_per_second": round(args.rows / new),
                        "rewrite_seconds": round(again, 3), "rewrite_rows_per_second": round(args.rows / again),
                        "client_cpu_seconds": round(cpu, 3)})
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'backend':<11} {'rows':>8} {'batch':>6} {'median s':>9} {'rows/s':>9} {'rewrite s':>10} {'rewrite rows/s':>15}"
          f" {'client cpu s':>13}")
    for r in results:
        print(f"{r['backend']:<11} {r['rows']:>8} {r['batch']:>6} {r['median_seconds']:>9.3f} {r['rows_per_second']:>9,} "
              f"{r['rewrite_seconds']:>10.3f} {r['rewrite_rows_per_second']:>15,} {r['client_cpu_seconds']:>13.3f}")
    print("(rewrite: the same rows again, all skipped as duplicates; client cpu: CPU time of this process, "
          "which for SQLite includes the database engine)")


if __name__ == "__main__":
    main()
