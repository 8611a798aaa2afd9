r"""One shard of an ESMA search: pure (no database, no Ray), returns records.

The items of an ESMA search are its left-hand sides $P(c)/Q(c)$, in the order of
:func:`brouncker.esma.expansion.enumerate_lhs`; a shard is a chunk of them, each expanded
with every sign period, so its work is (LHS, sign period) pairs. The results of a shard are
deduplicated by value there (:func:`~brouncker.esma.expansion.dedupe`: the first sign
period in the reference's order wins). No two LHS share a value, so that is the rule of the
whole search, whatever order the shards finish in. Each result becomes a conjecture of
kind ``esma``; after a run the driver records its verification at depth 1000
(:func:`record_verifications`).

:data:`ESMA_KIND` is this kind's entry in the registry of :mod:`brouncker.search.kinds`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..constants import parse_constant
from ..errors import SpecError
from ..esma.expansion import (
    ESMA_COUNT_KEYS,
    LHS,
    VERIFY_DEPTH,
    VERIFY_DIGITS,
    ESMAConfig,
    ESMAResult,
    ESMATask,
    dedupe,
    lhs_per_task,
    run_esma_task,
    sign_periods,
)
from ..records import ConjectureKind, ConjectureRecord, Verdict
from .kinds import Kind
from .shards import Plan, Shard, ShardResult, split
from .spec import ESMASpec

if TYPE_CHECKING:
    from ..store import Store

COUNT_KEYS = (*ESMA_COUNT_KEYS, "results")  # results: distinct values found
SUMMARY = (("pairs", "(LHS, period) pairs"), ("approved", "approved by Berlekamp-Massey"), ("verified", "verified"),
           ("results", "distinct values"))
ROW_FIELDS = ("lhs", "signs", "recurrence", "initial_terms", "digits", "convergence_rate", "value", "constant",
              "numerator", "denominator", "partial_quotients", "depth", "closed_form")  # ESMAResult.as_dict()
RELATION_NOTE = "numerator coefficients, then denominator coefficients (highest degree first)"


@dataclass(frozen=True, slots=True)
class ESMAShardTask:
    """What a worker needs: the LHS chunk with every period, its shard, and the search id."""

    task: ESMATask
    shard: Shard
    search_id: int | None = None


@functools.lru_cache(maxsize=4)
def _lhs(config: ESMAConfig) -> tuple[LHS, ...]:
    """The LHS of a configuration, enumerated once per process (planning and tasks share it)."""
    return tuple(config.lhs())


def _periods(config: ESMAConfig) -> tuple[tuple[int, ...], ...]:
    return tuple(sign_periods(*config.cycles))


def plan_esma(spec: ESMASpec) -> Plan:
    """The LHS (enumerated: the spec's limits bounded their number) and their shards."""
    config = spec.config()
    lhs, periods = _lhs(config), _periods(config)
    if not lhs:
        raise SpecError(f"{spec.name}: the space is empty: no LHS of degree {spec.lhs_degree} with coefficients "
                        f"in [-{spec.coeff_limit}, {spec.coeff_limit}] depends on {spec.constant}")
    size = spec.shard_size or lhs_per_task(len(periods))
    return Plan("esma", len(lhs), len(periods), tuple(split(len(lhs), size)))


def esma_tasks(spec: ESMASpec, shards: Sequence[Shard], search_id: int | None) -> list[ESMAShardTask]:
    config = spec.config()
    lhs, periods = _lhs(config), _periods(config)
    text = parse_constant(config.constant).text
    return [
        ESMAShardTask(ESMATask(text, lhs[s.start : s.stop], periods, config.depth, config.prime, config.irregular_start), s, search_id)
        for s in shards
    ]


def conjecture_record(result: ESMAResult, search_id: int | None = None) -> ConjectureRecord:
    r"""The stored form of a result: kind ``esma``, the LHS as expression, and as relation
    the coefficients of $P$ then $Q$ (the limit $y$ satisfies $P(c) - y\,Q(c) = 0$)."""
    names = parse_constant(result.constant).names
    data = result.as_dict()
    data["relation"] = RELATION_NOTE
    return ConjectureRecord(
        kind=ConjectureKind.ESMA,
        expression=result.lhs,
        constants=tuple(names),
        relation=tuple(result.numerator) + tuple(result.denominator),
        digits=result.digits,
        limit=result.value,
        data=data,
        search_id=search_id,
    )


def run_esma_shard(job: ESMAShardTask) -> ShardResult:
    """The executor's entry point: expand, verify and deduplicate one shard; its records."""
    started, cpu_started = time.perf_counter(), time.process_time()
    report = run_esma_task(job.task)
    unique = dedupe(report.results)
    counts: dict[str, float] = {**report.counts.as_dict(), "results": len(unique)}
    counts["seconds"] = round(time.perf_counter() - started, 4)
    counts["cpu_seconds"] = round(time.process_time() - cpu_started, 4)
    return ShardResult(job.shard, (), (), tuple(conjecture_record(r, job.search_id) for r in unique), counts)


def record_verifications(store: Store, search_id: int) -> None:
    """One verification row (depth 1000, the digits agreed) for each ESMA conjecture of the
    search that has none yet: it moves the conjecture to ``verified``."""
    for row in store.query(search=search_id, kind=ConjectureKind.ESMA):
        full = store.get_conjecture(row.id)
        if full is None or full.verifications:
            continue
        digits = (full.data or {}).get("digits", row.digits)
        store.record_verification(row.id, digits_requested=VERIFY_DIGITS, digits_agreed=digits,
                                  depth=VERIFY_DEPTH, seconds=None, verdict=Verdict.VERIFIED)


def esma_rows(store: Store, search_id: int) -> list[dict[str, Any]]:
    """The results of an ESMA search as :meth:`ESMAResult.as_dict` rows, in :func:`dedupe`'s order."""
    rows = []
    for row in store.query(search=search_id, kind=ConjectureKind.ESMA):
        full = store.get_conjecture(row.id)
        data = (full.data if full is not None else None) or {}
        rows.append({key: data.get(key) for key in ROW_FIELDS})
    return sorted(rows, key=lambda r: (r["numerator"] or [], r["denominator"] or [], len(r["signs"] or []), r["signs"] or []))


ESMA_KIND: Kind[ESMASpec, ESMAShardTask] = Kind(
    name="esma",
    spec_model=ESMASpec,
    unit="pairs",
    count_keys=COUNT_KEYS,
    summary=SUMMARY,
    plan=plan_esma,
    tasks=esma_tasks,
    work=run_esma_shard,
    finish=record_verifications,
)
