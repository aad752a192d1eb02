"""Builders for escalation tests: organizations on plans, people, cases, escalations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.db import transaction
from store.models import (
    Case,
    Conversation,
    Escalation,
    Identity,
    LicenseFee,
    Organization,
    Plan,
    PlanAssignment,
    User,
)

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class World:
    """Creates rows in their own transactions and returns ids."""

    sessions: sessionmaker[Session]

    def __post_init__(self) -> None:
        self._seq = count(1)

    def plan_id(self, name: str) -> int:
        with transaction(self.sessions) as s:
            return s.scalars(select(Plan.id).where(Plan.name == name)).one()

    def org(self, name: str, plan: str = "growth", since: str = "2026-01",
            currency: str = "EUR") -> int:
        with transaction(self.sessions) as s:
            org = Organization(name=name, currency=currency, billing_model="partner-paid",
                               created_at=CREATED)
            s.add(org)
            s.flush()
            plan_id = s.scalars(select(Plan.id).where(Plan.name == plan)).one()
            s.add(PlanAssignment(org_id=org.id, plan_id=plan_id, effective_month=since,
                                 reason="onboarding", created_at=CREATED))
            return org.id

    def assign(self, org_id: int, plan: str, month: str, reason: str = "admin") -> None:
        with transaction(self.sessions) as s:
            plan_id = s.scalars(select(Plan.id).where(Plan.name == plan)).one()
            s.add(PlanAssignment(org_id=org_id, plan_id=plan_id, effective_month=month,
                                 reason=reason, created_at=CREATED))

    def fee(self, org_id: int, month: str, cents: int) -> None:
        with transaction(self.sessions) as s:
            s.add(LicenseFee(org_id=org_id, month=month, amount_cents=cents))

    def user(self, name: str, role: str, org_id: int | None = None,
             channel: str = "console", language: str | None = "en") -> User:
        with transaction(self.sessions) as s:
            user = User(name=name, role=role, org_id=org_id, language=language,
                        created_at=CREATED)
            s.add(user)
            s.flush()
            s.add(Identity(user_id=user.id, channel=channel, external_id=f"{name}-{user.id}"))
            return user

    def case(self, org_id: int, opener: User, at: datetime, subject: str = "API down",
             severity: int = 2, status: str = "open") -> int:
        with transaction(self.sessions) as s:
            conv = Conversation(channel="console", chat_id=f"c{next(self._seq)}", thread_key="")
            s.add(conv)
            s.flush()
            case = Case(org_id=org_id, opened_by_id=opener.id, conversation_id=conv.id,
                        status=status, severity=severity, severity_source="auto",
                        severity_reasons=[], subject=subject, language="en", opened_at=at,
                        updated_at=at, resolved_at=at if status == "resolved" else None)
            s.add(case)
            s.flush()
            return case.id

    def escalation(self, org_id: int, case_id: int, by: User, requested_at: datetime,
                   requested_month: str, counted_month: str | None = None,
                   resolved_at: datetime | None = None, category: str = "other") -> None:
        with transaction(self.sessions) as s:
            s.add(Escalation(case_id=case_id, org_id=org_id, category=category,
                             requested_at=requested_at, requested_month=requested_month,
                             requested_by_id=by.id, on_behalf=False, billable_confirmed=False,
                             resolved_at=resolved_at, counted_month=counted_month))


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> World:
    return World(sessions)
