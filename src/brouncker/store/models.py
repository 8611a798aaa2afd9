"""The database schema of the conjecture store (SQLAlchemy 2.x declarative models).

One table per concept of the store: ``constant``, ``search``, ``shard``, ``pcf``,
``metrics``, ``conjecture`` (with its ``conjecture_constant`` links), ``verification``,
``cluster``, ``cmf_link`` (a stored formula explained as a trajectory of a known
conservative matrix field), ``conjecture_source`` (the rows of an imported file that
give a conjecture), and ``equivalence_edge`` (a certificate that two formulas, or a formula
and a field's trajectory, are equivalent). Big integers and high-precision numbers are stored as text;
coefficients, relations and records as JSON (JSONB on PostgreSQL).

The Alembic migrations build exactly this schema; :data:`SCHEMA_REVISION` names the
revision the code expects (a test compares the two).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..records import ConjectureStatus, SearchStatus, ShardStatus

SCHEMA_REVISION = "0007"
"""The Alembic head revision this code reads and writes."""

JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
"""JSON everywhere, JSONB on PostgreSQL (indexable, compact)."""

Id = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit keys; on SQLite a plain INTEGER, so the key is the rowid and autoincrements."""

KEY_LENGTH = 512  # canonical keys and value keys; a degree-3 PCF key is well under 100 chars

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Constant(Base):
    """A bank constant that conjectures refer to by name."""

    __tablename__ = "constant"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


