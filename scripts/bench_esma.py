"""Benchmark the ESMA search on the search driver: in-process, and sharded on Ray.

Two configurations: the reference one (e, LHS degree 1, coefficients in
[-2, 2], sign periods of length 2, depth 105: 112 LHS x 4 periods, 13 results) and a
larger one (degree 2, coefficients in [-2, 2], periods of length 1..3, depth 100:
3344 LHS x 10 periods). Ray is started once (its start-up time is reported apart)
and each configuration is timed with the same executor; times are medians (wall
clock, and the CPU time of this process, which on a loaded machine is the steadier
figure for the in-process runs). Each run is a whole search on a fresh in-memory store:
planning (the LHS enumeration), the shards, the writes and the verification rows.

    python scripts/bench_esma.py [--repeat 3] [--large-repeat 1] [--workers 2] [--skip-large] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from rich.console import Console
from rich.table import Table

from brouncker.search.executor import Executor, SerialExecutor
from brouncker.search.kinds import plan_search
from brouncker.search.kinds.esma import ESMAConfig, ESMASpec, esma_rows
from brouncker.search.runner import run_search
from brouncker.store import open_store

REFERENCE = ESMAConfig("e", lhs_degree=1, coeff_limit=2, cycles=(2, 2), depth=105)
LARGE = ESMAConfig("e", lhs_degree=2, coeff_limit=2, cycles=(1, 3), depth=100)


def pairs(config: ESMAConfig) -> int:
    return plan_search(ESMASpec.of(config)).units


def search(config: ESMAConfig, executor: Executor) -> int:
    """One whole search on a fresh in-memory store; the number of results."""
    with open_store("sqlite://") as store:
        report = run_search(store, ESMASpec.of(config), executor=executor, progress=False)
        return len(esma_rows(store, report.search_id))


def timed(config: ESMAConfig, repeat: int, executor: Executor) -> tuple[float, float, int]:
    """Median wall seconds, median CPU seconds of this process, and the results found."""
    times, cpu, found = [], [], 0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        found = search(config, executor)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the reference configuration")
    parser.add_argument("--large-repeat", type=int, default=1, help="runs of the larger configuration")
    parser.add_argument("--workers", type=int, default=2, help="Ray workers")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()

    configs = [("reference: e, deg 1, L 2, cycles 2..2, depth 105", REFERENCE, args.repeat)]
    if not args.skip_large:
        configs.append(("larger: e, deg 2, L 2, cycles 1..3, depth 100", LARGE, args.large_repeat))

    rows = []
    for name, config, repeat in configs:
        seconds, cpu, found = timed(config, repeat, SerialExecutor())
        rows.append({"configuration": name, "pairs": pairs(config), "executor": "in-process",
                     "median_s": round(seconds, 3), "driver_cpu_s": round(cpu, 3), "results": found})

    from brouncker.search.executor import RayExecutor

    start = time.perf_counter()
    executor = RayExecutor(workers=args.workers)
    startup = time.perf_counter() - start
    try:
        search(REFERENCE, executor)  # warm the workers (imports, constants)
        for name, config, repeat in configs:
            seconds, cpu, found = timed(config, repeat, executor)
            rows.append({"configuration": name, "pairs": pairs(config), "executor": f"Ray, {executor.workers} workers",
                         "median_s": round(seconds, 3), "driver_cpu_s": round(cpu, 3), "results": found})
    finally:
        executor.close()

    if args.json:
        print(json.dumps({"ray_startup_s": round(startup, 2), "cpus": os.cpu_count(), "rows": rows}, indent=2))
        return
    table = Table(title=f"ESMA search, median seconds ({os.cpu_count()} CPUs; Ray start-up {startup:.1f} s, not included)")
    columns = ("configuration", "pairs", "executor", "median_s", "driver_cpu_s", "results")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    Console().print(table)


if __name__ == "__main__":
    main()
