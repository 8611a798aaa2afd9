r"""The kind ``esma``: signed continued fractions of $P(c)/Q(c)$ (arXiv 2212.09470).

Its spec (:class:`ESMASpec`, or the :class:`ESMAConfig` of ``brouncker esma``) names a
constant, the left-hand sides and the sign periods. The items of an ESMA search are its
left-hand sides $P(c)/Q(c)$, in the order of :func:`brouncker.esma.expansion.enumerate_lhs`;
a shard is a chunk of them, each expanded with every sign period, so its work is (LHS, sign
period) pairs (:func:`run_esma_task`: expansion, Berlekamp–Massey filter, rebuild and
verification, all from :mod:`brouncker.esma.expansion`). The results of a shard are
deduplicated by value there (:func:`dedupe`: the first sign period in the reference's order
wins). No two LHS share a value, so that is the rule of the whole search, whatever order the
shards finish in. Each result becomes a conjecture of kind ``esma``; after a run the driver
records its verification at depth 1000 (:func:`record_verifications`).
:func:`esma_search` runs the same tasks serially, without a store.

:data:`KIND` is this kind's entry in the registry of :mod:`brouncker.search.kinds`.

>>> lhs_per_task(4), lhs_per_task(5000)
(256, 1)
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import flint
from mpmath import mp, mpf
from pydantic import Field, field_validator, model_validator

from ...constants import ConstantExpression, parse_constant
from ...errors import BrounckerError, LimitError, SpecError
from ...esma.expansion import (
    DEFAULT_COEFF_LIMIT,
    DEFAULT_CYCLES,
    DEFAULT_DEPTH,
    DEFAULT_LHS_DEGREE,
    IRREGULAR_START,
    LHS,
    MIN_DEPTH,
    VERIFY_DEPTH,
    VERIFY_DIGITS,
    ESMAResult,
    count_sign_periods,
    enumerate_lhs,
    expansion_dps,
    lhs_bound,
    lhs_interval,
    max_register_length,
    parse_cycles,
    sign_periods,
    signed_expansion_of_interval,
    to_mpfr,
    verify_candidate,
)
from ...esma.sequences import DEFAULT_PRIME, berlekamp_massey_mod
from ...limits import (
    ESMA_BYTES_PER_LHS,
    ESMA_BYTES_PER_PERIOD,
    ESMA_MAX_COEFF_LIMIT,
    ESMA_MAX_CYCLE,
    ESMA_MAX_DEPTH,
    ESMA_MAX_LHS_DEGREE,
    ESMA_MAX_SPACE,
    ESMA_MAX_TASK_SIZE,
    ESMA_SECONDS_PER_PAIR,
    HARD_MAX_SPACE,
    HARD_MAX_TASK_SIZE,
    check_memory,
    duration,
    number,
    size,
)
from ...precision import ESMA_ENUMERATION_DPS, ESMA_GUARD_DIGITS
from ...records import ConjectureKind, ConjectureRecord, Verdict
from ..kind import Kind, Limits, SearchSpec, validate
from ..shards import Plan, Shard, ShardResult, split

if TYPE_CHECKING:
    from ...store import Store

TASK_PAIRS = 1024  # (LHS, sign period) pairs per task: about 0.3-0.5 s at depth 100


# --- what a search looks at ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ESMAConfig:
    """What an ESMA search looks at (the CLI options and the spec file's keys)."""

    constant: str
    lhs_degree: int = DEFAULT_LHS_DEGREE
    coeff_limit: int = DEFAULT_COEFF_LIMIT
    cycles: tuple[int, int] = DEFAULT_CYCLES
    depth: int = DEFAULT_DEPTH
    prime: int = DEFAULT_PRIME
    irregular_start: bool = IRREGULAR_START

    def as_dict(self) -> dict:
        return {"constant": self.constant, "lhs_degree": self.lhs_degree, "coeff_limit": self.coeff_limit,
                "cycles": f"{self.cycles[0]}..{self.cycles[1]}", "depth": self.depth, "prime": self.prime,
                "irregular_start": self.irregular_start}

    def check(self) -> None:
        """Raise a one-line :class:`BrounckerError` for values the search cannot use."""
        parse_constant(self.constant)
        if self.lhs_degree < 0 or self.coeff_limit < 1:
            raise BrounckerError("the LHS degree must be >= 0 and the coefficient limit >= 1")
        k1, k2 = self.cycles
        if k1 < 1 or k2 < k1:
            raise BrounckerError(f"cycles {k1}..{k2}: need 1 <= K1 <= K2")
        if k2 > ESMA_MAX_CYCLE:
            raise BrounckerError(f"cycles {k1}..{k2}: sign periods longer than {ESMA_MAX_CYCLE} are not supported")
        if self.depth < MIN_DEPTH:
            raise BrounckerError(f"depth {self.depth} is too small: use at least {MIN_DEPTH}")
        if self.depth > ESMA_MAX_DEPTH:
            raise BrounckerError(f"depth {self.depth} is too large: at most {ESMA_MAX_DEPTH}")
        if self.prime < 3 or not flint.fmpz(self.prime).is_prime():
            raise BrounckerError(f"prime {self.prime} is not an odd prime")

    def lhs(self) -> list[LHS]:
        """The search's left-hand sides, in :func:`enumerate_lhs`'s order."""
        expression = _constant(self.constant)
        with mp.workdps(ESMA_ENUMERATION_DPS + ESMA_GUARD_DIGITS):
            c = expression.value(ESMA_ENUMERATION_DPS + ESMA_GUARD_DIGITS)
        return enumerate_lhs(c, self.lhs_degree, self.coeff_limit)


def lhs_per_task(periods: int) -> int:
    """LHS per task so that a task holds about ``TASK_PAIRS`` (LHS, period) pairs."""
    return max(1, TASK_PAIRS // max(periods, 1))


class ESMALimits(Limits):
    """ESMA's limits count (LHS, sign period) pairs."""

    max_space: int = Field(default=ESMA_MAX_SPACE, ge=1, le=HARD_MAX_SPACE)
    max_task_size: int = Field(default=ESMA_MAX_TASK_SIZE, ge=1, le=HARD_MAX_TASK_SIZE)


class ESMASpec(SearchSpec):
    """An ESMA search: LHS $P(c)/Q(c)$ and sign periods (arXiv 2212.09470)::

        kind = "esma"
        name = "esma-e"
        constant = "e"            # a bank name or a constant expression
        lhs_degree = 1            # degree of P and Q
        coeff_limit = 2           # coefficients of P and Q in [-2, 2]
        cycles = "2..2"           # sign-period lengths, or [2, 2]
        depth = 105               # partial quotients per (LHS, sign period)
        prime = 199               # of the Berlekamp-Massey filter
        irregular_start = false   # also keep recurrences that hold only after some first terms
        # shard_size = 64         # LHS per shard (default: about 1024 pairs per shard)

    Its space is the (LHS, sign period) pairs; each shard is a chunk of LHS with every
    sign period.
    """

    kind: Literal["esma"] = "esma"
    constant: str
    lhs_degree: int = Field(default=DEFAULT_LHS_DEGREE, ge=0, le=ESMA_MAX_LHS_DEGREE)
    coeff_limit: int = Field(default=DEFAULT_COEFF_LIMIT, ge=1, le=ESMA_MAX_COEFF_LIMIT)
    cycles: str = f"{DEFAULT_CYCLES[0]}..{DEFAULT_CYCLES[1]}"
    depth: int = Field(default=DEFAULT_DEPTH, ge=MIN_DEPTH, le=ESMA_MAX_DEPTH)
    prime: int = Field(default=DEFAULT_PRIME, ge=3)
    irregular_start: bool = IRREGULAR_START
    shard_size: int | None = Field(default=None, ge=1)
    limits: ESMALimits = ESMALimits()

    @field_validator("constant")
    @classmethod
    def _constant(cls, value: str) -> str:
        try:
            parse_constant(value)
        except BrounckerError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("cycles", mode="before")
    @classmethod
    def _cycles(cls, value: Any) -> str:
        """``"K1..K2"``, ``"K"`` or ``[K1, K2]``, kept as ``"K1..K2"`` (one hash for all three)."""
        try:
            if isinstance(value, str):
                k1, k2 = parse_cycles(value)
            elif isinstance(value, (list, tuple)) and len(value) == 2 and all(type(k) is int for k in value):
                k1, k2 = value
                if not 1 <= k1 <= k2:
                    raise ValueError(f"need 1 <= K1 <= K2, got {list(value)}")
            else:
                raise ValueError("give 'K1..K2' or [K1, K2]")
        except BrounckerError as exc:
            raise ValueError(str(exc)) from None
        return f"{k1}..{k2}"

    @model_validator(mode="after")
    def _within_limits(self) -> ESMASpec:
        """The configuration is usable and its estimated size within the limits, before any
        LHS is enumerated."""
        config = self.config()
        try:
            config.check()
        except BrounckerError as exc:
            raise ValueError(str(exc)) from None
        periods = count_sign_periods(*config.cycles)
        lhs = lhs_bound(self.lhs_degree, self.coeff_limit)
        pairs = lhs * periods
        memory = lhs * ESMA_BYTES_PER_LHS + periods * (ESMA_BYTES_PER_PERIOD + 8 * config.cycles[1])
        limits = self.limits
        if pairs > limits.max_space:
            scale = (self.depth / DEFAULT_DEPTH) ** 2  # the expansion's precision grows with its depth
            raise ValueError(
                f"up to {number(pairs)} (LHS, sign period) pairs ({number(lhs)} LHS x {number(periods)} periods), about "
                f"{size(memory)} of memory and {duration(pairs * ESMA_SECONDS_PER_PAIR * scale)} of one core, "
                f"over limits.max_space = {number(limits.max_space)}: lower lhs_degree, coeff_limit or cycles, "
                "or raise max_space on purpose"
            )
        try:
            check_memory(memory, f"enumerating up to {number(lhs)} LHS and {number(periods)} sign periods",
                         "lower lhs_degree, coeff_limit or cycles")
        except LimitError as exc:
            raise ValueError(str(exc)) from None
        chunk = self.shard_size or lhs_per_task(periods)
        if chunk * periods > limits.max_task_size:
            raise ValueError(
                f"a shard of {number(chunk)} LHS x {number(periods)} sign periods is {number(chunk * periods)} pairs, over "
                f"limits.max_task_size = {number(limits.max_task_size)}: use fewer cycles or a smaller shard_size, or raise max_task_size"
            )
        if -(-lhs // chunk) > limits.max_shards:
            raise ValueError(
                f"shard_size = {number(chunk)} makes up to {number(-(-lhs // chunk))} shards, over limits.max_shards = "
                f"{number(limits.max_shards)}: use a larger shard_size, or raise max_shards"
            )
        return self

    def config(self) -> ESMAConfig:
        """The configuration of :mod:`brouncker.esma.expansion` that this spec describes."""
        k1, k2 = parse_cycles(self.cycles)
        return ESMAConfig(self.constant, self.lhs_degree, self.coeff_limit, (k1, k2), self.depth, self.prime, self.irregular_start)

    @classmethod
    def of(cls, config: ESMAConfig, name: str | None = None, **extra: Any) -> ESMASpec:
        """The spec of a configuration (the ``brouncker esma`` shortcut), validated like a file."""
        data = {"kind": "esma", "name": name or f"esma {config.constant}", **config.as_dict(), **extra}
        return validate(cls, data, "esma")


# --- the tasks -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ESMATask:
    """One shard of a search: a chunk of LHS, each with every sign period (picklable).

    Every period of an LHS is in the same task, so :func:`dedupe` of one task's results
    is already the search's rule for those LHS: no two LHS share a value
    (:func:`~brouncker.esma.expansion.enumerate_lhs`), and the first period of a value is decided within the task.
    """

    constant: str
    lhs: tuple[LHS, ...]
    periods: tuple[tuple[int, ...], ...]
    depth: int = DEFAULT_DEPTH
    prime: int = DEFAULT_PRIME
    irregular_start: bool = IRREGULAR_START


ESMA_COUNT_KEYS = ("pairs", "stopped_zero", "stopped_precision", "dropped_irregular", "approved", "verified")


@dataclass(frozen=True, slots=True)
class ESMACounts:
    """What happened to the (LHS, period) pairs of a search, for the record.

    ``dropped_irregular`` counts the recurrences dropped because their first terms do not
    follow them (none when irregular starts are kept).
    """

    pairs: int = 0
    stopped_zero: int = 0
    stopped_precision: int = 0
    dropped_irregular: int = 0
    approved: int = 0
    verified: int = 0

    def __add__(self, other: ESMACounts) -> ESMACounts:
        return ESMACounts(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple())))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.pairs, self.stopped_zero, self.stopped_precision, self.dropped_irregular, self.approved, self.verified)

    def as_dict(self) -> dict[str, int]:
        return dict(zip(ESMA_COUNT_KEYS, self.as_tuple()))


