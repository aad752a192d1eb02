"""The SLA alert job: reminders at 75% of the target, breach alerts at the target, each once.

One indexed query finds open, unanswered cases whose reminder instant has passed and that still
miss an alert. Each alert is then recorded with INSERT ... ON CONFLICT DO NOTHING RETURNING on
the unique (case_id, level) key, and its messages are enqueued in the same transaction only when
this process inserted the row: several processes, or a restart, never send an alert twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

import locales
from desk.context import DeskContext
from desk.first_response import clock_running, plan_at_opening
from desk.outbox import enqueue_for_agent_rooms, enqueue_for_user
from desk.users import organization_tams
from messages import actions
from messages.types import Button, Reply
from sla.display import duration_text
from store.db import is_postgres, transaction
from store.models import Case, Organization, Plan, SlaAlert, User

log = logging.getLogger(__name__)

REMINDER = "reminder"
BREACH = "breach"
PURPOSE = "alert"
TAKE_LABEL = "button.take"  # the conversation's "take" button: action data "take:<case>"


def _missing(level: str) -> Any:
    return ~exists().where(SlaAlert.case_id == Case.id, SlaAlert.level == level)


def due_query(now: datetime, limit: int = 500) -> Select[tuple[int]]:
    """Ids of open unanswered cases with a reminder or breach alert due and not yet recorded.

    The breach instant is never before the reminder instant, so `sla_reminder_at <= now` bounds
    both levels and the query is one range scan of ix_cases_sla_reminder.
    """
    return (
        select(Case.id)
        .where(
            Case.status == "open",
            Case.first_response_at.is_(None),
            Case.sla_reminder_at <= now,
            Case.resolved_at.is_(None),
            _missing(REMINDER) | ((Case.sla_due_at <= now) & _missing(BREACH)),
        )
        .order_by(Case.id)
        .limit(limit)
    )


def find_due(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Run due_query: the cases the alert job has to look at, oldest first."""
    return list(session.scalars(due_query(now, limit)))


def record_alert(session: Session, case_id: int, level: str, now: datetime) -> bool:
    """Insert the (case, level) alert row; True only for the one caller that inserted it."""
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    inserted = session.execute(
        insert(SlaAlert.__table__)
        .values(case_id=case_id, level=level, sent_at=now)
        .on_conflict_do_nothing(index_elements=["case_id", "level"])
        .returning(SlaAlert.__table__.c.id)
    ).first()
    return inserted is not None


@dataclass(frozen=True)
class _Facts:
    org: Organization | None
    plan: Plan | None


def _base_params(case: Case, facts: _Facts) -> dict[str, Any]:
    assert case.sla_due_at is not None
    return {
        "case": case.id,
        "org": facts.org.name if facts.org else "?",
        "plan": facts.plan.display_name if facts.plan else "-",
        "severity": case.severity,
        "subject": case.subject,
        "due": locales.datetime_param(case.sla_due_at),
    }


def _reminder(case: Case, facts: _Facts, now: datetime, lang: str) -> Reply:
    assert case.sla_due_at is not None
    left = case.sla_due_at - now
    params = _base_params(case, facts)
    if left > timedelta(0):
        return Reply("sla.reminder", {**params, "time": duration_text(left, lang)})
    return Reply("sla.reminder_overdue", {**params, "time": duration_text(-left, lang)})


def _breach(case: Case, facts: _Facts, lang: str) -> Reply:
    assert case.sla_due_at is not None
    target = case.sla_due_at - case.opened_at
    return Reply("sla.breach", {**_base_params(case, facts), "target": duration_text(target, lang)})


def _user_language(desk: DeskContext, user: User) -> str:
    return user.language or desk.default_language


def _send_reminder(session: Session, desk: DeskContext, case: Case, facts: _Facts,
                   now: datetime) -> int:
    room = _reminder(case, facts, now, desk.agent_language)
    if case.assignee_id is None:  # nobody took it yet: one press in the room takes it
        room = Reply(room.key, room.params, (Button(TAKE_LABEL, actions.encode("take", case.id),
                                                    style="primary"),))
    sent = len(enqueue_for_agent_rooms(session, desk, room, purpose=PURPOSE, now=now,
                                       case_id=case.id))
    assignee = session.get(User, case.assignee_id) if case.assignee_id else None
    if assignee is not None and assignee.removed_at is None:
        reply = _reminder(case, facts, now, _user_language(desk, assignee))
        if enqueue_for_user(session, desk, assignee, reply, purpose=PURPOSE, now=now,
                            case_id=case.id) is not None:
            sent += 1
    return sent


def breach_recipients(session: Session, case: Case, plan: Plan | None) -> list[User]:
    """Every manager and, when the plan has a dedicated TAM, the organization's TAMs."""
    managers = list(session.scalars(
        select(User).where(User.role == "manager", User.removed_at.is_(None)).order_by(User.id)
    ))
    if plan is None or plan.tam_kind != "dedicated":
        return managers
    tams = organization_tams(session, case.org_id)
    return managers + [t for t in tams if t.id not in {m.id for m in managers}]


def _send_breach(session: Session, desk: DeskContext, case: Case, facts: _Facts,
                 now: datetime) -> int:
    sent = 0
    for user in breach_recipients(session, case, facts.plan):
        reply = _breach(case, facts, _user_language(desk, user))
        if enqueue_for_user(session, desk, user, reply, purpose=PURPOSE, now=now,
                            case_id=case.id) is not None:
            sent += 1
    return sent


def alert_case(session: Session, desk: DeskContext, case_id: int, now: datetime) -> int:
    """Record and enqueue the alerts now due for one case; return how many were recorded."""
    query = select(Case).where(Case.id == case_id)
    if is_postgres(session):  # an agent's reply in flight either lands first or waits for us
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None or not clock_running(case):
        return 0  # answered or resolved since the query ran
    assert case.sla_due_at is not None and case.sla_reminder_at is not None
    facts = _Facts(session.get(Organization, case.org_id),
                   plan_at_opening(session, case, desk.billing_tz))
    recorded = 0
    levels = [(REMINDER, case.sla_reminder_at), (BREACH, case.sla_due_at)]
    for level, at in levels:
        if at > now or not record_alert(session, case.id, level, now):
            continue
        recorded += 1
        send = _send_reminder if level == REMINDER else _send_breach
        messages = send(session, desk, case, facts, now)
        if messages == 0:
            log.warning("SLA %s for case %s has no recipient", level, case.id)
        log.info("SLA %s for case %s: %d message(s)", level, case.id, messages)
    return recorded


def run_due_alerts(desk: DeskContext) -> int:
    """The periodic job: send every due SLA alert once; return how many alerts were recorded."""
    now = desk.clock.now()
    with transaction(desk.sessions) as session:
        due = find_due(session, now)
    total = 0
    for case_id in due:
        try:
            with transaction(desk.sessions) as session:
                total += alert_case(session, desk, case_id, now)
        except Exception:  # one bad case must not hold back the others
            log.exception("SLA alerts for case %s failed; retried on the next run", case_id)
    return total
