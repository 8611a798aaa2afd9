"""Search specifications: TOML files validated with pydantic, one model per kind.

``kind`` says what a search enumerates: ``"pcf"`` (the default), ``"esma"`` or ``"cmf"``. Every unknown
key and every bad value is refused with one line naming the file and the key, and so is a
space that is empty or larger than the spec's ``[limits]``, before any work starts::

    name = "quickstart"
    kind = "pcf"                      # the default
    mode = "identify"                 # or "dynamics", or "fr" (factorial reduction)
    constants = ["pi", "e"]
    digits = 30
    shard_size = 2000

    [family.a]
    degree = 1
    range = [-4, 4]                   # or: coefficients = [[1, 2], [0, 1, 2, 3]]

    [family.b]
    degree = 2
    range = [-4, 4]

    [screen]
    depth = 200

    [limits]                          # raise a limit on purpose
    max_space = 20_000_000_000

The family can also be a template, polynomials in n with named integer parameters (see
:class:`TemplateFamily`); mode ``fr`` reads an ``[fr]`` table (:class:`FRSettings`)::

    [fr]
    depth = 256                       # the FR test of every PCF
    recheck_depth = 8192              # the dynamics record of each class that passes

An ESMA spec (``kind = "esma"``) names a constant and the left-hand sides and sign periods
to try (see :class:`ESMASpec`); a CMF spec (``kind = "cmf"``) names a conservative matrix
field and the trajectories and starts to walk (see :class:`CMFSpec`).

>>> spec = parse_spec({"name": "t", "family": {"a": {"degree": 1, "range": [0, 2]},
...                                            "b": {"coefficients": [[1], [0, 1]]}}})
>>> spec.kind, len(spec.space())       # 3*3 - 1 polynomials a, 2 polynomials b
('pcf', 16)
>>> spec.match.bound, spec.screen.depth, spec.limits.max_space
(12, 200, 10000000000)
>>> parse_spec({"kind": "esma", "name": "e", "constant": "e", "cycles": [2, 2]}).cycles
'2..2'
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from ..constants import BANK, parse_constant
from ..errors import BrounckerError, SpecError
from ..esma.expansion import (
    DEFAULT_COEFF_LIMIT,
    DEFAULT_CYCLES,
    DEFAULT_DEPTH,
    DEFAULT_LHS_DEGREE,
    DEFAULT_PRIME,
    IRREGULAR_START,
    MIN_DEPTH,
    ESMAConfig,
    count_sign_periods,
    lhs_bound,
    lhs_per_task,
    parse_cycles,
)
from ..limits import (
    CMF_MAX_COORDINATE,
    CMF_MAX_DEPTH,
    CMF_MAX_DIGITS,
    CMF_MAX_NORM,
    CMF_MAX_SPACE,
    CMF_MAX_TASK_SIZE,
    CMF_SECONDS_PER_ITEM,
    ESMA_BYTES_PER_LHS,
    ESMA_BYTES_PER_PERIOD,
    ESMA_MAX_COEFF_LIMIT,
    ESMA_MAX_DEPTH,
    ESMA_MAX_LHS_DEGREE,
    ESMA_MAX_SPACE,
    ESMA_MAX_TASK_SIZE,
    ESMA_SECONDS_PER_PAIR,
    FR_MAX_DEPTH,
    FR_MAX_RECHECK_DEPTH,
    HARD_MAX_SHARDS,
    HARD_MAX_SPACE,
    HARD_MAX_TASK_SIZE,
    MAX_PCF_COEFFICIENT,
    MAX_PCF_DEGREE,
    MAX_SHARDS,
    MAX_SPACE,
    MAX_SPEC_BYTES,
    MAX_TASK_SIZE,
    MAX_TEMPLATE_TEXT,
    SCREEN_BLOCK,
    SCREEN_BYTES_PER_PCF,
    SCREEN_SECONDS_PER_PCF_STEP,
)
from ..pcf.template import Template
from .sizes import check_memory, duration, number, size
from .space import PolynomialBox, Space, TemplateSpace

DEFAULT_KIND = "pcf"  # a spec without `kind` enumerates PCFs (every spec before kinds existed)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- limits and the checks before work ----------------------------------------------------


class Limits(_Model):
    """The sizes a spec may reach, in the kind's units of work; raise them on purpose."""

    max_space: int = Field(default=MAX_SPACE, ge=1, le=HARD_MAX_SPACE)  # units of the whole search
    max_shards: int = Field(default=MAX_SHARDS, ge=1, le=HARD_MAX_SHARDS)
    max_task_size: int = Field(default=MAX_TASK_SIZE, ge=1, le=HARD_MAX_TASK_SIZE)  # units per shard


