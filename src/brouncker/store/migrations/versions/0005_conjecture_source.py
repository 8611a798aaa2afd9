"""The sources of imported formulas.

Adds the ``conjecture_source`` table (``brouncker import``): each row of an imported file
that gives a conjecture, with its line, the PCF and the claimed value as written, the free
source text, and the verdict on the claim for that row's PCF. Rows of one canonical
formula are sources of one conjecture.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "conjecture_source",
        sa.Column("id", Id, primary_key=True),
        sa.Column("conjecture_id", Id, nullable=False),
        sa.Column("search_id", Id, nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("a", sa.Text(), nullable=False),
        sa.Column("b", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=True),
        sa.Column("digits_agreed", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conjecture_source"),
        sa.ForeignKeyConstraint(["conjecture_id"], ["conjecture.id"], name="fk_conjecture_source_conjecture_id_conjecture",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["search_id"], ["search.id"], name="fk_conjecture_source_search_id_search", ondelete="CASCADE"),
        sa.UniqueConstraint("search_id", "line", name="uq_conjecture_source_search_id"),
    )
    op.create_index("ix_conjecture_source_conjecture_id", "conjecture_source", ["conjecture_id"])


def downgrade() -> None:
    op.drop_index("ix_conjecture_source_conjecture_id", table_name="conjecture_source")
    op.drop_table("conjecture_source")
