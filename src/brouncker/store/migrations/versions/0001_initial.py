"""The initial schema: constants, searches, shards, PCFs, metrics, conjectures,
their constants, and verifications.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY = sa.String(512)
WHEN = sa.DateTime(timezone=True)


def _id(table: str) -> sa.Column:
    return sa.Column("id", Id, primary_key=True)


def _fk(column: str, table: str, target: str, ondelete: str, nullable: bool) -> list:
    return [
        sa.Column(column, Id, nullable=nullable),
        sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete),
    ]


def upgrade() -> None:
    op.create_table(
        "constant",
        _id("constant"),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_constant"),
        sa.UniqueConstraint("name", name="uq_constant_name"),
    )
    op.create_table(
        "search",
        _id("search"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("spec", JSONType, nullable=False),
        sa.Column("spec_hash", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counters", JSONType, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search"),
    )
    op.create_index("ix_search_spec_hash", "search", ["spec_hash"])
    op.create_table(
        "shard",
        _id("shard"),
        *_fk("search_id", "shard", "search", "CASCADE", nullable=False),
        sa.Column("shard_index", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("stop", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("counts", JSONType),
        sa.Column("error", sa.Text()),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shard"),
        sa.UniqueConstraint("search_id", "shard_index", name="uq_shard_search_id"),
    )
    op.create_index("ix_shard_status", "shard", ["status"])
    op.create_table(
        "pcf",
        _id("pcf"),
        sa.Column("canonical_key", KEY, nullable=False),
        sa.Column("a", JSONType, nullable=False),
        sa.Column("b", JSONType, nullable=False),
        sa.Column("deg_a", sa.Integer(), nullable=False),
        sa.Column("deg_b", sa.Integer(), nullable=False),
        sa.Column("degree", sa.Integer(), nullable=False),
        *_fk("first_search_id", "pcf", "search", "SET NULL", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pcf"),
        sa.UniqueConstraint("canonical_key", name="uq_pcf_canonical_key"),
    )
    op.create_index("ix_pcf_first_search_id", "pcf", ["first_search_id"])
    op.create_table(
        "metrics",
        _id("metrics"),
        *_fk("pcf_id", "metrics", "pcf", "CASCADE", nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("dynamics", JSONType, nullable=False),
        sa.Column("limit", sa.Text()),
        sa.Column("convergence", sa.String(32)),
        sa.Column("fr", sa.Boolean()),
        sa.Column("delta_fr", sa.Float()),
        sa.Column("delta_naive", sa.Float()),
        sa.Column("c", sa.Float()),
        sa.Column("d", sa.Float()),
        sa.Column("gamma", sa.Float()),
        sa.Column("eta", sa.Float()),
        sa.PrimaryKeyConstraint("id", name="pk_metrics"),
        sa.UniqueConstraint("pcf_id", "depth", name="uq_metrics_pcf_id"),
    )
    op.create_index("ix_metrics_delta_fr", "metrics", ["delta_fr"])
    op.create_index("ix_metrics_delta_naive", "metrics", ["delta_naive"])
    op.create_table(
        "conjecture",
        _id("conjecture"),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value_key", KEY, nullable=False),
        sa.Column("canonical_key", KEY),
        *_fk("pcf_id", "conjecture", "pcf", "SET NULL", nullable=True),
        sa.Column("a", JSONType),
        sa.Column("b", JSONType),
        sa.Column("degree", sa.Integer()),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("constants", JSONType, nullable=False),
        sa.Column("relation", JSONType, nullable=False),
        sa.Column("digits", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Float()),
        sa.Column("limit", sa.Text()),
        sa.Column("data", JSONType),
        sa.Column("status", sa.String(16), nullable=False),
        *_fk("search_id", "conjecture", "search", "SET NULL", nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conjecture"),
        sa.UniqueConstraint("kind", "value_key", "expression", name="uq_conjecture_kind"),
    )
    for column in ("kind", "canonical_key", "pcf_id", "degree", "delta", "status", "search_id"):
        op.create_index(f"ix_conjecture_{column}", "conjecture", [column])
    op.create_table(
        "conjecture_constant",
        *_fk("conjecture_id", "conjecture_constant", "conjecture", "CASCADE", nullable=False),
        *_fk("constant_id", "conjecture_constant", "constant", "CASCADE", nullable=False),
        sa.PrimaryKeyConstraint("conjecture_id", "constant_id", name="pk_conjecture_constant"),
    )
    op.create_index("ix_conjecture_constant_constant_id", "conjecture_constant", ["constant_id"])
    op.create_table(
        "verification",
        _id("verification"),
        *_fk("conjecture_id", "verification", "conjecture", "CASCADE", nullable=False),
        sa.Column("digits_requested", sa.Integer(), nullable=False),
        sa.Column("digits_agreed", sa.Integer()),
        sa.Column("depth", sa.Integer()),
        sa.Column("seconds", sa.Float()),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verification"),
    )
    op.create_index("ix_verification_conjecture_id", "verification", ["conjecture_id"])


def downgrade() -> None:
    for table in ("verification", "conjecture_constant", "conjecture", "metrics", "pcf", "shard", "search", "constant"):
        op.drop_table(table)
