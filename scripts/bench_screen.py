"""Benchmark the float64 screen and its exact finite-fraction test on one core.

One table, median CPU seconds over ``--repeat`` runs, for random PCFs of three spaces:

* the Blind-Delta box (degree 2, coefficients in [-5, 5]);
* Apéry's template (2n+1)(x n^2 + x n + y), -z n^6 over the grid of ``searches/zeta3-fr.toml``;
* a degree-4 box with coefficients in [-1000, 1000], where $b(n)$ passes $2^{63}$ by depth 1000
  and the exact test has the most to do.

``screen`` is the whole screen (the walk and every test), ``finite_fraction`` the exact test
of $b(n) = 0$ for $1 \\le n \\le N$ alone; ``share`` is its part of the screen's time. Run it with
``PYTHONPATH`` on another checkout to compare revisions (it uses only public names).

``--engines`` prints instead the engines side by side: PCFs per second per core (CPU time)
of the numpy walk and of the compiled kernel on random degree-2 blocks at depths 200 and
1000 (median of ``--repeat``; the two engines alternate run by run, so that a machine shared
with other work loads both alike), the kernel over ``prange`` on every core (wall time),
and the end-to-end identify run of ``searches/unsupervised-deg2.toml`` on 1 and 2 workers
with ``[screen] device`` = ``numpy`` and ``cpu`` (fresh process and SQLite file each,
alternating as well), with the formulas each found. ``--gpu`` adds the CUDA engine where
numba sees a device.

    python scripts/bench_screen.py [--sample 100000] [--repeat 5]
    python scripts/bench_screen.py --engines [--sample 200000] [--repeat 5] [--skip-search] [--gpu]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from brouncker.pcf.template import Template
from brouncker.screening.screen import finite_fraction, screen


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return statistics.median(times)


def box(degree: int, bound: int) -> Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]:
    """PCFs with every coefficient uniform in [-bound, bound] (zero polynomials dropped)."""
    def draw(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        a, b = (rng.integers(-bound, bound + 1, size=(count, degree + 1)) for _ in range(2))
        keep = a.any(axis=1) & b.any(axis=1)
        return a[keep], b[keep]
    return draw


def apery(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """PCFs of searches/zeta3-fr.toml's template, parameters uniform over its grid."""
    template = Template.parse("(2n+1)*(x*n^2 + x*n + y)", "-z*n^6", ("x", "y", "z"))
    values = np.column_stack([rng.integers(1, 401, count), rng.integers(-200, 201, count), rng.choice([1, 4, 9, 16, 25], count)])
    return template.coefficients(values)


SPACES = {"box deg 2, [-5, 5]": box(2, 5), "Apéry template": apery, "box deg 4, [-1000, 1000]": box(4, 1000)}


ROOT = Path(__file__).resolve().parent.parent
TASK = 442_225  # PCFs per task in the threads-or-processes comparison: the Blind-Delta space in 4 tasks


def interleaved(runs: dict[str, Callable[[], object]], repeat: int, clock: Callable[[], float] = time.process_time) -> dict[str, float]:
    """Median seconds of each run, the runs taken in turn ``repeat`` times."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            start = clock()
            run()
            times[name].append(clock() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def engines(sample: int, repeat: int, gpu: bool) -> None:
    """PCFs per second per core of each engine on random degree-2 blocks."""
    from brouncker.screening.gpu import available

    a, b = box(2, 5)(sample, np.random.default_rng(21))
    table = Table(title=f"float64 screen, {len(a):,} random degree-2 PCFs in [-5, 5] (median of {repeat}, engines alternating)")
    for column in ("depth", "numpy PCFs/s/core", "kernel PCFs/s/core", "kernel / numpy", f"prange on {os.cpu_count()} cores, PCFs/s (wall)",
                   "gpu PCFs/s (wall)", "load"):
        table.add_column(column, justify="right")
    for depth in (200, 1000):
        for engine in ("numpy", "kernel", "parallel") + (("gpu",) if gpu and available() else ()):
            screen(a[:5000], b[:5000], depth, engine=engine)  # warm up: compiled, cached
        cpu = interleaved({e: lambda e=e, depth=depth: screen(a, b, depth, engine=e) for e in ("numpy", "kernel")}, repeat)
        wall = interleaved({"parallel": lambda depth=depth: screen(a, b, depth, engine="parallel")}, repeat, time.perf_counter)
        shown = "-"
        if gpu and available():
            on_gpu = interleaved({"gpu": lambda depth=depth: screen(a, b, depth, engine="gpu")}, repeat, time.perf_counter)
            shown = f"{len(a) / on_gpu['gpu']:,.0f}"
        table.add_row(str(depth), f"{len(a) / cpu['numpy']:,.0f}", f"{len(a) / cpu['kernel']:,.0f}", f"{cpu['numpy'] / cpu['kernel']:.1f}x",
                      f"{len(a) / wall['parallel']:,.0f}", shown, loadavg())
    Console().print(table)


def _screen_part(part: tuple[int, int, int]) -> int:
    """Screen PCFs ``start`` to ``stop`` of the Blind-Delta space, enumerated here (as a Ray task does)."""
    from brouncker.search.space import Space

    start, stop, depth = part
    a, b = Space.box(2, (-5, 5), 2, (-5, 5)).coefficients(start, stop)
    return int(screen(a, b, depth).converged.sum())


def _screen_threads(part: tuple[int, int, int]) -> int:
    """:func:`_screen_part` with the kernel over ``prange`` threads."""
    from brouncker.search.space import Space

    start, stop, depth = part
    a, b = Space.box(2, (-5, 5), 2, (-5, 5)).coefficients(start, stop)
    return int(screen(a, b, depth, engine="parallel").converged.sum())


def threads_or_processes(depth: int, repeat: int) -> None:
    """The whole Blind-Delta space screened at ``depth``: the serial kernel in one process,
    the kernel over ``prange`` threads in one process, and the serial kernel in one process
    per core (what Ray tasks are), each on tasks of the search's shard size (wall seconds)."""
    from concurrent.futures import ProcessPoolExecutor

    from brouncker.search.space import Space

    space = Space.box(2, (-5, 5), 2, (-5, 5))
    parts = [(start, min(start + TASK, len(space)), depth) for start in range(0, len(space), TASK)]
    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(cores) as pool:
        list(pool.map(_screen_part, parts[:cores]))  # warm: every process has the kernel loaded
        _screen_threads(parts[0])
        runs = {
            "serial kernel, 1 process": lambda: [_screen_part(p) for p in parts],
            f"prange, {cores} threads": lambda: [_screen_threads(p) for p in parts],
            f"{cores} processes": lambda: list(pool.map(_screen_part, parts)),
        }
        wall = interleaved(runs, repeat, time.perf_counter)
    table = Table(title=f"{len(space):,} PCFs (the whole [-5, 5] degree-2 space) at depth {depth}, "
                        f"tasks of {TASK:,} (median wall of {repeat})")
    for column in ("how", "seconds", "speed-up over 1 process", "load"):
        table.add_column(column, justify="right")
    base = wall["serial kernel, 1 process"]
    for name, seconds in wall.items():
        table.add_row(name, f"{seconds:.2f}", f"{base / seconds:.2f}x", loadavg())
    Console().print(table)


