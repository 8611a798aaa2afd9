"""The equivalence graph.

Adds the ``equivalence_edge`` table (``brouncker relate SEARCH_ID``): a certificate that two
stored formulas, or a formula and a known field's trajectory, are one recurrence in another
basis, with the relate search that found it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "equivalence_edge",
        sa.Column("id", Id, primary_key=True),
        sa.Column("search_id", Id, nullable=False),
        sa.Column("from_key", sa.String(512), nullable=False),
        sa.Column("to_key", sa.String(512), nullable=False),
        sa.Column("from_id", Id, nullable=True),
        sa.Column("to_id", Id, nullable=True),
        sa.Column("to_field", JSONType, nullable=True),
        sa.Column("certificate", JSONType, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_equivalence_edge"),
        sa.ForeignKeyConstraint(["search_id"], ["search.id"], name="fk_equivalence_edge_search_id_search", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_id"], ["conjecture.id"], name="fk_equivalence_edge_from_id_conjecture", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_id"], ["conjecture.id"], name="fk_equivalence_edge_to_id_conjecture", ondelete="CASCADE"),
        sa.UniqueConstraint("search_id", "from_key", "to_key", name="uq_equivalence_edge_search_id"),
    )
    op.create_index("ix_equivalence_edge_from_id", "equivalence_edge", ["from_id"])
    op.create_index("ix_equivalence_edge_to_id", "equivalence_edge", ["to_id"])


def downgrade() -> None:
    op.drop_index("ix_equivalence_edge_to_id", table_name="equivalence_edge")
    op.drop_index("ix_equivalence_edge_from_id", table_name="equivalence_edge")
    op.drop_table("equivalence_edge")
