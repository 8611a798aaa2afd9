#!/usr/bin/env python3
"""Time the full dynamics record over PCFs drawn from the degree-2 space, on one core.

The space: a and b each of degree at most 2 with coefficients in [-5, 5], neither
identically 0 (shown: the median, p95 and max at N = 2000 over 2,000 PCFs; target: median
at most 10 ms). Wall clock and the thread's CPU time are both shown: on a
shared machine the CPU time is the figure that other processes do not inflate.

    python scripts/bench_dynamics.py [--count 2000] [--depth 2000] [--seed 2412] [--profile]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import random
import statistics
import time

from brouncker.convergence.dynamics import dynamics, sample_depths
from brouncker.pcf.walk import walk_checkpoints

COEFFICIENT_LIMIT = 5


def draw(rng: random.Random) -> tuple[int, int, int]:
    """A polynomial of degree at most 2, coefficients uniform in [-5, 5], not identically 0."""
    while True:
        coeffs = tuple(rng.randint(-COEFFICIENT_LIMIT, COEFFICIENT_LIMIT) for _ in range(3))
        if any(coeffs):
            return coeffs  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--depth", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2412)
    parser.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pcfs = [(draw(rng), draw(rng)) for _ in range(args.count)]
    dynamics(*pcfs[0], depth=args.depth)  # warm up imports and caches

    profiler = cProfile.Profile() if args.profile else None
    times: list[float] = []
    cpu: list[float] = []
    kinds: collections.Counter[str] = collections.Counter()
    slowest = (0.0, pcfs[0])
    if profiler:
        profiler.enable()
    for a, b in pcfs:
        start, start_cpu = time.perf_counter(), time.thread_time()
        record = dynamics(a, b, depth=args.depth)
        elapsed = (time.perf_counter() - start) * 1000
        cpu.append((time.thread_time() - start_cpu) * 1000)
        times.append(elapsed)
        kinds[record.convergence] += 1
        slowest = max(slowest, (elapsed, (a, b)))
    if profiler:
        profiler.disable()
    walk_cpu: list[float] = []  # the exact walk alone, for comparison
    checkpoints = [*sample_depths(args.depth), args.depth]
    for a, b in pcfs:
        start_cpu = time.thread_time()
        walk_checkpoints(a, b, checkpoints)
        walk_cpu.append((time.thread_time() - start_cpu) * 1000)

    print(f"dynamics record at N = {args.depth}, {args.count} PCFs of the degree-2 space (seed {args.seed}), one core")
    print(f"{'per PCF':>12} {'median ms':>10} {'p95 ms':>10} {'max ms':>10} {'mean ms':>10} {'total s':>10}")
    for label, values in (("wall clock", times), ("CPU time", cpu), ("walk CPU", walk_cpu)):
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        print(f"{label:>12} {statistics.median(values):10.2f} {p95:10.2f} {values[-1]:10.2f} "
              f"{statistics.fmean(values):10.2f} {sum(values) / 1000:10.2f}")
    print("convergence: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    print(f"slowest: a = {slowest[1][0]}, b = {slowest[1][1]} ({slowest[0]:.1f} ms)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)


if __name__ == "__main__":
    main()
