"""Case services: open, join, take, reply, note, re-prioritise, resolve, reopen, queue, lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

import severity
from billing.qualification import counted_month
from desk import audit
from desk.context import DeskContext
from desk.errors import Conflict, DeskError, Invalid, NotFound
from desk.first_response import queue_key, record_closing_note, refresh_due
from desk.plan_sql import in_force
from desk.plans import plans_in_force
from desk.tams import was_notified
from store.db import is_postgres
from store.models import (
    MAX_ID,
    Case,
    CaseMessage,
    Conversation,
    Escalation,
    Organization,
    Plan,
    User,
)

SEVERITIES = (1, 2, 3)
SUBJECT_LENGTH = 200


class CaseError(DeskError):
    """A case rule said no; `key` and `params` form the answer the user gets."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}")
        self.key = key
        self.params = params


class CaseNotFound(CaseError, NotFound):
    """No such case, or one the user may not see (answered exactly alike)."""


class CaseConflict(CaseError, Conflict):
    """The case is not in a state that allows the action (resolved, already taken...)."""


class CaseInvalid(CaseError, Invalid):
    """A bad value, e.g. a severity outside 1..3."""


@dataclass(frozen=True)
class Placed:
    """Where a partner's message went: a new case, or an open one (maybe with raised severity)."""

    case: Case
    opened: bool
    raised_from: int | None = None


@dataclass(frozen=True)
class QueueEntry:
    case: Case
    org_name: str
    plan_name: str
    priority: int
    assignee_name: str | None


def _actor(user: User) -> str:
    return f"user:{user.id}"


def _message(session: Session, case: Case, author: User | None, kind: str, text: str,
             now: datetime) -> CaseMessage:
    message = CaseMessage(case_id=case.id, author_id=author.id if author else None, kind=kind,
                          text=text, created_at=now)
    session.add(message)
    return message


_INSERT_MESSAGE = insert(CaseMessage.__table__)


def _append_message(session: Session, case: Case, author: User | None, kind: str, text: str,
                    now: datetime) -> None:
    """Like _message for callers that need no object: one INSERT at once, no flush."""
    session.execute(_INSERT_MESSAGE, {"case_id": case.id,
                                      "author_id": author.id if author else None,
                                      "kind": kind, "text": text, "created_at": now})


def _audit(session: Session, user: User, action: str, case: Case, now: datetime,
           **details: Any) -> None:
    audit.record(session, actor=_actor(user), action=action, entity="case",
                 entity_id=str(case.id), details=details, now=now)


