"""Cases as managers export them: one row per case, streamed, and one case in full.

A row: organization, partner, channel, language, severity and who set it, opened, first
response (and how it went against the target), resolved, escalation (category, requested,
counted month or pending/expired) and the latest satisfaction rating. Times are aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Row, Select, and_, exists, select
from sqlalchemy.orm import Session, aliased

from billing.months import BillingMonth
from desk.errors import NotFound
from store.models import (
    MAX_ID,
    Case,
    CaseMessage,
    Conversation,
    Escalation,
    Organization,
    SatisfactionRating,
    User,
)

STATUSES = ("open", "resolved")
STREAM_BATCH = 500

# The export's columns, in order (the CSV header).
COLUMNS = ("number", "organization", "partner", "channel", "language", "subject", "status",
           "severity", "severity_set_by", "agent", "opened_at", "first_response_at",
           "resolved_at", "reopened", "sla_due_at", "first_response", "escalation_category",
           "escalation_requested_at", "escalation", "escalation_counted_month",
           "satisfaction_rating", "satisfaction_comment", "satisfaction_rated_at")


@dataclass(frozen=True)
class CaseFilter:
    """Which cases to export; None means no restriction."""

    org: Organization | None = None
    month: BillingMonth | None = None  # opened in this month, in the billing time zone
    status: str | None = None  # open | resolved


def escalation_state(counted_month: str | None, requested_month: str,
                     current_month: BillingMonth) -> str:
    """'counted' (resolved in the month it was requested in), 'pending' (requested this month,
    case not resolved yet) or 'expired' (its month ended without it counting: it never will)."""
    if counted_month is not None:
        return "counted"
    return "expired" if BillingMonth.parse(requested_month) < current_month else "pending"


def first_response_state(first_response_at: datetime | None, resolved_at: datetime | None,
                         due_at: datetime | None, now: datetime) -> str | None:
    """How the first response went against its target, in the SLA report's words:
    within_target, late, missed (unanswered past due), pending (unanswered, not yet due),
    resolved_without_response; None for a case without a target."""
    if due_at is None:
        return None
    if first_response_at is not None:
        return "within_target" if first_response_at <= due_at else "late"
    if resolved_at is not None:
        return "resolved_without_response"
    return "missed" if due_at <= now else "pending"


_PARTNER = aliased(User, name="partner")
_AGENT = aliased(User, name="agent")
_RATED = aliased(SatisfactionRating, name="rated")
_LATER = aliased(SatisfactionRating, name="later")


def _query() -> Select[Any]:
    """One row per case with everything the export shows (latest rating: the highest round
    that has a rating)."""
    newer_rating = exists().where(_LATER.case_id == _RATED.case_id,
                                  _LATER.rating.is_not(None), _LATER.round > _RATED.round)
    return (
        select(Case.id, Organization.name.label("organization"),
               _PARTNER.name.label("partner"), Conversation.channel, Case.language,
               Case.subject, Case.status, Case.severity, Case.severity_source,
               _AGENT.name.label("agent"), Case.opened_at, Case.first_response_at,
               Case.resolved_at, Case.reopened_count, Case.sla_due_at,
               Escalation.category, Escalation.requested_at, Escalation.requested_month,
               Escalation.counted_month, _RATED.rating, _RATED.comment, _RATED.rated_at)
        .join(Organization, Organization.id == Case.org_id)
        .join(_PARTNER, _PARTNER.id == Case.opened_by_id)
        .join(Conversation, Conversation.id == Case.conversation_id)
        .outerjoin(_AGENT, _AGENT.id == Case.assignee_id)
        .outerjoin(Escalation, Escalation.case_id == Case.id)
        .outerjoin(_RATED, and_(_RATED.case_id == Case.id, _RATED.rating.is_not(None),
                                ~newer_rating))
    )


def _row(r: Row[Any], current: BillingMonth, now: datetime) -> dict[str, Any]:
    escalated = r.category is not None
    return {
        "number": r.id, "organization": r.organization, "partner": r.partner,
        "channel": r.channel, "language": r.language, "subject": r.subject,
        "status": r.status, "severity": r.severity, "severity_set_by": r.severity_source,
        "agent": r.agent, "opened_at": r.opened_at, "first_response_at": r.first_response_at,
        "resolved_at": r.resolved_at, "reopened": r.reopened_count,
        "sla_due_at": r.sla_due_at,
        "first_response": first_response_state(r.first_response_at, r.resolved_at,
                                               r.sla_due_at, now),
        "escalation_category": r.category,
        "escalation_requested_at": r.requested_at if escalated else None,
        "escalation": escalation_state(r.counted_month, r.requested_month, current)
        if escalated else None,
        "escalation_counted_month": r.counted_month,
        "satisfaction_rating": r.rating, "satisfaction_comment": r.comment,
        "satisfaction_rated_at": r.rated_at,
    }


def rows(session: Session, wanted: CaseFilter, tz: tzinfo, now: datetime
         ) -> Iterator[dict[str, Any]]:
    """The matching cases by number, fetched in batches (a server-side cursor on PostgreSQL),
    one dict per case with the COLUMNS as keys."""
    query = _query().order_by(Case.id)
    if wanted.org is not None:
        query = query.where(Case.org_id == wanted.org.id)
    if wanted.month is not None:
        query = query.where(Case.opened_at >= wanted.month.start(tz),
                            Case.opened_at < wanted.month.end(tz))
    if wanted.status is not None:
        query = query.where(Case.status == wanted.status)
    current = BillingMonth.of(now, tz)
    for r in session.execute(query.execution_options(yield_per=STREAM_BATCH)):
        yield _row(r, current, now)


def detail(session: Session, number: int, tz: tzinfo, now: datetime) -> dict[str, Any]:
    """One case: the export row plus subject details, SLA target, every rating and message."""
    found = session.execute(_query().where(Case.id == number)).first() \
        if 0 < number <= MAX_ID else None
    if found is None:
        raise NotFound(f"unknown case #{number} (see: supportdesk cases)")
    doc = _row(found, BillingMonth.of(now, tz), now)
    case = session.get(Case, number)
    assert case is not None
    doc["severity_reasons"] = list(case.severity_reasons or [])
    doc["resolution_note"] = case.resolution_note
    doc["sla_target_minutes"] = None if case.sla_due_at is None else \
        int((case.sla_due_at - case.opened_at).total_seconds() // 60)
    rater = aliased(User)
    doc["ratings"] = [
        {"round": r.round, "asked_at": r.asked_at, "rating": r.rating, "comment": r.comment,
         "rated_by": r.name, "rated_at": r.rated_at}
        for r in session.execute(
            select(SatisfactionRating.round, SatisfactionRating.asked_at,
                   SatisfactionRating.rating, SatisfactionRating.comment, rater.name,
                   SatisfactionRating.rated_at)
            .outerjoin(rater, rater.id == SatisfactionRating.rated_by_id)
            .where(SatisfactionRating.case_id == number).order_by(SatisfactionRating.round))]
    doc["messages"] = [
        {"at": m.created_at, "kind": m.kind, "author": m.name, "text": m.text}
        for m in session.execute(
            select(CaseMessage.created_at, CaseMessage.kind, User.name, CaseMessage.text)
            .outerjoin(User, User.id == CaseMessage.author_id)
            .where(CaseMessage.case_id == number)
            .order_by(CaseMessage.created_at, CaseMessage.id))]
    return doc
