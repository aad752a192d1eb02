"""Exactly-once month close and invoices: set-based SQL guarded by unique keys, one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import Date, TextClause, bindparam, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from billing.invoicing import due_date, issue_date
from billing.months import BillingMonth
from desk.plan_sql import (
    CYCLE_IN_FORCE,
    IN_FORCE,
    gst_cents,
    overflow,
    plan_fee_due,
)
from store.db import billing_lock, is_postgres, transaction
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
    lines: int
    invoices: int = 0
    charges_cents: dict[str, int] = field(default_factory=dict)  # overflow per currency
    fees_cents: dict[str, int] = field(default_factory=dict)  # plan fees per currency
    taxes_cents: dict[str, int] = field(default_factory=dict)  # GST per currency
    totals_cents: dict[str, int] = field(default_factory=dict)  # invoice totals per currency

    def as_dict(self) -> dict[str, object]:
        return {"month": self.month, "closed": self.closed,
                "already_closed": self.already_closed, "lines": self.lines,
                "invoices": self.invoices, "charges_cents": dict(self.charges_cents),
                "fees_cents": dict(self.fees_cents), "taxes_cents": dict(self.taxes_cents),
                "totals_cents": dict(self.totals_cents)}


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

# One row per organization with a plan in :month: what its close bills. The plan fee is the
# price of the plan in force for its cycle and the organization's currency (0 without one),
# billed only in a cycle's first month; GST is the plan's rate on plan fee + overflow charge.
MONTH_ROWS = f"""
WITH {CYCLE_IN_FORCE}, {TALLY}
SELECT r.*, r.overflow * r.overflow_price_cents AS charge_cents,
       {gst_cents("r.plan_fee_cents + r.overflow * r.overflow_price_cents", "r.gst_rate_bp")}
           AS tax_cents
FROM (
    SELECT o.id AS org_id, p.id AS plan_id, o.currency AS currency,
           f.billing_cycle AS billing_cycle,
           p.free_escalations AS allowance,
           COALESCE(t.counted, 0) AS counted,
           COALESCE(t.expired, 0) AS pending_expired,
           {overflow("COALESCE(t.counted, 0)", "p.free_escalations")} AS overflow,
           p.overflow_price_cents AS overflow_price_cents,
           CASE WHEN {plan_fee_due("f.anchor_month", "f.billing_cycle")}
                THEN COALESCE(pp.amount_cents, 0) ELSE 0 END AS plan_fee_cents,
           p.gst_rate_bp AS gst_rate_bp
    FROM organizations o
    JOIN cycle_in_force f ON f.org_id = o.id
    JOIN plans p ON p.id = f.plan_id
    LEFT JOIN plan_prices pp ON pp.plan_id = p.id AND pp.cycle = f.billing_cycle
                            AND pp.currency = o.currency
    LEFT JOIN tally t ON t.org_id = o.id
) r
WHERE 1 = 1
"""

INSERT_CLOSES = f"""
INSERT INTO month_closes (org_id, month, plan_id, currency, allowance, counted,
    pending_expired, overflow, overflow_price_cents, charge_cents, plan_fee_cents,
    billing_cycle, tax_cents, escalations_processed, closed_at)
SELECT r.org_id, :month, r.plan_id, r.currency, r.allowance, r.counted, r.pending_expired,
       r.overflow, r.overflow_price_cents, r.charge_cents, r.plan_fee_cents,
       r.billing_cycle, r.tax_cents, r.counted, :now
FROM ({MONTH_ROWS}) r
WHERE 1 = 1
ORDER BY r.org_id
ON CONFLICT (org_id, month) DO NOTHING
RETURNING org_id
"""

# 'GST 10 %', 'GST 7.5 %', 'GST 7.25 %' from the rate in hundredths of a percent.
_RATE_TEXT = """CAST(p.gst_rate_bp / 100 AS TEXT) || CASE
    WHEN p.gst_rate_bp % 100 = 0 THEN ''
    WHEN p.gst_rate_bp % 10 = 0 THEN '.' || CAST((p.gst_rate_bp % 100) / 10 AS TEXT)
    WHEN p.gst_rate_bp % 100 < 10 THEN '.0' || CAST(p.gst_rate_bp % 100 AS TEXT)
    ELSE '.' || CAST(p.gst_rate_bp % 100 AS TEXT) END"""

# A plan fee line when the close bills one; the overflow and escalations lines always; a GST
# line when the plan has GST.
_LINES = f"""
INSERT INTO invoice_lines (org_id, month, kind, description, quantity, unit_cents,
    amount_cents, currency)
SELECT mc.org_id, mc.month, 'plan_fee', 'Plan fee: ' || p.display_name
       || CASE mc.billing_cycle WHEN 'monthly' THEN '' ELSE ' (' || mc.billing_cycle || ')' END,
       1, mc.plan_fee_cents, mc.plan_fee_cents, mc.currency
FROM month_closes mc JOIN plans p ON p.id = mc.plan_id
WHERE mc.month = :month AND {{closed}} AND mc.plan_fee_cents > 0
UNION ALL
SELECT mc.org_id, mc.month, 'escalation_overflow', 'Escalations above the allowance',
       mc.overflow, mc.overflow_price_cents, mc.charge_cents, mc.currency
FROM month_closes mc
WHERE mc.month = :month AND {{closed}}
UNION ALL
SELECT mc.org_id, mc.month, 'gst', 'GST ' || {_RATE_TEXT} || ' %',
       1, mc.tax_cents, mc.tax_cents, mc.currency
