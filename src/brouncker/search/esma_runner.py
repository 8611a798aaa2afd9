r"""Run an ESMA search: serially, or sharded on the executor, and store its conjectures.

The shards are LHS chunks × sign periods (:func:`brouncker.esma.expansion.esma_tasks`); each
returns its verified results, the driver deduplicates them by value (the first sign
period in the reference's order wins, whatever order the shards finish in) and, when
asked, writes them as conjectures of kind ``esma`` in one batch.

A spec file is TOML with these keys (every one but ``constant`` optional)::

    name = "esma-e"
    constant = "e"            # a bank name or a constant expression
    lhs_degree = 1
    coeff_limit = 2
    cycles = "2..2"           # or [2, 2]
    depth = 105
    prime = 199
    from_start = true         # recurrences must hold from a_0 on (the reference's rule)

>>> spec = ESMASpec.model_validate({"constant": "e", "cycles": [2, 2], "depth": 105})
>>> spec.config().cycles, spec.config().depth
((2, 2), 105)
"""

from __future__ import annotations

import hashlib
import json
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..constants import parse_constant
from ..errors import BrounckerError, SpecError
from ..esma.expansion import (
    DEFAULT_DEPTH,
    DEFAULT_PRIME,
    FROM_START,
    VERIFY_DEPTH,
    VERIFY_DIGITS,
    ESMAConfig,
    ESMACounts,
    ESMAResult,
    ESMATask,
    TaskReport,
    dedupe,
    esma_tasks,
    parse_cycles,
    run_esma_task,
)
from ..records import ConjectureKind, ConjectureRecord, SearchStatus, ShardStatus, Verdict

if TYPE_CHECKING:
    from ..store import Store

TASK_LHS = 512  # LHS per task (one sign period): about 0.5 s of work at depth 100 (DESIGN: >= 0.5 s)


class ESMASpec(BaseModel):
    """An ESMA search specification (a TOML file); unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    constant: str
    lhs_degree: int = Field(default=1, ge=0, le=8)
    coeff_limit: int = Field(default=2, ge=1, le=100)
    cycles: str | tuple[int, int] = "1..2"
    depth: int = Field(default=DEFAULT_DEPTH, ge=16, le=100_000)
    prime: int = Field(default=DEFAULT_PRIME, ge=3)
    from_start: bool = FROM_START

    @field_validator("constant")
    @classmethod
    def _constant(cls, value: str) -> str:
        parse_constant(value)  # raises ParseError / UnknownConstantError with one line
        return value

    @field_validator("cycles")
    @classmethod
    def _cycles(cls, value: str | tuple[int, int]) -> str | tuple[int, int]:
        if isinstance(value, str):
            parse_cycles(value)
        elif not 1 <= value[0] <= value[1]:
            raise ValueError(f"need 1 <= K1 <= K2, got {list(value)}")
        return value

    def config(self) -> ESMAConfig:
        cycles = parse_cycles(self.cycles) if isinstance(self.cycles, str) else tuple(self.cycles)
        config = ESMAConfig(self.constant, self.lhs_degree, self.coeff_limit, cycles,  # type: ignore[arg-type]
                            self.depth, self.prime, self.from_start)
        config.check()
        return config


def load_spec(path: str | Path) -> ESMASpec:
    """Read and validate a spec file; :class:`SpecError` names the file and the key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read it ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from None
    try:
        spec = ESMASpec.model_validate(data)
        spec.config()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            raise SpecError(f"{path}: unknown key '{where}'") from None
        if error["type"] == "missing":
            raise SpecError(f"{path}: missing key '{where}'") from None
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SpecError(f"{path}: bad value for '{where}': {message}") from None
    except BrounckerError as exc:
        raise SpecError(f"{path}: {exc}") from None
    return spec


def spec_hash(config: ESMAConfig) -> str:
    """A digest of what the search looks at: equal configurations share a search row."""
    text = json.dumps({"kind": "esma", **config.as_dict()}, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ESMARun:
    """The outcome of :func:`run_esma`: results (one per value), counters, where stored."""

    config: ESMAConfig
    results: tuple[ESMAResult, ...]
    counts: ESMACounts
    tasks: int
    seconds: float
    search_id: int | None = None
    stored: int = 0
    failures: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "config": self.config.as_dict(),
            "results": [r.as_dict() for r in self.results],
            "counts": self.counts.as_dict(),
            "tasks": self.tasks,
            "seconds": self.seconds,
            "search_id": self.search_id,
            "stored": self.stored,
            "failures": list(self.failures),
        }


