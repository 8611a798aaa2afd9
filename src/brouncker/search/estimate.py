"""How long a search will take on this machine, from a timed sample of its own tasks.

The plan gives the size and the shards; then slices of the index space, spread evenly over
it, run serially through the kind's own task function, growing fourfold until the sample
has taken about ``budget`` seconds or covers a fifth of the search. The estimate is

    start-up + planning + warm-up + (seconds per unit x units) / workers

where planning is what the run repeats before its first task (the enumeration of ESMA's
LHS) and warm-up the first task's extra time (Möbius tables, constants), paid once per
worker, in parallel. Start-up is timed too: a fresh interpreter importing the command line
and the kind's worker module, which the driver pays once and Ray's workers once more, in
parallel; the schema of a new database (timed on an in-memory SQLite store, as a first run
pays it); and, with Ray, the start and stop of the local instance, a constant measured on
a quiet machine and stretched by the load average (Ray starts several processes). Nothing
touches the user's database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..limits import PLAN_SAMPLE_SECONDS
from .kinds import kind_of
from .shards import Shard

if TYPE_CHECKING:
    from .spec import SearchSpec

RAY_SECONDS = 4.0  # start and stop of the private local Ray instance on a quiet 2-core machine
SAMPLE_SLICES = 8  # slices per round, spread over the index space
FIRST_SLICE = 4  # items per slice in the first timed round; x4 each round
SAMPLE_FRACTION = 0.2  # after the first round, the sample grows up to this share of the search


@dataclass(frozen=True, slots=True)
class Estimate:
    """The size of a search and its estimated time here; ``pcfs`` counts the kind's units
    (PCFs, or (LHS, sign period) pairs for ESMA)."""

    name: str
    kind: str
    unit: str
    pcfs: int
    shards: int
    estimated_seconds: float
    workers: int
    sample_units: int
    sample_seconds: float
    seconds_per_unit: float
    planning_seconds: float
    startup_seconds: float
    warmup_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "unit": self.unit,
            "pcfs": self.pcfs,
            "shards": self.shards,
            "estimated_seconds": self.estimated_seconds,
            "workers": self.workers,
            "sample": {"units": self.sample_units, "seconds": self.sample_seconds, "seconds_per_unit": self.seconds_per_unit},
            "planning_seconds": self.planning_seconds,
            "startup_seconds": self.startup_seconds,
            "warmup_seconds": self.warmup_seconds,
        }


def _slices(items: int, size: int, count: int, first_index: int) -> list[Shard]:
    """``count`` ranges of ``size`` items spread evenly over ``[0, items)`` (fewer when they would overlap)."""
    size = max(1, min(size, items))
    count = max(1, min(count, items // size))
    stride = (items - size) / max(count - 1, 1)
    starts = sorted({int(round(i * stride)) for i in range(count)})
    return [Shard(first_index + n, start, start + size) for n, start in enumerate(starts)]


def process_start_seconds(module: str) -> float:
    """Seconds a fresh interpreter takes to import the command line and ``module`` (timed here)."""
    clock = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import brouncker.cli, {module}"], check=False, capture_output=True)
    return time.perf_counter() - clock


def new_store_seconds() -> float:
    """Seconds to open a new, empty store (its schema made by the migrations), in memory."""
    from ..store import open_store

    clock = time.perf_counter()
    open_store("sqlite://").close()
    return time.perf_counter() - clock


def load_stretch() -> float:
    """How much slower than on a quiet machine a start of many processes runs now: the
    load average per CPU, at least 1."""
    try:
        return max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    except OSError:
        return 1.0


def estimate_search(spec: SearchSpec, workers: int | None = None, budget: float = PLAN_SAMPLE_SECONDS) -> Estimate:
    """Plan the search, run a timed sample of its tasks here, and scale (see the module docstring).

    ``workers`` as for ``search run``: None means every CPU on Ray, 0 serially in one process.
    """
    kind = kind_of(spec)
    started = time.perf_counter()
    plan = kind.plan(spec)
    planning = time.perf_counter() - started
    per_unit_of_item = plan.units_per_item

    def run(shards: list[Shard]) -> tuple[int, float]:
        units, seconds = 0, 0.0
        for task, shard in zip(kind.tasks(spec, shards, None), shards):
            clock = time.perf_counter()
            kind.work(task)
            seconds += time.perf_counter() - clock
            units += len(shard) * per_unit_of_item
        return units, seconds

    warm_units, warm_seconds = run(_slices(plan.items, 1, 1, 0))
    sample_units, sample_seconds, size, rounds = 0, 0.0, FIRST_SLICE, 1
    while sample_seconds < budget:
        room = max(SAMPLE_FRACTION * plan.units - sample_units, 0) if sample_units else plan.units - warm_units
        size = min(size, int(room) // (SAMPLE_SLICES * per_unit_of_item))
        if size < 1:
            break  # a larger sample would be a good part of the search itself
        if sample_units and sample_seconds / sample_units * SAMPLE_SLICES * size * per_unit_of_item > 2 * budget:
            break  # the next round alone would take far longer than the budget
        units, seconds = run(_slices(plan.items, size, SAMPLE_SLICES, rounds * SAMPLE_SLICES))
        sample_units, sample_seconds = sample_units + units, sample_seconds + seconds
        size, rounds = size * 4, rounds + 1
    if sample_units == 0:  # the warm-up task was the whole search
        sample_units, sample_seconds, warmup = warm_units, warm_seconds, 0.0
    else:
        warmup = max(0.0, warm_seconds - warm_units * sample_seconds / sample_units)
    rate = sample_seconds / sample_units
    lanes = 1 if workers == 0 else max(1, min(workers or os.cpu_count() or 1, len(plan.shards)))
    driver = process_start_seconds(kind.work.__module__) + new_store_seconds()
    startup = driver if workers == 0 else driver + process_start_seconds(kind.work.__module__) + RAY_SECONDS * load_stretch()
    total = startup + planning + warmup + rate * plan.units / lanes
    return Estimate(
        name=spec.name,
        kind=kind.name,
        unit=kind.unit,
        pcfs=plan.units,
        shards=len(plan.shards),
        estimated_seconds=round(total, 2),
        workers=lanes,
        sample_units=sample_units,
        sample_seconds=round(sample_seconds, 3),
        seconds_per_unit=rate,
        planning_seconds=round(planning, 3),
        startup_seconds=round(startup, 3),
        warmup_seconds=round(warmup, 3),
    )
