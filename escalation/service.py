"""Escalation requests: numbers of the month, confirmation when billable, one per case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

import locales
from billing.allowance import EscalationNumbers
from billing.money import Money
from billing.months import BillingMonth
from billing.plans import DEFAULT_OVERFLOW_PRICE
from desk import audit, outbox
from desk.cases import can_see
from desk.context import DeskContext
from desk.plans import plan_in_force
from desk.tams import DEDICATED, tams_of
from escalation.categories import BY_CODE, name_of
from messages.types import Reply
from store.db import is_postgres
from store.models import MAX_ID, Case, Escalation, Organization, User

REGISTERED = "registered"
NEEDS_CONFIRMATION = "needs_confirmation"
ALREADY_ESCALATED = "already_escalated"
CASE_NOT_OPEN = "case_not_open"
NOT_FOUND = "not_found"

@dataclass(frozen=True)
class RequestResult:
    """What became of an escalation request, with the month's numbers after it."""

    status: str
    case_id: int
    category: str | None = None  # short code
    numbers: EscalationNumbers | None = None
    price: Money | None = None  # what one more counted escalation costs this month
    month: str | None = None
    org_id: int | None = None
    org_name: str | None = None
    escalation_id: int | None = None
    on_behalf: bool = False


def _month_text(month: BillingMonth | str) -> str:
    return str(month)


def numbers(session: Session, org_id: int, month: BillingMonth | str) -> EscalationNumbers:
    """Allowance of the plan in force in `month`, escalations counted in it, still pending."""
    m = _month_text(month)
    plan = plan_in_force(session, org_id, m)
    counted, pending = session.execute(
        select(
            func.count().filter(Escalation.counted_month == m),
            func.count().filter(
                and_(Escalation.requested_month == m, Escalation.resolved_at.is_(None))
            ),
        ).where(Escalation.org_id == org_id,
                (Escalation.requested_month == m) | (Escalation.counted_month == m))
    ).one()
    return EscalationNumbers(plan.free_escalations if plan else 0, int(counted), int(pending))


def expired_unresolved(session: Session, org_id: int, month: BillingMonth | str) -> int:
    """Escalations requested in an ended `month` whose case was not resolved in it (they never
    count); for a month that has not ended these are still pending."""
    m = _month_text(month)
    return int(session.scalar(
        select(func.count()).select_from(Escalation).where(
            Escalation.org_id == org_id, Escalation.requested_month == m,
            Escalation.counted_month.is_(None))
    ) or 0)


def overflow_price(session: Session, org: Organization, month: str) -> Money:
    """The price of one escalation above the allowance, in the organization's currency."""
    plan = plan_in_force(session, org.id, month)
    if plan is None:
        return Money(DEFAULT_OVERFLOW_PRICE, org.currency)
    return Money.from_cents(int(plan.overflow_price_cents), org.currency)


def _insert_escalation(session: Session, values: dict[str, object]) -> int | None:
    """INSERT ... ON CONFLICT (case_id) DO NOTHING; the id, or None if the case already had one."""
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    table = Escalation.__table__
    statement = (
        insert(table).values(**values)
        .on_conflict_do_nothing(index_elements=["case_id"])
        .returning(table.c.id)
    )
    return session.execute(statement).scalar_one_or_none()


def precheck(session: Session, desk: DeskContext, *, case_id: int, user: User,
             now: datetime) -> RequestResult | None:
    """Why this case cannot be escalated now (not found, not open, already escalated), or None."""
    case = session.get(Case, case_id) if 0 < case_id <= MAX_ID else None
    if case is None or not can_see(session, user, case):
        return RequestResult(NOT_FOUND, case_id)
    existing = session.scalar(select(Escalation.id).where(Escalation.case_id == case.id))
    if existing is None and case.status == "open":
        return None
    org = session.get(Organization, case.org_id)
    assert org is not None
    month = str(BillingMonth.of(now, desk.billing_tz))
    if existing is None:
        return RequestResult(CASE_NOT_OPEN, case_id, org_id=org.id, org_name=org.name,
                             month=month)
    return RequestResult(ALREADY_ESCALATED, case_id, numbers=numbers(session, org.id, month),
                         price=overflow_price(session, org, month), month=month,
                         org_id=org.id, org_name=org.name, escalation_id=existing)