def search_run(spec_name: str, device: str, workers: int) -> tuple[float, frozenset[tuple[str, str]]]:
    """Wall seconds of ``brouncker search run`` with ``[screen] device``, and the formulas it found."""
    text = (ROOT / "searches" / f"{spec_name}.toml").read_text().replace("[screen]\n", f'[screen]\ndevice = "{device}"\n', 1)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / f"{spec_name}.toml"
        spec.write_text(text)
        command = [sys.executable, "-m", "brouncker", "search", "run", str(spec), "--db", f"sqlite:///{tmp}/run.db",
                   "--workers", str(workers), "--json"]
        start = time.perf_counter()
        done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, cwd=tmp)
        wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{spec_name} ({device}): search run failed: {done.stderr[-500:]}")
    findings = json.loads(done.stdout)["findings"]
    return wall, frozenset((f["canonical_key"], f["expression"]) for f in findings)


def end_to_end(spec_name: str, repeat: int) -> None:
    """The identify run of a shipped spec on 1 and 2 workers, numpy walk against the kernel."""
    table = Table(title=f"search run searches/{spec_name}.toml, end to end (median wall seconds of {repeat}, devices alternating)")
    for column in ("workers", "numpy (s)", "kernel (s)", "numpy / kernel", "formulas", "same formulas", "load"):
        table.add_column(column, justify="right")
    for workers in (1, 2):
        found: dict[str, set[frozenset[tuple[str, str]]]] = {"numpy": set(), "cpu": set()}
        times: dict[str, list[float]] = {"numpy": [], "cpu": []}
        for _ in range(repeat):
            for device in ("numpy", "cpu"):
                wall, formulas = search_run(spec_name, device, workers)
                times[device].append(wall)
                found[device].add(formulas)
        numpy_s, kernel_s = statistics.median(times["numpy"]), statistics.median(times["cpu"])
        table.add_row(str(workers), f"{numpy_s:.1f}", f"{kernel_s:.1f}", f"{numpy_s / kernel_s:.2f}x",
                      str(sorted(len(f) for f in found["cpu"])), str(found["numpy"] == found["cpu"] and len(found["cpu"]) == 1), loadavg())
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engines", action="store_true", help="numpy against the compiled kernel (and the GPU with --gpu)")
    parser.add_argument("--skip-search", action="store_true", help="with --engines: no end-to-end search runs")
    parser.add_argument("--search-repeat", type=int, default=3)
    parser.add_argument("--gpu", action="store_true")
    args = parser.parse_args()
    if args.engines:
        engines(args.sample, args.repeat, args.gpu)
        threads_or_processes(1000, args.repeat)
        if not args.skip_search:
            end_to_end("unsupervised-deg2", args.search_repeat)
        return
    rng = np.random.default_rng(18)
    table = Table(title=f"float64 screen, {args.sample:,} PCFs per space, one core (median CPU seconds)")
    for column in ("space", "depth", "screen", "finite_fraction", "share", "ns per PCF-step"):
        table.add_column(column, justify="left" if column == "space" else "right")
    for name, draw in SPACES.items():
        a, b = draw(args.sample, rng)
        for depth in (200, 1000):
            screen(a[:2000], b[:2000], depth)  # warm up
            whole = median_seconds(lambda a=a, b=b, depth=depth: screen(a, b, depth), args.repeat)
            finite = median_seconds(lambda b=b, depth=depth: finite_fraction(b, depth), args.repeat)
            table.add_row(name, str(depth), f"{whole:.3f}", f"{finite:.4f}", f"{finite / whole:.1%}",
                          f"{whole / (len(a) * depth) * 1e9:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
