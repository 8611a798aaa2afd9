"""Benchmark the exact walk and verification on Apéry's PCF.

Runs, side by side in one process: the gmpy2 product tree (``walk``), the sequential
three-term recurrence (``walk_sequential``) and, when available, ramanujantools 0.0.8
``PCF(a, b).limit(N)`` — not a dependency: it is imported if installed, or run in the
interpreter named by ``$RAMANUJANTOOLS_PYTHON`` (a separate virtual environment).

    python scripts/bench_walk.py [--repeat 5] [--skip-slow]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from brouncker.convergence.verify import verify
from brouncker.pcf.walk import walk, walk_sequential

APERY_A, APERY_B = (34, 51, 27, 5), (-1, 0, 0, 0, 0, 0, 0)

RT_SNIPPET = """
import sys, time, sympy as sp
from ramanujantools.pcf import PCF
n = sp.Symbol("n")
pcf = PCF(34*n**3 + 51*n**2 + 27*n + 5, -n**6)
t = time.perf_counter(); pcf.limit(int(sys.argv[1])); print(time.perf_counter() - t)
"""


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ramanujantools_time(depth: int, repeat: int) -> float | None:
    """Median seconds of ramanujantools' ``limit(depth)``, or None when it is not at hand.

    Each repetition runs in a fresh interpreter: ramanujantools caches walks internally,
    so a second call in one process would time a cache hit.
    """
    python = os.environ.get("RAMANUJANTOOLS_PYTHON")
    if not python:
        try:
            import ramanujantools  # noqa: F401
        except ImportError:
            return None
        python = sys.executable
    times = []
    for _ in range(repeat):
        out = subprocess.run([python, "-c", RT_SNIPPET, str(depth)], capture_output=True, text=True)
        if out.returncode != 0:
            return None
        times.append(float(out.stdout.strip()))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-slow", action="store_true", help="skip the sequential recurrence at 10^5 (~15 s)")
    args = parser.parse_args()

    table = Table(title="Apéry's PCF: exact walk (median seconds)")
    for col in ("what", "size", "product tree", "sequential", "ratio seq/tree", "ramanujantools", "ratio rt/tree"):
        table.add_column(col, justify="right")
    for depth in (10**3, 10**4, 10**5):
        tree = median_time(lambda: walk(APERY_A, APERY_B, depth), args.repeat)
        slow = depth >= 10**5
        seq_repeat = 1 if slow else args.repeat
        seq = None if (slow and args.skip_slow) else median_time(lambda: walk_sequential(APERY_A, APERY_B, depth), seq_repeat)
        rt = ramanujantools_time(depth, 1 if slow else args.repeat)
        table.add_row(
            "walk", f"depth {depth:,}", f"{tree:.4f}",
            "-" if seq is None else f"{seq:.4f}", "-" if seq is None else f"{seq / tree:.1f}x",
            "-" if rt is None else f"{rt:.4f}", "-" if rt is None else f"{rt / tree:.1f}x",
        )
    for digits in (1000, 10_000):
        secs = median_time(lambda: verify("34n^3+51n^2+27n+5", "-n^6", "6/zeta(3)", digits), args.repeat)
        table.add_row("verify 6/zeta(3)", f"{digits:,} digits", f"{secs:.4f}", "-", "-", "-", "-")
    Console(width=160).print(table)
    print("targets: depth 10^5 < 1 s; verification to 10,000 digits < 0.5 s", file=sys.stderr)


if __name__ == "__main__":
    main()
