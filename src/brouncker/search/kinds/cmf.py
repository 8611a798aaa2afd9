r"""The kind ``cmf``: trajectories and starts of a conservative matrix field.

Its spec (:class:`CMFSpec`) names a known field, its parameters, and the trajectories and
starts to walk. A shard runs in a worker: pure (no database, no Ray), it returns records.
The items of a CMF search are the (parameters, trajectory, start) triples of one known
field (:class:`brouncker.cmf.space.TrajectorySpace`); a shard is a range of them. Each
triple gets

* its trajectory matrix and, for rank 2, its PCF (:func:`brouncker.cmf.companion.trajectory_pcf`:
  canonical, with its shift class and the Möbius map from the PCF's value to the limit);
* its limit to twice the spec's digits (rank 2: the PCF's value from
  :func:`brouncker.pcf.value.pcf_limit` through that map; rank 3 and more: the walk);
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

:data:`KIND` is this kind's entry in the registry of :mod:`brouncker.search.kinds`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import mpmath
from mpmath import mp
from pydantic import Field, field_validator, model_validator

from ...cmf.companion import TrajectoryPCF, trajectory_pcf
from ...cmf.field import CMF
from ...cmf.known import field_shape, known_field, known_fields
from ...cmf.space import Item, TrajectorySpace, count_primitive, rational, signs_of
from ...cmf.trajectory import trajectory_matrix
from ...cmf.walk import matrix_limit, walk
from ...constants import BANK
from ...convergence.dynamics import dynamics
from ...errors import BrounckerError, FieldError, InconclusiveError
from ...identification.identify import RECHECK_FACTOR, identify
from ...limits import (
    CMF_MAX_COORDINATE,
    CMF_MAX_DEPTH,
    CMF_MAX_DIGITS,
    CMF_MAX_NORM,
    CMF_MAX_SPACE,
    CMF_MAX_TASK_SIZE,
    CMF_SECONDS_PER_ITEM,
    HARD_MAX_SPACE,
    HARD_MAX_TASK_SIZE,
    duration,
    number,
)
from ...pcf.canonical import shift_class
from ...precision import LIMIT_GUARD_DIGITS
from ...records import ConjectureKind, ConjectureRecord, DeltaKind, MetricsRecord, PCFRecord
from ..kind import Kind, Limits, SearchSpec, expand, known_constants, value_range
from ..shards import Plan, Shard, ShardResult, ShardRun, split

# --- the spec ---------------------------------------------------------------------------------


def _check_rational(value: Any, what: str) -> None:
    try:
        x = rational(value, what)
    except BrounckerError as exc:
        raise ValueError(str(exc)) from None
    if abs(x.numerator) > CMF_MAX_COORDINATE or x.denominator > CMF_MAX_COORDINATE:
        raise ValueError(f"{what}: {value!r} is too large: numerators and denominators lie within {number(CMF_MAX_COORDINATE)}")


def _range(value: Any, what: str) -> Any:
    """A range of integers or a list of rationals (see :func:`~brouncker.search.kind.value_range`)."""
    return value_range(value, what, _check_rational, CMF_MAX_COORDINATE, CMF_MAX_SPACE)


class CMFLimits(Limits):
    """A CMF search's limits count (parameters, trajectory, start) triples."""

    max_space: int = Field(default=CMF_MAX_SPACE, ge=1, le=HARD_MAX_SPACE)
    max_task_size: int = Field(default=CMF_MAX_TASK_SIZE, ge=1, le=HARD_MAX_TASK_SIZE)


