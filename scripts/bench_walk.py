"""Benchmark the exact walk and verification on Apéry's PCF, against ramanujantools.

Two tables, median seconds:

* the walk to depth 10^3, 10^4, 10^5: the gmpy2 product tree (``walk``), the sequential
  three-term recurrence (``walk_sequential``) and ramanujantools 0.0.8
  ``PCF(a, b).limit(N)``;
* ``verify`` of Apéry's PCF against 6/zeta(3) to 1,000, 10,000 and 20,000 digits, and
  ramanujantools doing the same job at the same depth: ``limit(N)``, ``as_float()``, and
  a comparison with mpmath's 6/zeta(3) at that many digits. Both run in fresh
  interpreters (imports not timed): ramanujantools caches walks and mpmath caches zeta(3)
  within a process. brouncker's warm (in-process) time is shown too.

ramanujantools is not a dependency: it is imported if installed, or run in the
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
APERY_TEXT = ("34n^3+51n^2+27n+5", "-n^6")

RT_WALK = """
import sys, time, sympy as sp
from ramanujantools.pcf import PCF
n = sp.Symbol("n")
pcf = PCF(34*n**3 + 51*n**2 + 27*n + 5, -n**6)
t = time.perf_counter(); pcf.limit(int(sys.argv[1])); print(time.perf_counter() - t)
"""

RT_VERIFY = """
import sys, time, sympy as sp, mpmath as mp
from ramanujantools.pcf import PCF
n = sp.Symbol("n")
depth, digits = int(sys.argv[1]), int(sys.argv[2])
pcf = PCF(34*n**3 + 51*n**2 + 27*n + 5, -n**6)
t = time.perf_counter()
x = pcf.limit(depth).as_float()
with mp.workdps(digits + 30):
    agreed = -mp.log10(abs(x - 6 / mp.zeta(3)))
print(time.perf_counter() - t, float(agreed))
"""

OURS_VERIFY = """
import sys, time
from brouncker.convergence.verify import verify
t = time.perf_counter()
r = verify("34n^3+51n^2+27n+5", "-n^6", "6/zeta(3)", int(sys.argv[1]))
print(time.perf_counter() - t, r.digits_agreed)
"""


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ramanujantools_python() -> str | None:
    """The interpreter that has ramanujantools, or None when it is not at hand."""
    python = os.environ.get("RAMANUJANTOOLS_PYTHON")
    if python:
        return python
    try:
        import ramanujantools  # noqa: F401
    except ImportError:
        return None
    return sys.executable


def fresh_time(python: str | None, snippet: str, args: list[str], repeat: int) -> float | None:
    """Median of the first number a snippet prints, each run in a fresh interpreter."""
    if python is None:
        return None
    times = []
    for _ in range(repeat):
        out = subprocess.run([python, "-c", snippet, *args], capture_output=True, text=True, env=os.environ)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return None
        times.append(float(out.stdout.split()[0]))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-slow", action="store_true", help="skip the sequential recurrence at 10^5 (~15 s)")
    args = parser.parse_args()
    rt = ramanujantools_python()
    console = Console(width=160)

    table = Table(title="Apéry's PCF: exact walk (median seconds)")
    for col in ("what", "size", "product tree", "sequential", "ratio seq/tree", "ramanujantools", "ratio rt/tree"):
        table.add_column(col, justify="right")
    for depth in (10**3, 10**4, 10**5):
        tree = median_time(lambda: walk(APERY_A, APERY_B, depth), args.repeat)
        slow = depth >= 10**5
        seq = None if (slow and args.skip_slow) else median_time(
            lambda: walk_sequential(APERY_A, APERY_B, depth), 1 if slow else args.repeat
        )
        rt_walk = fresh_time(rt, RT_WALK, [str(depth)], 1 if slow else args.repeat)
        table.add_row(
            "walk", f"depth {depth:,}", f"{tree:.4f}",
            "-" if seq is None else f"{seq:.4f}", "-" if seq is None else f"{seq / tree:.1f}x",
            "-" if rt_walk is None else f"{rt_walk:.4f}", "-" if rt_walk is None else f"{rt_walk / tree:.1f}x",
        )
    console.print(table)

    table = Table(title="verify Apéry's PCF = 6/zeta(3) (median seconds; fresh = new interpreter, imports not timed)")
    for col in ("digits", "depth", "brouncker fresh", "brouncker warm", "ramanujantools fresh", "ratio rt/fresh", "ratio rt/warm"):
        table.add_column(col, justify="right")
    for digits in (1000, 10_000, 20_000):
        result = verify(*APERY_TEXT, "6/zeta(3)", digits)
        assert result.verdict == "verified", result
        fresh = fresh_time(sys.executable, OURS_VERIFY, [str(digits)], args.repeat)
        warm = median_time(lambda: verify(*APERY_TEXT, "6/zeta(3)", digits), args.repeat)
        rt_verify = fresh_time(rt, RT_VERIFY, [str(result.depth), str(digits)], args.repeat)
        table.add_row(
            f"{digits:,}", f"{result.depth:,}", "-" if fresh is None else f"{fresh:.4f}", f"{warm:.4f}",
            "-" if rt_verify is None else f"{rt_verify:.4f}",
            "-" if rt_verify is None or fresh is None else f"{rt_verify / fresh:.1f}x",
            "-" if rt_verify is None else f"{rt_verify / warm:.1f}x",
        )
    console.print(table)
    with open("/proc/loadavg") as load:
        print(f"load average: {load.read().split()[:3]}", file=sys.stderr)


if __name__ == "__main__":
    main()
