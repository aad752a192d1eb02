"""Plan catalogue (seed 002), billing cycles, GST, invoices and payments.

Plans get a type, a status, GST, limits and prices per billing cycle and currency (the old
single monthly fee becomes the monthly price in EUR and USD); assignments carry the billing
cycle; month closes keep the cycle and the tax; invoices and payments are new.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"],
                                name=op.f("fk_plan_prices_plan_id_plans"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_prices")),
        sa.UniqueConstraint("plan_id", "cycle", "currency",
                            name=op.f("uq_plan_prices_plan_id_cycle_currency")),
    )
    op.create_index(op.f("ix_plan_prices_plan_id"), "plan_prices", ["plan_id"])
    op.execute("INSERT INTO plan_prices (plan_id, cycle, currency, amount_cents) "
               "SELECT id, 'monthly', 'EUR', fee_cents FROM plans")
    op.execute("INSERT INTO plan_prices (plan_id, cycle, currency, amount_cents) "
               "SELECT id, 'monthly', 'USD', fee_cents FROM plans")
    # No batch mode: on SQLite it would recreate plans, which other tables reference.
    op.execute("ALTER TABLE plans DROP COLUMN fee_cents")
    for table, column in (
        ("plans", sa.Column("plan_type", sa.String(20), nullable=False,
                            server_default="usage-based")),
        ("plans", sa.Column("revenue_share_bp", sa.Integer(), nullable=True)),
        ("plans", sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true())),
        ("plans", sa.Column("gst_rate_bp", sa.Integer(), nullable=True)),
        ("plans", sa.Column("limit_messages", sa.BigInteger(), nullable=True)),
        ("plans", sa.Column("limit_conversations", sa.BigInteger(), nullable=True)),
        ("plans", sa.Column("limit_team_members", sa.Integer(), nullable=True)),
        ("plan_assignments", sa.Column("billing_cycle", sa.String(10), nullable=False,
                                       server_default="monthly")),
        ("license_fees", sa.Column("recorded_at", store.types.UTCDateTime(timezone=True),
                                   nullable=True)),
        ("month_closes", sa.Column("billing_cycle", sa.String(10), nullable=False,
                                   server_default="monthly")),
        ("month_closes", sa.Column("tax_cents", sa.BigInteger(), nullable=False,
                                   server_default="0")),
    ):
        op.add_column(table, column)
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("has_plan_fee", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("escalations_processed", sa.Integer(), nullable=False),
        sa.Column("paid_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_invoices_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("org_id", "month", name=op.f("uq_invoices_org_id_month")),
    )
    op.create_index(op.f("ix_invoices_org_id"), "invoices", ["org_id"])
    op.create_index(op.f("ix_invoices_month"), "invoices", ["month"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_payments_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(op.f("ix_payments_invoice_id"), "payments", ["invoice_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_payments_invoice_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_index(op.f("ix_invoices_month"), table_name="invoices")
    op.drop_index(op.f("ix_invoices_org_id"), table_name="invoices")
    op.drop_table("invoices")
    with op.batch_alter_table("month_closes") as batch:
        batch.drop_column("tax_cents")
        batch.drop_column("billing_cycle")
    with op.batch_alter_table("license_fees") as batch:
        batch.drop_column("recorded_at")
    with op.batch_alter_table("plan_assignments") as batch:
        batch.drop_column("billing_cycle")
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("fee_cents", sa.BigInteger(), nullable=False,
                                   server_default="0"))
    op.execute("UPDATE plans SET fee_cents = COALESCE((SELECT pp.amount_cents "
               "FROM plan_prices pp WHERE pp.plan_id = plans.id AND pp.cycle = 'monthly' "
               "AND pp.currency = 'EUR'), 0)")
    with op.batch_alter_table("plans") as batch:
        for column in ("limit_team_members", "limit_conversations", "limit_messages",
                       "gst_rate_bp", "enabled", "revenue_share_bp", "plan_type"):
            batch.drop_column(column)
    op.drop_index(op.f("ix_plan_prices_plan_id"), table_name="plan_prices")
    op.drop_table("plan_prices")
