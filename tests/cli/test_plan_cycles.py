"""Billing cycles of organizations and the team-members limit, from the command line and the
services (docs/billing.md, "Billing cycles"); SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing.months import BillingMonth
from desk import orgs, plans, users
from desk.clock import FixedClock
from desk.context import DeskContext
from desk.errors import DeskError, Invalid
from store.db import transaction
from store.models import AuditEntry, PlanAssignment, User

# The test clock stands at 2026-03-10 09:00 UTC: the current billing month is 2026-03.
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
M = BillingMonth.parse


@pytest.fixture
def catalogue(run_json: Any) -> None:
    """Growth and Premium with quarterly and yearly prices too, and a small team plan."""
    run_json("plan", "edit", "premium", "--price", "quarterly:2800", "--price", "yearly:10000")
    run_json("plan", "edit", "growth", "--price", "quarterly:1400", "--price", "yearly:5000")
    run_json("plan", "add", "team", "--display-name", "Team", "--fee", "100",
             "--free-escalations", "1", "--overflow-price", "25", "--team-members", "2")


def add_org(run_json: Any, name: str = "Acme", *extra: str) -> dict[str, Any]:
    return run_json("org", "add", name, "--currency", "EUR", "--billing-model", "direct-paid",
                    *extra)


def assignments(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(PlanAssignment).order_by(PlanAssignment.effective_month))
        names = {p.id: p.name for p in plans.list_plans(session, include_all=True)}
        return [(r.effective_month, names[r.plan_id], r.billing_cycle, r.reason) for r in rows]


@pytest.mark.usefixtures("catalogue")
def test_org_add_with_a_cycle_and_show_it(run: Any, run_json: Any,
                                          sessions: sessionmaker[Session]) -> None:
    added = add_org(run_json, "Acme", "--cycle", "quarterly")
    assert (added["billing_cycle"], added["fee"], added["cycle_start"],
            added["next_cycle_start"]) == ("quarterly", "1400.00", "2026-03", "2026-06")
    assert added["plan"]["billing_cycle"] == "quarterly"
    assert added["plan_fee_billed_this_month"] is True
    may = run_json("org", "show", "Acme", "--month", "2026-05")
    assert (may["cycle_start"], may["next_cycle_start"], may["plan_fee_billed_this_month"]) == \
        ("2026-03", "2026-06", False)
    assert may["fee"] == "1400.00" and may["plan"]["fee"] == "1400.00"
    text = run("org", "show", "Acme").stdout
    assert "fee 1400.00 EUR" in text
    assert "billing cycle:  quarterly (this cycle from 2026-03, next from 2026-06; plan fee " \
           "billed in 2026-03)" in text
    assert run("org", "add", "Beta", "--currency", "USD", "--billing-model", "partner-paid",
               "--cycle", "yearly").stdout.strip() == \
        "added organization Beta (id 2): Growth from 2026-03, USD, partner-paid, yearly at " \
        "5000.00 USD"
    assert assignments(sessions) == [("2026-03", "growth", "quarterly", "onboarding"),
                                     ("2026-03", "growth", "yearly", "onboarding")]
    # Monthly stays the default.
    assert add_org(run_json, "Gamma")["billing_cycle"] == "monthly"


@pytest.mark.usefixtures("catalogue")
def test_org_set_cycle_takes_effect_at_the_next_cycle(run: Any, run_json: Any,
                                                      sessions: sessionmaker[Session]) -> None:
    add_org(run_json, "Acme", "--cycle", "quarterly")
    changed = run_json("org", "set", "Acme", "--cycle", "monthly")
    assert changed == {"organization": "Acme", "billing_cycle": "monthly",
                       "effective_month": "2026-06", "plan": "growth", "price": "500.00",
                       "currency": "EUR", "previous_cycle": "quarterly", "changed": True}
    assert run_json("org", "show", "Acme", "--month", "2026-05")["billing_cycle"] == "quarterly"
    june = run_json("org", "show", "Acme", "--month", "2026-06")
    assert (june["billing_cycle"], june["fee"], june["next_cycle_start"]) == \
        ("monthly", "500.00", "2026-07")
    again = run("org", "set", "Acme", "--cycle", "MONTHLY")
    assert again.stdout.strip() == ("Acme is already billed monthly (growth, 500.00 EUR); "
                                    "nothing changed")
    yearly = run("org", "set", "Acme", "--cycle", "yearly")
    assert yearly.stdout.strip() == ("Acme is billed yearly from 2026-06 (the start of its next "
                                     "cycle; was monthly): growth at 5000.00 EUR per cycle")
    assert assignments(sessions) == [("2026-03", "growth", "quarterly", "onboarding"),
                                     ("2026-06", "growth", "yearly", "admin")]


@pytest.mark.usefixtures("catalogue")
def test_org_set_keeps_the_plan_in_force_then(run_json: Any,
                                              sessions: sessionmaker[Session]) -> None:
    add_org(run_json)
    run_json("plan", "assign", "Acme", "premium")  # from 2026-04
    changed = run_json("org", "set", "Acme", "--cycle", "quarterly")
    assert (changed["effective_month"], changed["plan"], changed["price"]) == \
        ("2026-04", "premium", "2800.00")
    assert assignments(sessions) == [("2026-03", "growth", "monthly", "onboarding"),
                                     ("2026-04", "premium", "quarterly", "admin")]


@pytest.mark.usefixtures("catalogue")
def test_plan_changes_wait_for_the_next_cycle(run: Any, run_json: Any) -> None:
    add_org(run_json, "Acme", "--cycle", "quarterly")  # cycles start 2026-03, -06, -09, -12
    assigned = run_json("plan", "assign", "Acme", "premium")
    assert (assigned["effective_month"], assigned["billing_cycle"], assigned["price"]) == \
        ("2026-06", "quarterly", "2800.00")
    said = run("plan", "assign", "Acme", "premium")
    assert said.stderr.startswith("(2026-06: the start of Acme's next billing cycle;")
    assert said.stdout.strip() == ("Acme is on Premium (premium), quarterly at 2800.00 EUR, "
                                   "from 2026-06 (was premium)")
    later = run_json("plan", "assign", "Acme", "growth", "--month", "2026-12", "--cycle",
                     "monthly")
    assert (later["effective_month"], later["billing_cycle"]) == ("2026-12", "monthly")
    months = {m: run_json("org", "show", "Acme", "--month", m) for m in
              ("2026-05", "2026-06", "2026-11", "2026-12", "2027-01")}
    assert {m: (d["plan"]["name"], d["billing_cycle"]) for m, d in months.items()} == {
        "2026-05": ("growth", "quarterly"), "2026-06": ("premium", "quarterly"),
        "2026-11": ("premium", "quarterly"), "2026-12": ("growth", "monthly"),
        "2027-01": ("growth", "monthly")}


REFUSED = {
    "the month has begun": (("plan", "assign", "Acme", "premium", "--month", "2026-03"),
                            "the plan of 2026-03 can no longer change (the month has begun); "
                            "use 2026-06, the start of Acme's next quarterly cycle, or a later "
                            "cycle start"),
    "the middle of the current cycle": (
        ("plan", "assign", "Acme", "premium", "--month", "2026-04"),
        "Acme is billed quarterly from 2026-03: its plan and cycle change only at the start of "
        "a cycle, not in 2026-04; use 2026-06 or a later cycle start"),
    "the middle of a later cycle": (
        ("plan", "assign", "Acme", "premium", "--month", "2026-08"),
        "not in 2026-08; use 2026-06 or 2026-09"),
    "a cycle without a price": (("plan", "assign", "Acme", "team", "--month", "2026-06"),
                                "plan 'team' has no quarterly price in EUR (its EUR cycles: "
                                "monthly)"),
    "org set with a cycle without a price": (
        ("org", "set", "Acme", "--cycle", "yearly"), None),
    "org set without --cycle": (("org", "set", "Acme"), "missing --cycle"),
    "org set with an unknown cycle": (("org", "set", "Acme", "--cycle", "weekly"),
                                      "'--cycle'"),
    "org add with a cycle its plan lacks": (
        ("org", "add", "Beta", "--currency", "EUR", "--billing-model", "direct-paid",
         "--plan", "team", "--cycle", "yearly"), "plan 'team' has no yearly price in EUR"),
}


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_cycle_refusals_are_one_line_and_change_nothing(case: str, run: Any, run_json: Any,
                                                        tables: Any) -> None:
    add_org(run_json, "Acme", "--cycle", "quarterly")
    args, expected = REFUSED[case]
    if expected is None:  # the plan in force then lacks the cycle
        run_json("plan", "assign", "Acme", "team", "--month", "2026-06", "--cycle", "monthly")
        expected = "plan 'team' has no yearly price in EUR"
    before = tables()
    for json_flag in ((), ("--json",)):
        result = run(*args, *json_flag)
        assert result.exit_code == 2, (result.stdout, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and expected in lines[0], result.stderr
        assert result.stdout == ""
    assert tables() == before


def test_a_planned_change_must_stay_at_a_cycle_start(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        plans.edit_plan(session, "premium", now=NOW, tz=UTC_ZONE,
                        prices={("quarterly", "EUR"): plans.terms(
                            plans.get_plan(session, "premium")).fee("monthly", "EUR")})
        plans.edit_plan(session, "growth", now=NOW, tz=UTC_ZONE,
                        prices={("quarterly", "EUR"): plans.terms(
                            plans.get_plan(session, "growth")).fee("monthly", "EUR")})
        org = orgs.create_org(session, name="Acme", plan_name="growth", currency="EUR",
                              billing_model="partner-paid", now=NOW, tz=UTC_ZONE)
        premium = plans.get_plan(session, "premium")
        plans.assign(session, org, premium, M("2026-05"), "admin", NOW, tz=UTC_ZONE)
        # Quarterly from April would put the planned May change inside a cycle.
        with pytest.raises(Invalid, match="change planned for 2026-05"):
            plans.assign(session, org, premium, M("2026-04"), "admin", NOW, tz=UTC_ZONE,
                         cycle="quarterly")
        # Made in May itself, it is fine.
        plans.assign(session, org, premium, M("2026-05"), "admin", NOW, tz=UTC_ZONE,
                     cycle="quarterly")
        cycle = plans.cycle_in_force(session, org.id, M("2026-07"))
        assert cycle is not None and (cycle.cycle, str(cycle.anchor)) == ("quarterly", "2026-05")
        assert str(plans.next_change_month(session, org, NOW, UTC_ZONE)) == "2026-04"
        later = datetime(2026, 5, 2, tzinfo=UTC)
        assert str(plans.next_change_month(session, org, later, UTC_ZONE)) == "2026-08"
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.assign")
                                .order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        assert entry.details["before"] == {"plan": "premium", "cycle": "monthly",
                                           "reason": "admin"}
        assert entry.details["after"] == {"plan": "premium", "cycle": "quarterly",
                                          "reason": "admin"}


def test_the_billing_time_zone_decides_the_next_cycle(desk: DeskContext, run_json: Any) -> None:
    # 2026-05-31 22:30 UTC is already June in Berlin: the quarterly cycle from March ends.
    assert isinstance(desk.clock, FixedClock)
    run_json("plan", "edit", "premium", "--price", "quarterly:2800")
    run_json("plan", "edit", "growth", "--price", "quarterly:1400")
    add_org(run_json, "Acme", "--cycle", "quarterly")
    desk.clock.set(datetime(2026, 5, 31, 22, 30, tzinfo=UTC))
    desk.billing_tz = ZoneInfo("Europe/Berlin")
    assert run_json("org", "set", "Acme", "--cycle", "monthly")["effective_month"] == "2026-09"
    desk.billing_tz = ZoneInfo("UTC")
    assert run_json("org", "set", "Acme", "--cycle", "monthly")["effective_month"] == "2026-06"


# --- The team-members limit

def partner(run: Any, chat_id: str, org: str = "Acme", role: str = "partner") -> Any:
    return run("user", "add", "--channel", "telegram", "--id", chat_id, "--role", role,
               "--org", org)


@pytest.mark.usefixtures("catalogue")
def test_partner_users_beyond_the_limit_are_refused(run: Any, run_json: Any,
                                                    tables: Any) -> None:
    add_org(run_json, "Acme", "--plan", "team")
    assert partner(run, "1").exit_code == 0
    assert partner(run, "2").exit_code == 0
    before = tables()
    for json_flag in ((), ("--json",)):
        refused = run("user", "add", "--channel", "telegram", "--id", "3", "--role", "partner",
                      "--org", "Acme", *json_flag)
        assert refused.exit_code == 2 and refused.stdout == ""
        assert refused.stderr.strip() == (
            "supportdesk: Acme has reached the team-members limit of its plan Team (2 partner "
            "users); remove a partner user or move the organization to a plan with more")
    assert tables() == before
    # Other roles do not count and are not limited.
    assert partner(run, "4", role="tam").exit_code == 0
    # A removed partner frees a place.
    run_json("user", "remove", "--channel", "telegram", "--id", "1")
    assert partner(run, "3").exit_code == 0
    assert partner(run, "5").exit_code == 2


@pytest.mark.usefixtures("catalogue")
def test_the_limit_is_the_plan_in_force_this_month(desk: DeskContext, run: Any,
                                                   run_json: Any) -> None:
    add_org(run_json, "Acme", "--plan", "team")
    partner(run, "1")
    partner(run, "2")
    run_json("plan", "assign", "Acme", "growth")  # from 2026-04: no limit
    assert partner(run, "3").exit_code == 2  # March is still on Team
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(datetime(2026, 4, 1, 0, 0, tzinfo=UTC))
    assert partner(run, "3").exit_code == 0
    # Editing the limit applies at once.
    run_json("plan", "edit", "growth", "--team-members", "3")
    refused = partner(run, "4")
    assert refused.exit_code == 2 and "Growth (3 partner users)" in refused.stderr
    run_json("plan", "edit", "growth", "--team-members", "none")
    assert partner(run, "4").exit_code == 0


def test_check_team_limit_is_one_service(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        plans.add_plan(session, name="solo", display_name="Solo", fee=plans.terms(
            plans.get_plan(session, "growth")).fee("monthly", "EUR"), free_escalations=0,
            overflow_price=plans.terms(plans.get_plan(session, "growth")).overflow_price,
            limit_team_members=1, now=NOW)
        org = orgs.create_org(session, name="Acme", plan_name="solo", currency="EUR",
                              billing_model="partner-paid", now=NOW, tz=UTC_ZONE)
        users.check_team_limit(session, org, M("2026-03"))  # room for one
        users.add_user(session, channel="slack", external_id="U1", role="partner", org=org,
                       now=NOW)
        with pytest.raises(users.TeamFull) as refused:
            users.check_team_limit(session, org, M("2026-03"))
        assert isinstance(refused.value, DeskError)
        assert (refused.value.limit, refused.value.members) == (1, 1)
        assert "team-members limit" in str(refused.value)
        # No plan yet in February: no limit to apply.
        users.check_team_limit(session, org, M("2026-02"))
        with pytest.raises(users.TeamFull):
            users.add_user(session, channel="slack", external_id="U2", role="partner", org=org,
                           now=NOW)
        assert session.scalars(select(User).where(User.org_id == org.id)).all() != []
        assert users.team_members(session, org) == 1