class CMFSpec(SearchSpec):
    """A trajectory search of a known conservative matrix field (``brouncker cmf list``)::

        kind = "cmf"
        name = "zeta3-cmf"
        field = "zeta3"
        constants = ["zeta3"]     # identified against these (default: the whole bank)
        max_norm = 2              # primitive trajectories with entries up to 2 ...
        orthant = "positive"      # ... all >= 0 ("all": any sign; or one of 1, -1, 0 per axis)
        start = [1, 2]            # every axis in [1, 2]; or a table per axis:
        # [start]
        # x = [1, 3]
        # y = { values = ["1/2", 1] }
        # [parameters]            # for fields with parameters: each a range or values
        # c0 = [0, 2]
        # z = { values = ["1/2", -1] }
        digits = 30               # identified at 30 digits, re-checked at 60
        depth = 4096              # deepest walk for a limit
        delta_depth = 1000        # δ of the walk at this depth (blind: against twice the depth)
        dynamics_depth = 2000     # the dynamics record of each trajectory's PCF (for clustering)
        shard_size = 8            # triples per shard

    Its space is the (parameters, trajectory, start) triples, parameters outermost
    (:class:`brouncker.cmf.space.TrajectorySpace`).
    """

    kind: Literal["cmf"] = "cmf"
    field: str
    parameters: dict[str, Any] = Field(default_factory=dict)  # name -> [lo, hi] or {values = [...]}
    max_norm: int = Field(default=2, ge=1, le=CMF_MAX_NORM)
    orthant: str | list[int] = "positive"
    start: Any = [1, 2]  # [lo, hi] or {values = [...]} for every axis, or a table of them by axis
    constants: list[str] = Field(default_factory=lambda: list(BANK))
    pairs: bool = False  # also two-constant relations among the constants
    digits: int = Field(default=30, ge=10, le=CMF_MAX_DIGITS // 2)
    depth: int = Field(default=4096, ge=32, le=CMF_MAX_DEPTH)
    delta_depth: int = Field(default=1000, ge=16, le=CMF_MAX_DEPTH // 2)
    dynamics: bool = True
    dynamics_depth: int = Field(default=2000, ge=16, le=CMF_MAX_DEPTH)
    shard_size: int = Field(default=8, ge=1)
    limits: CMFLimits = CMFLimits()

    @field_validator("constants")
    @classmethod
    def _known_constants(cls, names: list[str]) -> list[str]:
        return known_constants(names)

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameter_ranges(cls, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError("give a table of parameters, e.g. [parameters] c0 = [0, 2]")
        return {str(k): _range(v, f"parameter {k}") for k, v in value.items()}

    @field_validator("start", mode="before")
    @classmethod
    def _start_ranges(cls, value: Any) -> Any:
        if isinstance(value, dict) and set(value) != {"values"}:
            return {str(k): _range(v, f"start.{k}") for k, v in value.items()}
        return _range(value, "start")

    @field_validator("field")
    @classmethod
    def _known_field(cls, name: str) -> str:
        names = [k.name for k in known_fields()]
        if name not in names:
            raise ValueError(f"unknown field '{name}'; known: {', '.join(names)}")
        return name

    @model_validator(mode="after")
    def _within_limits(self) -> CMFSpec:
        """Parameters and starts fit the field, and the number of triples is within the limits,
        counted before any trajectory is listed."""
        axes, parameters = _field_shape(self.field)
        missing = [p for p in parameters if p not in self.parameters]
        unknown = [p for p in self.parameters if p not in parameters]
        if unknown:
            shown = ", ".join(parameters) or "none"
            raise ValueError(f"field {self.field} has no parameter '{unknown[0]}' (parameters: {shown})")
        if missing:
            raise ValueError(f"field {self.field} has parameters {', '.join(parameters)}: give a range or values for "
                             f"each in [parameters] (missing: {', '.join(missing)})")
        try:
            signs = signs_of(self.orthant, len(axes))
        except BrounckerError as exc:
            raise ValueError(str(exc)) from None
        starts = self.start_values()
        trajectories = count_primitive(len(axes), self.max_norm, signs)
        sets = math.prod(len(v) for _, v in self.parameter_values())
        total = sets * trajectories * math.prod(len(v) for v in starts)
        limits = self.limits
        if total > limits.max_space:
            raise ValueError(
                f"the space has {number(total)} (parameters, trajectory, start) triples ({number(sets)} parameter sets x "
                f"{number(trajectories)} trajectories x {number(math.prod(len(v) for v in starts))} starts), over limits.max_space = "
                f"{number(limits.max_space)}: about {duration(total * CMF_SECONDS_PER_ITEM)} of one core; lower max_norm or the "
                "ranges, or raise max_space in [limits] on purpose"
            )
        if self.shard_size > limits.max_task_size:
            raise ValueError(f"shard_size = {number(self.shard_size)} triples is over limits.max_task_size = "
                             f"{number(limits.max_task_size)}: use a smaller shard_size, or raise max_task_size in [limits]")
        shards = -(-total // self.shard_size)
        if shards > limits.max_shards:
            raise ValueError(f"shard_size = {number(self.shard_size)} makes {number(shards)} shards, over limits.max_shards = "
                             f"{number(limits.max_shards)}: use a shard_size of at least {number(-(-total // limits.max_shards))}")
        return self

    def start_values(self) -> list[list[Any]]:
        """The start values of each axis, in axis order."""
        axes, _ = _field_shape(self.field)
        if not isinstance(self.start, dict) or set(self.start) == {"values"}:
            values = expand(self.start)
            return [values for _ in axes]
        unknown = [a for a in self.start if a not in axes]
        if unknown:
            raise ValueError(f"field {self.field} has no axis '{unknown[0]}' (axes: {', '.join(axes)})")
        missing = [a for a in axes if a not in self.start]
        if missing:
            raise ValueError(f"[start] gives no values for axis {', '.join(missing)} of field {self.field}")
        return [expand(self.start[a]) for a in axes]

    def parameter_values(self) -> list[tuple[str, list[Any]]]:
        """Each parameter's values, in the field's parameter order."""
        _, parameters = _field_shape(self.field)
        return [(p, expand(self.parameters[p])) for p in parameters]

    def space(self) -> TrajectorySpace:
        """The :class:`~brouncker.cmf.space.TrajectorySpace` of this spec."""
        axes, _ = _field_shape(self.field)
        return TrajectorySpace.of(len(axes), self.max_norm, self.start_values(), self.orthant, self.parameter_values())


def _field_shape(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The axes and parameters of a known field, by name."""
    return field_shape(name)


# --- one shard --------------------------------------------------------------------------------


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
        delta = points[0].blind_delta(points[1])
        data: dict[str, Any] = {"field": spec.field, **item.as_dict(), "walk_depth": spec.delta_depth,
                                "walk_digits": _finite(points[0].trustworthy_digits), "limit_depth": limit.depth, "method": limit.method}
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
            delta=delta, delta_kind=None if delta is None else DeltaKind.FR,
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


KIND: Kind[CMFSpec, CMFShardTask] = Kind(
    name="cmf",
    spec_model=CMFSpec,
    unit="walks",
    count_keys=COUNT_KEYS,
    summary=SUMMARY,
    plan=plan_cmf,
    tasks=cmf_tasks,
    work=run_cmf_shard,
)
