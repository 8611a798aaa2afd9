r"""The kind ``import``: a collection of formulas from a file (``brouncker import FILE``).

The file's rows (:mod:`brouncker.search.collection`) are kept in the spec, with the file's
name and SHA-256: the same file imported again under the same name is the same search
(found by the spec's hash), so it adds nothing. The items of the search are the distinct
**formulas**: rows whose PCFs share a canonical key (:func:`brouncker.pcf.canonical.canonical`:
inflated copies) are one formula, with every row as a source. A shard is a range of
formulas; each formula gets, in a worker:

* the exact limit of its first PCF as written that claims a value (else its first), to
  twice the spec's digits, extrapolated when it converges slowly (:func:`brouncker.pcf.value.pcf_limit`);
* an identification of that limit from the PCF alone, against the whole bank
  (:func:`brouncker.identification.identify.identify`, re-checked at twice the digits);
* the verification of every row's claimed value against that row's own PCF
  (:func:`brouncker.convergence.verify.verify`): verified, refuted or inconclusive;
* the dynamics record of the canonical PCF (:func:`brouncker.convergence.dynamics.dynamics`,
  stored in ``metrics`` as the ``dynamics`` mode stores it).

Each formula is one conjecture of kind ``pcf`` of this search (its own: its identity is
the search and the canonical key, so a formula that another search found is imported all
the same). Its ``a, b`` are the PCF as written, its expression the claimed value when there
is one (normalised by :func:`brouncker.constants.parse_constant`), else the identification,
else it is a candidate known by its limit. After a run the driver records, once, the
verification of each conjecture's claim (a refuted claim is kept, as ``refuted``) and the
rows it comes from (``conjecture_source``: line, texts as written, source, verdict).

:data:`KIND` is this kind's entry in the registry of :mod:`brouncker.search.kinds`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import mpmath
from mpmath import mp
from pydantic import Field, model_validator

from ...constants import parse_constant
from ...convergence.dynamics import dynamics
from ...convergence.verify import verify
from ...errors import BrounckerError, InconclusiveError
from ...identification.identify import Identification, identify
from ...limits import IMPORT_MAX_DEPTH, IMPORT_MAX_DIGITS, IMPORT_ROWS
from ...pcf.canonical import canonical
from ...pcf.fraction import PCF
from ...pcf.value import Limit, pcf_limit
from ...plain import Plain
from ...precision import LIMIT_GUARD_DIGITS, RECHECK_FACTOR
from ...records import (
    ConjectureKind,
    ConjectureRecord,
    MetricsRecord,
    PCFRecord,
    SourceRecord,
    Verdict,
    chosen_delta,
)
from ..collection import ParsedRow, bad_rows_error, parse_rows, read_collection
from ..kind import Kind, SearchSpec, SpecModel, validate
from ..shards import Plan, Shard, ShardResult, ShardRun, split

if TYPE_CHECKING:
    from ...store import Store
    from ..runner import SearchReport

COUNT_KEYS = ("formulas", "rows", "identified", "candidates", "inconclusive", "claims", "claims_verified", "claims_refuted",
              "claims_inconclusive")
SUMMARY = (("formulas", "formulas"), ("rows", "rows"), ("identified", "identified from the PCF alone"),
           ("claims_verified", "claims verified"), ("claims_refuted", "claims refuted"),
           ("claims_inconclusive", "claims inconclusive"), ("candidates", "candidates"))
DEFAULT_DIGITS = 30  # identified at 30 digits (re-checked at 60), claims verified to 30
DEFAULT_DEPTH = 1 << 14  # deepest walk of a limit or a verification: slow PCFs are extrapolated well before
DEFAULT_DYNAMICS_DEPTH = 2000  # N of the dynamics record, as the searches store it
DEFAULT_SHARD_SIZE = 16  # formulas per shard: about half a second of work at degrees (6, 12)
MIN_IDENTIFY_DIGITS = 15  # a slow limit known to fewer than twice this many digits is not identified


class ImportRow(SpecModel):
    """A row of the file: its line, its coefficients, and its texts as written."""

    line: int = Field(ge=1)
    a: list[int]
    b: list[int]
    a_text: str
    b_text: str
    value: str | None = None
    source: str | None = None

    @classmethod
    def of(cls, row: ParsedRow) -> ImportRow:
        return cls(line=row.line, a=list(row.a), b=list(row.b), a_text=row.a_text, b_text=row.b_text, value=row.value,
                   source=row.source)


class SkippedRow(SpecModel):
    """A row left out by ``--skip-bad``, and why."""

    line: int
    reason: str


class ImportSpec(SearchSpec):
    """An import: the rows of one file, and how much work each formula gets::

        kind = "import"
        name = "classical-formulas.csv"   # the search's name (default: the file's name)
        file = "classical-formulas.csv"
        file_sha256 = "..."
        digits = 30                       # identified at 30 digits (re-checked at 60); claims verified to 30
        depth = 16384                     # deepest walk of a limit or a verification
        dynamics_depth = 2000             # the dynamics record of each formula's canonical PCF
        shard_size = 16                   # formulas per shard
        rows = [{line = 2, a = [2, 1], b = [1, 0, 0], a_text = "2n+1", b_text = "n^2", value = "4/pi"}]

    ``brouncker import`` writes it from the file; ``skipped`` lists the rows ``--skip-bad`` left out.
    """

    kind: Literal["import"] = "import"
    file: str = Field(min_length=1, max_length=1000)
    file_sha256: str = Field(default="", max_length=64)
    rows: list[ImportRow]
    skipped: list[SkippedRow] = Field(default_factory=list)
    digits: int = Field(default=DEFAULT_DIGITS, ge=10, le=IMPORT_MAX_DIGITS)
    depth: int = Field(default=DEFAULT_DEPTH, ge=32, le=IMPORT_MAX_DEPTH)
    dynamics_depth: int = Field(default=DEFAULT_DYNAMICS_DEPTH, ge=16, le=IMPORT_MAX_DEPTH)
    shard_size: int = Field(default=DEFAULT_SHARD_SIZE, ge=1, le=100_000)

    @model_validator(mode="after")
    def _rows(self) -> ImportSpec:
        if not self.rows:
            raise ValueError("no rows to import")
        if len(self.rows) + len(self.skipped) > IMPORT_ROWS.large:
            raise ValueError(f"{len(self.rows) + len(self.skipped):,} rows, over the limit of {IMPORT_ROWS.large:,}")
        lines = [r.line for r in self.rows]
        if len(set(lines)) < len(lines):
            raise ValueError("two rows share a line number")
        return self


_FORMULAS: dict[str, tuple[tuple[int, ...], ...]] = {}


def formulas(spec: ImportSpec) -> tuple[tuple[int, ...], ...]:
    """The formulas of an import: the indices of its rows grouped by canonical key, in the
    order of each formula's first row (computed once per process, by the spec's hash)."""
    found = _FORMULAS.get(spec.hash)
    if found is None:
        groups: dict[str, list[int]] = {}
        for i, row in enumerate(spec.rows):
            groups.setdefault(canonical(PCF(tuple(row.a), tuple(row.b))).key, []).append(i)
        if len(_FORMULAS) >= 4:
            _FORMULAS.clear()
        found = _FORMULAS[spec.hash] = tuple(tuple(g) for g in groups.values())
    return found


@dataclass(frozen=True, slots=True)
class ImportSettings:
    """What a worker needs of the spec (not its rows)."""

    file: str
    digits: int
    depth: int
    dynamics_depth: int


@dataclass(frozen=True, slots=True)
class ImportShardTask:
    """One shard: its formulas (each a tuple of rows), the settings, and the search id."""

    settings: ImportSettings
    formulas: tuple[tuple[ImportRow, ...], ...]
    shard: Shard
    search_id: int | None = None


def plan_import(spec: ImportSpec) -> Plan:
    """The formulas (rows grouped by canonical key) and their shards."""
    return Plan("import", len(formulas(spec)), 1, tuple(split(len(formulas(spec)), spec.shard_size)))


def import_tasks(spec: ImportSpec, shards: Sequence[Shard], search_id: int | None) -> list[ImportShardTask]:
    settings = ImportSettings(spec.file, spec.digits, spec.depth, spec.dynamics_depth)
    groups = formulas(spec)
    return [
        ImportShardTask(settings, tuple(tuple(spec.rows[i] for i in g) for g in groups[s.start : s.stop]), s, search_id)
        for s in shards
    ]


def value_key(search_id: int | None, key: str) -> str:
    """The identity of an imported formula: its search and its canonical key (digested, so
    that it fits the key column whatever the PCF's size)."""
    return f"import:{search_id}:sha256:" + hashlib.sha256(key.encode()).hexdigest()


class _Shard(ShardRun[ImportSettings]):
    """The mutable state of one shard's run: records gathered, counters."""

    def __init__(self, settings: ImportSettings, shard: Shard, search_id: int | None) -> None:
        super().__init__(settings, shard, search_id, COUNT_KEYS)

    def limit(self, a: tuple[int, ...], b: tuple[int, ...]) -> Limit | None:
        """The limit to twice the digits (or what the depth allows), None when it does not settle."""
        try:
            return pcf_limit(a, b, RECHECK_FACTOR * self.spec.digits + LIMIT_GUARD_DIGITS, self.spec.depth, partial=True)
        except InconclusiveError:
            self.counts["inconclusive"] += 1
            return None

    def identify(self, limit: Limit | None) -> Identification | None:
        """The limit identified against the whole bank, from the PCF alone."""
        if limit is None:
            return None
        use = min(self.spec.digits, limit.digits // RECHECK_FACTOR)
        if use < MIN_IDENTIFY_DIGITS:
            return None
        found = identify(limit.value, use, None, deeper=limit.value, deeper_digits=RECHECK_FACTOR * use)
        if found is not None and found.constants:
            self.counts["identified"] += 1
        return found

    def claim(self, row: ImportRow) -> dict[str, Any]:
        """The verdict on a row's claimed value for the row's own PCF."""
        assert row.value is not None
        self.counts["claims"] += 1
        try:
            started = time.perf_counter()
            v = verify(tuple(row.a), tuple(row.b), row.value, self.spec.digits, max_depth=self.spec.depth)
            seconds = time.perf_counter() - started
        except BrounckerError as exc:  # memory: a walk this deep would not fit
            self.counts["claims_inconclusive"] += 1
            return {"verdict": Verdict.INCONCLUSIVE.value, "digits_agreed": None, "depth": None, "seconds": None, "message": str(exc)}
        self.counts[f"claims_{v.verdict}"] += 1
        return {"verdict": v.verdict, "digits_agreed": v.digits_agreed, "depth": v.depth, "seconds": round(seconds, 4),
                "message": v.message}

    def run(self, rows: tuple[ImportRow, ...]) -> None:
        """The records of one formula (see the module docstring)."""
        settings = self.spec
        self.counts["formulas"] += 1
        self.counts["rows"] += len(rows)
        first = next((r for r in rows if r.value is not None), rows[0])
        a, b = tuple(first.a), tuple(first.b)
        canon = canonical(PCF(a, b))
        limit = self.limit(a, b)
        found = self.identify(limit)
        claims = {str(r.line): self.claim(r) for r in rows if r.value is not None}
        try:
            record = dynamics(canon.pcf.a, canon.pcf.b, settings.dynamics_depth, limit_digits=settings.digits)
        except BrounckerError:
            record = None
        delta, delta_kind = (None, None) if record is None else chosen_delta(record.delta_fr, record.delta_naive)
        if canon.key not in self.seen:
            self.seen.add(canon.key)
            self.pcfs.append(PCFRecord(canon.key, canon.pcf.a, canon.pcf.b, self.search_id))
            if record is not None:
                self.metrics.append(MetricsRecord(canon.key, settings.dynamics_depth, record.as_dict()))
        shown = None
        if limit is not None:
            places = min(limit.digits, RECHECK_FACTOR * settings.digits)
            with mp.workdps(places + 5):
                shown = mpmath.nstr(limit.value, places, strip_zeros=False)
        data: dict[str, Any] = {
            "import": {"file": settings.file, "line": first.line, "lines": [r.line for r in rows]},
            "as_written": {"a": first.a_text, "b": first.b_text},
            "claim": first.value,
            "claims": claims,
            "identified": None if found is None else {k: v for k, v in found.as_dict().items() if k != "value"},
            "limit": None if limit is None else {"digits": limit.digits, "depth": limit.depth, "method": limit.method},
            "canonical": {"a": canon.pcf.a_text, "b": canon.pcf.b_text, "value_factor": str(canon.scale.value_factor)},
        }
        common: dict[str, Any] = {
            "canonical_key": canon.key, "a": a, "b": b, "delta": delta, "delta_kind": delta_kind, "limit": shown, "data": data,
            "search_id": self.search_id, "value_key": value_key(self.search_id, canon.key),
        }
        if first.value is not None:
            expression = parse_constant(first.value)
            verdict = claims[str(first.line)]
            digits = verdict["digits_agreed"] or (found.checked_digits or found.digits if found else 0)
            relation = found.relation if found is not None and verdict["verdict"] == Verdict.VERIFIED else ()
            conjecture = ConjectureRecord(ConjectureKind.PCF, expression.text, expression.names, tuple(relation), int(digits), **common)
        elif found is not None:
            conjecture = ConjectureRecord(ConjectureKind.PCF, found.expression, found.constants, found.relation,
                                          found.checked_digits or found.digits, **common)
        else:
            self.counts["candidates"] += 1
            conjecture = ConjectureRecord(ConjectureKind.PCF, None, (), (), 0 if limit is None else min(limit.digits, 2 * settings.digits),
                                          candidate=True, **common)
        self.conjectures.append(conjecture)


def run_import_shard(job: ImportShardTask) -> ShardResult:
    """The executor's entry point: every formula of one shard; its records."""
    state = _Shard(job.settings, job.shard, job.search_id)
    for rows in job.formulas:
        state.run(rows)
    return state.result()


def record_import(store: Store, search_id: int) -> None:
    """After a run, in the driver: each conjecture's sources (the rows it comes from, with
    their verdicts), and one verification of its claim when it has none yet (idempotent)."""
    search = store.search(search_id)
    if search is None or search.spec is None:
        return
    spec = validate(ImportSpec, search.spec, f"search {search_id}")
    rows = {r.line: r for r in spec.rows}
    sources: list[SourceRecord] = []
    for detail in store.conjecture_details(search_id):
        data = detail.data or {}
        where = data.get("import")
        if not isinstance(where, dict):
            continue
        claims = data.get("claims") or {}
        for line in where.get("lines") or ():
            row = rows.get(line)
            if row is None:
                continue
            verdict = claims.get(str(line)) or {}
            sources.append(SourceRecord(detail.conjecture.id, search_id, line, row.a_text, row.b_text, row.value, row.source,
                                        verdict.get("verdict"), verdict.get("digits_agreed")))
        claim = claims.get(str(where.get("line"))) if data.get("claim") is not None else None
        if claim and not detail.verifications:
            store.record_verification(detail.conjecture.id, digits_requested=spec.digits, digits_agreed=claim.get("digits_agreed"),
                                      depth=claim.get("depth"), seconds=claim.get("seconds"), verdict=claim["verdict"])
    store.write_sources(sources)


# --- importing a file ------------------------------------------------------------------------


def import_spec(path: str | Path, *, name: str | None = None, skip_bad: bool = False, **settings: Any) -> ImportSpec:
    """The spec of importing ``path``: every row parsed and checked, nothing written.

    A bad row raises one :class:`~brouncker.search.collection.CollectionError` line,
    ``FILE:LINE: reason``, unless ``skip_bad``: then the spec lists it in ``skipped``.
    ``settings`` are the spec's ``digits``, ``depth``, ``dynamics_depth``, ``shard_size``.
    """
    collection = read_collection(path)
    parsed, bad = parse_rows(collection)
    if bad and not skip_bad:
        raise bad_rows_error(str(path), bad)
    if not parsed:
        raise bad_rows_error(str(path), bad) if bad else BrounckerError(f"{path}: no rows to import")
    data = {
        "kind": "import", "name": name or collection.name, "file": collection.name, "file_sha256": collection.sha256,
        "rows": [ImportRow.of(r).model_dump() for r in parsed], "skipped": [b.as_dict() for b in bad],
        **{k: v for k, v in settings.items() if v is not None},
    }
    return validate(ImportSpec, data, str(path))


@dataclass(frozen=True, slots=True)
class ImportReport(Plain):
    """What an import did: the JSON of ``brouncker import --json`` (its first eight fields
    are the command line's contract). ``skipped`` lists the rows ``--skip-bad`` left out,
    each ``{"line", "reason"}``."""

    search_id: int
    rows: int  # data rows of the file, skipped ones included
    formulas: int  # distinct canonical formulas: one conjecture each
    duplicates: int  # rows whose formula an earlier row already gave
    identified: int  # formulas identified from the PCF alone
    claims_verified: int
    claims_refuted: int
    skipped: list[dict[str, Any]]
    name: str = ""
    claims_inconclusive: int = 0
    status: str = "done"
    seconds: float = 0.0
    written: dict[str, int] = field(default_factory=dict)  # rows this run added to the store
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, spec: ImportSpec, report: SearchReport) -> ImportReport:
        c = report.counters
        count = len(formulas(spec))
        return cls(
            search_id=report.search_id, rows=len(spec.rows) + len(spec.skipped), formulas=count, duplicates=len(spec.rows) - count,
            identified=int(c.get("identified", 0)), claims_verified=int(c.get("claims_verified", 0)),
            claims_refuted=int(c.get("claims_refuted", 0)), skipped=[s.model_dump() for s in spec.skipped], name=spec.name,
            claims_inconclusive=int(c.get("claims_inconclusive", 0)), status=str(report.status), seconds=report.seconds,
            written=dict(report.written), errors=list(report.errors),
        )


KIND: Kind[ImportSpec, ImportShardTask] = Kind(
    name="import",
    spec_model=ImportSpec,
    unit="formulas",
    count_keys=COUNT_KEYS,
    summary=SUMMARY,
    plan=plan_import,
    tasks=import_tasks,
    work=run_import_shard,
    finish=record_import,
)
