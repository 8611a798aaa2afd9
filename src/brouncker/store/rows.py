"""Typed rows that the store returns: searches, shards, conjectures (with their PCF,
metrics, verifications and cluster), clusters, and the per-PCF rows clustering reads.

Each row is a frozen dataclass of plain values; ``as_dict()`` gives its JSON (enums as
their text, times in ISO 8601). :func:`rows_frame` turns a list of rows into a pandas
DataFrame when pandas is installed (it is not a dependency).

>>> row = ConjectureRow(1, ConjectureKind.PCF, "2n + 1", "n^2", "4/pi", 50, 0.0, ConjectureStatus.CONJECTURED,
...                     None, 1, "k", DeltaKind.FR, False)
>>> tuple(row.as_dict())[: len(CONTRACT_FIELDS)] == CONTRACT_FIELDS
True
>>> row.as_dict()["status"], row.as_dict()["delta_kind"]
('conjectured', 'fr')
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from ..display import Displayed, conjecture_latex
from ..plain import Plain, plain
from ..records import ConjectureKind, ConjectureStatus, DeltaKind, LinkMethod, SearchStatus, ShardStatus, Verdict

CONTRACT_FIELDS = ("id", "kind", "a", "b", "expression", "digits", "delta", "status", "cluster", "search_id", "canonical_key")
"""The fields every ``brouncker query`` row has, in this order (the command line's contract)."""

ROW_FIELDS = (*CONTRACT_FIELDS, "delta_kind", "candidate", "limit")
"""The fields of a :class:`ConjectureRow`: the contract's, then which δ ``delta`` is,
whether the value is a candidate (explained by no bank constant), and the value itself."""


@dataclass(frozen=True, slots=True)
class WriteCounts(Plain):
    """Rows a :meth:`~brouncker.store.Store.write_records` call added (records already stored count 0)."""

    pcfs: int
    metrics: int
    conjectures: int


@dataclass(frozen=True, slots=True)
class SearchRow(Plain):
    """One search: its status, counters and shards by status; ``spec`` only when read
    with it (:meth:`~brouncker.store.Store.search`), else None and left out of the JSON.

    ``driver_host``, ``driver_pid`` and ``heartbeat_at`` name the driver that runs (or last
    ran) the search and its last beat. A search stored as running whose driver is gone
    (:mod:`brouncker.store.drivers`) reads as ``interrupted``, with ``no_driver_since``
    the time it was last seen; ``no_driver_since`` is None otherwise."""

    id: int
    name: str
    status: SearchStatus
    spec_hash: str
    counters: dict[str, Any]
    shards: dict[str, int]
    created_at: datetime | None
    updated_at: datetime | None
    spec: dict[str, Any] | None = None
    driver_host: str | None = None
    driver_pid: int | None = None
    heartbeat_at: datetime | None = None
    no_driver_since: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        out = Plain.as_dict(self)
        if self.spec is None:
            del out["spec"]
        return out

    @property
    def status_text(self) -> str:
        """The status in words: ``interrupted (no driver since 2026-12-07 09:07:04 UTC)``
        for a search whose driver went away without a word, else the status."""
        if self.no_driver_since is None:
            return str(self.status)
        return f"{self.status} (no driver since {self.no_driver_since:%Y-%m-%d %H:%M:%S} UTC)"


@dataclass(frozen=True, slots=True)
class ShardRow(Plain):
    """One shard of a search: the index range ``[start, stop)`` and its progress."""

    search_id: int
    shard_index: int
    start: int
    stop: int
    status: ShardStatus
    attempts: int
    counts: dict[str, Any] | None
    error: str | None


@dataclass(frozen=True, slots=True)
class ConjectureRow(Plain, Displayed):
    """A conjecture as ``brouncker query`` lists it: the contract fields, then
    ``delta_kind``, ``candidate`` and ``limit`` (the value as decimal text, to ``digits``
    digits: what a candidate is known by). ``a`` and ``b`` are polynomial text; ``cluster``
    is the id of the conjecture's cluster."""

    id: int
    kind: ConjectureKind
    a: str | None
    b: str | None
    expression: str | None
    digits: int
    delta: float | None
    status: ConjectureStatus
    cluster: int | None
    search_id: int | None
    canonical_key: str | None
    delta_kind: DeltaKind | None
    candidate: bool
    limit: str | None = None

    def latex(self) -> tuple[str, str]:
        """Shown by the presentation layer (:func:`brouncker.display.conjecture_latex`)."""
        return conjecture_latex(self, self.limit)


@dataclass(frozen=True, slots=True)
class PCFRow(Plain):
    """The canonical PCF of a conjecture (coefficients as polynomial text)."""

    id: int
    canonical_key: str
    a: str
    b: str
    deg_a: int
    deg_b: int
    first_search_id: int | None


@dataclass(frozen=True, slots=True)
class MetricsRow:
    """A dynamics record of a PCF at one depth; its JSON is the record with ``depth`` first."""

    depth: int
    dynamics: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"depth": self.depth, **self.dynamics}


