"""Building blocks for SLA tests: organizations on a plan, staff with chat identities, cases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.context import DeskContext
from desk.first_response import refresh_due
from store.db import transaction
from store.models import (
    Case,
    Conversation,
    Identity,
    Organization,
    OutboxMessage,
    Plan,
    PlanAssignment,
    SlaAlert,
    User,
)

SINCE = "2026-01"


@dataclass(frozen=True)
class Org:
    id: int
    partner_id: int
    tam_id: int


@dataclass(frozen=True)
class Staff:
    agent_id: int
    other_agent_id: int
    manager_ids: tuple[int, ...]


def _user(session: Session, name: str, role: str, now: datetime, org_id: int | None = None,
          channel: str = "console", language: str | None = None) -> User:
    user = User(name=name, role=role, org_id=org_id, created_at=now, language=language)
    session.add(user)
    session.flush()
    session.add(Identity(user_id=user.id, channel=channel, external_id=f"{role}-{user.id}"))
    return user


def add_org(desk: DeskContext, name: str, plan: str, since: str = SINCE) -> Org:
    now = desk.clock.now()
    with transaction(desk.sessions) as s:
        org = Organization(name=name, currency="EUR", billing_model="partner-paid",
                           created_at=now)
        s.add(org)
        s.flush()
        plan_id = s.scalar(select(Plan.id).where(Plan.name == plan))
        s.add(PlanAssignment(org_id=org.id, plan_id=plan_id, effective_month=since,
                             reason="onboarding", created_at=now))
        partner = _user(s, f"{name} partner", "partner", now, org.id)
        tam = _user(s, f"{name} TAM", "tam", now, org.id)
        return Org(org.id, partner.id, tam.id)


def add_staff(desk: DeskContext) -> Staff:
    now = desk.clock.now()
    with transaction(desk.sessions) as s:
        agent = _user(s, "Ana Agent", "agent", now)
        other = _user(s, "Otto Agent", "agent", now, language="de")
        managers = (_user(s, "Mia Manager", "manager", now).id,
                    _user(s, "Max Manager", "manager", now, language="ru").id)
        _user(s, "Pool TAM", "tam", now)  # a community TAM: never alerted for a case
        return Staff(agent.id, other.id, managers)


def open_case(desk: DeskContext, org: Org, severity: int, *, at: datetime | None = None,
              assignee_id: int | None = None, subject: str = "messages are not delivered") -> int:
    """A case as the case service stores it, with its SLA clock started."""
    opened = at or desk.clock.now()
    with transaction(desk.sessions) as s:
        conversation = Conversation(channel="console", chat_id=f"chat-{org.id}",
                                    thread_key=uuid.uuid4().hex)
        s.add(conversation)
        s.flush()
        case = Case(org_id=org.id, opened_by_id=org.partner_id, conversation_id=conversation.id,
                    status="open", severity=severity, severity_source="auto",
                    severity_reasons=[], subject=subject, language="en",
                    assignee_id=assignee_id, opened_at=opened, updated_at=opened)
        s.add(case)
        s.flush()
        refresh_due(s, case, opened, desk.billing_tz)
        return case.id


def get_case(desk: DeskContext, case_id: int) -> Case:
    with transaction(desk.sessions) as s:
        return s.get(Case, case_id)


def alerts(desk: DeskContext) -> list[tuple[int, str]]:
    with transaction(desk.sessions) as s:
        return sorted((r[0], r[1]) for r in s.execute(select(SlaAlert.case_id, SlaAlert.level)))


def messages(desk: DeskContext, case_id: int | None = None) -> list[OutboxMessage]:
    with transaction(desk.sessions) as s:
        query = select(OutboxMessage).where(OutboxMessage.purpose == "alert")
        if case_id is not None:
            query = query.where(OutboxMessage.case_id == case_id)
        return list(s.scalars(query.order_by(OutboxMessage.id)))


def recipients(desk: DeskContext, case_id: int, key_prefix: str) -> list[tuple[str, int | None]]:
    """(chat_id, recipient user) of every alert message of the case whose key starts so."""
    return sorted(((m.chat_id, m.recipient_user_id) for m in messages(desk, case_id)
                   if m.key.startswith(key_prefix)), key=lambda x: (x[0], x[1] or 0))
