"""Clusters of conjectures and PCFs by convergence dynamics.

Adds the ``cluster`` table and a nullable ``cluster_id`` on ``conjecture`` and ``pcf``.
On SQLite the foreign keys need a table rebuild, which batch mode does.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSONType = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cluster",
        sa.Column("id", Id, primary_key=True),
        sa.Column("search_id", Id, nullable=False),
        sa.Column("plane", sa.String(64), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.Text()),
        sa.Column("is_candidate", sa.Boolean(), nullable=False),
        sa.Column("description", JSONType),
        sa.PrimaryKeyConstraint("id", name="pk_cluster"),
        sa.ForeignKeyConstraint(["search_id"], ["search.id"], name="fk_cluster_search_id_search", ondelete="CASCADE"),
    )
    op.create_index("ix_cluster_search_id", "cluster", ["search_id"])
    for table in ("conjecture", "pcf"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("cluster_id", Id, nullable=True))
            batch.create_foreign_key(f"fk_{table}_cluster_id_cluster", "cluster", ["cluster_id"], ["id"], ondelete="SET NULL")
            batch.create_index(f"ix_{table}_cluster_id", ["cluster_id"])


def downgrade() -> None:
    for table in ("pcf", "conjecture"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_cluster_id")
            batch.drop_constraint(f"fk_{table}_cluster_id_cluster", type_="foreignkey")
            batch.drop_column("cluster_id")
    op.drop_index("ix_cluster_search_id", table_name="cluster")
    op.drop_table("cluster")
