"""Benchmark conservative matrix fields: exact walks, and a trajectory search.

**Walks.** The ζ(3) field's trajectory (1, 1) from (1, 1), walked to depth 1,000 and 10,000:

* brouncker, in a fresh interpreter: the trajectory matrix (flint) and the product-tree
  walk with its projection and trustworthy digits — ``cold`` is the first call in the
  process (it also turns the sympy field into flint), ``warm`` a second call;
* brouncker's ``trajectory_limit`` to the digits the walk reached (rank 2: through the
  equivalent PCF and ``pcf_limit``);
* ramanujantools 0.0.8 ``CMF.limit(trajectory, depth, start)``, each repetition in a fresh
  interpreter (it caches walks within a process), run by ``$RAMANUJANTOOLS_PYTHON`` (a
  separate virtual environment) or by this interpreter when ramanujantools is importable.

Field construction (``known_field`` / ``known_cmfs.zeta3()``) is outside every timer.

**Search.** A trajectory search of the ζ(3) field (``kind = "cmf"``): every primitive
trajectory with entries in [0, 4] (13 of them) from every start in [1, 3]² (117 walks), each
with its limit to 60 digits, identification against ζ(3), δ at depth 1000 and the dynamics
record of its PCF, on 1 worker (serially in one process) and on 2 Ray workers, end to end
in a fresh process (interpreter, Ray and store start included; an in-memory store). The
time inside the driver (``search run``'s own ``seconds``) is shown beside it. ramanujantools
has no trajectory search; the ratio is against one worker.

    python scripts/bench_cmf.py [--repeat 5] [--search-repeat 3] [--skip-walk] [--skip-search]
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
    digits = point.trustworthy_digits
    return time.perf_counter() - t, digits
cold, digits = once()
warm, _ = once()
t = time.perf_counter()
trajectory_limit(field, (1, 1), (1, 1), int(digits))
limit = time.perf_counter() - t
print(cold, warm, limit, int(digits))
"""

SEARCH_SPEC = {
    "kind": "cmf", "name": "bench zeta3 trajectories", "field": "zeta3", "constants": ["zeta3"], "max_norm": 4,
    "start": [1, 3], "digits": 30, "depth": 4096, "delta_depth": 1000, "dynamics_depth": 2000, "shard_size": 4,
}

SEARCH_SNIPPET = """
import json, sys, time
t = time.perf_counter()
from brouncker.search.runner import run_search
from brouncker.search.spec import parse_spec
from brouncker.store import open_store
spec = parse_spec(json.loads(sys.argv[1]))
workers = int(sys.argv[2])
with open_store("sqlite://") as store:
    report = run_search(store, spec, workers=workers, progress=False)
print(time.perf_counter() - t, report.seconds, int(report.counters["walks"]), int(report.counters["identified"]), report.status)
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


def search_times(workers: int, repeat: int) -> tuple[float, float, int, int]:
    """Medians of (whole process, driver's run) seconds, and the walks and identifications."""
    import json

    rows = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", SEARCH_SNIPPET, json.dumps(SEARCH_SPEC), str(workers)],
                             capture_output=True, text=True, env=_env(), check=True)
        total, run, walks, identified, status = out.stdout.split()
        if status != "done":
            raise SystemExit(f"the search ended {status}")
        rows.append((float(total), float(run), int(walks), int(identified)))
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows), rows[0][2], rows[0][3]


def search_table(repeat: int) -> Table:
    table = Table(title="ζ(3) field, trajectory search (entries in [0, 4], starts in [1, 3]²): median seconds, fresh processes")
    for col in ("what", "size", "workers", "process", "driver run", "walks/s (run)", "ratio (1 worker / this)"):
        table.add_column(col, justify="right")
    base = None
    for workers, label in ((0, "1 (serial)"), (2, "2 (Ray)")):
        total, run, walks, identified = search_times(workers, repeat)
        base = base or total
        table.add_row("search run", f"{walks} walks, {identified} identified", label, f"{total:.2f}", f"{run:.2f}",
                      f"{walks / run:.1f}", f"{base / total:.2f}x")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--search-repeat", type=int, default=3)
    parser.add_argument("--skip-walk", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args()
    console = Console(width=160)
    if not args.skip_search:
        console.print(search_table(args.search_repeat))
    if args.skip_walk:
        _load(console)
        return

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
    console.print(table)
    _load(console)


def _load(console: Console) -> None:
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["n/a"]
    console.print(f"load average {' '.join(load)}; target: >= 10x ramanujantools on the walk")


if __name__ == "__main__":
    main()
