"""Targets are data: durations parsed strictly, shown per plan and severity, set with an audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from desk.errors import Invalid, NotFound
from desk.first_response import plan_at_opening, refresh_due
from sla import targets
from store.db import transaction
from store.models import AuditEntry, Plan, PlanPrice
from tests.sla.helpers import add_org, get_case, open_case

DEFAULTS = {("premium", 1): 30, ("premium", 2): 120, ("premium", 3): 480,
            ("growth", 1): 60, ("growth", 2): 240, ("growth", 3): 1440}


@pytest.mark.parametrize(("text", "minutes"), [
    ("30m", 30), ("1h", 60), ("2h30m", 150), ("1d", 1440), ("1d6h", 1800), (" 45M ", 45),
    ("90min", 90), ("1h 5m", 65), ("30d", 43200),
])
def test_parse_duration(text, minutes):
    assert targets.parse_duration(text) == minutes
    assert targets.parse_duration(targets.format_duration(minutes)) == minutes


@pytest.mark.parametrize("text", ["", "30", "0m", "1x", "m", "h1", "1.5h", "-1h", "31d",
                                  "1m1h", "soon", "1h-30m"])
def test_bad_duration_is_invalid(text):
    with pytest.raises(Invalid, match="duration"):
        targets.parse_duration(text)


def test_format_duration():
    assert [targets.format_duration(m) for m in (30, 60, 150, 1440, 1501)] == [
        "30m", "1h", "2h30m", "1d", "1d1h1m"]


def test_show_lists_the_seeded_defaults(sessions):
    with transaction(sessions) as s:
        rows = targets.show(s)
    assert {(r.plan, r.severity): r.minutes for r in rows} == DEFAULTS
    assert all(r.own for r in rows)
    assert [r.plan for r in rows][:3] == ["premium"] * 3  # priority plans first


def test_set_changes_the_due_time_of_new_cases_only(desk, clock):
    org = add_org(desk, "Acme", "growth")
    before = open_case(desk, org, 1)
    with transaction(desk.sessions) as s:
        row = targets.set_target(s, "Growth", "1", "2h", actor="cli", now=clock.now())
    assert (row.plan, row.severity, row.minutes) == ("growth", 1, 120)
    after = open_case(desk, org, 1)
    assert get_case(desk, before).sla_due_at == clock.now() + timedelta(hours=1)
    assert get_case(desk, after).sla_due_at == clock.now() + timedelta(hours=2)
    assert get_case(desk, after).sla_reminder_at == clock.now() + timedelta(minutes=90)
    with transaction(desk.sessions) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "sla.target_set")).one()
        assert (entry.actor, entry.entity_id) == ("cli", "growth")
        assert entry.details == {"severity": 1, "old_minutes": 60, "minutes": 120}


@pytest.mark.parametrize(("plan", "severity", "duration", "error", "match"), [
    ("platinum", 1, "1h", NotFound, "platinum"),
    ("growth", 4, "1h", Invalid, "severity"),
    ("growth", "one", "1h", Invalid, "severity"),
    ("growth", 1, "an hour", Invalid, "duration"),
])
def test_set_refuses_bad_input(sessions, clock, plan, severity, duration, error, match):
    with transaction(sessions) as s, pytest.raises(error, match=match):
        targets.set_target(s, plan, severity, duration, actor="cli", now=clock.now())
    with transaction(sessions) as s:
        assert {(r.plan, r.severity): r.minutes for r in targets.show(s)} == DEFAULTS


def test_plan_without_targets_gets_the_most_lenient_one(desk, clock):
    with transaction(desk.sessions) as s:
        s.add(Plan(name="startup", display_name="Startup", free_escalations=1,
                   overflow_price_cents=2500, tam_kind="community", queue_priority=0,
                   beta_access="on_request", hidden=False, archived=False,
                   created_at=clock.now(),
                   prices=[PlanPrice(cycle="monthly", currency="EUR", amount_cents=10000)]))
    org = add_org(desk, "Tiny", "startup")
    case_id = open_case(desk, org, 2)
    assert get_case(desk, case_id).sla_due_at == clock.now() + timedelta(hours=4)
    with transaction(desk.sessions) as s:
        shown = {(r.plan, r.severity): (r.minutes, r.own) for r in targets.show(s)}
    assert shown[("startup", 2)] == (240, False)
    with transaction(desk.sessions) as s:
        targets.set_target(s, "startup", 2, "3d", actor="cli", now=clock.now())
    later = open_case(desk, org, 2)
    assert get_case(desk, later).sla_due_at == clock.now() + timedelta(days=3)


def test_target_of_the_plan_in_force_in_the_opening_month(desk, clock):
    """An upgrade effective next month does not change this month's cases."""
    org = add_org(desk, "Acme", "growth")
    with transaction(desk.sessions) as s:
        from store.models import PlanAssignment

        premium = s.scalar(select(Plan.id).where(Plan.name == "premium"))
        s.add(PlanAssignment(org_id=org.id, plan_id=premium, effective_month="2026-04",
                             reason="auto-upgrade", created_at=clock.now()))
    march = open_case(desk, org, 1)
    assert get_case(desk, march).sla_due_at == clock.now() + timedelta(hours=1)
    clock.advance(days=30)  # April
    april = open_case(desk, org, 1)
    assert get_case(desk, april).sla_due_at == clock.now() + timedelta(minutes=30)
    with transaction(desk.sessions) as s:  # a severity change in April keeps March's plan
        case = s.get(type(get_case(desk, march)), march)
        assert plan_at_opening(s, case).name == "growth"
        case.severity = 2
        refresh_due(s, case, clock.now())
        assert case.sla_due_at == case.opened_at + timedelta(hours=4)