@dataclass(frozen=True, slots=True)
class TaskReport:
    """The verified results of one task and its counters."""

    results: tuple[ESMAResult, ...]
    counts: ESMACounts = field(default_factory=ESMACounts)


def _constant(text: str | ConstantExpression) -> ConstantExpression:
    return text if isinstance(text, ConstantExpression) else parse_constant(text)


def run_esma_task(task: ESMATask) -> TaskReport:
    """Expand, filter, rebuild and verify every LHS of the task with every sign period."""
    constant = _constant(task.constant)
    dps = expansion_dps(task.depth)
    with mp.workdps(dps + ESMA_GUARD_DIGITS):
        c = constant.value(dps + ESMA_GUARD_DIGITS)
    counts = [0, 0, 0, 0, 0, 0]
    results: list[ESMAResult] = []
    cache: dict[int, mpf] = {}
    limit = max_register_length(task.depth)
    bits = int((dps + ESMA_GUARD_DIGITS) * 3.3219280948873626)
    c_fast = to_mpfr(c, bits)
    intervals = [lhs_interval(lhs, c_fast, dps, bits) for lhs in task.lhs]
    for signs in task.periods:
        for lhs, (lo, hi, scale) in zip(task.lhs, intervals):
            counts[0] += 1
            expansion = signed_expansion_of_interval(lo, hi, scale, signs, task.depth)
            if expansion.stop is not None:
                counts[1 if expansion.stop == "zero" else 2] += 1
                continue
            register = berlekamp_massey_mod(expansion.partial_quotients, task.prime, max_length=limit)
            if register is None:
                continue
            if not task.irregular_start and len(register.coefficients) != register.length + 1:
                counts[3] += 1  # the first terms do not follow the recurrence
                continue
            counts[4] += 1
            result = verify_candidate(constant, lhs, signs, expansion.partial_quotients, register, task.depth, cache)
            if result is not None:
                counts[5] += 1
                results.append(result)
    return TaskReport(tuple(results), ESMACounts(*counts))


