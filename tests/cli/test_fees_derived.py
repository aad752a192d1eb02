"""License fees change the plan of the next month not yet closed at once: no job, no gap."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from billing.derivation import derive_plans, horizon
from billing.months import BillingMonth
from desk import orgs, plans
from desk.context import DeskContext
from desk.derived_plans import history
from escalation.month_close import close_month
from escalation.service import numbers
from store.db import transaction
from store.models import AuditEntry, MonthClose, OutboxMessage, Plan

# The test clock stands at 2026-03-10 09:00 UTC (billing time zone UTC): March is current.


def M(text: str) -> BillingMonth:
    return BillingMonth.parse(text)


def add_acme(run_json: Any) -> None:
    run_json("org", "add", "Acme", "--currency", "EUR", "--billing-model", "partner-paid")


def plan_of(desk: DeskContext, month: str) -> str | None:
    with transaction(desk.sessions) as session:
        org = orgs.get_org(session, "Acme")
        plan = plans.plan_in_force(session, org.id, month)
        return None if plan is None else plan.name


def test_fees_above_the_threshold_upgrade_the_next_month_at_once(run_json: Any,
                                                                 desk: DeskContext) -> None:
    add_acme(run_json)
    low = run_json("fees", "set", "Acme", "--month", "2026-03", "--amount", "500")
    assert (low["amount"], low["plan_changes"]) == ("500.00", [])
    high = run_json("fees", "set", "Acme", "--month", "2026-03", "--amount", "575.00")
    assert (high["amount"], high["previous"], high["currency"]) == ("575.00", "500.00", "EUR")
    assert high["plan_changes"] == [{"month": "2026-04", "before": "growth", "after": "premium"}]
    # No month close has run: April's plan is Premium already, March stays Growth.
    assert (plan_of(desk, "2026-03"), plan_of(desk, "2026-04")) == ("growth", "premium")
    assert run_json("org", "show", "Acme", "--month", "2026-03")["license_fees"] == "575.00"
    assert run_json("fees", "list", "Acme")["fees"] == [{"month": "2026-03", "amount": "575.00"}]


def test_the_new_month_has_its_plan_from_its_first_instant(run_json: Any,
                                                           desk: DeskContext) -> None:
    """Issue #13: at 1 April 00:03, before any close, April's allowance is Premium's 5."""
    add_acme(run_json)
    run_json("fees", "set", "Acme", "--month", "2026-03", "--amount", "575")
    desk.clock.set(datetime(2026, 4, 1, 0, 3, tzinfo=UTC))  # type: ignore[attr-defined]
    with transaction(desk.sessions) as session:
        org = orgs.get_org(session, "Acme")
        april = numbers(session, org.id, "2026-04")
        assert not session.scalars(select(MonthClose)).all()
    assert april.allowance == 5 and not april.needs_confirmation


def test_text_says_which_month_changes_and_why_not(run: Any, run_json: Any) -> None:
    add_acme(run_json)
    out = run("fees", "set", "Acme", "--month", "2026-03", "--amount", "900").stdout
    assert "Acme is on premium from 2026-04 (was growth)" in out
    assert "month close" not in out
    out = run("fees", "set", "Acme", "--month", "2026-03", "--amount", "450").stdout
    assert "(was 900.00)" in out and "Acme is on growth from 2026-04 (was premium)" in out
    out = run("fees", "set", "Acme", "--month", "2026-02", "--amount", "900").stdout
    assert "Acme had no plan in 2026-02: no plan changes" in out
    out = run("fees", "set", "Acme", "--month", "2026-03", "--amount", "500").stdout
    assert "not above the Growth threshold of 500.00 EUR: no plan changes" in out


