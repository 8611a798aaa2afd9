"""Links from stored formulas to the conservative matrix fields that explain them.

Adds the ``cmf_link`` table (``brouncker cmf explain``): which conjecture (or which
cluster's representative PCF) of a search is a trajectory of which known field, with the
field's parameters, the trajectory, the start, the Möbius map between the values, and a
hypergeometric closed form when one was found.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSONType = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INDEXED = ("search_id", "conjecture_id", "cluster_id", "canonical_key", "field")


def upgrade() -> None:
    op.create_table(
        "cmf_link",
        sa.Column("id", Id, primary_key=True),
        sa.Column("search_id", Id, nullable=False),
        sa.Column("conjecture_id", Id, nullable=True),
        sa.Column("cluster_id", Id, nullable=True),
        sa.Column("link_key", sa.String(128), nullable=False),
        sa.Column("canonical_key", sa.String(512), nullable=False),
        sa.Column("class_key", sa.String(512), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("parameters", JSONType, nullable=False),
        sa.Column("trajectory", JSONType, nullable=False),
        sa.Column("start", JSONType, nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("mobius", JSONType, nullable=True),
        sa.Column("closed_form", sa.Text(), nullable=True),
        sa.Column("digits", sa.Integer(), nullable=True),
        sa.Column("data", JSONType, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cmf_link"),
        sa.ForeignKeyConstraint(["search_id"], ["search.id"], name="fk_cmf_link_search_id_search", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conjecture_id"], ["conjecture.id"], name="fk_cmf_link_conjecture_id_conjecture", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cluster_id"], ["cluster.id"], name="fk_cmf_link_cluster_id_cluster", ondelete="CASCADE"),
        sa.UniqueConstraint("search_id", "link_key", name="uq_cmf_link_search_id"),
    )
    for column in INDEXED:
        op.create_index(f"ix_cmf_link_{column}", "cmf_link", [column])


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(f"ix_cmf_link_{column}", table_name="cmf_link")
    op.drop_table("cmf_link")