class ESMALimits(Limits):
    """ESMA's limits count (LHS, sign period) pairs."""

    max_space: int = Field(default=ESMA_MAX_SPACE, ge=1, le=HARD_MAX_SPACE)
    max_task_size: int = Field(default=ESMA_MAX_TASK_SIZE, ge=1, le=HARD_MAX_TASK_SIZE)


# --- PCF searches ----------------------------------------------------------------------------


class PolynomialFamily(_Model):
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


class Family(_Model):
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


# --- ranges of values (template parameters, CMF parameters and starts) ----------------------


def _check_rational(value: Any, what: str) -> None:
    from ..cmf.space import rational

    try:
        x = rational(value, what)
    except BrounckerError as exc:
        raise ValueError(str(exc)) from None
    if abs(x.numerator) > CMF_MAX_COORDINATE or x.denominator > CMF_MAX_COORDINATE:
        raise ValueError(f"{what}: {value!r} is too large: numerators and denominators lie within {number(CMF_MAX_COORDINATE)}")


def _value_range(value: Any, what: str, check: Callable[[Any, str], None] = _check_rational,
                 bound: int = CMF_MAX_COORDINATE, max_count: int | None = CMF_MAX_SPACE) -> Any:
    """An inclusive integer range ``[lo, hi]`` within ``±bound``, or ``{values = [...]}``
    whose values pass ``check`` (by default integers or rational text such as ``"1/2"``),
    checked; returned as plain JSON (``[lo, hi]`` or ``{"values": [...]}``)."""
    if isinstance(value, dict):
        if set(value) != {"values"} or not isinstance(value["values"], list) or not value["values"]:
            raise ValueError(f"{what}: give an inclusive range [lo, hi] or {{values = [...]}}, not {value!r}")
        for v in value["values"]:
            check(v, what)
        return {"values": list(value["values"])}
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(type(v) is int for v in value):
        lo, hi = value
        if lo > hi:
            raise ValueError(f"{what}: the range [{lo}, {hi}] is empty")
        if max(abs(lo), abs(hi)) > bound:
            raise ValueError(f"{what}: the range [{lo}, {hi}] must lie within ±{number(bound)}")
        if max_count is not None and hi - lo + 1 > max_count:
            raise ValueError(f"{what}: the range [{lo}, {hi}] holds more than {number(max_count)} values")
        return [lo, hi]
    raise ValueError(f"{what}: give an inclusive integer range [lo, hi] or {{values = [...]}}, not {value!r}")


def _expand(value: Any) -> list[Any]:
    """The values of a checked range (see :func:`_value_range`)."""
    if isinstance(value, dict):
        return list(value["values"])
    return list(range(value[0], value[1] + 1))


def _check_integer(value: Any, what: str) -> None:
    if type(value) is not int:
        raise ValueError(f"{what}: the values must be integers, got {value!r}")
    if abs(value) > MAX_PCF_COEFFICIENT:
        raise ValueError(f"{what}: the values must lie within ±{number(MAX_PCF_COEFFICIENT)}")