def conjecture_record(result: ESMAResult, search_id: int | None = None) -> ConjectureRecord:
    r"""The stored form of a result: kind ``esma``, the LHS as expression, and as relation
    the coefficients of $P$ then $Q$ (the limit $y$ satisfies $P(c) - y\,Q(c) = 0$)."""
    names = parse_constant(result.constant).names
    data = result.as_dict()
    data["relation"] = "numerator coefficients, then denominator coefficients (highest degree first)"
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


def _serial(tasks: list[ESMATask]) -> list[tuple[int, TaskReport | None, str | None]]:
    out: list[tuple[int, TaskReport | None, str | None]] = []
    for index, task in enumerate(tasks):
        try:
            out.append((index, run_esma_task(task), None))
        except BrounckerError as exc:
            out.append((index, None, str(exc)))
    return out


def run_esma(
    config: ESMAConfig,
    workers: int | None = None,
    address: str | None = None,
    db: str | None = None,
    store: bool = False,
    name: str | None = None,
    task_lhs: int = TASK_LHS,
    progress: Callable[[int, int], None] | None = None,
    executor: Any = None,
) -> ESMARun:
    """Run the search and return its deduplicated results.

    ``workers`` None runs in this process; otherwise the shards go through
    ``brouncker.search.executor.make_executor(workers, address)`` (0: its serial
    executor); an ``executor`` given is used as it is and left open. With ``store``
    the results are written to the database ``db`` as
    conjectures of kind ``esma``, under a search row shared by equal configurations.
    """
    started = time.perf_counter()
    config.check()
    tasks = esma_tasks(config, chunk=task_lhs)
    search_id: int | None = None
    repository: Store | None = None
    if store:
        from ..store import open_store

        repository = open_store(db)
        digest = spec_hash(config)
        search_id = repository.find_search_by_hash(digest)
        shards = [(i, i, i + 1) for i in range(len(tasks))]
        if search_id is None:
            spec = {"kind": "esma", "name": name or f"esma {config.constant}", **config.as_dict()}
            search_id = repository.create_search(spec["name"], spec, digest, shards=shards)
        else:
            repository.add_shards(search_id, shards)
        repository.set_search_status(search_id, SearchStatus.RUNNING)

    outcomes: list[tuple[int, TaskReport | None, str | None]] = []
    if executor is not None:
        for outcome in executor.imap_unordered(run_esma_task, tasks):
            outcomes.append((outcome.index, outcome.result, outcome.error))
            if progress:
                progress(len(outcomes), len(tasks))
    elif workers is None:
        for index, report, error in _serial(tasks):
            outcomes.append((index, report, error))
            if progress:
                progress(len(outcomes), len(tasks))
    else:
        from .executor import make_executor

        with make_executor(workers, address) as pool:
            for outcome in pool.imap_unordered(run_esma_task, tasks):
                outcomes.append((outcome.index, outcome.result, outcome.error))
                if progress:
                    progress(len(outcomes), len(tasks))

    counts = ESMACounts()
    results: list[ESMAResult] = []
    failures: list[str] = []
    for index, report, error in outcomes:
        if report is None:
            failures.append(f"task {index}: {error}")
            if repository is not None and search_id is not None:
                repository.set_shard_status(search_id, index, ShardStatus.FAILED, error=error)
            continue
        counts = counts + report.counts
        results.extend(report.results)
        if repository is not None and search_id is not None:
            repository.set_shard_status(search_id, index, ShardStatus.DONE, counts=report.counts.as_dict())
    unique = dedupe(results)

    stored = 0
    if repository is not None and search_id is not None:
        records = [conjecture_record(r, search_id) for r in unique]
        stored = repository.write_records(conjectures=records, search_id=search_id).conjectures
        _record_verifications(repository, search_id, unique)
        status = SearchStatus.FAILED if failures else SearchStatus.DONE
        repository.set_search_status(search_id, status, counters={**counts.as_dict(), "results": len(unique)})
    return ESMARun(config, tuple(unique), counts, len(tasks), round(time.perf_counter() - started, 3),
                   search_id, stored, tuple(failures))


def _record_verifications(repository: Store, search_id: int, results: list[ESMAResult]) -> None:
    """One verification row per newly stored result (depth 1000, the digits agreed); it
    moves the conjecture from ``conjectured`` to ``verified``."""
    rows = repository.query(search=search_id, kind=ConjectureKind.ESMA, limit=max(1000, 2 * len(results)))
    by_expression = {r.lhs: r for r in results}
    for row in rows:
        result = by_expression.get(row.expression or "")
        if result is None:
            continue
        full = repository.get_conjecture(row.id)
        if full is None or full.verifications:
            continue
        repository.record_verification(row.id, digits_requested=VERIFY_DIGITS, digits_agreed=result.digits,
                                       depth=VERIFY_DEPTH, seconds=None, verdict=Verdict.VERIFIED)
