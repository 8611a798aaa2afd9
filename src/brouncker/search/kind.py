"""What a kind of search is: the base of its spec model, and the record the driver reads.

A kind is one module of :mod:`brouncker.search.kinds` that holds its spec model (a
:class:`SearchSpec` whose ``kind`` is a ``Literal``: its tag in the discriminated union that
:func:`brouncker.search.spec.parse_spec` validates), its plan and its pipeline, tied
together by its :class:`Kind`; one line of the registry plugs it in. The driver
(:mod:`brouncker.search.runner`) knows a kind only through that record: the planner that
sizes the search and cuts it into shards before the store is touched, the builder of the
picklable task of each shard, and the task function a worker runs, which returns the
shard's records (:class:`~brouncker.search.shards.ShardResult`). Resume, progress, failure
handling and the store writes are the driver's, the same for every kind.

This module imports no kind, so every kind can import it.

>>> validate(SearchSpec, {"kind": "toy", "name": "t", "size": 3}, "toy.toml")
Traceback (most recent call last):
...
brouncker.errors.SpecError: toy.toml: unknown key 'size'
>>> value_range([1, 3], "x", lambda v, what: None, 10, 100), expand([1, 3])
([1, 3], [1, 2, 3])
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..constants import BANK
from ..errors import SpecError
from ..limits import HARD_MAX_SHARDS, HARD_MAX_SPACE, HARD_MAX_TASK_SIZE, MAX_SHARDS, MAX_SPACE, MAX_TASK_SIZE, number
from .shards import Plan, Shard, ShardResult

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["Kind", "Limits", "SearchSpec", "SpecModel", "expand", "known_constants", "validate", "value_range"]


class SpecModel(BaseModel):
    """A table of a spec: unknown keys are refused, and a validated spec never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(SpecModel):
    """The sizes a spec may reach, in the kind's units of work; raise them on purpose."""

    max_space: int = Field(default=MAX_SPACE, ge=1, le=HARD_MAX_SPACE)  # units of the whole search
    max_shards: int = Field(default=MAX_SHARDS, ge=1, le=HARD_MAX_SHARDS)
    max_task_size: int = Field(default=MAX_TASK_SIZE, ge=1, le=HARD_MAX_TASK_SIZE)  # units per shard


class SearchSpec(SpecModel):
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


SpecT = TypeVar("SpecT", bound=SearchSpec)
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


# --- validation, and its errors in one line ---------------------------------------------------


_NAMED_KEY = re.compile(r"([a-z_]+(?:\.[A-Za-z_0-9]+)*): (.*)\Z", re.DOTALL)


def describe(error: Any) -> str:
    """One line for one of pydantic's errors: the key path and what is wrong with it."""
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


def spec_error(exc: ValidationError, source: str, tagged: bool = False) -> SpecError:
    """The first error of a validation as one :class:`SpecError` line naming ``source``
    (``tagged``: the locations start with the union's tag, the kind, which is left out)."""
    errors = [{**e, "loc": e["loc"][1:]} if tagged else e for e in exc.errors()]
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]  # a typo explains the rest
    return SpecError(f"{source}: {describe((unknown or errors)[0])}")


def validate(model: type[SpecT], data: dict[str, Any], source: str) -> SpecT:
    """``data`` validated by one kind's ``model``; the first error is one :class:`SpecError` line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise spec_error(exc, source) from None


# --- values a spec's keys share ------------------------------------------------------------------


def known_constants(names: list[str]) -> list[str]:
    """The names, each in the bank, without repeats (for a validator of ``constants``)."""
    if not names:
        raise ValueError("list at least one constant")
    unknown = [n for n in names if n not in BANK]
    if unknown:
        raise ValueError(f"unknown constant '{unknown[0]}'; known: {', '.join(BANK)}")
    return list(dict.fromkeys(names))


def value_range(value: Any, what: str, check: Callable[[Any, str], None], bound: int, max_count: int | None) -> Any:
    """An inclusive integer range ``[lo, hi]`` within ``±bound`` (of at most ``max_count``
    values), or ``{values = [...]}`` whose values pass ``check``; returned as plain JSON
    (``[lo, hi]`` or ``{"values": [...]}``). Template parameters, CMF parameters and starts."""
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


def expand(value: Any) -> list[Any]:
    """The values of a checked range (see :func:`value_range`)."""
    if isinstance(value, dict):
        return list(value["values"])
    return list(range(value[0], value[1] + 1))
