"""The admin services under the CLI: plans in force, assignment rules, users, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing.months import BillingMonth
from billing.plans import GROWTH, PREMIUM
from desk import orgs, plans, users
from desk.errors import Conflict, DeskError, Invalid, NotFound
from store.db import transaction
from store.models import AuditEntry, Identity, PlanAssignment

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
M = BillingMonth.parse


def onboard(session: Session, name: str = "Acme", plan: str = "growth"):  # type: ignore[no-untyped-def]
    return orgs.create_org(session, name=name, plan_name=plan, currency="EUR",
                           billing_model="partner-paid", now=NOW, tz=UTC_ZONE)


def test_error_hierarchy() -> None:
    for error in (NotFound, Conflict, Invalid):
        assert issubclass(error, DeskError) and issubclass(error, ValueError)


def test_seeded_plans_have_the_builtin_terms(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        assert plans.terms(plans.get_plan(session, "growth")) == GROWTH
        assert plans.terms(plans.get_plan(session, "Premium")) == PREMIUM


def test_plan_in_force_follows_history(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        org = onboard(session)
        premium = plans.get_plan(session, "premium")
        growth = plans.get_plan(session, "growth")
        plans.assign(session, org, premium, M("2026-05"), "partner", NOW)
        plans.assign(session, org, growth, M("2026-09"), "admin", NOW, tz=UTC_ZONE)
    with transaction(sessions) as session:
        seen = {m: getattr(plans.plan_in_force(session, org.id, M(m)), "name", None)
                for m in ("2026-02", "2026-03", "2026-04", "2026-05", "2026-08", "2026-09")}
    assert seen == {"2026-02": None, "2026-03": "growth", "2026-04": "growth",
                    "2026-05": "premium", "2026-08": "premium", "2026-09": "growth"}


def test_assign_replaces_same_month_and_refuses_archived(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        org = onboard(session)
        premium = plans.get_plan(session, "premium")
        plans.assign(session, org, premium, M("2026-04"), "partner", NOW, tz=UTC_ZONE)
        plans.assign(session, org, plans.get_plan(session, "growth"), M("2026-04"), "admin",
                     NOW, tz=UTC_ZONE)
        rows = session.scalars(select(PlanAssignment).where(
            PlanAssignment.org_id == org.id)).all()
        assert sorted((r.effective_month, r.reason) for r in rows) == [
            ("2026-03", "onboarding"), ("2026-04", "admin")]
        copy = plans.duplicate_plan(session, "premium", "premium-old", now=NOW)
        plans.archive_plan(session, "premium-old", now=NOW)
        with pytest.raises(Invalid, match="archived"):
            plans.assign(session, org, copy, M("2026-06"), "admin", NOW)
        with pytest.raises(Invalid, match="reason"):
            plans.assign(session, org, premium, M("2026-06"), "whim", NOW)


def test_assign_never_changes_a_month_under_way_when_given_the_zone(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        org = onboard(session)
        premium = plans.get_plan(session, "premium")
        with pytest.raises(Invalid, match="2026-04 or later"):
            plans.assign(session, org, premium, M("2026-03"), "admin", NOW, tz=UTC_ZONE)
        # Automatic upgrades are derived from license fees, never assigned.
        with pytest.raises(Invalid, match="license fees"):
            plans.assign(session, org, premium, M("2026-04"), "auto-upgrade", NOW)
        assert plans.plan_in_force(session, org.id, M("2026-03")).name == "growth"


def test_add_plan_validation(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        base = dict(display_name="Gold", fee=Decimal("750"), free_escalations=3,
                    overflow_price=Decimal("20"), now=NOW)
        gold = plans.add_plan(session, name="Gold", **base)  # type: ignore[arg-type]
        assert gold.name == "gold"
        assert {(p.cycle, p.currency): p.amount_cents for p in gold.prices} == {
            ("monthly", "EUR"): 75000, ("monthly", "USD"): 75000}
        with pytest.raises(Conflict):
            plans.add_plan(session, name="gold", **base)  # type: ignore[arg-type]
        with pytest.raises(Invalid, match="plan name"):
            plans.add_plan(session, name="Gold Plan!", **base)  # type: ignore[arg-type]
        with pytest.raises(Invalid, match="two decimals"):
            plans.add_plan(session, name="odd", **{**base, "fee": Decimal("1.001")})  # type: ignore[arg-type]
        with pytest.raises(NotFound, match="upgrade target"):
            plans.add_plan(session, name="up", auto_upgrade_above=Decimal("1"),
                           auto_upgrade_to="nope", **base)  # type: ignore[arg-type]
        with pytest.raises(Invalid, match="both"):
            plans.add_plan(session, name="half", auto_upgrade_above=Decimal("1"),
                           **base)  # type: ignore[arg-type]
        up = plans.add_plan(session, name="silver", auto_upgrade_above=Decimal("300"),
                            auto_upgrade_to="GOLD", **base)  # type: ignore[arg-type]
        assert plans.terms(up).auto_upgrade_to == "gold"
        with pytest.raises(Conflict, match="upgrade target of silver"):
            plans.archive_plan(session, "gold", now=NOW)


def test_org_rules(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        org = onboard(session, "  Acme   Corp ")
        assert org.name == "Acme Corp"
        assert orgs.get_org(session, "acme corp").id == org.id
        with pytest.raises(Conflict):
            onboard(session, "ACME CORP")
        with pytest.raises(NotFound, match="unknown organization"):
            orgs.get_org(session, "Nobody")
        with pytest.raises(Invalid, match="currency"):
            orgs.create_org(session, name="B", plan_name="growth", currency="BTC",
                            billing_model="direct-paid", now=NOW, tz=UTC_ZONE)
        with pytest.raises(Invalid, match="negative"):
            orgs.set_license_fees(session, org, M("2026-03"), Decimal("-1"), now=NOW, tz=UTC)
        orgs.set_license_fees(session, org, M("2026-03"), Decimal("575.5"), now=NOW, tz=UTC)
        orgs.set_license_fees(session, org, M("2026-03"), Decimal("575.25"), now=NOW, tz=UTC)
        assert orgs.license_fees(session, org.id, M("2026-03")) == Decimal("575.25")
        assert orgs.license_fees(session, org.id, M("2026-04")) is None
        assert orgs.fee_history(session, org.id) == [(M("2026-03"), Decimal("575.25"))]


def test_users_rules(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        org = onboard(session)
        ana = users.add_user(session, channel="Telegram", external_id=" 77 ", role="partner",
                             org=org, language="pt_BR", now=NOW)
        assert (ana.language, ana.identities[0].external_id) == ("pt-BR", "77")
        with pytest.raises(Conflict):
            users.add_user(session, channel="telegram", external_id="77", role="agent", now=NOW)
        with pytest.raises(Invalid):
            users.add_user(session, channel="telegram", external_id="has space", role="agent",
                           now=NOW)
        users.remove_user(session, ana, now=NOW)
        with pytest.raises(NotFound, match="already removed"):
            users.remove_user(session, ana, now=NOW)
        assert session.scalars(select(Identity)).all() == []
        assert users.list_users(session) == []
        assert users.list_users(session, include_removed=True) == [ana]
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-2:] == ["user.add", "user.remove"]
