#!/usr/bin/env python
"""Benchmark of the search engine on the Blind-Delta degree-2 space (arXiv 2412.16818).

The space: a(n), b(n) of degree 2, every coefficient in [-5, 5], neither a = 0 nor
b = 0: 1,768,900 PCFs (``searches/unsupervised-deg2.toml``). Measured:

1. **screening**: float64 PCFs per second on one core, at depth 200 and 1000, over a
   random sample of the space;
2. **identify mode, whole space, end to end** on Ray with ``--workers`` workers: start
   of Ray, every shard, the database writes (a fresh SQLite file);
3. **held-out check**: every PCF of the sub-box with coefficients in [-2, 2] (15,376
   PCFs) is identified on its own, from an exact walk and LLL (no float screen, no
   Möbius table), keeping single-constant relations with coefficients <= 12; each must
   be among the whole-space findings (same canonical key). A random sample of the whole
   space (``--sample``) is checked the same way;
4. **dynamics mode**: PCFs per second over a slice of ``--dynamics-slice`` PCFs spread
   evenly over the space (blocks of the dynamics spec's shard size), on Ray, and the
   projected time of the whole space on 2 cores and on 64 cores;
5. **scaling**: the same work serially (one core, in this process) and on Ray with warm
   workers (started, Möbius tables built), back to back: efficiency =
   T_serial / (workers * T_ray). Measured on a dynamics-mode slice (``--scaling-slice``,
   tasks of about a second) and on the whole identify run (36 tasks of a fraction of a
   second each).

6. **plan against run** (``--plan-check``, instead of 1-5): for each shipped spec named
   (default: quickstart, unsupervised-deg2, esma-e), the estimate of ``search plan`` and
   the wall time of ``brouncker search run`` in a fresh process on a fresh SQLite file,
   side by side, with the load average.

    python scripts/bench_search.py                       # about 5 minutes on 2 cores
    python scripts/bench_search.py --dynamics-slice 200000
    python scripts/bench_search.py --plan-check [--workers 2]

Prints a Markdown table (and writes JSON with ``--json FILE``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from brouncker.errors import InconclusiveError  # noqa: E402
from brouncker.identification.identify import identify  # noqa: E402
from brouncker.pcf.canonical import canonical  # noqa: E402
from brouncker.pcf.fraction import PCF  # noqa: E402
from brouncker.pcf.value import pcf_limit  # noqa: E402
from brouncker.screening.match import moebius_tables  # noqa: E402
from brouncker.screening.screen import screen  # noqa: E402
from brouncker.search.estimate import estimate_search  # noqa: E402
from brouncker.search.executor import RayExecutor, SerialExecutor  # noqa: E402
from brouncker.search.kinds.pcf import ShardTask, run_task  # noqa: E402
from brouncker.search.runner import run_search  # noqa: E402
from brouncker.search.space import Shard, Space  # noqa: E402
from brouncker.search.spec import load_spec  # noqa: E402
from brouncker.store import open_store  # noqa: E402

HELD_OUT_DIGITS = 40  # digits the independent identification works with
HELD_OUT_BOUND = 12  # Möbius coefficients up to this, as in the search


def independent_identification(task: tuple[list[tuple[tuple[int, ...], tuple[int, ...]]], tuple[str, ...]]) -> list[str]:
    """Canonical keys of the PCFs whose limit is a Möbius form of one constant, found
    from an exact walk and LLL alone (no float screen, no table)."""
    pcfs, constants = task
    keys = []
    deep = 2 * HELD_OUT_DIGITS
    for a, b in pcfs:
        pcf = PCF(a, b)
        try:
            limit = pcf_limit(pcf.a, pcf.b, deep + 5, max_depth=8192)
        except InconclusiveError:
            continue
        if limit.convergent.finite_at is not None or abs(limit.value) >= 1000:
            continue
        found = identify(limit.value, HELD_OUT_DIGITS, list(constants), pairs=False, deeper=limit.value,
                         deeper_digits=deep, max_coefficient=HELD_OUT_BOUND)
        if found is not None and len(found.constants) == 1:
            keys.append(canonical(pcf).key)
    return keys


def bench_screening(space: Space, count: int, rng: np.random.Generator) -> dict:
    index = np.sort(rng.choice(len(space), count, replace=False))
    a_all, b_all = space.coefficients(0, len(space))
    a, b = a_all[index], b_all[index]
    out = {}
    for depth in (200, 1000):
        screen(a[:2000], b[:2000], depth)  # warm up
        cpu, wall = time.process_time(), time.perf_counter()
        result = screen(a, b, depth)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        out[depth] = {
            "pcfs_per_s_wall": count / wall,
            "pcfs_per_s_cpu": count / cpu,
            "ns_per_pcf_step": cpu / count / depth * 1e9,
            "converged_fraction": float(result.converged.mean()),
        }
    return out


def run_identify(spec, executor, db_dir: str, name: str) -> tuple[dict, float]:
    url = f"sqlite:///{db_dir}/{name}.db"
    wall = time.perf_counter()
    with open_store(url) as store:
        report = run_search(store, spec, executor=executor, progress=False)
        keys = {row.canonical_key for row in store.query(search=report.search_id)}
    return {"report": report, "keys": keys}, time.perf_counter() - wall


def sub_box(lo: int, hi: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    box = Space.box(2, (lo, hi), 2, (lo, hi))
    a, b = box.coefficients(0, len(box))
    return [(tuple(int(x) for x in ra), tuple(int(x) for x in rb)) for ra, rb in zip(a, b)]


def held_out(executor, pcfs, constants, chunk: int = 400) -> set[str]:
    tasks = [(pcfs[i:i + chunk], tuple(constants)) for i in range(0, len(pcfs), chunk)]
    keys: set[str] = set()
    for outcome in executor.imap_unordered(independent_identification, tasks):
        if outcome.error:
            raise RuntimeError(outcome.error)
        keys.update(outcome.result)
    return keys


def bench_dynamics(spec, executor, slice_size: int) -> dict:
    space = spec.space()
    block = spec.shard_size
    blocks = max(1, slice_size // block)
    starts = np.linspace(0, len(space) - block, blocks).astype(np.int64)
    tasks = [ShardTask(spec, Shard(i, int(s), int(s) + block)) for i, s in enumerate(starts)]
    wall = time.perf_counter()
    exact = survivors = 0
    cpu = 0.0
    for outcome in executor.imap_unordered(run_task, tasks):
        if outcome.error:
            raise RuntimeError(outcome.error)
        exact += outcome.result.counts["exact"]
        survivors += outcome.result.counts["converged"]
        cpu += outcome.result.counts["cpu_seconds"]
    wall = time.perf_counter() - wall
    pcfs = blocks * block
    return {"pcfs": pcfs, "survivors": survivors, "exact_records": exact, "seconds": wall,
            "pcfs_per_s": pcfs / wall, "pcfs_per_s_per_core": pcfs / cpu, "worker_seconds": cpu}


PLAN_SPECS = ("quickstart", "unsupervised-deg2", "esma-e")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def plan_check(names: list[str], workers: int) -> None:
    """`search plan`'s estimate against the wall time of `search run` (a fresh process each)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    print("| spec | units | shards | estimate (s) | search run, wall (s) | its search (s) | run / estimate | load before, after |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        spec = load_spec(ROOT / "searches" / f"{name}.toml")
        before = loadavg()
        estimate = estimate_search(spec, workers=workers)
        with tempfile.TemporaryDirectory() as tmp:
            command = [sys.executable, "-m", "brouncker", "search", "run", str(ROOT / "searches" / f"{name}.toml"),
                       "--db", f"sqlite:///{tmp}/run.db", "--workers", str(workers), "--json"]
            wall = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp)
            wall = time.perf_counter() - wall
        if done.returncode != 0:
            raise RuntimeError(f"{name}: search run failed: {done.stderr[-500:]}")
        report = json.loads(done.stdout)
        print(f"| {name} | {estimate.pcfs:,} {estimate.unit} | {estimate.shards} | {estimate.estimated_seconds:.1f} | {wall:.1f} "
              f"| {report['seconds']:.1f} | {wall / estimate.estimated_seconds:.2f} | {before}; {loadavg()} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--screen-sample", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=2000, help="random PCFs of the whole space for the held-out check")
    parser.add_argument("--dynamics-slice", type=int, default=20_000)
    parser.add_argument("--scaling-slice", type=int, default=16_000)
    parser.add_argument("--skip-serial", action="store_true", help="skip the serial runs (no scaling figures)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--plan-check", nargs="*", default=None, metavar="SPEC",
                        help=f"only compare `search plan` with `search run` (default specs: {', '.join(PLAN_SPECS)})")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.plan_check is not None:
        plan_check(args.plan_check or list(PLAN_SPECS), args.workers)
        return
    rng = np.random.default_rng(2024)
    spec = load_spec(ROOT / "searches" / "unsupervised-deg2.toml")
    dyn_spec = load_spec(ROOT / "searches" / "unsupervised-deg2-dynamics.toml")
    space = spec.space()
    results: dict = {"space": len(space), "workers": args.workers, "cpus": os.cpu_count()}

    print(f"screening {args.screen_sample:,} PCFs on one core ...", flush=True)
    results["screening"] = bench_screening(space, args.screen_sample, rng)

    with tempfile.TemporaryDirectory() as db_dir:
        print(f"identify mode, whole space, Ray with {args.workers} workers (end to end) ...", flush=True)
        wall = time.perf_counter()
        executor = RayExecutor(workers=args.workers)
        ray_start = time.perf_counter() - wall
        ray_run, ray_seconds = run_identify(spec, executor, db_dir, "ray")
        end_to_end = time.perf_counter() - wall
        report = ray_run["report"]
        results["identify"] = {
            "end_to_end_s": end_to_end, "ray_start_s": ray_start, "search_s": ray_seconds,
            "formulas": len(ray_run["keys"]), "counters": report.counters,
        }
        print(f"  {end_to_end:.1f} s, {len(ray_run['keys'])} formulas", flush=True)

        print("held-out check: sub-box [-2, 2] and a random sample, exact walk + LLL per PCF ...", flush=True)
        box = sub_box(-2, 2)
        pick = rng.choice(len(space), args.sample, replace=False)
        sample = [space.pcf(int(i)) for i in pick]
        wall = time.perf_counter()
        expected_box = held_out(executor, box, spec.constants)
        expected_sample = held_out(executor, sample, spec.constants)
        results["held_out"] = {
            "sub_box_pcfs": len(box), "sub_box_formulas": len(expected_box),
            "sub_box_found": len(expected_box & ray_run["keys"]),
            "sub_box_missed": sorted(expected_box - ray_run["keys"]),
            "sample_pcfs": len(sample), "sample_formulas": len(expected_sample),
            "sample_found": len(expected_sample & ray_run["keys"]),
            "sample_missed": sorted(expected_sample - ray_run["keys"]),
            "seconds": time.perf_counter() - wall,
        }
        print(f"  sub-box: {results['held_out']['sub_box_found']} of {len(expected_box)} found; "
              f"sample: {results['held_out']['sample_found']} of {len(expected_sample)}", flush=True)

        print(f"dynamics mode, {args.dynamics_slice:,}-PCF slice, Ray ...", flush=True)
        results["dynamics"] = bench_dynamics(dyn_spec, executor, args.dynamics_slice)

        if not args.skip_serial:
            print(f"scaling: dynamics mode, {args.scaling_slice:,}-PCF slice, serial then Ray (warm) ...", flush=True)
            moebius_tables(tuple(spec.constants), spec.match.bound)  # warm, as the Ray workers are
            serial = bench_dynamics(dyn_spec, SerialExecutor(), args.scaling_slice)
            on_ray = bench_dynamics(dyn_spec, executor, args.scaling_slice)
            print("scaling: identify mode, whole space, serial then Ray (warm) ...", flush=True)
            serial_run, serial_seconds = run_identify(spec, SerialExecutor(), db_dir, "serial")
            warm_run, warm_seconds = run_identify(spec, executor, db_dir, "warm")
            results["scaling"] = {
                "dynamics_serial_s": serial["seconds"], "dynamics_ray_s": on_ray["seconds"],
                "dynamics_efficiency": serial["seconds"] / (args.workers * on_ray["seconds"]),
                "identify_serial_s": serial_seconds, "identify_ray_s": warm_seconds,
                "identify_efficiency": serial_seconds / (args.workers * warm_seconds),
                "same_formulas": serial_run["keys"] == ray_run["keys"] == warm_run["keys"],
            }
        executor.close()

    dyn = results["dynamics"]
    survivors_full = results["identify"]["counters"].get("converged", 0)
    per_core = dyn["exact_records"] / dyn["worker_seconds"] if dyn["worker_seconds"] else math.nan
    full_core_seconds = len(space) / dyn["pcfs_per_s_per_core"]
    results["projection"] = {
        "dynamics_full_space_2_cores_h": full_core_seconds / 2 / 3600,
        "dynamics_full_space_64_cores_min": full_core_seconds / 64 / 60,
        "exact_records_per_s_per_core": per_core,
        "survivors_full_space": survivors_full,
    }
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


