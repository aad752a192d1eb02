"""Cases: when a case last became open (opened or reopened), for the conversation's current case.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("active_since", store.types.UTCDateTime(timezone=True),
                                   nullable=True))
    op.execute("UPDATE cases SET active_since = opened_at")
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("active_since", existing_type=store.types.UTCDateTime(timezone=True),
                           nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("active_since")
