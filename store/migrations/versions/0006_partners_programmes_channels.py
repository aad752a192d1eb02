"""Satisfaction ratings, beta programmes, beta bans, linked shared channels, AI opt-out.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIME = store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("organizations", sa.Column("beta_banned_at", UTC_TIME, nullable=True))
    op.add_column("organizations", sa.Column("beta_ban_reason", sa.String(200), nullable=True))
    op.add_column("organizations", sa.Column("ai_enabled", sa.Boolean(), nullable=False,
                                             server_default=sa.true()))
    op.create_table(
        "linked_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_linked_channels_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_channels")),
        sa.UniqueConstraint("channel", "chat_id", name=op.f("uq_linked_channels_channel_chat_id")),
    )
    op.create_index(op.f("ix_linked_channels_org_id"), "linked_channels", ["org_id"])
    op.create_table(
        "satisfaction_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", UTC_TIME, nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_by_id", sa.Integer(), nullable=True),
        sa.Column("rated_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_satisfaction_ratings_case_id_cases")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_satisfaction_ratings_org_id_organizations")),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"],
                                name=op.f("fk_satisfaction_ratings_agent_id_users")),
        sa.ForeignKeyConstraint(["rated_by_id"], ["users.id"],
                                name=op.f("fk_satisfaction_ratings_rated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_ratings")),
        sa.UniqueConstraint("case_id", "round", name=op.f("uq_satisfaction_ratings_case_id_round")),
    )
    op.create_index(op.f("ix_satisfaction_ratings_case_id"), "satisfaction_ratings", ["case_id"])
    op.create_index(op.f("ix_satisfaction_ratings_org_id"), "satisfaction_ratings", ["org_id"])
    op.create_table(
        "betas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("closed_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_betas")),
        sa.UniqueConstraint("name", name=op.f("uq_betas_name")),
    )
    op.create_table(
        "beta_interests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beta_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["beta_id"], ["betas.id"],
                                name=op.f("fk_beta_interests_beta_id_betas")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_beta_interests_org_id_organizations")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_beta_interests_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_interests")),
        sa.UniqueConstraint("beta_id", "org_id", name=op.f("uq_beta_interests_beta_id_org_id")),
    )
    op.create_index(op.f("ix_beta_interests_beta_id"), "beta_interests", ["beta_id"])
    op.create_table(
        "beta_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beta_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("waba_id", sa.String(64), nullable=False),
        sa.Column("enabled_on", sa.Date(), nullable=False),
        sa.Column("launch_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("enrolled_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("reminded_at", UTC_TIME, nullable=True),
        sa.Column("live_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["beta_id"], ["betas.id"],
                                name=op.f("fk_beta_enrolments_beta_id_betas")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_beta_enrolments_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_enrolments")),
        sa.UniqueConstraint("beta_id", "waba_id", name=op.f("uq_beta_enrolments_beta_id_waba_id")),
    )
    op.create_index(op.f("ix_beta_enrolments_beta_id"), "beta_enrolments", ["beta_id"])
    op.create_index(op.f("ix_beta_enrolments_org_id"), "beta_enrolments", ["org_id"])


def downgrade() -> None:
    for table in ("beta_enrolments", "beta_interests", "betas", "satisfaction_ratings",
                  "linked_channels"):
        op.drop_table(table)
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("ai_enabled")
        batch.drop_column("beta_ban_reason")
        batch.drop_column("beta_banned_at")