def test_late_fees_upgrade_the_first_month_not_yet_closed(run: Any, run_json: Any,
                                                          desk: DeskContext) -> None:
    """Issue #13: fees recorded after the next month was closed no longer vanish."""
    add_acme(run_json)
    desk.clock.set(datetime(2026, 5, 2, 8, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    for month in ("2026-03", "2026-04"):
        close_month(desk.sessions, M(month), desk.clock.now(), desk.billing_tz)
    out = run("fees", "set", "Acme", "--month", "2026-03", "--amount", "900").stdout
    assert "Acme is on premium from 2026-05 (was growth); 2026-04 already closed" in out
    doc = run_json("fees", "set", "Acme", "--month", "2026-03", "--amount", "900")
    assert doc["plan_changes"] == []
    assert [plan_of(desk, m) for m in ("2026-04", "2026-05")] == ["growth", "premium"]
    assert [plan_of(desk, m) for m in ("2026-03", "2026-04", "2026-05", "2026-06")] == \
        ["growth", "growth", "premium", "premium"]
    out = run("fees", "set", "Acme", "--month", "2026-03", "--amount", "901").stdout
    assert "no month not yet closed changes" in out
    with transaction(desk.sessions) as session:
        corrections = [e.details for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "fees.set")
            .order_by(AuditEntry.id))]
    assert [(d["previous_cents"], d["amount_cents"]) for d in corrections] == \
        [(None, 90000), (90000, 90000), (90000, 90100)]


def test_partners_and_managers_are_told_of_the_upgrade(run_json: Any,
                                                       desk: DeskContext) -> None:
    add_acme(run_json)
    run_json("user", "add", "--channel", "telegram", "--id", "501", "--role", "partner",
             "--org", "Acme", "--name", "Ana", "--language", "pt-BR")
    run_json("user", "add", "--channel", "telegram", "--id", "502", "--role", "manager",
             "--name", "Max", "--language", "de")
    run_json("user", "add", "--channel", "telegram", "--id", "503", "--role", "agent",
             "--name", "Aga")
    doc = run_json("fees", "set", "Acme", "--month", "2026-03", "--amount", "575")
    assert doc["notified"] == 2
    with transaction(desk.sessions) as session:
        sent = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.chat_id, m.key, m.language) for m in sent] == [
            ("501", "plan.upgraded", "pt-BR"), ("502", "plan.upgraded", "de")]
        assert json.loads(json.dumps(sent[0].params))["org"] == "Acme"


def _check_invariant(desk: DeskContext, until: BillingMonth) -> None:
    """Every month's plan as SQL reads it equals the pure derivation; closed months keep the
    plan they were billed with."""
    with transaction(desk.sessions) as session:
        org = orgs.get_org(session, "Acme")
        facts = history(session, org.id)
        derived = derive_plans(facts, max(until, horizon(facts, until)))
        closed = {BillingMonth.parse(m): p for m, p in session.execute(
            select(MonthClose.month, Plan.name).join(Plan, Plan.id == MonthClose.plan_id)
            .where(MonthClose.org_id == org.id))}
        month = M("2026-01")
        while month <= max(derived, default=month):
            stored = plans.plan_in_force(session, org.id, month)
            assert (None if stored is None else stored.name) == derived.get(month), month
            if month in closed:
                assert closed[month] == derived[month], month
            month = month.next()


def test_no_month_ever_gets_another_plan_than_the_derivation(run_json: Any,
                                                             desk: DeskContext) -> None:
    """Property: random fees, corrections, admin assignments and closes, checked after each."""
    add_acme(run_json)
    rng = random.Random(1304)
    clock = desk.clock
    for _step in range(60):
        now = clock.now()
        current = BillingMonth.of(now, desk.billing_tz)
        action = rng.choice(("fees", "fees", "fees", "assign", "advance", "close"))
        with transaction(desk.sessions) as session:
            org = orgs.get_org(session, "Acme")
            if action == "fees":
                month = M("2026-03")
                for _ in range(rng.randint(0, 8)):
                    month = month.next()
                amount = Decimal(rng.choice(("0", "499.99", "500", "500.01", "575", "1200")))
                orgs.set_license_fees(session, org, month, amount, now=now,
                                      tz=desk.billing_tz)
            elif action == "assign":
                target = current.next()
                for _ in range(rng.randint(0, 3)):
                    target = target.next()
                plan = plans.get_plan(session, rng.choice(("growth", "premium")))
                plans.assign(session, org, plan, target, "admin", now, tz=desk.billing_tz)
        if action == "advance":
            clock.set(now + timedelta(days=rng.randint(3, 40)))  # type: ignore[attr-defined]
        elif action == "close":
            month = M("2026-03")
            while month.end(desk.billing_tz) <= now:
                close_month(desk.sessions, month, now, desk.billing_tz)
                month = month.next()
        _check_invariant(desk, current.next())
    with transaction(desk.sessions) as session:
        assert session.scalars(select(MonthClose)).all(), "the walk closed some months"