def dedupe(results: Iterable[ESMAResult]) -> list[ESMAResult]:
    """One result per value: the first by sign period (length, then the reference's order)."""
    best: dict[str, ESMAResult] = {}
    for result in sorted(results, key=ESMAResult.sort_key):
        best.setdefault(result.value, result)
    return sorted(best.values(), key=lambda r: (r.numerator, r.denominator, len(r.signs), r.signs))


def config_tasks(config: ESMAConfig, chunk: int | None = None) -> list[ESMATask]:
    """The tasks of a search: chunks of ``chunk`` LHS (default :func:`lhs_per_task`), each
    with every sign period in the reference's order."""
    config.check()
    lhs = config.lhs()
    periods = tuple(sign_periods(*config.cycles))
    per_task = chunk or lhs_per_task(len(periods))
    text = _constant(config.constant).text
    return [ESMATask(text, tuple(lhs[i : i + per_task]), periods, config.depth, config.prime, config.irregular_start)
            for i in range(0, len(lhs), per_task)]


def esma_search(config: ESMAConfig) -> list[ESMAResult]:
    r"""Run ESMA serially and return the verified results, one per value.

    The reference configuration (e, degree 1, coefficients in [−2, 2], periods of length
    2, depth 105) gives exactly the 13 results of the reference implementation
    (``ESMA/APITesting.py`` of RamanujanMachine). The rules that give that count:

    - an LHS is a canonical rational function of $c$ up to sign (see :func:`~brouncker.esma.expansion.enumerate_lhs`:
      112 of them here), like the reference's set of ``abs(simplify(P/Q))``;
    - an expansion with a zero partial quotient, $a_0$ included, is dropped
      (the reference's ``0 in a_``);
    - Berlekamp–Massey over GF(199) must give fewer than ``depth // 4`` coefficients;
    - no irregular start: the recurrence must hold from $a_0$ on, i.e. the connection
      polynomial's degree equals the register length $L$. The reference trims the
      polynomial's trailing zeros and regenerates from $\deg C$ initial terms, so a hit
      whose first terms are irregular (e.g. $1/(e-2)$ with signs $(-1, 1)$:
      $2, 1, 2, 2, 5, 2, 7, \dots$) fails its check; 164 pairs verify without this
      rule (83 values), 14 with it;
    - results are deduplicated by value, keeping the first sign period in the
      reference's order (14 pairs → 13 values).

    ``irregular_start=True`` keeps the irregular starts too (a superset).
    """
    results: list[ESMAResult] = []
    for task in config_tasks(config):
        results.extend(run_esma_task(task).results)
    return dedupe(results)


# --- the kind --------------------------------------------------------------------------------------


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


KIND: Kind[ESMASpec, ESMAShardTask] = Kind(
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
