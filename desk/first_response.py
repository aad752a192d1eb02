"""A case's first-response clock: its target, due time, 75% reminder instant and queue order.

The first response is the first agent message the partner receives about a case (DOMAIN.md):
a reply, or a resolution with a closing note (both recorded by the case service; the closing
note through record_closing_note). A bare resolution is not a response.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from billing.months import BillingMonth
from desk.plans import plan_in_force
from store.models import Case, Plan, SlaTarget

log = logging.getLogger(__name__)

REMINDER_NUMERATOR, REMINDER_DENOMINATOR = 3, 4  # the reminder goes out at 75% of the target


# DOMAIN.md: the first agent response comes in under 24 hours; the target of last resort.
PROMISED_MINUTES = 24 * 60


def fallback_minutes(session: Session, severity: int) -> int:
    """The target of a plan without its own: the most lenient one configured for the severity,
    or the desk-wide 24 hours when none is configured at all."""
    configured = session.scalar(
        select(func.max(SlaTarget.minutes)).where(SlaTarget.severity == severity))
    return PROMISED_MINUTES if configured is None else int(configured)


_OWN_TARGET = select(SlaTarget.minutes).where(SlaTarget.plan_id == bindparam("plan_id"),
                                              SlaTarget.severity == bindparam("severity"))


def target_minutes(session: Session, plan_id: int | None, severity: int) -> int:
    """The first-response target of a plan and severity, else the fallback."""
    if plan_id is not None:
        own = session.scalar(_OWN_TARGET, {"plan_id": plan_id, "severity": severity})
        if own is not None:
            return own
    return fallback_minutes(session, severity)


def first_response_target(case: Case) -> timedelta:
    """How long the partner was told to wait for a first response (the case's own target)."""
    if case.sla_due_at is not None:
        return case.sla_due_at - case.opened_at
    return timedelta(minutes=PROMISED_MINUTES)


def plan_at_opening(session: Session, case: Case, tz: tzinfo = UTC) -> Plan | None:
    """The organization's plan in force in the billing month the case was opened in."""
    return plan_in_force(session, case.org_id, BillingMonth.of(case.opened_at, tz))


def reminder_offset(minutes: int) -> timedelta:
    """How long after opening the reminder is due: 75% of the target."""
    return timedelta(seconds=minutes * 60 * REMINDER_NUMERATOR // REMINDER_DENOMINATOR)


def refresh_due(session: Session, case: Case, now: datetime, tz: tzinfo = UTC) -> datetime | None:
    """Set case.sla_due_at and case.sla_reminder_at from its opening time and current target.

    Call it when a case opens and whenever its severity changes: the due time is always counted
    from the opening time with the target of the plan in force in the opening month. Once the
    case has a first response the clock has stopped and nothing changes. Returns the due time.
    """
    if case.first_response_at is not None:
        return case.sla_due_at
    plan = plan_at_opening(session, case, tz)
    minutes = target_minutes(session, plan.id if plan else None, case.severity)
    case.sla_due_at = case.opened_at + timedelta(minutes=minutes)
    case.sla_reminder_at = case.opened_at + reminder_offset(minutes)
    log.debug("case %s: first response due %s (%s left)", case.id, case.sla_due_at.isoformat(),
              case.sla_due_at - now)
    return case.sla_due_at


def retarget_open_cases(session: Session, org_id: int, since: BillingMonth, now: datetime,
                        tz: tzinfo) -> int:
    """Recompute the due times of the organization's unanswered open cases opened in `since` or
    later, after the plan of those months changed; returns how many cases were looked at."""
    cases = session.scalars(select(Case).where(
        Case.org_id == org_id, Case.status == "open", Case.first_response_at.is_(None),
        Case.resolved_at.is_(None), Case.opened_at >= since.start(tz))).all()
    for case in cases:
        refresh_due(session, case, now, tz)
    return len(cases)


def closing_note_answers(case: Case) -> bool:
    """True when the case's resolution carries a closing note and nothing answered it before:
    the note is then the partner's first response."""
    return (case.first_response_at is None and case.resolved_at is not None
            and bool((case.resolution_note or "").strip()))


def record_closing_note(case: Case) -> None:
    """A resolution with a closing note sets the first response time (the resolution's time);
    a bare resolution leaves it unset."""
    if closing_note_answers(case):
        case.first_response_at = case.resolved_at


def clock_running(case: Case) -> bool:
    """True while the case is open, has a target and was neither answered nor ever resolved.

    Resolving a case stops its clock: with a closing note it is the first response; a bare
    resolution is not one (the SLA report lists such cases apart, as resolved without a
    response), but a case reopened without a reply is not suddenly overdue either.
    """
    return (case.status == "open" and case.first_response_at is None
            and case.resolved_at is None and case.sla_due_at is not None)


def time_left(case: Case, now: datetime) -> timedelta | None:
    """Time until the first response is due, negative when overdue; None if no clock runs."""
    if not clock_running(case):
        return None
    assert case.sla_due_at is not None
    return case.sla_due_at - now


def is_overdue(case: Case, now: datetime) -> bool:
    left = time_left(case, now)
    return left is not None and left <= timedelta(0)


def queue_key(case: Case, priority: int, now: datetime) -> tuple[object, ...]:
    """Queue order: severity, overdue cases first, plan priority (higher first), then age."""
    return (case.severity, 0 if is_overdue(case, now) else 1, -priority, case.opened_at, case.id)
