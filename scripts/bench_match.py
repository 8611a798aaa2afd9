"""Benchmark the Möbius match against the argsort + searchsorted match it replaced.

The limits are those of a real screen: random PCFs of the degree-2 box with coefficients in
[-15, 15], screened at depth 1000, the converged ones kept until there are ``--limits`` of
them. They are matched against the tables of the default spec's constants (every bank
constant) and of six constants, at bound 12, in one call and in blocks of 65,536 (as a shard
of identify mode matches them). Median CPU seconds over ``--repeat`` runs, the reference and
the new match alternating run by run, so that a machine shared with other work loads both
alike; the bucket index, built once per table, is timed on its own. Each run's output is
checked equal to the reference's.

    python scripts/bench_match.py [--limits 2000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Mapping

import numpy as np
from rich.console import Console
from rich.table import Table

from brouncker.constants import BANK
from brouncker.screening.match import (
    MoebiusMatch,
    MoebiusTables,
    bucket_index,
    match,
    match_sorted,
    moebius_tables,
)
from brouncker.screening.screen import screen

BOUND = 12
BLOCK = 65_536  # limits per match call in a shard (brouncker.limits.SCREEN_BLOCK)
SIX = ("pi", "e", "zeta3", "catalan", "ln2", "sqrt2")


reference = match_sorted  # the match before the bucket index: sort the limits, two searchsorted calls


def screened_limits(count: int, seed: int = 0) -> np.ndarray:
    """``count`` converged limits of random degree-2 PCFs with coefficients in [-15, 15], depth 1000."""
    rng = np.random.default_rng(seed)
    parts, have = [], 0
    while have < count:
        a, b = (rng.integers(-15, 16, size=(500_000, 3)) for _ in range(2))
        keep = a.any(axis=1) & b.any(axis=1)
        result = screen(a[keep], b[keep], depth=1000)
        parts.append(result.limits[result.converged])
        have += parts[-1].size
    return np.concatenate(parts)[:count]


def blocks(find: Callable[..., list[MoebiusMatch]], limits: np.ndarray, tables: MoebiusTables) -> list[MoebiusMatch]:
    """``find`` over blocks of :data:`BLOCK` limits, as a shard calls it."""
    return [m for start in range(0, limits.size, BLOCK) for m in find(limits[start:start + BLOCK], tables)]


def interleaved(runs: Mapping[str, Callable[[], object]], repeat: int) -> tuple[dict[str, float], dict[str, object]]:
    """Median CPU seconds of each run, the runs alternating; and each run's last output."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    output: dict[str, object] = {}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.process_time()
            output[name] = run()
            times[name].append(time.process_time() - start)
    return {name: statistics.median(t) for name, t in times.items()}, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    console = Console()
    limits = screened_limits(args.limits)
    match(limits[:10], moebius_tables(SIX, 3))  # compile (or load) the finder before timing
    table = Table(title=f"Möbius match of {limits.size:,} screened limits, bound {BOUND}: CPU seconds, median of "
                        f"{args.repeat} (load {os.getloadavg()[0]:.2f})")
    for column in ("tables", "what", "seconds", "ratio to reference", "matches"):
        table.add_column(column, justify="right" if column in ("seconds", "ratio to reference", "matches") else "left")
    for name, constants in (("default spec", tuple(BANK)), ("six", SIX)):
        tables = moebius_tables(constants, BOUND)
        label = f"{name}: {len(constants)} constants, {tables.values.size:,} values"
        build, _ = interleaved({"index": lambda: bucket_index(tables.values)}, args.repeat)
        coarse = tables.index.starts.size - 1
        table.add_row(label, f"bucket index build ({coarse:,} buckets)", f"{build['index']:.4f}", "", "")
        for how, runs in (
            ("one call", {"reference": lambda: reference(limits, tables), "match": lambda: match(limits, tables)}),
            (f"blocks of {BLOCK:,}", {"reference": lambda: blocks(reference, limits, tables),
                                      "match": lambda: blocks(match, limits, tables)}),
        ):
            seconds, output = interleaved(runs, args.repeat)
            if output["match"] != output["reference"]:
                raise SystemExit(f"{name}, {how}: the match differs from the reference")
            for what in ("reference", "match"):
                found = output[what]
                assert isinstance(found, list)
                table.add_row(label, f"{what}, {how}", f"{seconds[what]:.4f}", f"{seconds[what] / seconds['reference']:.3f}",
                              f"{len(found):,}")
    console.print(table)


if __name__ == "__main__":
    main()