def print_table(r: dict) -> None:
    s, i, h, d, p = r["screening"], r["identify"], r["held_out"], r["dynamics"], r["projection"]
    rows = [
        (
            "screening, depth 200, one core",
            f"{s[200]['pcfs_per_s_cpu']:,.0f} PCFs/s ({s[200]['ns_per_pcf_step']:.1f} ns per PCF-step)", ">= 1,000,000",
        ),
        (
            "screening, depth 1000, one core",
            f"{s[1000]['pcfs_per_s_cpu']:,.0f} PCFs/s ({s[1000]['ns_per_pcf_step']:.1f} ns per PCF-step)", "",
        ),
        (
            f"identify mode, whole space, {r['workers']} workers, end to end",
            f"{i['end_to_end_s']:.1f} s (Ray start {i['ray_start_s']:.1f} s); {i['formulas']} formulas", "<= 60 s",
        ),
        (
            "held-out: sub-box [-2,2], exact walk + LLL per PCF",
            f"{h['sub_box_found']} of {h['sub_box_formulas']} formulas found ({h['sub_box_pcfs']:,} PCFs)", "all",
        ),
        ("held-out: random sample of the space", f"{h['sample_found']} of {h['sample_formulas']} found ({h['sample_pcfs']:,} PCFs)", "all"),
        (
            f"dynamics mode, {d['pcfs']:,}-PCF slice, depth 2000",
            f"{d['pcfs_per_s']:,.0f} PCFs/s; {d['pcfs_per_s_per_core']:,.0f} PCFs/s per core "
            f"({p['exact_records_per_s_per_core']:,.0f} exact records/s per core)",
            ">= 100 per core",
        ),
        (
            "dynamics mode, whole space (projected)",
            f"{p['dynamics_full_space_2_cores_h']:.2f} h on 2 cores; {p['dynamics_full_space_64_cores_min']:.1f} min on 64 cores", "",
        ),
    ]
    if "scaling" in r:
        c = r["scaling"]
        rows.append((
            f"Ray, {r['workers']} workers vs serial: dynamics slice",
            f"{c['dynamics_efficiency'] * 100:.0f}% ({c['dynamics_serial_s']:.1f} s vs {c['dynamics_ray_s']:.1f} s)", ">= 85%",
        ))
        rows.append((
            f"Ray, {r['workers']} workers vs serial: identify run",
            f"{c['identify_efficiency'] * 100:.0f}% ({c['identify_serial_s']:.1f} s vs {c['identify_ray_s']:.1f} s; "
            f"same formulas: {c['same_formulas']})",
            ">= 85%",
        ))
    print("\n| measurement | result | target |\n|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")
    if h["sub_box_missed"] or h["sample_missed"]:
        print("\nmissed (canonical keys):", *(h["sub_box_missed"] + h["sample_missed"]), sep="\n  ")


if __name__ == "__main__":
    main()
