"""Benchmark exact walks through a conservative matrix field (the walk half of the CMF benchmark).

The ζ(3) field's trajectory (1, 1) from (1, 1), walked to depth 1,000 and 10,000:

* brouncker, in a fresh interpreter: the trajectory matrix (flint) and the product-tree
  walk with its projection and trustworthy digits — ``cold`` is the first call in the
  process (it also turns the sympy field into flint), ``warm`` a second call;
* brouncker's ``trajectory_limit`` to the digits the walk reached (rank 2: through the
  equivalent PCF and ``pcf_limit``);
* ramanujantools 0.0.8 ``CMF.limit(trajectory, depth, start)``, each repetition in a fresh
  interpreter (it caches walks within a process), run by ``$RAMANUJANTOOLS_PYTHON`` (a
  separate virtual environment) or by this interpreter when ramanujantools is importable.

Field construction (``known_field`` / ``known_cmfs.zeta3()``) is outside every timer.

    python scripts/bench_cmf.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

DEPTHS = (1_000, 10_000)

BROUNCKER_SNIPPET = """
import sys, time
from brouncker.cmf.known import known_field
from brouncker.cmf.trajectory import trajectory_matrix
from brouncker.cmf.walk import trajectory_limit, walk
field = known_field("zeta3")
depth = int(sys.argv[1])
def once():
    t = time.perf_counter()
    (point,) = walk(trajectory_matrix(field, (1, 1), (1, 1)), [depth])
    digits = point.digits
    return time.perf_counter() - t, digits
cold, digits = once()
warm, _ = once()
t = time.perf_counter()
trajectory_limit(field, (1, 1), (1, 1), int(digits))
limit = time.perf_counter() - t
print(cold, warm, limit, int(digits))
"""

RT_SNIPPET = """
import sys, time
from sympy.abc import x, y
from ramanujantools.cmf import known_cmfs
cmf = known_cmfs.zeta3()
t = time.perf_counter(); cmf.limit({x: 1, y: 1}, int(sys.argv[1]), {x: 1, y: 1}); print(time.perf_counter() - t)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def brouncker_times(depth: int, repeat: int) -> tuple[float, float, float, int]:
    """Medians of (cold walk, warm walk, limit to the same digits) and the digits reached."""
    rows = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", BROUNCKER_SNIPPET, str(depth)], capture_output=True, text=True, env=_env(), check=True)
        rows.append([float(v) for v in out.stdout.split()])
    cold, warm, limit = (statistics.median(r[i] for r in rows) for i in range(3))
    return cold, warm, limit, int(rows[0][3])


def ramanujantools_time(depth: int, repeat: int) -> float | None:
    """Median seconds of ramanujantools' ``CMF.limit``, or None when it is not at hand."""
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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    table = Table(title="ζ(3) field, trajectory (1, 1) from (1, 1): median seconds, fresh processes")
    for col in ("what", "size", "brouncker cold", "brouncker warm", "limit to same digits", "ramanujantools", "ratio rt/cold"):
        table.add_column(col, justify="right")
    for depth in DEPTHS:
        cold, warm, limit, digits = brouncker_times(depth, args.repeat)
        rt = ramanujantools_time(depth, args.repeat)
        table.add_row(
            "walk + projection", f"depth {depth:,} ({digits:,} digits)", f"{cold:.4f}", f"{warm:.4f}", f"{limit:.4f}",
            "-" if rt is None else f"{rt:.4f}", "-" if rt is None else f"{rt / cold:.1f}x",
        )
    console = Console(width=160)
    console.print(table)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["n/a"]
    console.print(f"load average {' '.join(load)}; target: >= 10x ramanujantools on the walk")


if __name__ == "__main__":
    main()
