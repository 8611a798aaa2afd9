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

``--space SPEC`` runs ``searches/SPEC.toml`` end to end on the given workers and devices,
with the driver's peak memory (``searches/unsupervised-deg2-15.toml`` is the [-15, 15]
space); ``--per-constant SPEC`` runs it once with the kernel and counts the formulas per
constant.

    python scripts/bench_screen.py [--sample 100000] [--repeat 5]
    python scripts/bench_screen.py --engines [--sample 200000] [--repeat 5] [--skip-search] [--gpu]
    python scripts/bench_screen.py --space unsupervised-deg2-15 [--workers 1 2] [--devices numpy cpu] [--search-repeat 1]
    python scripts/bench_screen.py --per-constant unsupervised-deg2-20 --workers 2
    python scripts/bench_screen.py --shard-memory unsupervised-deg2-15 [--search-repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
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
    Console(width=200).print(table)


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
    Console(width=200).print(table)


def _peak_rss(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM, bytes), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def search_run(spec_name: str, device: str, workers: int) -> tuple[float, frozenset[tuple[str, str]], int, dict]:
    """Wall seconds of ``brouncker search run`` with ``[screen] device``, the formulas it found,
    the driver's peak resident memory (bytes, sampled every 0.2 s) and the run's counts."""
    text = (ROOT / "searches" / f"{spec_name}.toml").read_text().replace("[screen]\n", f'[screen]\ndevice = "{device}"\n', 1)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / f"{spec_name}.toml"
        spec.write_text(text)
        command = [sys.executable, "-m", "brouncker", "search", "run", str(spec), "--db", f"sqlite:///{tmp}/run.db",
                   "--workers", str(workers), "--json"]
        start = time.perf_counter()
        with open(Path(tmp) / "out", "w+") as out_file, open(Path(tmp) / "err", "w+") as err_file:
            with subprocess.Popen(command, stdout=out_file, stderr=err_file, text=True, env=env, cwd=tmp) as run:
                peak = 0
                while run.poll() is None:  # files, not pipes: a full pipe would stop the run
                    peak = max(peak, _peak_rss(run.pid))
                    time.sleep(0.2)
            wall = time.perf_counter() - start
            out_file.seek(0)
            err_file.seek(0)
            out, err = out_file.read(), err_file.read()
    if run.returncode != 0:
        raise RuntimeError(f"{spec_name} ({device}): search run failed: {err[-500:]}")
    report = json.loads(out)
    return wall, frozenset((f["canonical_key"], f["expression"]) for f in report["findings"]), peak, report


def end_to_end(spec_name: str, repeat: int, workers_list: tuple[int, ...] = (1, 2), devices: tuple[str, ...] = ("numpy", "cpu")) -> None:
    """The identify run of a shipped spec on 1 and 2 workers, numpy walk against the kernel."""
    table = Table(title=f"search run searches/{spec_name}.toml, end to end (median wall seconds of {repeat}, devices alternating)")
    for column in ("workers", *(f"{d} (s)" for d in devices), "ratio", *(f"{d} shard CPU (s)" for d in devices), "matched",
                   "formulas", "same formulas", "driver peak RSS", "load"):
        table.add_column(column, justify="right")
    for workers in workers_list:
        found: dict[str, set[frozenset[tuple[str, str]]]] = {d: set() for d in devices}
        times: dict[str, list[float]] = {d: [] for d in devices}
        cpu: dict[str, list[float]] = {d: [] for d in devices}
        matched: set[int] = set()
        peak = 0
        for _ in range(repeat):
            for device in devices:
                wall, formulas, rss, report = search_run(spec_name, device, workers)
                times[device].append(wall)
                cpu[device].append(report["counters"]["cpu_seconds"])
                matched.add(report["counters"]["matched"])
                found[device].add(formulas)
                peak = max(peak, rss)
        medians = [statistics.median(times[d]) for d in devices]
        ratio = f"{medians[0] / medians[-1]:.2f}x" if len(devices) > 1 else "-"
        sets = [f for d in devices for f in found[d]]
        table.add_row(str(workers), *(f"{m:.1f}" for m in medians), ratio, *(f"{statistics.median(cpu[d]):.1f}" for d in devices),
                      str(sorted(matched)), str(sorted({len(f) for f in sets})), str(len(set(sets)) == 1), f"{peak / 2**20:,.0f} MiB",
                      loadavg())
    Console(width=200).print(table)


def per_constant(spec_name: str, workers: int) -> None:
    """One kernel run of a spec: its time, the driver's peak memory, and the formulas per constant."""
    wall, formulas, peak, report = search_run(spec_name, "cpu", workers)
    from brouncker.constants import BANK

    by_constant: dict[str, int] = {}
    for finding in report["findings"]:
        names = sorted(set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", finding["expression"])) & set(BANK)) or ["(none)"]
        key = " and ".join(names)
        by_constant[key] = by_constant.get(key, 0) + 1
    digest = hashlib.sha256(repr(sorted(formulas)).encode()).hexdigest()[:12]
    counters = report["counters"]
    table = Table(title=f"search run searches/{spec_name}.toml on {workers} workers: {wall:.1f} s wall, "
                        f"{counters['cpu_seconds']:.0f} s of shard CPU, {counters['pcfs']:,} PCFs, {counters['matched']:,} matched, "
                        f"driver peak RSS {peak / 2**20:,.0f} MiB, {len(formulas)} formulas (digest {digest}), load {loadavg()}")
    for column in ("constant", "formulas"):
        table.add_column(column, justify="right")
    for name, count in sorted(by_constant.items(), key=lambda item: -item[1]):
        table.add_row(name, str(count))
    Console(width=200).print(table)


def shard_memory(spec_name: str, size: int, repeat: int) -> None:
    """One shard of ``size`` PCFs (at 1/7, 3/7 and 5/7 of the space) through ``run_shard``, as a
    warm worker runs it: CPU seconds (median of ``repeat``), PCFs per second of one core, and
    the peak of the memory Python and numpy allocate (tracemalloc) while it runs."""
    import tracemalloc

    from brouncker.screening.match import moebius_tables
    from brouncker.search.kinds.pcf import run_shard
    from brouncker.search.shards import Shard
    from brouncker.search.spec import load_spec

    spec = load_spec(ROOT / "searches" / f"{spec_name}.toml")
    total = len(spec.space())
    moebius_tables(tuple(spec.constants), spec.match.bound)  # a warm worker has its tables
    table = Table(title=f"run_shard on shards of {size:,} PCFs of searches/{spec_name}.toml (CPU median of {repeat})")
    for column in ("shard at", "CPU s", "PCFs/s per core", "matched", "peak memory", "load"):
        table.add_column(column, justify="right")
    for part in (1, 3, 5):
        start = total * part // 7
        shard = Shard(part, start, min(total, start + size))
        run_shard(spec, Shard(part, start, start + 1000))  # compiled code loaded
        times = []
        for _ in range(repeat):
            begin = time.process_time()
            result = run_shard(spec, shard)
            times.append(time.process_time() - begin)
        tracemalloc.start()
        run_shard(spec, shard)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        seconds = statistics.median(times)
        table.add_row(f"{part}/7", f"{seconds:.2f}", f"{len(shard) / seconds:,.0f}", str(result.counts["matched"]),
                      f"{peak / 2**20:.1f} MiB", loadavg())
    Console(width=200).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engines", action="store_true", help="numpy against the compiled kernel (and the GPU with --gpu)")
    parser.add_argument("--skip-search", action="store_true", help="with --engines: no end-to-end search runs")
    parser.add_argument("--search-repeat", type=int, default=3)
    parser.add_argument("--gpu", action="store_true")
    parser.add_argument("--space", metavar="SPEC", help="end to end: the identify run of searches/SPEC.toml, numpy against the kernel")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--devices", nargs="+", default=["numpy", "cpu"], help="with --space")
    parser.add_argument("--per-constant", metavar="SPEC",
                        help="one kernel run of searches/SPEC.toml: time, driver memory, formulas per constant")
    parser.add_argument("--shard-memory", metavar="SPEC", help="run_shard on 2M-PCF shards of searches/SPEC.toml: CPU, memory")
    args = parser.parse_args()
    if args.shard_memory:
        shard_memory(args.shard_memory, 2_000_000, args.search_repeat)
        return
    if args.space:
        end_to_end(args.space, args.search_repeat, tuple(args.workers), tuple(args.devices))
        return
    if args.per_constant:
        per_constant(args.per_constant, args.workers[-1])
        return
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
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
