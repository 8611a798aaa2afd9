"""The kinds of search, and the one place where a new kind plugs in.

The driver (:mod:`brouncker.search.runner`) knows a kind only through its :class:`Kind`:
the spec model it validates (``kind = "..."`` in the spec), the planner that sizes the
search and cuts it into shards before the store is touched, the builder of the picklable
task of each shard, and the task function a worker runs, which returns the shard's
records (:class:`~brouncker.search.shards.ShardResult`). Resume, progress, failure
handling and the store writes are the driver's, the same for every kind.

>>> sorted(kinds())
['cmf', 'esma', 'import', 'pcf', 'relate']
>>> kinds()["esma"].unit
'pairs'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..errors import SpecError
from .shards import Plan, Shard, ShardResult

if TYPE_CHECKING:
    from ..store import Store
    from .spec import SearchSpec

SpecT = TypeVar("SpecT", bound="SearchSpec")
TaskT = TypeVar("TaskT")


@dataclass(frozen=True, slots=True)
class Kind(Generic[SpecT, TaskT]):
    """Everything the driver needs to know about one kind of search."""

    name: str  # the spec's `kind`
    spec_model: type[SpecT]
    unit: str  # what a unit of work is called in progress and reports: "PCFs", "pairs"
    count_keys: tuple[str, ...]  # counters of a shard, summed over the done shards
    summary: tuple[tuple[str, str], ...]  # (counter, words) for the one-line summary of a run
    plan: Callable[[SpecT], Plan]  # size and shards; checks limits; no store, no heavy work
    tasks: Callable[[SpecT, Sequence[Shard], int | None], list[TaskT]]  # (spec, shards, search id)
    work: Callable[[TaskT], ShardResult]  # a module-level function: what a worker runs
    finish: Callable[[Store, int], None] | None = None  # after each run, in the driver (idempotent)


_KINDS: dict[str, Kind[Any, Any]] = {}


def register(kind: Kind[Any, Any]) -> None:
    """Add a kind of search (its name must be new)."""
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"a kind of search named {kind.name!r} is already registered")
    _KINDS[kind.name] = kind


def kinds() -> Mapping[str, Kind[Any, Any]]:
    """Every kind of search, by name (the built-in ones load on first use)."""
    if not _KINDS:
        from .cmf_pipeline import CMF_KIND
        from .esma_pipeline import ESMA_KIND
        from .import_pipeline import IMPORT_KIND
        from .pipeline import PCF_KIND
        from .relate_pipeline import RELATE_KIND

        register(PCF_KIND)
        register(ESMA_KIND)
        register(CMF_KIND)
        register(IMPORT_KIND)
        register(RELATE_KIND)
    return _KINDS


def kind_of(spec: SearchSpec) -> Kind[Any, Any]:
    """The kind of a validated spec."""
    try:
        return kinds()[spec.kind]
    except KeyError:
        raise SpecError(f"{spec.name}: {spec.kind!r} is not a kind of search; known: {', '.join(kinds())}") from None


def plan_search(spec: SearchSpec) -> Plan:
    """The size and shards of a search, before the store is touched."""
    return kind_of(spec).plan(spec)