def request(session: Session, desk: DeskContext, *, case_id: int, user: User, category: str,
            confirm: bool, on_behalf: bool, now: datetime) -> RequestResult:
    """Register an escalation of an open case, asking for confirmation when it may cost money.

    A partner escalates their own organization's cases; agents, TAMs and admins escalate on a
    partner's behalf (recorded as such). Cases the user may not see answer as not found.
    """
    if category not in BY_CODE:
        raise ValueError(f"unknown escalation category {category!r}")
    if not 0 < case_id <= MAX_ID:
        return RequestResult(NOT_FOUND, case_id)
    query = select(Case).where(Case.id == case_id)
    if is_postgres(session):
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None or not can_see(session, user, case):
        return RequestResult(NOT_FOUND, case_id)
    org_query = select(Organization).where(Organization.id == case.org_id)
    if is_postgres(session):
        # Serialise requests of one organization so two cannot both skip the confirmation.
        org_query = org_query.with_for_update()
    org = session.scalar(org_query)
    assert org is not None
    month = str(BillingMonth.of(now, desk.billing_tz))
    behalf = on_behalf or user.role != "partner"
    base = dict(case_id=case.id, category=category, month=month, org_id=org.id,
                org_name=org.name, on_behalf=behalf)
    existing = session.scalar(select(Escalation).where(Escalation.case_id == case.id))
    if existing is not None:
        return RequestResult(ALREADY_ESCALATED, numbers=numbers(session, org.id, month),
                             price=overflow_price(session, org, month),
                             escalation_id=existing.id, **base)
    if case.status != "open":
        return RequestResult(CASE_NOT_OPEN, **base)
    before = numbers(session, org.id, month)
    price = overflow_price(session, org, month)
    if before.needs_confirmation and not confirm:
        return RequestResult(NEEDS_CONFIRMATION, numbers=before, price=price, **base)
    escalation_id = _insert_escalation(session, {
        "case_id": case.id, "org_id": org.id, "category": name_of(category),
        "requested_at": now, "requested_month": month, "requested_by_id": user.id,
        "on_behalf": behalf, "billable_confirmed": before.needs_confirmation,
        "resolved_at": None, "counted_month": None,
    })
    after = numbers(session, org.id, month)
    if escalation_id is None:  # a concurrent request for the same case won
        return RequestResult(ALREADY_ESCALATED, numbers=after, price=price, **base)
    audit.record(
        session, actor=f"user:{user.id}", action="escalation.request", entity="case",
        entity_id=case.id, now=now,
        details={"escalation": escalation_id, "category": name_of(category),
                 "month": month, "on_behalf": behalf,
                 "billable_confirmed": before.needs_confirmation},
    )
    result = RequestResult(REGISTERED, numbers=after, price=price,
                           escalation_id=escalation_id, **base)
    notify(session, desk, result, case=case, requester=user, now=now)
    return result


def notify(session: Session, desk: DeskContext, result: RequestResult, *, case: Case,
           requester: User, now: datetime) -> int:
    """Premium: the organization's dedicated TAMs (the agents' rooms when none can be reached);
    Growth (a community TAM): the community TAM pool and the agents' rooms. Returns how many
    messages were queued."""
    assert result.numbers is not None and result.org_id is not None
    numbers_now = result.numbers

    def reply(language: str) -> Reply:
        return Reply("escalation.notify", {
            "number": case.id, "org": result.org_name or "", "subject": case.subject,
            "category": locales.text(f"escalation.category.{result.category}", language),
            "severity": case.severity, "by": requester.name,
            "counted": numbers_now.counted, "pending": numbers_now.pending,
            "allowance": numbers_now.allowance,
        })

    def to_people(people: tuple[User, ...]) -> int:
        sent = [outbox.enqueue_for_user(session, desk, person,
                                        reply(person.language or desk.default_language),
                                        purpose="notice", now=now, case_id=case.id)
                for person in people]
        return sum(1 for m in sent if m is not None)

    tams = tams_of(session, result.org_id, result.month or "")
    queued = to_people(tams.people)
    if tams.kind == DEDICATED and queued:
        return queued
    return queued + len(outbox.enqueue_for_agent_rooms(
        session, desk, reply(desk.agent_language), purpose="notice", now=now, case_id=case.id))
