"""Technical Account Managers: an organization's dedicated TAMs or the community TAM pool.

DOMAIN.md, Programmes and people: Growth organizations (a plan with a community TAM) are served
by the community TAM pool (`tam` users without an organization), Premium ones (a dedicated TAM)
by the organization's own TAMs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from billing.months import BillingMonth
from desk.plans import plan_in_force
from desk.users import organization_tams
from store.models import Case, OutboxMessage, Plan, User

DEDICATED = "dedicated"
COMMUNITY = "community"


@dataclass(frozen=True)
class Tams:
    """Who serves an organization in a month: the plan's TAM kind and the people (may be none)."""

    plan: Plan | None
    kind: str | None  # dedicated | community | None without a plan
    people: tuple[User, ...]


def community_tams(session: Session) -> list[User]:
    """The community TAM pool: TAMs without an organization (not removed), oldest first."""
    return list(session.scalars(
        select(User).where(User.role == "tam", User.org_id.is_(None),
                           User.removed_at.is_(None)).order_by(User.id)))


def tams_of(session: Session, org_id: int, month: BillingMonth | str) -> Tams:
    """The TAMs of the organization's plan in force in `month`."""
    plan = plan_in_force(session, org_id, month)
    if plan is None:
        return Tams(None, None, ())
    if plan.tam_kind == DEDICATED:
        return Tams(plan, DEDICATED, tuple(organization_tams(session, org_id)))
    return Tams(plan, COMMUNITY, tuple(community_tams(session)))


def was_notified(session: Session, user: User, case: Case) -> bool:
    """Whether the desk queued a message about this case to this person (e.g. the escalation
    notice the community TAM pool gets): the outbox row is the record of it."""
    return bool(session.scalar(select(exists().where(
        OutboxMessage.case_id == case.id, OutboxMessage.recipient_user_id == user.id))))
