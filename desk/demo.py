"""A demo organization for a first run on an empty database: one partner, agent and manager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk import orgs, users
from store.models import Identity, Organization, User

DEMO_ORG = "Demo Partner GmbH"
DEMO_PEOPLE = (("Pat", "partner"), ("Alex", "agent"), ("Morgan", "manager"))


@dataclass(frozen=True)
class Demo:
    org: Organization
    people: tuple[User, ...]


def is_empty(session: Session) -> bool:
    """True when the desk has no organization yet (a fresh install)."""
    return session.scalar(select(Organization.id).limit(1)) is None


def create_demo(session: Session, *, now: datetime, tz: tzinfo) -> Demo:
    """Demo Partner GmbH (Growth, EUR, partner-paid) with Pat, Alex and Morgan on the console.

    Console identities use the user id as the external id.
    """
    org = orgs.create_org(session, name=DEMO_ORG, plan_name="growth", currency="EUR",
                          billing_model="partner-paid", now=now, tz=tz, actor="demo")
    people = []
    for name, role in DEMO_PEOPLE:
        user = users.add_user(session, channel="console", external_id=f"demo-{name.lower()}",
                              role=role, org=org if role == "partner" else None, name=name,
                              now=now, actor="demo")
        identity = session.scalars(
            select(Identity).where(Identity.user_id == user.id, Identity.channel == "console")
        ).one()
        identity.external_id = str(user.id)
        people.append(user)
    session.flush()
    return Demo(org, tuple(people))
