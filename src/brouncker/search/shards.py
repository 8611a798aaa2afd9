"""Shards, plans and shard results: what the driver hands out and gets back, for every kind.

A search enumerates *items* by index: the PCFs of a box, or the left-hand sides of an ESMA
search. A shard is a range ``[start, stop)`` of consecutive indices, and its ``index`` is its
stable id. An item costs ``units_per_item`` units of work: 1 for a PCF, one per sign period
for an ESMA left-hand side (each is expanded with every period). A :class:`Plan` lists the
shards of a whole search; a worker turns one shard into a :class:`ShardResult`.

>>> plan = Plan("esma", items=10, units_per_item=4, shards=tuple(split(10, 4)))
>>> [(s.start, s.stop) for s in plan.shards], plan.units, plan.units_of(plan.shards[-1])
([(0, 4), (4, 8), (8, 10)], 40, 8)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..plain import Plain
from ..records import ConjectureRecord, EdgeRecord, MetricsRecord, PCFRecord

SpecT = TypeVar("SpecT")


@dataclass(frozen=True, slots=True)
class Shard(Plain):
    """The items with index in ``[start, stop)``; ``index`` is its stable id."""

    index: int
    start: int
    stop: int

    def __len__(self) -> int:
        return self.stop - self.start


def split(total: int, size: int) -> list[Shard]:
    """Consecutive ranges of ``size`` items covering ``[0, total)`` (the last may be shorter)."""
    if size < 1:
        raise ValueError("shard size must be positive")
    return [Shard(i, start, min(start + size, total)) for i, start in enumerate(range(0, total, size))]


@dataclass(frozen=True, slots=True)
class Plan:
    """A search's size and shards, computed before the store is touched."""

    kind: str
    items: int  # the size of the index space
    units_per_item: int  # work units of one item (1 for a PCF; sign periods for an ESMA LHS)
    shards: tuple[Shard, ...]

    @property
    def units(self) -> int:
        """Work units of the whole search: PCFs, or (LHS, sign period) pairs."""
        return self.items * self.units_per_item

    def units_of(self, shard: Shard) -> int:
        return len(shard) * self.units_per_item


@dataclass(frozen=True, slots=True)
class ShardResult(Plain):
    """The records of one shard and how many items reached each stage (``counts``);
    ``edges`` are the certified edges of a relate search's shard."""

    shard: Shard
    pcfs: tuple[PCFRecord, ...]
    metrics: tuple[MetricsRecord, ...]
    conjectures: tuple[ConjectureRecord, ...]
    counts: dict[str, float] = field(default_factory=dict)
    edges: tuple[EdgeRecord, ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        """Canonical keys of every PCF this shard recorded."""
        return frozenset(p.canonical_key for p in self.pcfs)


class ShardRun(Generic[SpecT]):
    """The mutable state of one shard's run in a worker: the records gathered, the counters
    (``count_keys``, all zero at the start), the canonical keys already recorded, and the
    timing that :meth:`result` adds to the counters."""

    def __init__(self, spec: SpecT, shard: Shard, search_id: int | None, count_keys: Sequence[str]) -> None:
        self.spec = spec
        self.shard = shard
        self.search_id = search_id
        self.pcfs: list[PCFRecord] = []
        self.metrics: list[MetricsRecord] = []
        self.conjectures: list[ConjectureRecord] = []
        self.seen: set[str] = set()
        self.counts: dict[str, float] = dict.fromkeys(count_keys, 0)
        self.started, self.cpu_started = time.perf_counter(), time.process_time()

    def result(self) -> ShardResult:
        """The shard's records, with its wall and CPU seconds among the counters."""
        self.counts["seconds"] = round(time.perf_counter() - self.started, 4)
        self.counts["cpu_seconds"] = round(time.process_time() - self.cpu_started, 4)
        return ShardResult(self.shard, tuple(self.pcfs), tuple(self.metrics), tuple(self.conjectures), self.counts)
