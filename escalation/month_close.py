"""Exactly-once month close: set-based SQL guarded by the unique keys, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import TextClause, bindparam, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from billing.months import BillingMonth
from desk.plan_sql import IN_FORCE, overflow, upgrade_due
from store.db import is_postgres, transaction
from store.models import AuditEntry, MonthClose, PlanAssignment
from store.types import UTCDateTime


class MonthNotEnded(ValueError):
    """Closing a month that has not ended yet in the billing time zone."""


@dataclass(frozen=True)
class CloseReport:
    """What one close run did; orgs closed by an earlier run are counted as already_closed."""

    month: str
    closed: int
    already_closed: int
    upgrades: int
    lines: int
    charges_cents: dict[str, int] = field(default_factory=dict)  # overflow per currency
    fees_cents: dict[str, int] = field(default_factory=dict)  # plan fees per currency

    def as_dict(self) -> dict[str, object]:
        return {"month": self.month, "closed": self.closed,
                "already_closed": self.already_closed, "upgrades": self.upgrades,
                "lines": self.lines, "charges_cents": dict(self.charges_cents),
                "fees_cents": dict(self.fees_cents)}


# Escalations per organization: counted in the month, and requested in it but never counted.
TALLY = """
tally AS (
    SELECT e.org_id,
           SUM(CASE WHEN e.counted_month = :month THEN 1 ELSE 0 END) AS counted,
           SUM(CASE WHEN e.requested_month = :month AND e.counted_month IS NULL
                    THEN 1 ELSE 0 END) AS expired
    FROM escalations e
    WHERE e.requested_month = :month OR e.counted_month = :month
    GROUP BY e.org_id
)"""

MONTH_ROWS = f"""
WITH {IN_FORCE}, {TALLY}
SELECT o.id AS org_id, p.id AS plan_id, o.currency AS currency,
       p.free_escalations AS allowance,
       COALESCE(t.counted, 0) AS counted,
       COALESCE(t.expired, 0) AS pending_expired,
       {overflow("COALESCE(t.counted, 0)", "p.free_escalations")} AS overflow,
       p.overflow_price_cents AS overflow_price_cents,
       p.fee_cents AS plan_fee_cents
FROM organizations o
JOIN in_force f ON f.org_id = o.id
JOIN plans p ON p.id = f.plan_id
LEFT JOIN tally t ON t.org_id = o.id
WHERE 1 = 1
"""

INSERT_CLOSES = f"""
INSERT INTO month_closes (org_id, month, plan_id, currency, allowance, counted,
    pending_expired, overflow, overflow_price_cents, charge_cents, plan_fee_cents,
    escalations_processed, closed_at)
SELECT r.org_id, :month, r.plan_id, r.currency, r.allowance, r.counted, r.pending_expired,
       r.overflow, r.overflow_price_cents, r.overflow * r.overflow_price_cents,
       r.plan_fee_cents, r.counted, :now
FROM ({MONTH_ROWS}) r
WHERE 1 = 1
ORDER BY r.org_id
ON CONFLICT (org_id, month) DO NOTHING
RETURNING org_id
"""

_LINES = """
INSERT INTO invoice_lines (org_id, month, kind, description, quantity, unit_cents,
    amount_cents, currency)
SELECT mc.org_id, mc.month, 'plan_fee', 'Plan fee: ' || p.display_name, 1,
       mc.plan_fee_cents, mc.plan_fee_cents, mc.currency
FROM month_closes mc JOIN plans p ON p.id = mc.plan_id
WHERE mc.month = :month AND {closed}
UNION ALL
SELECT mc.org_id, mc.month, 'escalation_overflow', 'Escalations above the allowance',
       mc.overflow, mc.overflow_price_cents, mc.charge_cents, mc.currency
FROM month_closes mc
WHERE mc.month = :month AND {closed}
UNION ALL
SELECT mc.org_id, mc.month, 'escalations', 'Escalations processed',
       mc.escalations_processed, 0, 0, mc.currency
FROM month_closes mc
WHERE mc.month = :month AND {closed}
"""

_UPGRADES = f"""
INSERT INTO plan_assignments (org_id, plan_id, effective_month, reason, created_at)
SELECT mc.org_id, target.id, :next_month, 'auto-upgrade', :now
FROM month_closes mc
JOIN plans p ON p.id = mc.plan_id
JOIN license_fees lf ON lf.org_id = mc.org_id AND lf.month = mc.month
JOIN plans target ON target.name = p.auto_upgrade_to
WHERE mc.month = :month AND {{closed}}
  AND {upgrade_due("p", "lf.amount_cents")}
  AND target.id <> p.id
