"""Benchmark ``brouncker import``: 1,000 formulas of degree (6, 12) end to end.

Writes a CSV of random PCFs with deg a = 6 and deg b = 12 (leading coefficients positive, so
most converge; every other row claims a value, mostly refuted), imports it with
``brouncker import FILE --json`` into a fresh SQLite file with 0 (serial), 1 and 2 workers,
and prints a table: what, size, median seconds, formulas per second and the ratio to the
serial run. Each run is a fresh process (Ray's start-up included for 1 and 2 workers).

    python scripts/bench_import.py [--rows 1000] [--repeat 1] [--workers 0,1,2]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

CLAIMS = ("4/pi", "6/zeta(3)", "e", "1/ln2", "catalan")


def polynomial(rng: random.Random, degree: int) -> str:
    """A polynomial of ``degree`` with a positive leading coefficient, in Python's spelling."""
    coefficients = [rng.randint(1, 5)] + [rng.randint(-5, 5) for _ in range(degree)]
    return " + ".join(f"({c})*n**{degree - i}" for i, c in enumerate(coefficients))


def collection(rows: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ["a,b,value,source"]
    for i in range(rows):
        claim = CLAIMS[i % len(CLAIMS)] if i % 2 == 0 else ""
        lines.append(f'"{polynomial(rng, 6)}","{polynomial(rng, 12)}",{claim},bench row {i}')
    return "\n".join(lines) + "\n"


def run(path: Path, workers: int, directory: Path) -> tuple[float, dict]:
    db = directory / f"bench-{workers}-{time.monotonic_ns()}.db"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "brouncker", "import", str(path), "--db", f"sqlite:///{db}", "--workers", str(workers),
                           "--json"], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"brouncker import failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", default="0,1,2")
    args = parser.parse_args()
    table = Table(title=f"brouncker import: {args.rows:,} formulas of degree (6, 12), end to end (process start included)")
    for column in ("what", "size", "median s", "formulas/s", "ratio"):
        table.add_column(column, justify="right" if column != "what" else "left")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        path = directory / "bench.csv"
        path.write_text(collection(args.rows), encoding="utf-8")
        reference = None
        for workers in (int(w) for w in args.workers.split(",")):
            times, report = [], {}
            for _ in range(args.repeat):
                seconds, report = run(path, workers, directory)
                times.append(seconds)
            median = statistics.median(times)
            reference = reference or median
            what = f"import, {workers} worker(s)" if workers else "import, serial (--workers 0)"
            size = (
                f"{report['formulas']:,} formulas ({report['identified']} identified, "
                f"{report['claims_verified']}/{report['claims_refuted']} claims v/r)"
            )
            table.add_row(what, size, f"{median:.1f}", f"{report['formulas'] / median:,.0f}", f"{reference / median:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
