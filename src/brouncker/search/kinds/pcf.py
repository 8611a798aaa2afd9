r"""The kind ``pcf``: PCFs from a box or a template, screened, matched and identified.

Its spec (:class:`PCFSpec`) names the family of $a$ and $b$, the mode, the depths and the
constants; its items are the PCFs of the family, by index (:mod:`brouncker.search.space`),
and a shard is a range of them. A shard runs start to finish in a worker: pure (no
database, no Ray), it returns records.

Both modes start with the vectorised float64 screen of the whole shard
(:func:`brouncker.screening.screen.screen`), which drops divergent, rational and non-converging
PCFs; those it drops as still moving but whose error falls like a power of $1/n$ come back
with a Richardson-extrapolated float limit (:mod:`brouncker.screening.slow`, counted as
``slow``). Then:

* ``identify`` (the Ramanujan Machine's meet-in-the-middle): the float limits are
  matched against the sorted Möbius tables of the spec's constants
  (:func:`brouncker.screening.match.match`); only the matches get exact work: the canonical form,
  an exact walk to twice the spec's digits, the LLL identification with its exact
  re-check (:func:`brouncker.identification.identify.confirm`, one constant at a time, the cheapest
  accepted relation wins), and the dynamics record of each confirmed conjecture.
* ``dynamics`` (the Blind-Delta way): every survivor gets the canonical form, an exact
  walk and the full dynamics record; identification is as above.
* ``fr`` (the factorial-reduction search of arXiv 2308.11829): no float screen; every PCF
  gets the exact FR test (:func:`brouncker.convergence.factorial.factorial_reduction`) at
  the spec's ``[fr] depth``. Each class that passes is re-checked by its dynamics record
  at ``[fr] recheck_depth`` (FR with the record's own tolerance), given an exact limit
  (accelerated when it converges slowly, :func:`brouncker.pcf.value.pcf_limit`) and
  identified against the spec's constants: Möbius in one constant, in $K$ and $K^2$, and
  relations over two constants, re-checked at twice the digits. What no constant
  explains is stored as a **candidate**, with its limit to the digits it reached.

Results are deduplicated by canonical key, and the exact work runs on the **canonical**
PCF: every member of an equivalence class yields the same records (same key, same
coefficients, same expression), so shards may overlap in classes and the store's
insert-or-ignore keeps one copy, whatever order the shards finish in. The conjecture's
``a, b`` are therefore the canonical coefficients; the PCF as met in the space (and its
index) is kept in the conjecture's ``data``.

:data:`KIND` is this kind's entry in the registry of :mod:`brouncker.search.kinds`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import mpmath
import numpy as np
from mpmath import mp
from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from ...constants import BANK
from ...convergence.dynamics import Dynamics, dynamics
from ...convergence.factorial import factorial_reductions
from ...errors import BrounckerError, InconclusiveError, LimitError
from ...identification.identify import Identification, confirm, identify
from ...limits import (
    FR_MAX_DEPTH,
    FR_MAX_RECHECK_DEPTH,
    MAX_PCF_COEFFICIENT,
    MAX_PCF_DEGREE,
    MAX_TEMPLATE_TEXT,
    SCREEN_BLOCK,
    SCREEN_BYTES_PER_PCF,
    SCREEN_SECONDS_PER_PCF_STEP,
    check_memory,
    duration,
    number,
    size,
)
from ...pcf.canonical import Canonical, canonical
from ...pcf.fraction import PCF
from ...pcf.template import Template
from ...pcf.value import pcf_limit
from ...precision import LIMIT_GUARD_DIGITS, RECHECK_FACTOR
from ...records import ConjectureKind, ConjectureRecord, MetricsRecord, PCFRecord, chosen_delta
from ...screening.match import match, moebius_tables
from ...screening.screen import DEFAULT_ENGINE, NOT_CONVERGED, Screening, screen, screen_box
from ...screening.slow import SLOW_CHANGE, accelerate
from ..kind import Kind, Limits, SearchSpec, SpecModel, known_constants, value_range
from ..shards import Plan, Shard, ShardResult, ShardRun
from ..space import PolynomialBox, Space, TemplateSpace

# --- the spec --------------------------------------------------------------------------------


class PolynomialFamily(SpecModel):
    """One polynomial's box: ``degree`` and an inclusive ``range`` for every coefficient,
    or explicit ``coefficients`` lists, one per position, highest degree first."""

    degree: int | None = Field(default=None, ge=0, le=MAX_PCF_DEGREE)
    range: tuple[int, int] | None = None
    coefficients: list[list[int]] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> PolynomialFamily:
        if self.coefficients is not None:
            if self.degree is not None or self.range is not None:
                raise ValueError("give either 'coefficients' or 'degree' with 'range', not both")
            if not self.coefficients or len(self.coefficients) > MAX_PCF_DEGREE + 1:
                raise ValueError(f"'coefficients' needs 1 to {MAX_PCF_DEGREE + 1} positions")
            if any(not position for position in self.coefficients):
                raise ValueError("every position in 'coefficients' needs at least one value")
            if any(abs(c) > MAX_PCF_COEFFICIENT for position in self.coefficients for c in position):
                raise ValueError(f"coefficients must lie within ±{MAX_PCF_COEFFICIENT}")
            return self
        if self.degree is None or self.range is None:
            raise ValueError("give 'degree' and 'range', or 'coefficients'")
        lo, hi = self.range
        if lo > hi:
            raise ValueError(f"range [{lo}, {hi}] is empty")
        if max(abs(lo), abs(hi)) > MAX_PCF_COEFFICIENT:
            raise ValueError(f"range must lie within ±{MAX_PCF_COEFFICIENT}")
        return self

    def size(self) -> int:
        """How many polynomials the box holds (the zero polynomial excluded), computed
        without building the box."""
        if self.coefficients is not None:
            positions = [set(p) for p in self.coefficients]
            return math.prod(len(p) for p in positions) - all(0 in p for p in positions)
        assert self.degree is not None and self.range is not None
        lo, hi = self.range
        return (hi - lo + 1) ** (self.degree + 1) - (lo <= 0 <= hi)

    def box(self) -> PolynomialBox:
        if self.coefficients is not None:
            return PolynomialBox(tuple(tuple(p) for p in self.coefficients))
        assert self.degree is not None and self.range is not None
        values = tuple(range(self.range[0], self.range[1] + 1))
        return PolynomialBox((values,) * (self.degree + 1))


class Family(SpecModel):
    """A box: every $a$ of one polynomial family with every $b$ of another."""

    a: PolynomialFamily
    b: PolynomialFamily

    def size(self) -> int:
        return self.a.size() * self.b.size()

    def breakdown(self) -> str:
        return f"{number(self.a.size())} a x {number(self.b.size())} b"

    def check(self) -> None:
        for key, family in (("family.a", self.a), ("family.b", self.b)):
            if family.size() == 0:
                raise ValueError(f"the space is empty: {key} holds only the zero polynomial")

    def space(self) -> Space:
        return Space(self.a.box(), self.b.box())


def _check_integer(value: Any, what: str) -> None:
    if type(value) is not int:
        raise ValueError(f"{what}: the values must be integers, got {value!r}")
    if abs(value) > MAX_PCF_COEFFICIENT:
        raise ValueError(f"{what}: the values must lie within ±{number(MAX_PCF_COEFFICIENT)}")


class TemplateFamily(SpecModel):
    """Templates $a(n)$, $b(n)$ with named integer parameters, each a range or a list::

        [family]
        a = "(2n+1)*(x*n^2 + x*n + y)"
        b = "-z*n^6"

        [family.parameters]
        x = [1, 60]
        y = [-30, 30]
        z = { values = [1, 4, 9] }

    The coefficients must be polynomial in the parameters; every parameter must be used;
    the degree in $n$ is at most ``MAX_PCF_DEGREE`` and every coefficient within
    ``MAX_PCF_COEFFICIENT`` over the whole grid.
    """

    parameters: dict[str, Any]
    a: str = Field(min_length=1, max_length=MAX_TEMPLATE_TEXT)
    b: str = Field(min_length=1, max_length=MAX_TEMPLATE_TEXT)

    @field_validator("parameters", mode="before")
    @classmethod
    def _ranges(cls, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not value:
            raise ValueError("give each parameter a range or values, e.g. [family.parameters] x = [1, 60]")
        return {str(k): value_range(v, f"family.parameters.{k}", _check_integer, MAX_PCF_COEFFICIENT, None)
                for k, v in value.items()}

    @model_validator(mode="after")
    def _parses(self) -> TemplateFamily:
        try:
            template = self.template()
        except BrounckerError as exc:
            raise ValueError(f"family.{exc}") from None
        for key, degree in zip(("a", "b"), template.degrees):
            if degree > MAX_PCF_DEGREE:
                raise ValueError(f"family.{key}: degree {degree} in n is over the cap of {MAX_PCF_DEGREE}")
        largest = [max(abs(v) for v in values) for values in self.values()]
        bound = template.bound(largest)
        if bound > MAX_PCF_COEFFICIENT:
            raise ValueError(f"family: a coefficient of a or b reaches {number(bound)} over these parameter ranges, over the "
                             f"limit of ±{number(MAX_PCF_COEFFICIENT)}; narrow the ranges")
        return self

    def template(self) -> Template:
        return Template.parse(self.a, self.b, tuple(self.parameters))

    def values(self) -> list[tuple[int, ...]]:
        """Each parameter's values, in the order the spec gives them."""
        out = []
        for v in self.parameters.values():
            out.append(tuple(v["values"]) if isinstance(v, dict) else tuple(range(v[0], v[1] + 1)))
        return out

    def size(self) -> int:
        return math.prod(len(set(v)) for v in self.values())

    def breakdown(self) -> str:
        return " x ".join(f"{number(len(set(v)))} {k}" for k, v in zip(self.parameters, self.values()))

    def check(self) -> None:
        pass  # a template family is never empty: its ranges are not, and a, b are not identically zero

    def space(self) -> TemplateSpace:
        return TemplateSpace(self.template(), tuple(tuple(sorted(set(v))) for v in self.values()))


