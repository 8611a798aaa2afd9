"""Records that search workers return and only the driver writes to the database.

Pure frozen dataclasses of plain values (no SQLAlchemy, no Ray), so they pickle cheaply
and turn into JSON. ``as_dict`` gives JSON-safe dicts (tuples become lists);
``from_dict`` inverts it.

>>> r = PCFRecord("k", (1, 2), (-1, 0, 0), search_id=3)
>>> PCFRecord.from_dict(r.as_dict()) == r
True
>>> c = ConjectureRecord("pcf", "6/zeta(3)", ("zeta3",), (6, 0, -1, 0), 50)
>>> ConjectureRecord.from_dict(c.as_dict()) == c
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CONJECTURE_KINDS = ("pcf", "esma", "cmf")
CONJECTURE_STATUSES = ("candidate", "verified", "refuted")


def _tuple(value: Any) -> tuple[int, ...] | None:
    return None if value is None else tuple(int(v) for v in value)


def _list(value: tuple[int, ...] | None) -> list[int] | None:
    return None if value is None else list(value)


@dataclass(frozen=True, slots=True)
class PCFRecord:
    """A canonical PCF: its key and coefficients (highest degree first)."""

    canonical_key: str
    a: tuple[int, ...]
    b: tuple[int, ...]
    search_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "canonical_key": self.canonical_key,
            "a": list(self.a),
            "b": list(self.b),
            "search_id": self.search_id,
        }

    @classmethod
    def from_dict(cls, data: dict) -> PCFRecord:
        return cls(
            canonical_key=str(data["canonical_key"]),
            a=_tuple(data["a"]) or (),
            b=_tuple(data["b"]) or (),
            search_id=data.get("search_id"),
        )


@dataclass(frozen=True, slots=True)
class MetricsRecord:
    """The convergence-dynamics record of a PCF at one depth (``Dynamics.as_dict()``)."""

    canonical_key: str
    depth: int
    dynamics: dict

    def as_dict(self) -> dict:
        return {"canonical_key": self.canonical_key, "depth": self.depth, "dynamics": dict(self.dynamics)}

    @classmethod
    def from_dict(cls, data: dict) -> MetricsRecord:
        return cls(
            canonical_key=str(data["canonical_key"]),
            depth=int(data["depth"]),
            dynamics=dict(data["dynamics"]),
        )


@dataclass(frozen=True, slots=True)
class ConjectureRecord:
    """A conjectured formula: an integer relation between a limit and bank constants.

    ``kind`` is ``pcf`` (with ``canonical_key``, ``a``, ``b``), ``esma`` (with ``data``:
    lhs, signs, recurrence, initial_terms, convergence_rate) or ``cmf``.
    """

    kind: str
    expression: str
    constants: tuple[str, ...]
    relation: tuple[int, ...]
    digits: int
    canonical_key: str | None = None
    a: tuple[int, ...] | None = None
    b: tuple[int, ...] | None = None
    delta: float | None = None
    limit: str | None = None
    data: dict | None = None
    status: str = "candidate"
    search_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "expression": self.expression,
            "constants": list(self.constants),
            "relation": list(self.relation),
            "digits": self.digits,
            "canonical_key": self.canonical_key,
            "a": _list(self.a),
            "b": _list(self.b),
            "delta": self.delta,
            "limit": self.limit,
            "data": None if self.data is None else dict(self.data),
            "status": self.status,
            "search_id": self.search_id,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ConjectureRecord:
        delta = data.get("delta")
        return cls(
            kind=str(data["kind"]),
            expression=str(data["expression"]),
            constants=tuple(str(c) for c in data.get("constants") or ()),
            relation=_tuple(data.get("relation")) or (),
            digits=int(data["digits"]),
            canonical_key=data.get("canonical_key"),
            a=_tuple(data.get("a")),
            b=_tuple(data.get("b")),
            delta=None if delta is None else float(delta),
            limit=data.get("limit"),
            data=None if data.get("data") is None else dict(data["data"]),
            status=str(data.get("status") or "candidate"),
            search_id=data.get("search_id"),
        )


def json_safe(value: Any) -> Any:
    """Plain JSON: records become dicts, tuples lists, mpz ints, and infinities and NaN
    strings (JSON, and PostgreSQL's JSONB, have no infinity).

    >>> json_safe({"x": (1, float("inf"))})
    {'x': [1, 'inf']}
    """
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if hasattr(value, "__int__") and not isinstance(value, (bool, int, float, str)) and type(value).__name__ == "mpz":
        return int(value)
    return value
