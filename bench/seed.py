"""Seeding a benchmark database: organizations on both plans, partners and agents."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from desk import orgs, users
from store.db import make_session_factory, transaction


def seed_partners(engine: Engine, channel: str, partner_ids: list[str], *, orgs_count: int = 10,
                  agent_ids: tuple[str, ...] = (), languages: dict[str, str] | None = None,
                  org_prefix: str = "Bench Partner") -> None:
    """Create `orgs_count` organizations and one partner per id (spread over the orgs).

    Partners get no stored language unless `languages` names one: the desk then detects it
    from their first message, as it does for real partners.
    """
    now = datetime.now(UTC)
    tz = ZoneInfo("UTC")
    languages = languages or {}
    with transaction(make_session_factory(engine)) as session:
        created = [
            orgs.create_org(session, name=f"{org_prefix} {channel} {i:03d}",
                            plan_name="premium" if i % 4 == 0 else "growth",
                            currency="USD" if i % 3 == 0 else "EUR",
                            billing_model="partner-paid", now=now, tz=tz)
            for i in range(orgs_count)
        ]
        for n, external_id in enumerate(partner_ids):
            users.add_user(session, channel=channel, external_id=external_id, role="partner",
                           org=created[n % orgs_count], name=f"Partner {n}",
                           language=languages.get(external_id), now=now)
        for n, external_id in enumerate(agent_ids):
            users.add_user(session, channel=channel, external_id=external_id, role="agent",
                           name=f"Agent {n}", language="en", now=now)
