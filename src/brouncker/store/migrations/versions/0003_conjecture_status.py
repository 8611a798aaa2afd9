"""Conjecture statuses, candidates, and which δ a conjecture carries.

- A conjecture not yet verified is ``conjectured`` (it was ``candidate``): stored rows
  are renamed.
- ``candidate`` (boolean, false for every stored row) marks a value that no bank
  constant explains. Such a value may have no expression, so ``expression`` becomes
  nullable, and a partial unique index keeps one unexplained row per ``(kind,
  value_key)``.
- ``delta_kind`` says which δ ``delta`` is (``fr`` or ``naive``). For stored rows it is
  read off the metrics of the conjecture's PCF (the δ that equals ``delta``); it stays
  NULL where no metrics record tells (and where ``delta`` is NULL).

On SQLite the nullable column needs a table rebuild, which batch mode does.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UNEXPLAINED = "uq_conjecture_unexplained"
NO_EXPRESSION = sa.text("expression IS NULL")


def _delta_kind_from_metrics(kind: str, column: str) -> str:
    return (
        f"UPDATE conjecture SET delta_kind = '{kind}' "
        "WHERE delta IS NOT NULL AND delta_kind IS NULL AND pcf_id IS NOT NULL AND EXISTS "
        f"(SELECT 1 FROM metrics WHERE metrics.pcf_id = conjecture.pcf_id AND metrics.{column} = conjecture.delta)"
    )


def upgrade() -> None:
    with op.batch_alter_table("conjecture") as batch:
        batch.add_column(sa.Column("candidate", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("delta_kind", sa.String(8), nullable=True))
        batch.alter_column("expression", existing_type=sa.Text(), nullable=True)
        batch.create_index("ix_conjecture_candidate", ["candidate"])
    op.create_index(UNEXPLAINED, "conjecture", ["kind", "value_key"], unique=True,
                    sqlite_where=NO_EXPRESSION, postgresql_where=NO_EXPRESSION)
    op.execute("UPDATE conjecture SET status = 'conjectured' WHERE status = 'candidate'")
    op.execute(_delta_kind_from_metrics("fr", "delta_fr"))  # δ_FR was taken whenever the PCF had one
    op.execute(_delta_kind_from_metrics("naive", "delta_naive"))


def downgrade() -> None:
    op.execute("UPDATE conjecture SET status = 'candidate' WHERE status = 'conjectured'")
    op.execute("DELETE FROM conjecture WHERE expression IS NULL")  # revision 0002 cannot hold unexplained values
    op.drop_index(UNEXPLAINED, table_name="conjecture")
    with op.batch_alter_table("conjecture") as batch:
        batch.drop_index("ix_conjecture_candidate")
        batch.alter_column("expression", existing_type=sa.Text(), nullable=False)
        batch.drop_column("delta_kind")
        batch.drop_column("candidate")
