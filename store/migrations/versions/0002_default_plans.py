"""Built-in plans (Growth, Premium) and their default first-response targets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NOW = datetime(2026, 11, 22, tzinfo=UTC)
PLANS = [
    # name, display, fee, free escalations, overflow price, TAM, priority, betas, upgrade above, to
    ("growth", "Growth", 50000, 2, 2500, "community", 0, "on_request", 50000, "premium"),
    ("premium", "Premium", 100000, 5, 2500, "dedicated", 1, "invited", None, None),
]
SLA_MINUTES = {"premium": {1: 30, 2: 120, 3: 480}, "growth": {1: 60, 2: 240, 3: 1440}}


def upgrade() -> None:
    conn = op.get_bind()
    plans = sa.table(
        "plans", sa.column("id", sa.Integer), sa.column("name", sa.String),
        sa.column("display_name", sa.String), sa.column("fee_cents", sa.BigInteger),
        sa.column("free_escalations", sa.Integer), sa.column("overflow_price_cents", sa.BigInteger),
        sa.column("tam_kind", sa.String), sa.column("queue_priority", sa.Integer),
        sa.column("beta_access", sa.String), sa.column("auto_upgrade_above_cents", sa.BigInteger),
        sa.column("auto_upgrade_to", sa.String), sa.column("hidden", sa.Boolean),
        sa.column("archived", sa.Boolean), sa.column("created_at", sa.DateTime(timezone=True)),
    )
    created = NOW if conn.dialect.name != "sqlite" else NOW.replace(tzinfo=None)
    for name, display, fee, free, price, tam, prio, beta, above, to in PLANS:
        conn.execute(plans.insert().values(
            name=name, display_name=display, fee_cents=fee, free_escalations=free,
            overflow_price_cents=price, tam_kind=tam, queue_priority=prio, beta_access=beta,
            auto_upgrade_above_cents=above, auto_upgrade_to=to, hidden=False, archived=False,
            created_at=created,
        ))
    targets = sa.table("sla_targets", sa.column("plan_id", sa.Integer),
                       sa.column("severity", sa.Integer), sa.column("minutes", sa.Integer))
    for name, per_severity in SLA_MINUTES.items():
        plan_id = conn.execute(sa.select(plans.c.id).where(plans.c.name == name)).scalar_one()
        for severity, minutes in per_severity.items():
            conn.execute(targets.insert().values(plan_id=plan_id, severity=severity, minutes=minutes))


def downgrade() -> None:
    op.execute("DELETE FROM sla_targets")
    op.execute("DELETE FROM plans WHERE name IN ('growth', 'premium')")
