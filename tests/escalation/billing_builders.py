"""Builders for month-close and invoice tests: plans with prices and GST, orgs on cycles."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.db import transaction
from store.models import (
    Invoice,
    InvoiceLine,
    MonthClose,
    Organization,
    Plan,
    PlanAssignment,
    PlanPrice,
)

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def add_plan(sessions: sessionmaker[Session], name: str, prices: dict[tuple[str, str], int],
             *, free: int = 2, overflow_cents: int = 2500, gst_bp: int | None = None) -> int:
    """A plan written straight to the tables: prices in cents per (cycle, currency)."""
    with transaction(sessions) as s:
        plan = Plan(name=name, display_name=name.title(), free_escalations=free,
                    overflow_price_cents=overflow_cents, tam_kind="community", queue_priority=0,
                    beta_access="on_request", gst_rate_bp=gst_bp, created_at=CREATED)
        s.add(plan)
        s.flush()
        for (cycle, currency), cents in prices.items():
            s.add(PlanPrice(plan_id=plan.id, cycle=cycle, currency=currency, amount_cents=cents))
        return plan.id


def add_org(sessions: sessionmaker[Session], name: str, plan: str = "growth", *,
            since: str = "2026-01", cycle: str = "monthly", currency: str = "EUR",
            billing_model: str = "partner-paid", org_id: int | None = None) -> int:
    with transaction(sessions) as s:
        org = Organization(name=name, currency=currency, billing_model=billing_model,
                           created_at=CREATED)
        if org_id is not None:
            org.id = org_id
        s.add(org)
        s.flush()
        plan_id = s.scalars(select(Plan.id).where(Plan.name == plan)).one()
        s.add(PlanAssignment(org_id=org.id, plan_id=plan_id, effective_month=since,
                             reason="onboarding", billing_cycle=cycle, created_at=CREATED))
        return org.id


def assign(sessions: sessionmaker[Session], org_id: int, plan: str, month: str, *,
           reason: str = "admin", cycle: str = "monthly") -> None:
    with transaction(sessions) as s:
        plan_id = s.scalars(select(Plan.id).where(Plan.name == plan)).one()
        s.add(PlanAssignment(org_id=org_id, plan_id=plan_id, effective_month=month,
                             reason=reason, billing_cycle=cycle, created_at=CREATED))


def lines(sessions: sessionmaker[Session]) -> dict[tuple[int, str, str], tuple[int, int, int]]:
    """(org, month, kind) -> (quantity, unit cents, amount cents) of every invoice line."""
    with transaction(sessions) as s:
        return {(li.org_id, li.month, li.kind): (li.quantity, li.unit_cents, li.amount_cents)
                for li in s.scalars(select(InvoiceLine))}


def invoice(sessions: sessionmaker[Session], org_id: int, month: str) -> Invoice:
    with transaction(sessions) as s:
        return s.scalars(select(Invoice).where(Invoice.org_id == org_id,
                                               Invoice.month == month)).one()


def month_close(sessions: sessionmaker[Session], org_id: int, month: str) -> MonthClose:
    with transaction(sessions) as s:
        return s.scalars(select(MonthClose).where(MonthClose.org_id == org_id,
                                                  MonthClose.month == month)).one()