class Search(Base):
    """One search: its specification, progress, counters, and the driver running it."""

    __tablename__ = "search"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    spec_hash: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), default=SearchStatus.PENDING.value)
    counters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # the driver that runs (or last ran) the search, and its last sign of life
    driver_host: Mapped[str | None] = mapped_column(String(255))
    driver_pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Shard(Base):
    """A slice ``[start, stop)`` of a search space; what makes a search resumable."""

    __tablename__ = "shard"
    __table_args__ = (UniqueConstraint("search_id", "shard_index"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("search.id", ondelete="CASCADE"))
    shard_index: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(BigInteger)
    stop: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=ShardStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class PCF(Base):
    """A canonical polynomial continued fraction, once per canonical key."""

    __tablename__ = "pcf"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    canonical_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    a: Mapped[list[int]] = mapped_column(JSONType)
    b: Mapped[list[int]] = mapped_column(JSONType)
    deg_a: Mapped[int] = mapped_column(Integer)
    deg_b: Mapped[int] = mapped_column(Integer)
    degree: Mapped[int] = mapped_column(Integer)  # max(deg a, deg b); no index: it slows the bulk writes
    first_search_id: Mapped[int | None] = mapped_column(ForeignKey("search.id", ondelete="SET NULL"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"), index=True)


class Metrics(Base):
    """The convergence-dynamics record of a PCF at one depth, with the fields one
    filters on copied into indexed columns."""

    __tablename__ = "metrics"
    __table_args__ = (UniqueConstraint("pcf_id", "depth"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pcf_id: Mapped[int] = mapped_column(ForeignKey("pcf.id", ondelete="CASCADE"))
    depth: Mapped[int] = mapped_column(Integer)
    dynamics: Mapped[dict[str, Any]] = mapped_column(JSONType)
    limit: Mapped[str | None] = mapped_column(Text)
    convergence: Mapped[str | None] = mapped_column(String(32))
    fr: Mapped[bool | None] = mapped_column(Boolean)
    delta_fr: Mapped[float | None] = mapped_column(Float, index=True)
    delta_naive: Mapped[float | None] = mapped_column(Float, index=True)
    c: Mapped[float | None] = mapped_column(Float)
    d: Mapped[float | None] = mapped_column(Float)
    gamma: Mapped[float | None] = mapped_column(Float)
    eta: Mapped[float | None] = mapped_column(Float)


class Conjecture(Base):
    """A conjectured formula: an integer relation between a limit and bank constants.

    Unique per ``(kind, value_key, expression)``; ``value_key`` is the canonical key for
    a PCF and a digest of the defining data (lhs and signs) for ESMA. A value no bank
    constant explains has no expression (``candidate`` is true) and is unique per
    ``(kind, value_key)``. ``delta_kind`` says which δ ``delta`` is (``fr`` or ``naive``).
    """

    __tablename__ = "conjecture"
    __table_args__ = (
        UniqueConstraint("kind", "value_key", "expression"),
        Index(
            "uq_conjecture_unexplained", "kind", "value_key", unique=True,
            sqlite_where=text("expression IS NULL"), postgresql_where=text("expression IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), index=True)
    value_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    canonical_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH), index=True)
    pcf_id: Mapped[int | None] = mapped_column(ForeignKey("pcf.id", ondelete="SET NULL"), index=True)
    a: Mapped[list[int] | None] = mapped_column(JSONType)  # the PCF as found
    b: Mapped[list[int] | None] = mapped_column(JSONType)
    degree: Mapped[int | None] = mapped_column(Integer, index=True)
    expression: Mapped[str | None] = mapped_column(Text)
    constants: Mapped[list[str]] = mapped_column(JSONType)
    relation: Mapped[list[int]] = mapped_column(JSONType)
    digits: Mapped[int] = mapped_column(Integer)
    delta: Mapped[float | None] = mapped_column(Float, index=True)
    delta_kind: Mapped[str | None] = mapped_column(String(8))
    limit: Mapped[str | None] = mapped_column(Text)  # decimal text, any precision
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default=ConjectureStatus.CONJECTURED.value, index=True)
    candidate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    search_id: Mapped[int | None] = mapped_column(ForeignKey("search.id", ondelete="SET NULL"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConjectureConstant(Base):
    """Which bank constants a conjecture uses (what ``query --constant`` filters on)."""

    __tablename__ = "conjecture_constant"
    conjecture_id: Mapped[int] = mapped_column(ForeignKey("conjecture.id", ondelete="CASCADE"), primary_key=True)
    constant_id: Mapped[int] = mapped_column(ForeignKey("constant.id", ondelete="CASCADE"), primary_key=True)
    __table_args__ = (Index("ix_conjecture_constant_constant_id", "constant_id"),)


class Verification(Base):
    """One verification run of a stored conjecture."""

    __tablename__ = "verification"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conjecture_id: Mapped[int] = mapped_column(ForeignKey("conjecture.id", ondelete="CASCADE"), index=True)
    digits_requested: Mapped[int] = mapped_column(Integer)
    digits_agreed: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Cluster(Base):
    """A cluster of conjectures (and PCFs) in one plane of dynamics metrics."""

    __tablename__ = "cluster"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("search.id", ondelete="CASCADE"), index=True)
    plane: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    anchor: Mapped[str | None] = mapped_column(Text)
    is_candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class CMFLink(Base):
    """A stored formula explained by a known conservative matrix field: its PCF is, up to
    shift and equivalence, the PCF of a trajectory of the field (``method`` ``shift``), or
    a hypergeometric field's trajectory solved from its coefficients (``hypergeometric``,
    with a ``closed_form`` re-checked to ``digits`` digits).

    ``mobius`` ``[c0, c1, c2, c3]`` gives the formula's value from the trajectory's limit
    $L$: $(c_0 + c_1 L)/(c_2 + c_3 L)$. The explained PCF is a conjecture of the search, or
    the representative of one of its clusters. Unique per ``(search_id, link_key)``, a digest
    of the PCF, field, parameters, trajectory, start and method.
    """

    __tablename__ = "cmf_link"
    __table_args__ = (UniqueConstraint("search_id", "link_key"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("search.id", ondelete="CASCADE"), index=True)
    conjecture_id: Mapped[int | None] = mapped_column(ForeignKey("conjecture.id", ondelete="CASCADE"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"), index=True)
    link_key: Mapped[str] = mapped_column(String(128))
    canonical_key: Mapped[str] = mapped_column(String(KEY_LENGTH), index=True)
    class_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    field: Mapped[str] = mapped_column(String(64), index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    trajectory: Mapped[list[int]] = mapped_column(JSONType)
    start: Mapped[list[str]] = mapped_column(JSONType)
    method: Mapped[str] = mapped_column(String(16))
    mobius: Mapped[list[int] | None] = mapped_column(JSONType)
    closed_form: Mapped[str | None] = mapped_column(Text)
    digits: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConjectureSource(Base):
    """One row of an imported file that gives a conjecture (``brouncker import``): where it
    was (``line`` of the search's file), the PCF and the claimed value as written, the free
    ``source`` text (data, never parsed), and the verdict on the claim for this row's own PCF.
    Rows of one canonical formula are sources of one conjecture; unique per ``(search_id, line)``.
    """

    __tablename__ = "conjecture_source"
    __table_args__ = (UniqueConstraint("search_id", "line"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conjecture_id: Mapped[int] = mapped_column(ForeignKey("conjecture.id", ondelete="CASCADE"), index=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("search.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    a: Mapped[str] = mapped_column(Text)
    b: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(String(16))
    digits_agreed: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EquivalenceEdge(Base):
    """A certified edge of the equivalence graph (``brouncker relate SEARCH_ID``): the
    certificate (its JSON, checked exactly before it was stored) that node ``from_key`` is
    equivalent to node ``to_key``. A node is a stored conjecture (``from_id``, ``to_id``; its
    key ``conjecture:ID``) or the PCF of a known field's trajectory (``to_field``: field,
    parameters, trajectory, start). ``search_id`` is the relate search that found it; unique
    per ``(search_id, from_key, to_key)``.
    """

    __tablename__ = "equivalence_edge"
    __table_args__ = (UniqueConstraint("search_id", "from_key", "to_key"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("search.id", ondelete="CASCADE"))
    from_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    to_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    from_id: Mapped[int | None] = mapped_column(ForeignKey("conjecture.id", ondelete="CASCADE"), index=True)
    to_id: Mapped[int | None] = mapped_column(ForeignKey("conjecture.id", ondelete="CASCADE"), index=True)
    to_field: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    certificate: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


TABLES = [t.name for t in Base.metadata.sorted_tables]
"""The store's tables, in dependency order."""