ON CONFLICT (org_id, effective_month) DO NOTHING
RETURNING org_id
"""


def _closed_filter(session: Session) -> str:
    """SQL for 'mc.org_id is one of :closed' with the list passed as one parameter."""
    if is_postgres(session):
        return "mc.org_id = ANY(CAST(:closed AS INTEGER[]))"
    return "mc.org_id IN (SELECT value FROM json_each(:closed))"


def _closed_param(session: Session, org_ids: list[int]) -> object:
    return org_ids if is_postgres(session) else json.dumps(org_ids)


def _with_now(sql: str) -> TextClause:
    """A statement whose :now parameter is bound as an aware UTC datetime on every backend."""
    return text(sql).bindparams(bindparam("now", type_=UTCDateTime()))


def close_month_in(session: Session, month: BillingMonth, now: datetime, tz: tzinfo, *,
                   fault: Callable[[str], None] | None = None) -> CloseReport:
    """Close `month` inside the caller's transaction (see close_month)."""
    if now < month.end(tz):
        raise MonthNotEnded(
            f"month {month} has not ended yet: it ends at {month.end(tz).isoformat()} "
            f"({getattr(tz, 'key', tz)})"
        )
    m = str(month)
    closed = sorted(session.execute(
        _with_now(INSERT_CLOSES), {"month": m, "now": now}
    ).scalars().all())
    if fault is not None:
        fault("after_closes")
    eligible = session.execute(
        text(f"WITH {IN_FORCE} SELECT COUNT(*) FROM in_force"), {"month": m}
    ).scalar_one()
    lines = upgrades = 0
    charges: dict[str, int] = {}
    fees: dict[str, int] = {}
    if closed:
        where = _closed_filter(session)
        ids = _closed_param(session, closed)
        lines = session.execute(
            text(_LINES.format(closed=where)), {"month": m, "closed": ids}
        ).rowcount
        if fault is not None:
            fault("after_lines")
        upgrades = len(session.execute(
            _with_now(_UPGRADES.format(closed=where)),
            {"month": m, "next_month": str(month.next()), "now": now, "closed": ids},
        ).scalars().all())
        for currency, charge, fee in session.execute(
            text(f"SELECT mc.currency, SUM(mc.charge_cents), SUM(mc.plan_fee_cents) "
                 f"FROM month_closes mc WHERE mc.month = :month AND {where} "
                 f"GROUP BY mc.currency"),
            {"month": m, "closed": ids},
        ):
            charges[currency] = int(charge)
            fees[currency] = int(fee)
        session.add(AuditEntry(
            at=now, actor="scheduler", action="billing.close_month", entity="month",
            entity_id=m, details={"closed": len(closed), "lines": lines,
                                  "upgrades": upgrades, "charges_cents": charges},
        ))
        session.flush()
    return CloseReport(m, len(closed), int(eligible) - len(closed), upgrades, lines,
                       charges, fees)


def close_month(session_factory: sessionmaker[Session], month: BillingMonth, now: datetime,
                tz: tzinfo, *, fault: Callable[[str], None] | None = None) -> CloseReport:
    """Close `month` for every organization with a plan in force, in ONE transaction.

    month_closes rows go in with INSERT ... SELECT ... ON CONFLICT (org_id, month) DO NOTHING
    RETURNING org_id; invoice lines and automatic upgrades are written for exactly the
    returned organizations. A second run, a concurrent run or a run after a crash finds the
    rows of every committed close and bills nothing twice. `fault` is a test seam called at
    named points inside the transaction.
    """
    with transaction(session_factory) as session:
        return close_month_in(session, month, now, tz, fault=fault)


def unclosed_months(session: Session, now: datetime, tz: tzinfo) -> list[BillingMonth]:
    """Every ended month, from the earliest plan assignment on, with an organization unclosed."""
    earliest = session.scalar(select(func.min(PlanAssignment.effective_month)))
    if earliest is None:
        return []
    month = BillingMonth.parse(earliest)
    current = BillingMonth.of(now, tz)
    missing: list[BillingMonth] = []
    while month < current:
        if month.end(tz) <= now:
            open_org = session.execute(text(
                "SELECT 1 FROM plan_assignments pa WHERE pa.effective_month <= :month "
                "AND NOT EXISTS (SELECT 1 FROM month_closes mc "
                "WHERE mc.org_id = pa.org_id AND mc.month = :month) LIMIT 1"
            ), {"month": str(month)}).first()
            if open_org is not None:
                missing.append(month)
        month = month.next()
    return missing


def is_closed(session: Session, org_id: int, month: str) -> bool:
    return session.scalar(
        select(func.count()).select_from(MonthClose)
        .where(MonthClose.org_id == org_id, MonthClose.month == month)
    ) > 0