@dataclass(frozen=True, slots=True)
class VerificationRow(Plain):
    """One verification run of a stored conjecture."""

    id: int
    digits_requested: int
    digits_agreed: int | None
    depth: int | None
    seconds: float | None
    verdict: Verdict
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class ClusterRow(Plain):
    """A cluster of a search in one plane of dynamics metrics; ``is_candidate`` when its
    members share a value that no bank constant explains."""

    id: int
    search_id: int
    plane: str
    label: str
    size: int
    anchor: str | None
    is_candidate: bool
    description: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class NewCluster(Plain):
    """A cluster to store (:meth:`~brouncker.store.Store.save_clusters`); ``size`` None
    counts the conjectures assigned to it."""

    plane: str
    label: str
    size: int | None = None
    anchor: str | None = None
    is_candidate: bool = False
    description: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SourceRow(Plain):
    """A row of an imported file that gives a conjecture: its line, the PCF and claimed
    value as written, the free source text, and the verdict on the claim for that row."""

    conjecture_id: int
    search_id: int
    line: int
    a: str
    b: str
    value: str | None
    source: str | None
    verdict: Verdict | None
    digits_agreed: int | None


@dataclass(frozen=True, slots=True)
class EdgeRow(Plain):
    """A stored edge of the equivalence graph (see :class:`~brouncker.records.EdgeRecord`)."""

    id: int
    search_id: int
    from_key: str
    to_key: str
    from_id: int | None
    to_id: int | None
    to_field: dict[str, Any] | None
    certificate: dict[str, Any]
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConjectureDetail(Displayed):
    """Everything known about one conjecture: its row, its relation and data, its PCF,
    every metrics record of the PCF, every verification, and its cluster.

    The JSON is the row's (with ``cluster`` the cluster itself rather than its id)
    followed by the rest.
    """

    conjecture: ConjectureRow
    value_key: str
    degree: int | None
    constants: tuple[str, ...]
    relation: tuple[int, ...]
    limit: str | None
    data: dict[str, Any] | None
    created_at: datetime | None
    pcf: PCFRow | None
    metrics: tuple[MetricsRow, ...]
    verifications: tuple[VerificationRow, ...]
    cluster: ClusterRow | None
    sources: tuple[SourceRow, ...] = ()  # the file rows of an imported formula

    def latex(self) -> tuple[str, str]:
        """Shown by the presentation layer (:func:`brouncker.display.conjecture_latex`)."""
        return conjecture_latex(self.conjecture, self.limit)

    def as_dict(self) -> dict[str, Any]:
        out = self.conjecture.as_dict()
        out["cluster"] = None if self.cluster is None else self.cluster.as_dict()
        for name in ("value_key", "degree", "constants", "relation", "limit", "data", "created_at", "pcf", "metrics", "verifications",
                     "sources"):
            out[name] = plain(getattr(self, name))
        return out