def _family_form(value: Any) -> str:
    """``template`` when ``a`` is text, else ``box``."""
    a = value.get("a") if isinstance(value, dict) else getattr(value, "a", None)
    return "template" if isinstance(a, str) else "box"


FamilyForm = Annotated[
    Annotated[Family, Tag("box")] | Annotated[TemplateFamily, Tag("template")], Discriminator(_family_form)
]


class FRSettings(SpecModel):
    """Mode ``fr``: the depth of the exact factorial-reduction test every PCF gets, and the
    depth of the dynamics record that re-checks each PCF it passes (with the record's own
    tolerance: at depth 2000 the gcds of some FR PCFs still fluctuate too much)."""

    depth: int = Field(default=256, ge=16, le=FR_MAX_DEPTH)
    recheck_depth: int = Field(default=8192, ge=32, le=FR_MAX_RECHECK_DEPTH)


class ScreenSettings(SpecModel):
    """Float64 screening: depth, the relative change allowed between depths, and where the
    walk runs (``"cpu"``: the compiled kernel; ``"gpu"``: the same kernel on a CUDA device;
    ``"numpy"``: the reference walk over whole arrays, slower, for comparison)."""

    depth: int = Field(default=200, ge=10, le=100_000)
    tolerance: float = Field(default=1e-12, gt=0, le=1e-6)
    max_denominator: int = Field(default=1000, ge=1, le=10**6)  # rational limits p/q, q <= this
    device: Literal["cpu", "gpu", "numpy"] = "cpu"  # how, not what: left out of the spec's hash