class TemplateFamily(_Model):
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
        return {str(k): _value_range(v, f"family.parameters.{k}", _check_integer, MAX_PCF_COEFFICIENT, None)
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


class FRSettings(_Model):
    """Mode ``fr``: the depth of the exact factorial-reduction test every PCF gets, and the
    depth of the dynamics record that re-checks each PCF it passes (with the record's own
    tolerance: at depth 2000 the gcds of some FR PCFs still fluctuate too much)."""

    depth: int = Field(default=256, ge=16, le=FR_MAX_DEPTH)
    recheck_depth: int = Field(default=8192, ge=32, le=FR_MAX_RECHECK_DEPTH)


class ScreenSettings(_Model):
    """Float64 screening: depth, the relative change allowed between depths, and where the
    walk runs (``"cpu"``: the compiled kernel; ``"gpu"``: the same kernel on a CUDA device;
    ``"numpy"``: the reference walk over whole arrays, slower, for comparison)."""

    depth: int = Field(default=200, ge=10, le=100_000)
    tolerance: float = Field(default=1e-12, gt=0, le=1e-6)
    max_denominator: int = Field(default=1000, ge=1, le=10**6)  # rational limits p/q, q <= this
    device: Literal["cpu", "gpu", "numpy"] = "cpu"  # how, not what: left out of the spec's hash


class MatchSettings(_Model):
    """Meet-in-the-middle matching against Möbius tables of the constants."""

    bound: int = Field(default=12, ge=1, le=20)  # |c_i| <= bound in (c0 + c1 K)/(c2 + c3 K)
    tolerance: float = Field(default=1e-10, gt=0, le=1e-6)


class ExactSettings(_Model):
    """Exact work on survivors: walk depth of identification and of the dynamics record."""

    depth: int = Field(default=4096, ge=10, le=1_000_000)  # deepest walk for identification
    dynamics_depth: int = Field(default=2000, ge=16, le=1_000_000)


class SearchSpec(_Model):
    """What every kind of spec has: a name, its kind, its limits, and one hash format."""

    HASH_EXCLUDES: ClassVar[frozenset[str]] = frozenset({"limits"})  # limits say how big, not what

    kind: str
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    limits: Limits = Limits()

    def as_dict(self) -> dict[str, Any]:
        """The spec with every default filled in, as plain JSON types."""
        return self.model_dump(mode="json")

    def hash_excludes(self) -> set[str]:
        """The keys left out of :attr:`hash`."""
        return set(self.HASH_EXCLUDES)

    @property
    def hash(self) -> str:
        """sha256 (hex) of the canonical JSON of :meth:`as_dict`, defaults included, limits
        left out: the same search is found again whatever limits a run allows."""
        exclude: dict[str, Any] = {}
        for key in self.hash_excludes():  # "screen.device" leaves out one key of a table
            head, _, rest = key.partition(".")
            if rest:
                exclude.setdefault(head, {})[rest] = True
            else:
                exclude[head] = True
        data = self.model_dump(mode="json", exclude=exclude)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


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
        if not names:
            raise ValueError("list at least one constant")
        unknown = [n for n in names if n not in BANK]
        if unknown:
            raise ValueError(f"unknown constant '{unknown[0]}'; known: {', '.join(BANK)}")
        return list(dict.fromkeys(names))

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
        check_memory(f"a shard of {number(task)} PCFs", self.task_bytes(task))
        return self

    def task_bytes(self, task: int) -> int:
        """Peak memory of a shard of ``task`` PCFs: identify mode screens it by blocks of
        ``SCREEN_BLOCK``, the other modes hold the whole shard's arrays."""
        return (min(task, SCREEN_BLOCK) if self.mode == "identify" else task) * SCREEN_BYTES_PER_PCF

    def space(self) -> Space | TemplateSpace:
        return self.family.space()


# --- ESMA searches ---------------------------------------------------------------------------


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
                f"over limits.max_space = {number(limits.max_space)}: lower lhs_degree, coeff_limit or cycles, or raise max_space on purpose"
            )
        check_memory(f"enumerating up to {number(lhs)} LHS and {number(periods)} sign periods", memory)
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
        spec = parse_spec(data, "esma")
        assert isinstance(spec, ESMASpec)
        return spec