FROM month_closes mc JOIN plans p ON p.id = mc.plan_id
WHERE mc.month = :month AND {{closed}} AND p.gst_rate_bp IS NOT NULL
UNION ALL
SELECT mc.org_id, mc.month, 'escalations', 'Escalations processed',
       mc.escalations_processed, 0, 0, mc.currency
FROM month_closes mc
WHERE mc.month = :month AND {{closed}}
"""

# One invoice per closed organization: INV-YYYY-MM-NNNN (the id with at least 4 digits); a
# zero total is paid at issue.
_INVOICES = """
INSERT INTO invoices (org_id, month, number, issued_on, due_on, currency, total_cents,
    paid_cents, has_plan_fee, escalations_processed, paid_at, created_at)
SELECT mc.org_id, mc.month,
       'INV-' || mc.month || '-' || CASE WHEN mc.org_id < 10 THEN '000'
                                         WHEN mc.org_id < 100 THEN '00'
                                         WHEN mc.org_id < 1000 THEN '0' ELSE '' END
           || CAST(mc.org_id AS TEXT),
       :issued_on, :due_on, mc.currency,
       mc.plan_fee_cents + mc.charge_cents + mc.tax_cents, 0, mc.plan_fee_cents > 0,
       mc.escalations_processed,
       CASE WHEN mc.plan_fee_cents + mc.charge_cents + mc.tax_cents = 0 THEN :now END, :now
FROM month_closes mc
WHERE mc.month = :month AND {closed}
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


def _invoices_statement(where: str) -> TextClause:
    return _with_now(_INVOICES.format(closed=where)).bindparams(
        bindparam("issued_on", type_=Date()), bindparam("due_on", type_=Date()))


def close_month_in(session: Session, month: BillingMonth, now: datetime, tz: tzinfo, *,
                   grace_days: int = 0,
                   fault: Callable[[str], None] | None = None) -> CloseReport:
    """Close `month` inside the caller's transaction (see close_month)."""
    if now < month.end(tz):
        raise MonthNotEnded(
            f"month {month} has not ended yet: it ends at {month.end(tz).isoformat()} "
            f"({getattr(tz, 'key', tz)})"
        )
    due_on = due_date(month, grace_days)  # refuses a negative grace before anything is written
    billing_lock(session, shared=False)  # no plan re-derivation runs while a month is billed
    m = str(month)
    closed = sorted(session.execute(
        _with_now(INSERT_CLOSES), {"month": m, "now": now}
    ).scalars().all())
    if fault is not None:
        fault("after_closes")
    eligible = session.execute(
        text(f"WITH {IN_FORCE} SELECT COUNT(*) FROM in_force"), {"month": m}
    ).scalar_one()
    lines = invoices = 0
    sums: dict[str, dict[str, int]] = {"charge": {}, "fee": {}, "tax": {}, "total": {}}
    if closed:
        where = _closed_filter(session)
        ids = _closed_param(session, closed)
        lines = session.execute(
            text(_LINES.format(closed=where)), {"month": m, "closed": ids}
        ).rowcount
        if fault is not None:
            fault("after_lines")
        invoices = session.execute(
            _invoices_statement(where),
            {"month": m, "closed": ids, "now": now, "issued_on": issue_date(month),
             "due_on": due_on},
        ).rowcount
        if fault is not None:
            fault("after_invoices")
        for currency, charge, fee, tax in session.execute(
            text(f"SELECT mc.currency, SUM(mc.charge_cents), SUM(mc.plan_fee_cents), "
                 f"SUM(mc.tax_cents) FROM month_closes mc WHERE mc.month = :month AND {where} "
                 f"GROUP BY mc.currency"),
            {"month": m, "closed": ids},
        ):
            sums["charge"][currency] = int(charge)
            sums["fee"][currency] = int(fee)
            sums["tax"][currency] = int(tax)
            sums["total"][currency] = int(charge) + int(fee) + int(tax)
        session.add(AuditEntry(
            at=now, actor="scheduler", action="billing.close_month", entity="month",
            entity_id=m, details={"closed": len(closed), "lines": lines, "invoices": invoices,
                                  "charges_cents": sums["charge"],
                                  "taxes_cents": sums["tax"]},
        ))
        session.flush()
    return CloseReport(m, len(closed), int(eligible) - len(closed), lines, invoices,
                       sums["charge"], sums["fee"], sums["tax"], sums["total"])


def close_month(session_factory: sessionmaker[Session], month: BillingMonth, now: datetime,
                tz: tzinfo, *, grace_days: int = 0,
                fault: Callable[[str], None] | None = None) -> CloseReport:
    """Close `month` for every organization with a plan in force, in ONE transaction.

    month_closes rows go in with INSERT ... SELECT ... ON CONFLICT (org_id, month) DO NOTHING
    RETURNING org_id; invoice lines and invoices (due `grace_days` after the issue date) are
    written for exactly the returned organizations. A second run, a concurrent run or a run
    after a crash finds the rows of every committed close and bills nothing twice. The close
    reads plan_assignments (automatic upgrades are derived when fees are recorded) and never
    writes them. `fault` is a test seam called at named points inside the transaction.
    """
    with transaction(session_factory) as session:
        return close_month_in(session, month, now, tz, grace_days=grace_days, fault=fault)


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
