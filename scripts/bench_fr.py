"""Benchmark the factorial-reduction (FR) search: the FR test per core, and the zeta3-fr spec.

Two tables:

* the FR test of degree-(3, 6) PCFs of Apéry's template, a(n) = (2n+1)(x n^2 + x n + y),
  b(n) = -z n^6, at depth 256 (gcds at 6, 32, 64, 128 and 256), on one core: the batch of a
  search shard (``factorial_reductions``: the terms of all PCFs at once, one product tree
  each), the same test one PCF at a time (``factorial_reduction``), and, as the reference,
  a plain sequential Python walk that takes the same gcds (Horner's rule for a(n), b(n) at
  each step, ``math.gcd`` at the checkpoints) and the same fit. Median over repeats, with
  the ratio to the plain walk;
* the end-to-end time of ``searches/zeta3-fr.toml`` (``brouncker search run``, a fresh
  SQLite file) on 1 and 2 Ray workers, with PCFs per second and the ratio to 1 worker.

    python scripts/bench_fr.py [--pcfs 2000] [--repeat 5] [--skip-search]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from brouncker.convergence.dynamics import growth_fit
from brouncker.convergence.factorial import checkpoints, factorial_reduction, factorial_reductions
from brouncker.pcf.polynomial import evaluate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_walk import median_time  # noqa: E402

SPEC = Path(__file__).resolve().parent.parent / "searches" / "zeta3-fr.toml"
DEPTH = 256


def sample(count: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``count`` PCFs of Apéry's template with x in [1, 400], y in [-200, 200], z in {1, 4, ..., 25}."""
    rng = random.Random(seed)
    rows = [(rng.randint(1, 400), rng.randint(-200, 200), rng.choice([1, 4, 9, 16, 25])) for _ in range(count)]
    a = np.array([(2 * x, 3 * x, x + 2 * y, y) for x, y, _ in rows])
    b = np.array([(-z, 0, 0, 0, 0, 0, 0) for _, _, z in rows])
    return a, b


def plain_fr(a: tuple[int, ...], b: tuple[int, ...], depth: int) -> bool:
    """The reference: the three-term recurrence step by step, math.gcd at the checkpoints."""
    depths = checkpoints(depth)
    wanted = set(depths)
    p_prev, p, q_prev, q = 1, evaluate(a, 0), 0, 1
    ln_reduced_q = []
    for n in range(1, depth + 1):
        an, bn = evaluate(a, n), evaluate(b, n)
        p_prev, p = p, an * p + bn * p_prev
        q_prev, q = q, an * q + bn * q_prev
        if n in wanted:
            g = math.gcd(p, q)
            ln_reduced_q.append(math.log(abs(q) // g) if q else -math.inf)
    _, d, _, _ = growth_fit(depths, ln_reduced_q)
    return d is not None and abs(d) < 0.5


def fr_table(count: int, repeat: int) -> Table:
    a_rows, b_rows = sample(count)
    pcfs = [(tuple(map(int, a)), tuple(map(int, b))) for a, b in zip(a_rows, b_rows)]
    runs = {
        "plain sequential walk (reference)": lambda: [plain_fr(a, b, DEPTH) for a, b in pcfs],
        "factorial_reduction, one PCF at a time": lambda: [factorial_reduction(a, b, DEPTH) for a, b in pcfs],
        "factorial_reductions, a shard at once": lambda: factorial_reductions(a_rows, b_rows, DEPTH),
    }
    verdicts = [r.fr for r in factorial_reductions(a_rows, b_rows, DEPTH)]
    assert verdicts == [plain_fr(a, b, DEPTH) for a, b in pcfs], "the reference disagrees"
    table = Table(title=f"FR test of {count:,} degree-(3, 6) PCFs at depth {DEPTH}, one core ({sum(verdicts)} pass)")
    for column in ("run", "PCFs", "median s", "µs / PCF", "PCFs / s", "vs plain"):
        table.add_column(column, justify="left" if column == "run" else "right")
    reference = None
    for name, fn in runs.items():
        seconds = median_time(fn, repeat)
        reference = reference or seconds
        table.add_row(name, f"{count:,}", f"{seconds:.3f}", f"{seconds / count * 1e6:.0f}", f"{count / seconds:,.0f}",
                      f"{reference / seconds:.2f}x")
    return table


def search_table() -> Table:
    table = Table(title=f"brouncker search run {SPEC.name} (fresh SQLite file)")
    for column in ("workers", "PCFs", "FR PCFs", "formulas", "candidates", "seconds", "PCFs / s", "vs 1 worker"):
        table.add_column(column, justify="right")
    first = None
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/fr.db"
            command = [sys.executable, "-m", "brouncker", "search", "run", str(SPEC), "--db", url, "--workers", str(workers), "--json"]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            seconds = time.perf_counter() - start
            report = json.loads(done.stdout)
            found = json.loads(subprocess.run([sys.executable, "-m", "brouncker", "query", "--db", url, "--json"],
                                              capture_output=True, text=True, check=True).stdout)
        first = first or seconds
        counters = report["counters"]
        formulas = sum(1 for r in found if not r["candidate"])
        table.add_row(str(workers), f"{counters['pcfs']:,}", f"{len(found):,}", f"{formulas:,}",
                      f"{len(found) - formulas:,}", f"{seconds:.1f}", f"{counters['pcfs'] / seconds:,.0f}",
                      f"{first / seconds:.2f}x")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pcfs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-search", action="store_true", help="Only the FR test, not the end-to-end runs.")
    args = parser.parse_args()
    console = Console()
    console.print(fr_table(args.pcfs, args.repeat))
    if not args.skip_search:
        console.print(search_table())


if __name__ == "__main__":
    main()
