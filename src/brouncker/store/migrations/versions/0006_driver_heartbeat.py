"""The driver of a search and its heartbeat.

Adds ``driver_host``, ``driver_pid`` and ``heartbeat_at`` to ``search``: the host and
process id of the driver that runs (or last ran) the search, and when it last showed a
sign of life. A search stored as ``running`` whose driver has gone (a stale beat, or a
process that no longer exists on its host) is shown as interrupted. Stored rows get
NULLs: a ``running`` search without a beat was left by a driver that is gone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search") as batch:
        batch.add_column(sa.Column("driver_host", sa.String(255), nullable=True))
        batch.add_column(sa.Column("driver_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("driver_pid")
        batch.drop_column("driver_host")