def _conversation_upsert(dialect: Any) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE ... RETURNING: creates or locks the row in one statement
    (PostgreSQL row-locks a conflicting row it updates, as SELECT ... FOR UPDATE would)."""
    table = Conversation.__table__
    stmt = dialect.insert(table).values(
        channel=bindparam("channel"), chat_id=bindparam("chat_id"),
        thread_key=bindparam("thread_key"))
    upsert = stmt.on_conflict_do_update(
        index_elements=["channel", "chat_id", "thread_key"],
        set_={"channel": stmt.excluded.channel},
    ).returning(*table.c)
    return select(Conversation).from_statement(upsert)


_CONVERSATION_UPSERT = {"postgresql": _conversation_upsert(postgresql),
                        "sqlite": _conversation_upsert(sqlite)}


def lock_conversation(session: Session, channel: str, chat_id: str,
                      thread_key: str = "") -> Conversation:
    """The conversation row, created if new and locked for the rest of the transaction."""
    stmt = _CONVERSATION_UPSERT["postgresql" if is_postgres(session) else "sqlite"]
    return session.scalars(stmt, {"channel": channel, "chat_id": chat_id,
                                  "thread_key": thread_key}).one()


def is_conversation(session: Session, channel: str, chat_id: str, thread_key: str) -> bool:
    """Whether this chat or thread is already a desk conversation (e.g. a case's thread)."""
    return session.scalar(select(Conversation.id).where(
        Conversation.channel == channel, Conversation.chat_id == chat_id,
        Conversation.thread_key == thread_key).limit(1)) is not None


_CURRENT_CASE = (
    select(Case)
    .where(Case.conversation_id == bindparam("conversation_id"),
           Case.org_id == bindparam("org_id"), Case.status == "open")
    .order_by(Case.active_since.desc(), Case.id.desc())
    .limit(1)
)


def current_case(session: Session, conversation: Conversation, org_id: int) -> Case | None:
    """The conversation's open case of this organization most recently opened or reopened
    (a reopened case is where the partner's next message goes, as the reopen notice says)."""
    return session.scalar(_CURRENT_CASE, {"conversation_id": conversation.id, "org_id": org_id})


def _subject(text: str) -> str:
    """The case subject: the message on one line, cut at a word with an ellipsis if too long."""
    line = " ".join(text.split())
    if len(line) <= SUBJECT_LENGTH:
        return line
    cut = line[:SUBJECT_LENGTH - 1]
    if " " in cut[SUBJECT_LENGTH // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


def open_case(session: Session, *, partner: User, conversation: Conversation, text: str,
              language: str, now: datetime, tz: tzinfo = UTC) -> Case:
    """A new case from a partner's message, classified from its text; its SLA clock starts."""
    if partner.org_id is None:
        raise CaseInvalid("error.no_access")
    found = severity.classify(text)
    subject = _subject(text)
    case = Case(
        org_id=partner.org_id, opened_by_id=partner.id, conversation_id=conversation.id,
        status="open", severity=found.severity, severity_source="auto",
        severity_reasons=list(found.reasons), severity_confidence=found.confidence,
        subject=subject, language=language,
        opened_at=now, updated_at=now, reopened_count=0,
    )
    refresh_due(session, case, now, tz)  # before the INSERT, so no UPDATE follows it
    session.add(case)
    session.flush()
    _append_message(session, case, partner, "partner", text, now)
    _audit(session, partner, "case.open", case, now, severity=case.severity,
           reasons=list(found.reasons), confidence=found.confidence,
           concepts=list(found.concepts), conversation=conversation.id)
    return case


def add_partner_message(session: Session, *, case: Case, partner: User, text: str,
                        now: datetime, tz: tzinfo = UTC) -> int | None:
    """Join a partner's message to an open case; return the old severity if it was raised."""
    if case.status != "open":
        raise CaseConflict("case.not_open", number=case.id)
    _append_message(session, case, partner, "partner", text, now)
    case.updated_at = now
    raised_from = None
    if case.severity_source != "agent":
        found = severity.classify(text)
        if found.severity < case.severity:  # raise only: 1 is the most urgent
            raised_from = case.severity
            case.severity = found.severity
            case.severity_reasons = list(found.reasons)
            case.severity_confidence = found.confidence
            refresh_due(session, case, now, tz)
            _append_message(session, case, None, "system",
                            f"severity raised from {raised_from} to {found.severity}", now)
            _audit(session, partner, "case.severity_raised", case, now, old=raised_from,
                   new=found.severity, reasons=list(found.reasons),
                   confidence=found.confidence)
    _audit(session, partner, "case.message", case, now)
    return raised_from


def place_partner_message(session: Session, *, partner: User, channel: str, chat_id: str,
                          thread_key: str, text: str, language: str, now: datetime,
                          tz: tzinfo = UTC, force_new: bool = False) -> Placed:
    """A partner's message joins the conversation's open case or opens a new one."""
    if partner.org_id is None:  # before any write: the refusal leaves nothing behind
        raise CaseInvalid("error.no_access")
    conversation = lock_conversation(session, channel, chat_id, thread_key)
    case = None if force_new else current_case(session, conversation, partner.org_id)
    if case is None:
        case = open_case(session, partner=partner, conversation=conversation, text=text,
                         language=language, now=now, tz=tz)
        return Placed(case, opened=True)
    raised = add_partner_message(session, case=case, partner=partner, text=text, now=now, tz=tz)
    return Placed(case, opened=False, raised_from=raised)


def can_see(session: Session, user: User, case: Case) -> bool:
    """Partners and organization TAMs see their organization's cases; a TAM of the community
    pool (no organization) the cases it was notified of (their escalations); other staff all."""
    if user.role == "partner":
        return user.org_id is not None and case.org_id == user.org_id
    if user.role == "tam":
        if user.org_id is not None:
            return case.org_id == user.org_id
        return was_notified(session, user, case)
    return user.role in {"agent", "admin", "manager"}


def visible_case(session: Session, user: User, number: int, *, lock: bool = False) -> Case:
    """The case with this number if the user may see it; otherwise CaseNotFound, always alike."""
    if not 0 < number <= MAX_ID:
        raise CaseNotFound("error.case_not_found", number=number)
    query = select(Case).where(Case.id == number)
    if lock and is_postgres(session):
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None or not can_see(session, user, case):
        raise CaseNotFound("error.case_not_found", number=number)
    return case


def _require_open(case: Case) -> None:
    if case.status != "open":
        raise CaseConflict("case.not_open", number=case.id)


def take(session: Session, *, case: Case, agent: User, now: datetime,
         only_if_free: bool = False) -> int | None:
    """Assign the case to the agent; return the previous assignee's id (None if it was free)."""
    _require_open(case)
    previous = case.assignee_id
    if previous == agent.id:
        raise CaseConflict("case.already_yours", number=case.id)
    if only_if_free and previous is not None:
        holder = session.get(User, previous)
        raise CaseConflict("case.already_taken", number=case.id,
                           agent=holder.name if holder else "?")
    case.assignee_id = agent.id
    case.updated_at = now
    _message(session, case, agent, "system", f"taken by {agent.name}", now)
    _audit(session, agent, "case.take", case, now, previous=previous)
    return previous


def reply(session: Session, *, case: Case, agent: User, text: str, now: datetime) -> CaseMessage:
    """An agent's answer to the partner; the first one sets the first response time."""
    _require_open(case)
    message = _message(session, case, agent, "reply", text, now)
    if case.first_response_at is None:
        case.first_response_at = now
    if case.assignee_id is None:
        case.assignee_id = agent.id
    case.updated_at = now
    _audit(session, agent, "case.reply", case, now)
    return message


def note(session: Session, *, case: Case, agent: User, text: str, now: datetime) -> CaseMessage:
    """An internal note: never shown to partners, not a response."""
    message = _message(session, case, agent, "note", text, now)
    case.updated_at = now
    _audit(session, agent, "case.note", case, now)
    return message


def set_severity(session: Session, *, case: Case, agent: User, value: int,
                 now: datetime, tz: tzinfo = UTC) -> int:
    """An agent's severity is final: automatic re-classification stops. Returns the old one."""
    if value not in SEVERITIES:
        raise CaseInvalid("error.bad_severity", value=str(value))
    _require_open(case)
    old = case.severity
    case.severity = value
    case.severity_source = "agent"
    case.severity_confidence = None
    case.updated_at = now
    refresh_due(session, case, now, tz)
    _message(session, case, agent, "system", f"severity set from {old} to {value}", now)
    _audit(session, agent, "case.severity", case, now, old=old, new=value)
    return old


def resolve(session: Session, desk: DeskContext, *, case: Case, agent: User,
            text: str | None, now: datetime) -> Escalation | None:
    """Resolve the case and, in the same transaction, settle whether its escalation counts."""
    if case.status != "open":
        raise CaseConflict("case.already_resolved", number=case.id)
    case.status = "resolved"
    case.resolved_at = now
    case.resolution_note = text or None
    case.updated_at = now
    record_closing_note(case)  # a closing note is the partner's first response
    _message(session, case, agent, "system", f"resolved: {text}" if text else "resolved", now)
    escalation = session.scalar(
        select(Escalation).where(Escalation.case_id == case.id, Escalation.resolved_at.is_(None))
    )
    if escalation is not None:
        month = counted_month(escalation.requested_at, now, desk.billing_tz)
        escalation.resolved_at = now
        escalation.counted_month = str(month) if month is not None else None
    _audit(session, agent, "case.resolve", case, now, note=text or None,
           escalation=escalation.id if escalation else None,
           counted_month=escalation.counted_month if escalation else None)
    return escalation


def reopen(session: Session, *, case: Case, agent: User, now: datetime) -> None:
    """Open a resolved case again; an escalation already counted stays counted."""
    if case.status == "open":
        raise CaseConflict("case.already_open", number=case.id)
    case.status = "open"
    case.reopened_count += 1
    case.updated_at = case.active_since = now
    _message(session, case, agent, "system", "reopened", now)
    _audit(session, agent, "case.reopen", case, now, times=case.reopened_count)


def month_of(now: datetime, desk: DeskContext) -> str:
    return now.astimezone(desk.billing_tz).strftime("%Y-%m")


def queue(session: Session, desk: DeskContext, now: datetime) -> list[QueueEntry]:
    """Open cases by severity, overdue first-responses, plan priority (Premium first), age."""
    cases = list(session.scalars(select(Case).where(Case.status == "open")))
    org_ids = {c.org_id for c in cases}
    plans = plans_in_force(session, org_ids, month_of(now, desk))
    orgs = {o.id: o.name for o in session.scalars(
        select(Organization).where(Organization.id.in_(org_ids)))} if org_ids else {}
    assignee_ids = {c.assignee_id for c in cases if c.assignee_id is not None}
    names = {u.id: u.name for u in session.scalars(
        select(User).where(User.id.in_(assignee_ids)))} if assignee_ids else {}
    entries = []
    for c in cases:
        plan = plans.get(c.org_id)
        entries.append(QueueEntry(
            case=c, org_name=orgs.get(c.org_id, "?"),
            plan_name=plan.display_name if plan else "-",
            priority=plan.queue_priority if plan else 0,
            assignee_name=names.get(c.assignee_id) if c.assignee_id else None,
        ))
    entries.sort(key=lambda e: queue_key(e.case, e.priority, now))
    return entries


def org_cases(session: Session, org_id: int, *, open_only: bool = True) -> list[Case]:
    """An organization's cases, newest first."""
    query = select(Case).where(Case.org_id == org_id)
    if open_only:
        query = query.where(Case.status == "open")
    return list(session.scalars(query.order_by(Case.id.desc())))


def org_and_plan(session: Session, desk: DeskContext, case: Case,
                 now: datetime) -> tuple[str, str]:
    """The case's organization name and the display name of its plan in force (one query)."""
    force = in_force(month_of(now, desk), [case.org_id])
    row = session.execute(
        select(Organization.name, Plan.display_name)
        .outerjoin(force, force.c.org_id == Organization.id)
        .outerjoin(Plan, Plan.id == force.c.plan_id)
        .where(Organization.id == case.org_id)
    ).first()
    if row is None:
        return ("?", "-")
    return (row[0], row[1] if row[1] is not None else "-")
