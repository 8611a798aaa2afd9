"""Records that search workers return and only the driver writes to the database, and the
names of their states: statuses, kinds and verdicts.

Pure frozen dataclasses of plain values (no SQLAlchemy, no Ray), so they pickle cheaply
and turn into JSON. ``as_dict`` gives JSON-safe dicts (tuples become lists, the enums
their text); ``from_dict`` inverts it.

>>> r = PCFRecord("k", (1, 2), (-1, 0, 0), search_id=3)
>>> PCFRecord.from_dict(r.as_dict()) == r
True
>>> c = ConjectureRecord("pcf", "6/zeta(3)", ("zeta3",), (6, 0, -1, 0), 50)
>>> c.status, ConjectureRecord.from_dict(c.as_dict()) == c
(<ConjectureStatus.CONJECTURED: 'conjectured'>, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .plain import Plain

if TYPE_CHECKING:
    from .identification.identify import Identification


class SearchStatus(StrEnum):
    """Where a search stands: ``failed`` when some shard failed, ``interrupted`` by Ctrl-C, a lost
    Ray instance or cluster, or a driver that went away (read so, the row still says running)."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class ShardStatus(StrEnum):
    """Where one shard of a search stands; every status but ``done`` runs again on resume."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ConjectureKind(StrEnum):
    """What a conjecture is about: a PCF, an ESMA expansion, or a trajectory of a CMF."""

    PCF = "pcf"
    ESMA = "esma"
    CMF = "cmf"


class ConjectureStatus(StrEnum):
    """A conjecture is ``conjectured`` until a verification run says ``verified`` or ``refuted``."""

    CONJECTURED = "conjectured"
    VERIFIED = "verified"
    REFUTED = "refuted"


class Verdict(StrEnum):
    """What one verification run concluded (``inconclusive``: the budget was too small)."""

    VERIFIED = "verified"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


class DeltaKind(StrEnum):
    """Which irrationality measure a conjecture's δ is: with the reduced denominators of a
    factorially reducing PCF (``fr``), or with the plain ones (``naive``)."""

    FR = "fr"
    NAIVE = "naive"


def chosen_delta(delta_fr: float | None, delta_naive: float | None) -> tuple[float | None, DeltaKind | None]:
    """The δ a conjecture carries, and which one it is: δ_FR when there is one, else δ_naive.

    >>> chosen_delta(0.08, -0.2), chosen_delta(None, -0.2), chosen_delta(None, None)
    ((0.08, <DeltaKind.FR: 'fr'>), (-0.2, <DeltaKind.NAIVE: 'naive'>), (None, None))
    """
    if delta_fr is not None:
        return delta_fr, DeltaKind.FR
    if delta_naive is not None:
        return delta_naive, DeltaKind.NAIVE
    return None, None


def _tuple(value: Any) -> tuple[int, ...] | None:
    return None if value is None else tuple(int(v) for v in value)


def _list(value: tuple[int, ...] | None) -> list[int] | None:
    return None if value is None else list(value)


@dataclass(frozen=True, slots=True)
class PCFRecord(Plain):
    """A canonical PCF: its key and coefficients (highest degree first)."""

    canonical_key: str
    a: tuple[int, ...]
    b: tuple[int, ...]
    search_id: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PCFRecord:
        return cls(
            canonical_key=str(data["canonical_key"]),
            a=_tuple(data["a"]) or (),
            b=_tuple(data["b"]) or (),
            search_id=data.get("search_id"),
        )


@dataclass(frozen=True, slots=True)
class MetricsRecord(Plain):
    """The convergence-dynamics record of a PCF at one depth (``Dynamics.as_dict()``)."""

    canonical_key: str
    depth: int
    dynamics: dict[str, Any]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricsRecord:
        return cls(
            canonical_key=str(data["canonical_key"]),
            depth=int(data["depth"]),
            dynamics=dict(data["dynamics"]),
        )


@dataclass(frozen=True, slots=True)
class ConjectureRecord:
    """A conjectured formula: an integer relation between a limit and bank constants.

    ``kind`` is ``pcf`` (with ``canonical_key``, ``a``, ``b``), ``esma`` (with ``data``:
    lhs, signs, recurrence, initial_terms, convergence_rate) or ``cmf``. ``delta`` comes
    with ``delta_kind``, which says which δ it is.

    A **candidate** is a value that no constant of the bank explains (``candidate``
    true): it has no ``expression``, no ``constants`` and an empty ``relation``; its
    ``limit`` holds the value to ``digits`` digits, and its key keeps it stored once.

    Strings are accepted for the enum fields and turned into their enums; an unknown one
    raises ValueError.
    """

    kind: ConjectureKind
    expression: str | None
    constants: tuple[str, ...]
    relation: tuple[int, ...]
    digits: int
    canonical_key: str | None = None
    a: tuple[int, ...] | None = None
    b: tuple[int, ...] | None = None
    delta: float | None = None
    limit: str | None = None
    data: dict[str, Any] | None = None
    status: ConjectureStatus = ConjectureStatus.CONJECTURED
    search_id: int | None = None
    delta_kind: DeltaKind | None = None
    candidate: bool = False
    value_key: str | None = None  # the identity when it is not the kind's own (an import's: its search and key)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ConjectureKind(self.kind))
        object.__setattr__(self, "status", ConjectureStatus(self.status))
        if self.delta_kind is not None:
            object.__setattr__(self, "delta_kind", DeltaKind(self.delta_kind))

    @classmethod
    def of_value(cls, kind: ConjectureKind, found: Identification | None, limit: str, digits: int,
                 **fields: Any) -> ConjectureRecord:
        """The conjecture of a value that ``found`` identifies, or, when it is ``None``, the
        candidate of a value no constant explains; ``limit`` is the value's decimal text to
        ``digits`` digits, kept with either."""
        if found is None:
            return cls(kind=kind, expression=None, constants=(), relation=(), digits=digits, limit=limit, candidate=True,
                       **fields)
        return cls(kind=kind, expression=found.expression, constants=found.constants, relation=found.relation,
                   digits=found.checked_digits or found.digits, limit=limit, **fields)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "expression": self.expression,
            "constants": list(self.constants),
            "relation": list(self.relation),
            "digits": self.digits,
            "canonical_key": self.canonical_key,
            "a": _list(self.a),
            "b": _list(self.b),
            "delta": self.delta,
            "delta_kind": None if self.delta_kind is None else str(self.delta_kind),
            "limit": self.limit,
            "data": None if self.data is None else dict(self.data),
            "status": str(self.status),
            "search_id": self.search_id,
            "candidate": self.candidate,
            "value_key": self.value_key,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConjectureRecord:
        delta = data.get("delta")
        expression = data.get("expression")
        return cls(
            kind=ConjectureKind(data["kind"]),
            expression=None if expression is None else str(expression),
            constants=tuple(str(c) for c in data.get("constants") or ()),
            relation=_tuple(data.get("relation")) or (),
            digits=int(data["digits"]),
            canonical_key=data.get("canonical_key"),
            a=_tuple(data.get("a")),
            b=_tuple(data.get("b")),
            delta=None if delta is None else float(delta),
            limit=data.get("limit"),
            data=None if data.get("data") is None else dict(data["data"]),
            status=ConjectureStatus(data.get("status") or ConjectureStatus.CONJECTURED),
            search_id=data.get("search_id"),
            delta_kind=None if data.get("delta_kind") is None else DeltaKind(data["delta_kind"]),
            candidate=bool(data.get("candidate", False)),
            value_key=data.get("value_key"),
        )


@dataclass(frozen=True, slots=True)
class SourceRecord(Plain):
    """One row of an imported file that gives conjecture ``conjecture_id`` of search
    ``search_id``: its ``line``, the PCF and the claimed ``value`` as written, the free
    ``source`` text (data only: never parsed, escaped wherever it is shown), and the verdict
    on the claim for this row's own PCF (None when the row claims nothing).

    >>> r = SourceRecord(1, 2, 5, "2n+1", "n**2", "4/pi", "Brouncker 1655", "verified", 30)
    >>> SourceRecord.from_dict(r.as_dict()) == r
    True
    """

    conjecture_id: int
    search_id: int
    line: int
    a: str
    b: str
    value: str | None = None
    source: str | None = None
    verdict: Verdict | None = None
    digits_agreed: int | None = None

    def __post_init__(self) -> None:
        if self.verdict is not None:
            object.__setattr__(self, "verdict", Verdict(self.verdict))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceRecord:
        return cls(
            conjecture_id=int(data["conjecture_id"]), search_id=int(data["search_id"]), line=int(data["line"]),
            a=str(data["a"]), b=str(data["b"]), value=data.get("value"), source=data.get("source"),
            verdict=None if data.get("verdict") is None else Verdict(data["verdict"]),
            digits_agreed=None if data.get("digits_agreed") is None else int(data["digits_agreed"]),
        )


class LinkMethod(StrEnum):
    """How a formula was found to be a trajectory of a field: its PCF's shift class met
    among the field's enumerated trajectories (``shift``), or hypergeometric parameters
    solved from its coefficients (``hypergeometric``)."""

    SHIFT = "shift"
    HYPERGEOMETRIC = "hypergeometric"


@dataclass(frozen=True, slots=True)
class CMFLinkRecord(Plain):
    r"""A stored formula explained by a known conservative matrix field (what ``brouncker
    cmf explain`` writes).

    The PCF with key ``canonical_key`` (a conjecture of search ``search_id``, or the
    representative of its cluster ``cluster_id``) is, up to shift and equivalence, the PCF
    of ``trajectory`` from ``start`` in ``field`` with ``parameters`` (values as text such as
    ``"1/2"``). ``mobius`` ``(c0, c1, c2, c3)`` gives the formula's value from the
    trajectory's limit $L$: $(c_0 + c_1 L)/(c_2 + c_3 L)$. ``closed_form`` is a constant
    expression for the formula's value (hypergeometric links), re-checked to ``digits``.

    >>> r = CMFLinkRecord(1, "a=2,1|b=1,0,0", "a=2,1|b=1,0,0", "pi", {}, (1, 1), ("1", "0"), "shift", (0, 1, 1, 0))
    >>> CMFLinkRecord.from_dict(r.as_dict()) == r
    True
    """

    search_id: int
    canonical_key: str
    class_key: str
    field: str
    parameters: dict[str, str]
    trajectory: tuple[int, ...]
    start: tuple[str, ...]
    method: LinkMethod
    mobius: tuple[int, int, int, int] | None = None
    closed_form: str | None = None
    digits: int | None = None
    conjecture_id: int | None = None
    cluster_id: int | None = None
    data: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", LinkMethod(self.method))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CMFLinkRecord:
        mobius = data.get("mobius")
        return cls(
            search_id=int(data["search_id"]),
            canonical_key=str(data["canonical_key"]),
            class_key=str(data["class_key"]),
            field=str(data["field"]),
            parameters={str(k): str(v) for k, v in (data.get("parameters") or {}).items()},
            trajectory=tuple(int(v) for v in data["trajectory"]),
            start=tuple(str(v) for v in data["start"]),
            method=LinkMethod(data["method"]),
            mobius=None if mobius is None else (int(mobius[0]), int(mobius[1]), int(mobius[2]), int(mobius[3])),
            closed_form=data.get("closed_form"),
            digits=None if data.get("digits") is None else int(data["digits"]),
            conjecture_id=data.get("conjecture_id"),
            cluster_id=data.get("cluster_id"),
            data=None if data.get("data") is None else dict(data["data"]),
        )


@dataclass(frozen=True, slots=True)
class EdgeRecord(Plain):
    """A certified edge of the equivalence graph found by relate search ``search_id``: value of
    node ``from_key`` $=$ the certificate's map of the value of node ``to_key``. A node is a
    stored conjecture (``from_id``/``to_id``) or a field's trajectory (``to_field``: its
    ``field``, ``parameters``, ``trajectory`` and ``start``). ``certificate`` is the
    certificate's JSON (:meth:`brouncker.equivalence.certificate.Certificate.as_dict`),
    stored only after its exact check passed.

    >>> r = EdgeRecord(3, "conjecture:1", "conjecture:2", 1, 2, None, {"c": "1"})
    >>> EdgeRecord.from_dict(r.as_dict()) == r
    True
    """

    search_id: int
    from_key: str
    to_key: str
    from_id: int | None
    to_id: int | None
    to_field: dict[str, Any] | None
    certificate: dict[str, Any]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EdgeRecord:
        return cls(int(data["search_id"]), str(data["from_key"]), str(data["to_key"]), data.get("from_id"), data.get("to_id"),
                   data.get("to_field"), dict(data["certificate"]))


def json_safe(value: Any) -> Any:
    """Plain JSON: records become dicts, tuples lists, mpz ints, enums their text, and
    infinities and NaN strings (JSON, and PostgreSQL's JSONB, have no infinity).

    >>> json_safe({"x": (1, float("inf")), "s": ShardStatus.DONE})
    {'x': [1, 'inf'], 's': 'done'}
    """
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if hasattr(value, "__int__") and not isinstance(value, (bool, int, float, str)) and type(value).__name__ == "mpz":
        return int(value)
    return value