@dataclass(frozen=True, slots=True)
class ConjectureFilter(Plain):
    """What a list of conjectures is filtered on; None leaves a field out of the filter.

    ``constant`` is a bank name (``zeta3`` or ``zeta(3)``; an expression means all of its
    constants); ``cluster`` a cluster id or label; ``degree`` the PCF's degree, max(deg a,
    deg b); ``candidate`` True for values no bank constant explains only, False for the
    others; ``convergence`` the convergence type of a dynamics record of the PCF
    (``exponential``, ``factorial``, …); ``family`` the id of a family conjecture, whose
    member PCFs' conjectures pass.

    >>> ConjectureFilter(constant="pi", min_delta=0.0).as_dict()
    {'constant': 'pi', 'min_delta': 0.0}
    """

    constant: str | None = None
    search: int | None = None
    kind: ConjectureKind | str | None = None
    status: ConjectureStatus | str | None = None
    cluster: int | str | None = None
    min_delta: float | None = None
    max_delta: float | None = None
    degree: int | None = None
    candidate: bool | None = None
    convergence: str | None = None
    family: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields that filter (not None), as plain JSON."""
        return {k: v for k, v in Plain.as_dict(self).items() if v is not None}


@dataclass(frozen=True, slots=True)
class PCFDynamics(Plain):
    """A PCF first found by a search, with its deepest dynamics record (what clustering reads)."""

    pcf_id: int
    canonical_key: str
    a: tuple[int, ...]
    b: tuple[int, ...]
    depth: int
    dynamics: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PCFFeatures(Plain):
    """The dynamics features of a PCF's deepest record, and its cluster (what the report plots)."""

    pcf_id: int
    cluster: int | None
    delta_fr: float | None
    c: float | None
    d: float | None
    gamma: float | None
    eta: float | None


@dataclass(frozen=True, slots=True)
class ClusterMember(Plain):
    """A PCF assigned to a cluster, with its deepest dynamics record's limit, δ_FR and
    convergence type (a member need not have a conjecture: a candidate cluster's do not)."""

    pcf_id: int
    canonical_key: str
    a: str
    b: str
    limit: str | None
    delta_fr: float | None
    convergence: str | None


@dataclass(frozen=True, slots=True)
class PCFConjecture(Plain):
    """A PCF conjecture as clustering needs it: which PCF, which expression and constants,
    and its data (whose ``source`` says what made it)."""

    id: int
    pcf_id: int
    expression: str | None
    constants: tuple[str, ...]
    data: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class CMFLinkRow(Plain):
    """A stored formula explained by a known field (see :class:`~brouncker.records.CMFLinkRecord`):
    the formula's value is ``mobius`` applied to the limit of ``trajectory`` from ``start``."""

    id: int
    search_id: int
    conjecture_id: int | None
    cluster_id: int | None
    canonical_key: str
    class_key: str
    field: str
    parameters: dict[str, str]
    trajectory: tuple[int, ...]
    start: tuple[str, ...]
    method: LinkMethod
    mobius: tuple[int, ...] | None
    closed_form: str | None
    digits: int | None
    data: dict[str, Any] | None
    created_at: datetime | None


def rows_frame(rows: Sequence[Any], row_type: type | None = None) -> Any:
    """The rows as a ``pandas.DataFrame``, one column per key of their JSON (pandas must be
    installed; brouncker does not depend on it). An empty list gives an empty frame,
    with the fields of ``row_type`` as columns when it is given.
    """
    try:
        pandas = importlib.import_module("pandas")  # optional, and untyped: imported by name
    except ModuleNotFoundError:
        raise ModuleNotFoundError("rows_frame needs pandas, which brouncker does not install: pip install pandas") from None
    records = [r.as_dict() for r in rows]
    if records:
        columns = list(records[0])
    else:
        columns = list(field_names(row_type)) if row_type is not None else []
    return pandas.DataFrame.from_records(records, columns=columns)


def field_names(row_type: type) -> tuple[str, ...]:
    """The fields of a row class.

    >>> field_names(ConjectureRow) == ROW_FIELDS
    True
    """
    return tuple(f.name for f in fields(row_type))
