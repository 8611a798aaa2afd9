r"""One shard of a CMF trajectory search: pure (no database, no Ray), returns records.

The items of a CMF search are the (parameters, trajectory, start) triples of one known
field (:class:`brouncker.cmf.space.TrajectorySpace`); a shard is a range of them. Each
triple gets

* its trajectory matrix and, for rank 2, its PCF (:func:`brouncker.cmf.companion.trajectory_pcf`:
  canonical, with its shift class and the Möbius map from the PCF's value to the limit);
* its limit to twice the spec's digits (rank 2: the PCF's value from
  :func:`brouncker.pcf.limit.pcf_limit` through that map; rank 3 and more: the walk);
* an identification against the spec's constants (:func:`brouncker.identification.identify`,
  found at ``digits``, re-checked at twice as many);
* δ of the walk at ``delta_depth`` (blind, against the walk at twice that depth, with the
  reduced denominators $q / \gcd(p, q)$: a ``fr`` δ);
* for rank 2, the PCF's record and its dynamics record (what clustering reads).

A triple whose matrix is singular, whose walk collapses to a rational, whose limit does not
settle within ``depth``, or whose limit is rational gives no conjecture (the counters say
how many). A limit that no constant explains is kept as a candidate value. Conjectures are
of kind ``cmf``, keyed by (field, parameters, trajectory, start); their ``a, b`` and
canonical key are the trajectory's PCF, their ``expression`` is the trajectory's limit
(ramanujantools' projection: $W_N[0, r-1] / W_N[1, r-1]$), and ``data`` holds the
field, parameters, trajectory, start, the PCF's shift class key and the map.

:data:`CMF_KIND` is this kind's entry in the registry of :mod:`brouncker.search.kinds`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
from mpmath import mp

from ..cmf.companion import TrajectoryPCF, trajectory_pcf
from ..cmf.field import CMF
from ..cmf.known import known_field
from ..cmf.space import Item, TrajectorySpace
from ..cmf.trajectory import trajectory_matrix
from ..cmf.walk import blind_delta, matrix_limit, walk
from ..convergence.dynamics import dynamics
from ..errors import FieldError, InconclusiveError
from ..identification.identify import RECHECK_FACTOR, identify
from ..pcf.canonical import shift_class
from ..precision import LIMIT_GUARD_DIGITS
from ..records import ConjectureKind, ConjectureRecord, DeltaKind, MetricsRecord, PCFRecord
from .kinds import Kind
from .shards import Plan, Shard, ShardResult, ShardRun, split
from .spec import CMFSpec

COUNT_KEYS = ("walks", "singular", "no_pcf", "collapsed", "inconclusive", "rational", "identified", "candidates", "pcfs")
SUMMARY = (("walks", "trajectories walked"), ("identified", "identified"), ("candidates", "candidate values"),
           ("inconclusive", "inconclusive"), ("pcfs", "PCFs"))


@dataclass(frozen=True, slots=True)
class CMFShardTask:
    """What a worker needs: the spec, its shard, and the search the records belong to."""

    spec: CMFSpec
    shard: Shard
    search_id: int | None = None


_SPACES: dict[str, TrajectorySpace] = {}


def _space(spec: CMFSpec) -> TrajectorySpace:
    """The space of a spec, built once per process (by the spec's hash)."""
    space = _SPACES.get(spec.hash)
    if space is None:
        if len(_SPACES) >= 4:
            _SPACES.clear()
        space = _SPACES[spec.hash] = spec.space()
    return space


@functools.lru_cache(maxsize=256)
def field_at(name: str, parameters: tuple[tuple[str, Fraction], ...]) -> CMF:
    """The known field ``name`` with ``parameters`` substituted, built once per process."""
    return known_field(name, **dict(parameters))


def plan_cmf(spec: CMFSpec) -> Plan:
    """The triples (counted by the spec's validation, listed here) and their shards."""
    space = _space(spec)
    return Plan("cmf", len(space), 1, tuple(split(len(space), spec.shard_size)))


def cmf_tasks(spec: CMFSpec, shards: Sequence[Shard], search_id: int | None) -> list[CMFShardTask]:
    return [CMFShardTask(spec, shard, search_id) for shard in shards]


class _Shard(ShardRun[CMFSpec]):
    """The mutable state of one shard's run: records gathered, counters, PCFs seen."""

    def __init__(self, spec: CMFSpec, shard: Shard, search_id: int | None) -> None:
        super().__init__(spec, shard, search_id, COUNT_KEYS)

    def run(self, item: Item) -> None:
        """Walk one triple and keep its records (see the module docstring)."""
        spec = self.spec
        self.counts["walks"] += 1
        try:
            field = field_at(spec.field, item.parameters)
            tm = trajectory_matrix(field, item.trajectory, item.start)
        except FieldError:
            self.counts["singular"] += 1
            return
        tp: TrajectoryPCF | None = None
        if tm.rank == 2:
            try:
                tp = trajectory_pcf(tm)
            except FieldError:
                self.counts["no_pcf"] += 1
                return
            if tp.mobius is None:
                self.counts["collapsed"] += 1
                return
        deep = RECHECK_FACTOR * spec.digits
        try:
            limit = matrix_limit(tm, deep + LIMIT_GUARD_DIGITS, spec.depth, tp)
            points = walk(tm, [spec.delta_depth, 2 * spec.delta_depth])
        except InconclusiveError:
            self.counts["inconclusive"] += 1
            return
        except FieldError:
            self.counts["singular"] += 1
            return
        found = identify(limit.value, spec.digits, spec.constants, pairs=spec.pairs, deeper=limit.value, deeper_digits=deep)
        if found is not None and not found.constants:
            self.counts["rational"] += 1
            return
        delta = blind_delta(points[0], points[1])
        data: dict[str, Any] = {"field": spec.field, **item.as_dict(), "walk_depth": spec.delta_depth,
                                "walk_digits": _finite(points[0].digits), "limit_depth": limit.depth, "method": limit.method}
        key = a = b = None
        if tp is not None:
            key, a, b = tp.key, tp.pcf.a, tp.pcf.b
            assert tp.mobius is not None
            data.update({"class_key": shift_class(tp.pcf).class_key, "mobius": list(tp.mobius.coefficients),
                         "value_map": f"limit = {tp.mobius.text('V')}, V = PCF(a, b)", "offset": tp.offset})
            self._pcf(key, a, b)
        with mp.workdps(deep):
            text = mpmath.nstr(limit.value, deep, strip_zeros=False)
        self.counts["identified" if found else "candidates"] += 1
        self.conjectures.append(ConjectureRecord.of_value(
            ConjectureKind.CMF, found, text, deep, canonical_key=key, a=a, b=b,
            delta=delta if math.isfinite(delta) else None, delta_kind=DeltaKind.FR if math.isfinite(delta) else None,
            data=data, search_id=self.search_id,
        ))

    def _pcf(self, key: str, a: tuple[int, ...], b: tuple[int, ...]) -> None:
        """The trajectory's PCF once per shard, with its dynamics record when the spec asks."""
        if key in self.seen:
            return
        self.seen.add(key)
        self.counts["pcfs"] += 1
        self.pcfs.append(PCFRecord(key, a, b, self.search_id))
        if self.spec.dynamics:
            record = dynamics(a, b, self.spec.dynamics_depth, limit_digits=self.spec.digits)
            self.metrics.append(MetricsRecord(key, self.spec.dynamics_depth, record.as_dict()))



def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def run_cmf_shard(job: CMFShardTask) -> ShardResult:
    """The executor's entry point: walk every triple of one shard; its records."""
    state = _Shard(job.spec, job.shard, job.search_id)
    for item in _space(job.spec).items(job.shard.start, job.shard.stop):
        state.run(item)
    return state.result()


CMF_KIND: Kind[CMFSpec, CMFShardTask] = Kind(
    name="cmf",
    spec_model=CMFSpec,
    unit="walks",
    count_keys=COUNT_KEYS,
    summary=SUMMARY,
    plan=plan_cmf,
    tasks=cmf_tasks,
    work=run_cmf_shard,
)