# --- CMF trajectory searches ------------------------------------------------------------------


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
        return PCFSpec._known_constants(names)

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameter_ranges(cls, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError("give a table of parameters, e.g. [parameters] c0 = [0, 2]")
        return {str(k): _value_range(v, f"parameter {k}") for k, v in value.items()}

    @field_validator("start", mode="before")
    @classmethod
    def _start_ranges(cls, value: Any) -> Any:
        if isinstance(value, dict) and set(value) != {"values"}:
            return {str(k): _value_range(v, f"start.{k}") for k, v in value.items()}
        return _value_range(value, "start")

    @field_validator("field")
    @classmethod
    def _known_field(cls, name: str) -> str:
        from ..cmf.known import known_fields

        names = [k.name for k in known_fields()]
        if name not in names:
            raise ValueError(f"unknown field '{name}'; known: {', '.join(names)}")
        return name

    @model_validator(mode="after")
    def _within_limits(self) -> CMFSpec:
        """Parameters and starts fit the field, and the number of triples is within the limits,
        counted before any trajectory is listed."""
        from ..cmf.space import count_primitive, signs_of

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
            values = _expand(self.start)
            return [values for _ in axes]
        unknown = [a for a in self.start if a not in axes]
        if unknown:
            raise ValueError(f"field {self.field} has no axis '{unknown[0]}' (axes: {', '.join(axes)})")
        missing = [a for a in axes if a not in self.start]
        if missing:
            raise ValueError(f"[start] gives no values for axis {', '.join(missing)} of field {self.field}")
        return [_expand(self.start[a]) for a in axes]

    def parameter_values(self) -> list[tuple[str, list[Any]]]:
        """Each parameter's values, in the field's parameter order."""
        _, parameters = _field_shape(self.field)
        return [(p, _expand(self.parameters[p])) for p in parameters]

    def space(self) -> Any:
        """The :class:`~brouncker.cmf.space.TrajectorySpace` of this spec."""
        from ..cmf.space import TrajectorySpace

        axes, _ = _field_shape(self.field)
        return TrajectorySpace.of(len(axes), self.max_norm, self.start_values(), self.orthant, self.parameter_values())


def _field_shape(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The axes and parameters of a known field, by name."""
    from ..cmf.known import field_shape

    return field_shape(name)


# --- reading specs ----------------------------------------------------------------------------


_NAMED_KEY = re.compile(r"([a-z_]+(?:\.[A-Za-z_0-9]+)*): (.*)\Z", re.DOTALL)


def _describe(error: Any) -> str:
    """One line for pydantic's first error: the key path and what is wrong with it."""
    loc = [str(part) for part in error["loc"]]
    if loc[:1] == ["family"] and loc[1:2] in (["box"], ["template"]):  # the tags of the two family forms
        del loc[1]
    if error["type"] == "extra_forbidden":
        where = f" in [{'.'.join(loc[:-1])}]" if len(loc) > 1 else ""
        return f"unknown key '{loc[-1]}'{where}"
    if error["type"] == "missing":
        return f"missing key '{'.'.join(loc)}'"
    message = str(error["msg"]).removeprefix("Value error, ")
    key = ".".join(loc)
    named = _NAMED_KEY.match(message)
    if named and key.startswith("family") and named.group(1).startswith(key):  # a template names its key itself
        return f"bad value for '{named.group(1)}': {named.group(2)}"
    shown = repr(error.get("input"))
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"bad value for '{key}': {message} (got {shown})" if key else message


def spec_models() -> dict[str, type[SearchSpec]]:
    """The spec model of each registered kind."""
    from .kinds import kinds

    return {name: kind.spec_model for name, kind in kinds().items()}


def parse_spec(data: dict[str, Any], source: str = "<spec>") -> SearchSpec:
    """Validate a spec given as a dict (as read from TOML or from the store): the model of
    its ``kind`` (default ``"pcf"``) decides, and the first error is one :class:`SpecError` line."""
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a spec is a table of keys, not {type(data).__name__}")
    models = spec_models()
    kind = data.get("kind", DEFAULT_KIND)
    if not isinstance(kind, str) or kind not in models:
        raise SpecError(f"{source}: bad value for 'kind': {kind!r} is not a kind of search; known: {', '.join(models)}")
    try:
        return models[kind].model_validate({**data, "kind": kind})
    except ValidationError as exc:
        errors = exc.errors()
        unknown = [e for e in errors if e["type"] == "extra_forbidden"]  # a typo explains the rest
        raise SpecError(f"{source}: {_describe((unknown or errors)[0])}") from None


def read_spec_text(path: str | Path) -> str:
    """The text of a spec file: a regular file of at most ``MAX_SPEC_BYTES``, read without
    blocking (a named pipe or a device such as /dev/zero is refused before it is read)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SPEC_BYTES:
        os.close(fd)
        if info.st_size > MAX_SPEC_BYTES and stat.S_ISREG(info.st_mode):
            raise SpecError(f"{path}: {number(info.st_size)} bytes is too large for a spec (at most {number(MAX_SPEC_BYTES)})")
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "a named pipe" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
        raise SpecError(f"{path}: {what}; a spec is a TOML file")
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(MAX_SPEC_BYTES + 1)
        except OSError as exc:
            raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(f"{path}: too large for a spec (at most {number(MAX_SPEC_BYTES)} bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not UTF-8 text; a spec is a TOML file") from None


def load_spec(path: str | Path) -> SearchSpec:
    """Read and validate a TOML spec of any kind; :class:`SpecError` names the file and the bad key."""
    text = read_spec_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    return parse_spec(data, str(path))