class MatchSettings(SpecModel):
    """Meet-in-the-middle matching against Möbius tables of the constants."""

    bound: int = Field(default=12, ge=1, le=20)  # |c_i| <= bound in (c0 + c1 K)/(c2 + c3 K)
    tolerance: float = Field(default=1e-10, gt=0, le=1e-6)


class ExactSettings(SpecModel):
    """Exact work on survivors: walk depth of identification and of the dynamics record."""

    depth: int = Field(default=4096, ge=10, le=1_000_000)  # deepest walk for identification
    dynamics_depth: int = Field(default=2000, ge=16, le=1_000_000)


class PCFSpec(SearchSpec):
    """A search of PCFs from a box: validated, hashable, and turned into a :class:`Space`."""

    # PCF searches were stored before kinds existed: without `kind` their hashes stay as they were
    HASH_EXCLUDES: ClassVar[frozenset[str]] = frozenset({"limits", "kind", "screen.device"})

    kind: Literal["pcf"] = "pcf"
    mode: Literal["identify", "dynamics", "fr"] = "identify"
    family: FamilyForm
    constants: list[str] = Field(default_factory=lambda: list(BANK))
    digits: int = Field(default=30, ge=10, le=100_000)
    shard_size: int = Field(default=10_000, ge=1)
    screen: ScreenSettings = ScreenSettings()
    match: MatchSettings = MatchSettings()
    exact: ExactSettings = ExactSettings()
    fr: FRSettings = FRSettings()
    limits: Limits = Limits()

    def hash_excludes(self) -> set[str]:
        """The ``[fr]`` settings are part of what an ``fr`` search is, and of no other."""
        return set(self.HASH_EXCLUDES) | (set() if self.mode == "fr" else {"fr"})

    @field_validator("constants")
    @classmethod
    def _known_constants(cls, names: list[str]) -> list[str]:
        return known_constants(names)

    @model_validator(mode="after")
    def _within_limits(self) -> PCFSpec:
        """The space is not empty and within the limits: arithmetic only, nothing is built."""
        self.family.check()
        total = self.family.size()
        limits = self.limits
        if total > limits.max_space:
            seconds = total * self.screen.depth * SCREEN_SECONDS_PER_PCF_STEP
            raise ValueError(
                f"the space has {number(total)} PCFs ({self.family.breakdown()}), "
                f"over limits.max_space = {number(limits.max_space)}: screening alone would take about {duration(seconds)} "
                "of one core; shrink the family, or raise max_space in [limits] on purpose"
            )
        shards = -(-total // self.shard_size)
        if shards > limits.max_shards:
            smallest = -(-total // limits.max_shards)
            raise ValueError(
                f"shard_size = {number(self.shard_size)} makes {number(shards)} shards, over limits.max_shards = "
                f"{number(limits.max_shards)}: use a shard_size of at least {number(smallest)}, or raise max_shards in [limits]"
            )
        task = min(self.shard_size, total)
        if task > limits.max_task_size:
            raise ValueError(
                f"shard_size = {number(task)} PCFs needs about {size(self.task_bytes(task))} per task, over "
                f"limits.max_task_size = {number(limits.max_task_size)}: use a smaller shard_size, or raise max_task_size in [limits]"
            )
        try:
            check_memory(self.task_bytes(task), f"a shard of {number(task)} PCFs", "use a smaller shard_size")
        except LimitError as exc:
            raise ValueError(str(exc)) from None
        return self

    def task_bytes(self, task: int) -> int:
        """Peak memory of a shard of ``task`` PCFs: identify mode screens it by blocks of
        ``SCREEN_BLOCK``, the other modes hold the whole shard's arrays."""
        return (min(task, SCREEN_BLOCK) if self.mode == "identify" else task) * SCREEN_BYTES_PER_PCF

    def space(self) -> Space | TemplateSpace:
        return self.family.space()


# --- one shard ------------------------------------------------------------------------------------


COUNT_KEYS = (
    "pcfs", "converged", "divergent", "rational", "not_converged",
    "matched", "classes", "elsewhere", "exact", "confirmed", "unconfirmed", "inconclusive",
    "fr_passed", "fr", "fr_rejected", "candidates", "slow",
)
SCREEN_ENGINES = {"cpu": DEFAULT_ENGINE, "gpu": "gpu", "numpy": "numpy"}  # [screen] device -> the screen's engine
SLOW_MATCH_TOLERANCE = 1e-8  # a slow PCF's extrapolated float limit is good to about 1e-9 (relative)
EXACT_MEMO = 4096  # canonical classes whose exact results a worker keeps (a few kB each)
MIN_FR_DIGITS = 15  # an FR limit known to fewer than twice this many digits is only a candidate

SUMMARY = (
    ("pcfs", "PCFs screened"), ("converged", "converged"), ("slow", "converging slowly"), ("matched", "matched"),
    ("fr_passed", "passed the FR test"), ("fr", "FR classes"), ("fr_rejected", "FR not confirmed"),
    ("confirmed", "confirmed"), ("candidates", "candidates"), ("exact", "exact records"),
)


@dataclass(frozen=True, slots=True)
class ShardTask:
    """What a worker needs: the spec, the shard, and the search the records belong to."""

    spec: PCFSpec
    shard: Shard
    search_id: int | None = None


def _coefficients(row: np.ndarray) -> tuple[int, ...]:
    return tuple(int(x) for x in row)


@functools.lru_cache(maxsize=EXACT_MEMO)
def _identified(a: tuple[int, ...], b: tuple[int, ...], constants: tuple[str, ...], digits: int,
                depth: int) -> tuple[str, Identification | None]:
    """How the identification of the canonical PCF(a, b) with ``constants`` ends (the shard
    counter it adds to) and its result. Pure, so a worker keeps the last ones: a class that
    several shards of a box meet is worked out once per process, and each shard still
    counts and records it as its own."""
    try:
        limit = pcf_limit(a, b, RECHECK_FACTOR * digits + LIMIT_GUARD_DIGITS, depth)
    except InconclusiveError:
        return "inconclusive", None
    best: Identification | None = None
    for name in constants:
        found = confirm(a, b, name, digits, limit=limit)
        if found is None or not found.constants:  # none, or a rational: not a formula for a constant
            continue
        if best is None or found.excess_digits > best.excess_digits:
            best = found
    return ("confirmed" if best else "unconfirmed"), best


@functools.lru_cache(maxsize=EXACT_MEMO)
def _dynamics(a: tuple[int, ...], b: tuple[int, ...], depth: int, digits: int) -> Dynamics:
    """The dynamics record of a canonical PCF, kept per process like :func:`_identified`."""
    return dynamics(a, b, depth, limit_digits=digits)


class _Shard(ShardRun[PCFSpec]):
    """The mutable state of one shard's run (records gathered, counters, classes seen)."""

    def __init__(self, spec: PCFSpec, shard: Shard, search_id: int | None) -> None:
        super().__init__(spec, shard, search_id, COUNT_KEYS)

    def identify(self, pcf: PCF, constants: list[str]) -> Identification | None:
        """The cheapest relation of the limit with one of ``constants``, re-checked exactly."""
        outcome, best = _identified(pcf.a, pcf.b, tuple(constants), self.spec.digits, self.spec.exact.depth)
        self.counts[outcome] += 1
        return best

    def record(self, pcf: PCF, key: str, identification: Identification | None, found: PCF, index: int) -> None:
        """Add the records of one canonical PCF: the PCF, its dynamics, its conjecture."""
        dyn = _dynamics(pcf.a, pcf.b, self.spec.exact.dynamics_depth, self.spec.digits)
        self.counts["exact"] += 1
        self.metrics.append(MetricsRecord(key, self.spec.exact.dynamics_depth, dyn.as_dict()))
        self.pcfs.append(PCFRecord(key, pcf.a, pcf.b, self.search_id))
        if identification is None:
            return
        delta, delta_kind = chosen_delta(dyn.delta_fr, dyn.delta_naive)
        self.conjectures.append(
            ConjectureRecord(
                kind=ConjectureKind.PCF,
                expression=identification.expression,
                constants=identification.constants,
                relation=identification.relation,
                digits=identification.checked_digits or identification.digits,
                canonical_key=key,
                a=pcf.a,
                b=pcf.b,
                delta=delta,
                delta_kind=delta_kind,
                limit=identification.value,
                data={"found_index": index, "found_a": list(found.a), "found_b": list(found.b)},
                search_id=self.search_id,
            )
        )


    def record_fr(self, pcf: PCF, key: str, index: int, found: PCF, parameters: dict[str, int] | None) -> None:
        """Re-check, evaluate, identify and record one class that passed the FR test
        (``parameters``: the template's values that gave ``found``, when there is a template)."""
        spec = self.spec
        depth = spec.fr.recheck_depth
        dyn = dynamics(pcf.a, pcf.b, depth, limit_digits=spec.digits)
        if not dyn.fr:
            self.counts["fr_rejected"] += 1
            return
        if dyn.convergence in ("divergent", "rational"):
            self.counts[dyn.convergence] += 1
            return
        digits = spec.digits
        deep = RECHECK_FACTOR * digits
        try:
            limit = pcf_limit(pcf.a, pcf.b, deep + LIMIT_GUARD_DIGITS, spec.exact.depth, partial=True)
        except InconclusiveError:
            self.counts["inconclusive"] += 1
            return
        found_id = None
        use = min(digits, limit.digits // RECHECK_FACTOR)  # a slow limit: fewer digits, re-checked at twice as many
        if use >= MIN_FR_DIGITS:
            found_id = identify(limit.value, use, spec.constants, pairs=True, squares=True, deeper=limit.value,
                                deeper_digits=RECHECK_FACTOR * use)
        else:
            self.counts["inconclusive"] += 1
        if found_id is not None and not found_id.constants:
            self.counts["rational"] += 1
            return
        self.counts["exact"] += 1
        self.counts["fr"] += 1
        self.metrics.append(MetricsRecord(key, depth, dyn.as_dict()))
        self.pcfs.append(PCFRecord(key, pcf.a, pcf.b, self.search_id))
        delta, delta_kind = chosen_delta(dyn.delta_fr, dyn.delta_naive)
        data: dict[str, object] = {"found_index": index, "found_a": list(found.a), "found_b": list(found.b)}
        if parameters is not None:
            data["parameters"] = parameters
        self.counts["confirmed" if found_id else "candidates"] += 1
        shown = min(limit.digits, deep)
        with mp.workdps(shown + 5):
            value = mpmath.nstr(limit.value, shown, strip_zeros=False)
        self.conjectures.append(ConjectureRecord.of_value(
            ConjectureKind.PCF, found_id, value, shown, canonical_key=key, a=pcf.a, b=pcf.b, delta=delta,
            delta_kind=delta_kind, data=data, search_id=self.search_id,
        ))


def _run_fr(state: _Shard, space: Space | TemplateSpace, a_rows: np.ndarray, b_rows: np.ndarray) -> None:
    """Mode ``fr``: the exact FR test of every PCF, then the exact work of each FR class."""
    spec, shard = state.spec, state.shard
    passed: list[tuple[int, PCF]] = []
    fraction = a_rows.any(axis=1) & b_rows.any(axis=1)  # a = 0 or b = 0 for every n: no fraction
    state.counts["rational"] += int((~fraction).sum())
    rows = np.flatnonzero(fraction)
    for row, reduction in zip(rows.tolist(), factorial_reductions(a_rows[rows], b_rows[rows], spec.fr.depth)):
        if reduction.finite:
            state.counts["rational"] += 1
        elif reduction.fr:
            passed.append((row, PCF(_coefficients(a_rows[row]), _coefficients(b_rows[row]))))
    state.counts["fr_passed"] = len(passed)
    for row, found in passed:
        canon = canonical(found)
        if canon.key in state.seen:
            continue
        state.seen.add(canon.key)
        state.counts["classes"] += 1
        index = shard.start + row
        parameters = dict(zip(space.template.parameters, space.parameters_of(index))) if isinstance(space, TemplateSpace) else None
        state.record_fr(canon.pcf, canon.key, index, found, parameters)


@dataclass(frozen=True, slots=True)
class _Block:
    """PCFs ``start`` to ``stop`` of a space, as screened; their coefficient rows are made
    only where they are needed (``rows`` when they were made for the screen)."""

    space: Space | TemplateSpace | None
    start: int
    rows: tuple[np.ndarray, np.ndarray] | None = None

    def at(self, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the block's PCFs ``local`` (positions in the block)."""
        if self.rows is not None:
            return self.rows[0][local], self.rows[1][local]
        assert self.space is not None
        return self.space.rows_at(self.start + np.asarray(local, dtype=np.int64))


def _screen(spec: PCFSpec, a_rows: np.ndarray, b_rows: np.ndarray) -> Screening:
    return screen(a_rows, b_rows, depth=spec.screen.depth, tolerance=spec.screen.tolerance,
                  max_denominator=spec.screen.max_denominator, engine=SCREEN_ENGINES[spec.screen.device])


def _screen_block(spec: PCFSpec, space: Space | TemplateSpace, start: int, stop: int) -> tuple[Screening, _Block]:
    """The screen of PCFs ``start`` to ``stop``: a box's enumerated inside the compiled kernel
    with no coefficient array (:func:`~brouncker.screening.screen.screen_box`), others' from
    their rows."""
    if isinstance(space, Space) and SCREEN_ENGINES[spec.screen.device] == "kernel":
        screened = screen_box(space.a.values, space.a.zero_index, space.b.values, space.b.zero_index, start, stop,
                              depth=spec.screen.depth, tolerance=spec.screen.tolerance,
                              max_denominator=spec.screen.max_denominator)
        if screened is not None:
            return screened, _Block(space, start)
    rows = space.coefficients(start, stop)
    return _screen(spec, *rows), _Block(space, start, rows)


def _screen_and_match(spec: PCFSpec, state: _Shard, screened: Screening, block: _Block, offset: int,
                      by_row: dict[int, list[str]]) -> np.ndarray:
    """Take one screened block of a shard (its rows start at ``offset`` in the shard): add its
    counts to the shard's and the constants its limits match to ``by_row``; the block's survivors."""
    survivors, limits, slow = _survivors(spec, screened, block)
    for key, value in screened.counts().items():
        state.counts[key] += value
    state.counts["slow"] += int(slow.sum())
    tables = moebius_tables(tuple(spec.constants), spec.match.bound)
    for kept, tolerance in ((~slow, spec.match.tolerance), (slow, max(spec.match.tolerance, SLOW_MATCH_TOLERANCE))):
        for m in match(limits[kept], tables, tolerance, spec.screen.max_denominator):
            names = by_row.setdefault(offset + int(survivors[kept][m.index]), [])
            if m.constant not in names:
                names.append(m.constant)
    return survivors


def run_shard(spec: PCFSpec, shard: Shard, search_id: int | None = None) -> ShardResult:
    """Screen, match, and do the exact work of one shard; see the module docstring.

    In ``identify`` mode the shard is screened and matched one block of
    :data:`~brouncker.limits.SCREEN_BLOCK` PCFs at a time, a box's enumerated inside the
    compiled kernel, and only the rows that go on are made: its memory is a block's
    screen, whatever the shard's size (:meth:`PCFSpec.task_bytes`)."""
    state = _Shard(spec, shard, search_id)
    space = spec.space()
    state.counts["pcfs"] = len(shard)
    by_row: dict[int, list[str]] = {}
    if spec.mode == "identify":
        found_by_row: dict[int, PCF] = {}
        for start in range(shard.start, shard.stop, SCREEN_BLOCK):
            screened, block = _screen_block(spec, space, start, min(start + SCREEN_BLOCK, shard.stop))
            before = set(by_row)
            _screen_and_match(spec, state, screened, block, start - shard.start, by_row)
            new = sorted(set(by_row) - before)
            a_new, b_new = block.at(np.array(new, dtype=np.int64) - (start - shard.start))
            for row, a_row, b_row in zip(new, a_new, b_new):
                found_by_row[row] = PCF(_coefficients(a_row), _coefficients(b_row))
        rows = sorted(by_row)
        found_pcfs = [found_by_row[row] for row in rows]
    else:
        a_rows, b_rows = space.coefficients(shard.start, shard.stop)
        if spec.mode == "fr":
            _run_fr(state, space, a_rows, b_rows)
            return state.result()
        block = _Block(space, shard.start, (a_rows, b_rows))
        survivors = _screen_and_match(spec, state, _screen(spec, a_rows, b_rows), block, 0, by_row)
        rows = survivors.tolist()
        found_pcfs = [PCF(_coefficients(a_rows[row]), _coefficients(b_rows[row])) for row in rows]
    state.counts["matched"] = len(by_row)
    canons = [canonical(f) for f in found_pcfs]
    skip = _done_elsewhere(spec, shard, rows, found_pcfs, canons, by_row) if spec.mode == "dynamics" else set()
    state.counts["elsewhere"] = len(skip)
    for row, found_pcf, canon in zip(rows, found_pcfs, canons):
        if canon.key in state.seen or row in skip:
            continue
        state.seen.add(canon.key)
        state.counts["classes"] += 1
        matched = by_row.get(row)
        identification = state.identify(canon.pcf, matched) if matched else None
        if spec.mode == "identify" and identification is None:
            continue
        state.record(canon.pcf, canon.key, identification, found_pcf, shard.start + row)
    return state.result()


def _done_elsewhere(
    spec: PCFSpec, shard: Shard, rows: list[int], found: list[PCF], canons: list[Canonical], by_row: dict[int, list[str]]
) -> set[int]:
    """Rows whose class another shard records: the one that holds the canonical member.

    That shard records the class exactly when the canonical member survives its screen
    (checked here on the same rows: the screen is per column and rescales by powers of
    two, so it gives the same verdict) and, for a matched row, when the canonical limit
    is matched too, which a pure sign change guarantees (the tables are symmetric). In a
    box symmetric under $a \to -a$ this halves the exact work of dynamics mode.
    """
    space = spec.space()
    width_a, width_b = space.widths
    elsewhere: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
    for row, pcf, canon in zip(rows, found, canons):
        c = canon.pcf
        if c == pcf or len(c.a) > width_a or len(c.b) > width_b:
            continue
        sign_only = canon.scale.constant == 1 and canon.scale.numerator == (1,) and canon.scale.denominator == (1,)
        if row in by_row and not sign_only:
            continue
        a = (0,) * (width_a - len(c.a)) + c.a
        b = (0,) * (width_b - len(c.b)) + c.b
        try:
            index = space.index_of(a, b)
        except ValueError:  # the canonical member is outside the box
            continue
        if not shard.start <= index < shard.stop:
            elsewhere.append((row, a, b))
    if not elsewhere:
        return set()
    a_rows, b_rows = np.array([e[1] for e in elsewhere]), np.array([e[2] for e in elsewhere])
    kept, _, _ = _survivors(spec, _screen(spec, a_rows, b_rows), _Block(None, 0, (a_rows, b_rows)))
    return {elsewhere[i][0] for i in kept.tolist()}


def _survivors(spec: PCFSpec, screened: Screening, block: _Block) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The screened rows that go on (sorted), their float limits, and which of them converge
    slowly: those the screen kept, and those it dropped with a small change whose Richardson
    extrapolation settles (:func:`brouncker.screening.slow.accelerate`)."""
    converged = np.flatnonzero(screened.converged)
    with np.errstate(invalid="ignore"):
        dropped = (screened.status == NOT_CONVERGED) & (screened.change < SLOW_CHANGE)
    candidates = np.flatnonzero(dropped)
    engine = "numpy" if spec.screen.device == "numpy" else "kernel"  # the numpy device is numpy throughout: the reference
    accelerated = accelerate(*block.at(candidates), spec.screen.depth, engine=engine)
    rows = np.concatenate([converged, candidates[accelerated.rows]])
    limits = np.concatenate([screened.limits[converged], accelerated.limits])
    slow = np.concatenate([np.zeros(converged.size, dtype=bool), np.ones(accelerated.rows.size, dtype=bool)])
    order = np.argsort(rows, kind="stable")
    return rows[order], limits[order], slow[order]


def run_task(task: ShardTask) -> ShardResult:
    """The executor's entry point (module level, so it pickles by reference)."""
    return run_shard(task.spec, task.shard, task.search_id)


def plan_pcf(spec: PCFSpec) -> Plan:
    """The space's size and its shards (the spec already checked them against its limits)."""
    space = spec.space()
    return Plan("pcf", len(space), 1, tuple(space.shards(spec.shard_size)))


def pcf_tasks(spec: PCFSpec, shards: Sequence[Shard], search_id: int | None) -> list[ShardTask]:
    return [ShardTask(spec, shard, search_id) for shard in shards]


KIND: Kind[PCFSpec, ShardTask] = Kind(
    name="pcf",
    spec_model=PCFSpec,
    unit="PCFs",
    count_keys=COUNT_KEYS,
    summary=SUMMARY,
    plan=plan_pcf,
    tasks=pcf_tasks,
    work=run_task,
)
