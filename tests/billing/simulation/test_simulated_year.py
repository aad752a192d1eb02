"""A simulated billing year through the real services, checked against the independent reference.

The seeded scenario (scenario.py) onboards EUR and USD, direct- and partner-paid organizations on
monthly, quarterly and yearly cycles, with two catalogue plans with GST made by the plan
services; escalations are requested and resolved around month edges in Europe/Berlin through the
case and escalation services; license fees arrive on time, late and corrected; admins and
partners change plans and cycles; the scheduler closes months at 00:05 Berlin, except two
months caught up days later; admins record payments. After every event the desk is compared
with reference.py: the plan in force of every month, each escalation request's numbers, and
after each close every invoice line, total and status, and the onboarding blocks.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing.months import BillingMonth
from bot.scheduler import run_month_end
from desk import cases, invoices, orgs, plans, users
from desk.clock import FixedClock
from desk.context import DeskContext
from desk.plan_sql import in_force
from escalation import service
from store.db import transaction
from store.models import Case, Invoice, InvoiceLine, MonthClose, Organization, Plan, User
from tests.billing.simulation import scenario
from tests.billing.simulation.reference import Month, Org, PaymentRefused, Reference
from tests.billing.simulation.scenario import BERLIN, ENTERPRISE, SCALE, Event

SEED = 20260113
BEFORE = Month(2025, 12)


def bm(month: Month) -> str:
    return str(month)


def bm_month(month: Month) -> BillingMonth:
    return BillingMonth(month.year, month.month)


def money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


@dataclass
class Sim:
    """The desk and the reference side by side, with what the run has seen."""

    desk: DeskContext
    clock: FixedClock
    ref: Reference = field(default_factory=lambda: Reference(plans=scenario.PLANS, tz=BERLIN))
    org_ids: dict[str, int] = field(default_factory=dict)
    partners: dict[str, int] = field(default_factory=dict)
    agent_id: int = 0
    cases: dict[int, tuple[str, int]] = field(default_factory=dict)  # scenario case -> (org, id)
    seen: Counter[str] = field(default_factory=Counter)
    status_key: tuple[object, ...] = ()

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.desk.sessions

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.ref.date_of(self.now())


def make_plans(sim: Sim) -> None:
    """Enterprise first (Scale upgrades to it), as an admin would with the plan services."""
    now = sim.now()
    with transaction(sim.sessions) as session:
        for plan in (ENTERPRISE, SCALE):
            plans.add_plan(
                session, name=plan.name, display_name=plan.name.title(),
                free_escalations=plan.free_escalations,
                overflow_price=money(plan.overflow_cents),
                prices={key: money(cents) for key, cents in plan.prices.items()},
                gst_rate=plan.gst_percent, tam_kind="dedicated", now=now,
                auto_upgrade_above=(None if plan.upgrade_above_cents is None
                                    else money(plan.upgrade_above_cents)),
                auto_upgrade_to=plan.upgrade_to)
        agent = users.add_user(session, channel="console", external_id="sim-agent",
                               role="agent", name="Sim Agent", now=now)
        sim.agent_id = agent.id


# ------------------------------------------------------------------ events
def onboard(sim: Sim, spec: scenario.OrgSpec) -> None:
    now = sim.now()
    with transaction(sim.sessions) as session:
        org = orgs.create_org(session, name=spec.name, plan_name=spec.plan,
                              currency=spec.currency, billing_model=spec.billing_model,
                              now=now, tz=BERLIN, cycle=spec.cycle)
        partner = users.add_user(session, channel="console", external_id=f"sim-{spec.name}",
                                 role="partner", org=org, name=f"{spec.name} partner", now=now,
                                 tz=BERLIN)
        sim.org_ids[spec.name], sim.partners[spec.name] = org.id, partner.id
    sim.ref.add_org(Org(sim.org_ids[spec.name], spec.currency,
                        spec.billing_model == "direct-paid"))
    sim.ref.assign(sim.org_ids[spec.name], sim.ref.month_of(now), spec.plan, spec.cycle, now)


def escalate(sim: Sim, org_name: str, key: int) -> None:
    """A partner opens a case and asks to escalate it; confirms when the desk warns."""
    now, org_id = sim.now(), sim.org_ids[org_name]
    with transaction(sim.sessions) as session:
        partner = session.get(User, sim.partners[org_name])
        placed = cases.place_partner_message(
            session, partner=partner, channel="console", chat_id=f"sim-{org_name}",
            thread_key=str(key), text="The WhatsApp API rejects our template messages",
            language="en", now=now, tz=BERLIN, force_new=True)
        case_id = placed.case.id
    sim.cases[key] = (org_name, case_id)
    before = sim.ref.allowance_status(org_id, now)
    with transaction(sim.sessions) as session:
        asked = service.request(session, sim.desk, case_id=case_id,
                                user=session.get(User, sim.partners[org_name]), category="tech",
                                confirm=False, on_behalf=False, now=now)
    if before["warn"]:
        assert asked.status == service.NEEDS_CONFIRMATION, (org_name, now, before)
        sim.seen["confirmation asked"] += 1
        with transaction(sim.sessions) as session:
            asked = service.request(session, sim.desk, case_id=case_id,
                                    user=session.get(User, sim.partners[org_name]),
                                    category="tech", confirm=True, on_behalf=False, now=now)
    assert asked.status == service.REGISTERED, (org_name, now, asked.status, before)
    assert sim.ref.escalate(org_id, key, now)
    after = sim.ref.allowance_status(org_id, now)
    numbers = asked.numbers
    assert numbers is not None
    assert (numbers.allowance, numbers.counted, numbers.pending) == (
        after["allowance"], after["counted"], after["pending"]), (org_name, now)
    assert numbers.left_if_pending_resolved == after["left_if_all_resolved"]
    sim.seen["escalations"] += 1


def escalate_again(sim: Sim, key: int) -> None:
    org_name, case_id = sim.cases[key]
    now = sim.now()
    with transaction(sim.sessions) as session:
        asked = service.request(session, sim.desk, case_id=case_id,
                                user=session.get(User, sim.partners[org_name]), category="tech",
                                confirm=True, on_behalf=False, now=now)
    assert not sim.ref.escalate(sim.org_ids[org_name], key, now)
    assert asked.status in (service.ALREADY_ESCALATED, service.CASE_NOT_OPEN)
    sim.seen["asked twice"] += 1


def resolve(sim: Sim, key: int) -> None:
    _, case_id = sim.cases[key]
    now = sim.now()
    with transaction(sim.sessions) as session:
        case = session.get(Case, case_id)
        if case.status != "open":
            return
        cases.resolve(session, sim.desk, case=case, agent=session.get(User, sim.agent_id),
                      text="Fixed on our side", now=now)
    sim.ref.resolve(key, now)
    sim.seen["resolutions"] += 1


def reopen(sim: Sim, key: int) -> None:
    """Reopened by an agent and resolved again at once: a counted case stays counted."""
    _, case_id = sim.cases[key]
    now = sim.now()
    with transaction(sim.sessions) as session:
        case = session.get(Case, case_id)
        if case.status == "open":
            return
        agent = session.get(User, sim.agent_id)
        cases.reopen(session, case=case, agent=agent, now=now)
        cases.resolve(session, sim.desk, case=case, agent=agent, text="Again", now=now)
    sim.ref.resolve(key, now)  # the first resolution decided it: nothing changes
    sim.seen["reopened"] += 1


def fees(sim: Sim, org_name: str, month: Month, amount: Decimal) -> None:
    if org_name not in sim.org_ids:
        return
    now, org_id = sim.now(), sim.org_ids[org_name]
    before = sim.ref.plans_until(org_id, sim.ref.month_of(now) + 3, now)
    with transaction(sim.sessions) as session:
        org = orgs.get_org(session, org_name)
        orgs.set_license_fees(session, org, bm_month(month), amount, now=now, tz=BERLIN)
    sim.ref.set_fees(org_id, month, int(amount * 100), now)
    after = sim.ref.plans_until(org_id, sim.ref.month_of(now) + 3, now)
    if before != after:
        closed = sim.ref.closed_months(org_id, now)
        changed = min(m for m in after if before.get(m) != after.get(m))
        sim.seen["fees changed a plan"] += 1
        if month + 1 in closed:
            sim.seen["late fees after the next close changed a plan"] += 1
        if changed < sim.ref.month_of(now) + 1:
            sim.seen["a begun month upgraded"] += 1


def _pending_change(sim: Sim, org_id: int) -> bool:
    """Whether an explicit assignment is already planned after the current month."""
    return bool(sim.ref.planned_changes(org_id, sim.now()))


def change_plan(sim: Sim, org_name: str, plan: str, cycle: str, reason: str) -> None:
    """An admin's (or a partner's proactive) change, at the start of the next cycle."""
    if org_name not in sim.org_ids or _pending_change(sim, sim.org_ids[org_name]):
        return
    now, org_id = sim.now(), sim.org_ids[org_name]
    target = sim.ref.next_cycle_start(org_id, now)
    with transaction(sim.sessions) as session:
        org = orgs.get_org(session, org_name)
        assert str(plans.next_change_month(session, org, now, BERLIN)) == str(target)
        plans.assign(session, org, plans.get_plan(session, plan), bm_month(target), reason,
                     now, tz=BERLIN, cycle=cycle)
    sim.ref.assign(org_id, target, plan, cycle, now)
    sim.seen[f"plan changes ({cycle})"] += 1


def set_cycle(sim: Sim, org_name: str, cycle: str) -> None:
    if org_name not in sim.org_ids or _pending_change(sim, sim.org_ids[org_name]):
        return
    now, org_id = sim.now(), sim.org_ids[org_name]
    target = sim.ref.next_cycle_start(org_id, now)
    plan = sim.ref.plan_of(org_id, target, now)
    assert plan is not None
    if sim.ref.plans[plan].prices.get((cycle, sim.ref.orgs[org_id].currency)) is None:
        return  # Growth and Premium are monthly only (the CLI refuses it; tested elsewhere)
    with transaction(sim.sessions) as session:
        change = orgs.set_cycle(session, orgs.get_org(session, org_name), cycle, now=now,
                                tz=BERLIN)
    assert (str(change.month), change.plan) == (str(target), plan)
    current = sim.ref.cycle_of(org_id, target, now)
    if change.changed:
        sim.ref.assign(org_id, target, plan, cycle, now)
        sim.seen["cycle changes"] += 1
    else:
        assert current is not None and current[0] == cycle


def close(sim: Sim) -> None:
    """The scheduler's run: every ended month not yet closed (missed ones too)."""
    now = sim.now()
    report = run_month_end(sim.desk)
    closed = []
    month = scenario.YEAR[0]
    while month < sim.ref.month_of(now):
        closed.extend(sim.ref.close(month, now))
        month = month + 1
    assert sum(r.closed for r in report.closed) == len(closed)
    sim.seen["missed months caught up"] += sum(
        1 for r in report.closed if r.closed and now > scenario.first_instant(
            Month.parse(r.month) + 1) + timedelta(hours=1))
    check_invoices(sim)


def pay(sim: Sim, org_name: str, month: Month, part: int) -> None:
    """Pay the balance (part 1) or half of it (part 2), dated between issue and today."""
    if org_name not in sim.org_ids:
        return
    now, org_id = sim.now(), sim.org_ids[org_name]
    invoice = sim.ref.invoice(org_id, month)
    if invoice is None:
        sim.seen["payments before the (late) close"] += 1
        return
    balance = invoice.total - sim.ref.paid_cents(invoice.number, now)
    if balance <= 0:
        return
    cents = balance if part == 1 else max(1, balance // 2)
    span = (sim.today() - invoice.issue_date).days
    paid_on = date.fromordinal(invoice.issue_date.toordinal() + (cents % (span + 1)))
    with transaction(sim.sessions) as session:
        row = invoices.get_invoice(session, invoice.number)
        result = invoices.pay(session, sim.desk, row, money(cents), "transfer", paid_on,
                              now=now, actor="admin")
    sim.ref.pay(invoice.number, cents, paid_on, now)
    assert result.status == sim.ref.status(invoice.number, now)
    if result.block_lifted:
        sim.seen["blocks lifted by a payment"] += 1
    sim.seen["payments"] += 1


def overpay(sim: Sim, org_name: str, month: Month) -> None:
    """One cent more than the balance, or anything on a paid invoice: both refuse."""
    if org_name not in sim.org_ids:
        return
    now, org_id = sim.now(), sim.org_ids[org_name]
    invoice = sim.ref.invoice(org_id, month)
    if invoice is None:
        return
    cents = invoice.total - sim.ref.paid_cents(invoice.number, now) + 1
    with pytest.raises(PaymentRefused):
        sim.ref.pay(invoice.number, cents, sim.today(), now)
    with pytest.raises(invoices.PaymentRefused), transaction(sim.sessions) as session:
        invoices.pay(session, sim.desk, invoices.get_invoice(session, invoice.number),
                     money(cents), "card", None, now=now, actor="admin")
    sim.seen["overpayments refused"] += 1


HANDLERS = {"onboard": onboard, "escalate": escalate, "escalate_again": escalate_again,
            "resolve": resolve, "reopen": reopen, "fees": fees, "change_plan": change_plan,
            "set_cycle": set_cycle, "close": close, "pay": pay, "overpay": overpay,
            "probe": lambda sim: None}


# ------------------------------------------------------------------ checks
def check_plans(sim: Sim, *, every_month: bool = True) -> None:
    """The plan in force of every month (or, after an event that changes none of the
    derivation's inputs, of the months around today), as SQL reads plan_assignments
    (desk.plan_sql, what every desk reading uses), is the reference's."""
    now = sim.now()
    current = sim.ref.month_of(now)
    until = current + (3 if every_month else 1)
    expected = {org_id: sim.ref.plans_until(org_id, until, now)
                for org_id in sim.org_ids.values()}
    with transaction(sim.sessions) as session:
        names = {plan_id: name for plan_id, name in session.execute(select(Plan.id, Plan.name))}
        month = BEFORE if every_month else current - 1
        while month <= until:
            force = in_force(bm(month))
            stored = {org_id: names[plan_id] for org_id, plan_id in
                      session.execute(select(force.c.org_id, force.c.plan_id))}
            wanted = {org_id: e[month] for org_id, e in expected.items() if month in e}
            assert stored == wanted, f"plans of {month} at {now.isoformat()}"
            month = month + 1


def check_status(sim: Sim) -> None:
    """Every invoice's status today and every organization's onboarding block (again when the
    date, the invoices or the payments changed: nothing else moves them)."""
    now, today = sim.now(), sim.today()
    key = (today, len(sim.ref.invoices()), sim.seen["payments"])
    if key == sim.status_key:
        return
    sim.status_key = key
    with transaction(sim.sessions) as session:
        rows = session.scalars(select(Invoice)).all()
        statuses = {r.number: invoices.status(r, today) for r in rows}
        blocks = {}
        for org in session.scalars(select(Organization)):
            block = invoices.onboarding_block(session, org, today)
            blocks[org.id] = None if block is None else block.number
    assert statuses == {i.number: sim.ref.status(i.number, now) for i in sim.ref.invoices()}
    expected = {org_id: (sim.ref.onboarding_block(org_id, now) or [None])[0]
                for org_id in sim.org_ids.values()}
    assert blocks == expected, now
    sim.seen["overdue invoice days"] += sum(1 for s in statuses.values() if s == "overdue")
    sim.seen["blocked organization checks"] += sum(1 for b in blocks.values() if b)
    for org_id, direct in ((o.id, o.direct_paid) for o in sim.ref.orgs.values()):
        overdue = [i for i in sim.ref.invoices() if i.org_id == org_id
                   and statuses.get(i.number) == "overdue"]
        if direct and overdue and not blocks[org_id]:
            sim.seen["direct-paid, overdue, not blocked (no plan fee)"] += 1
        if not direct and any(i.plan_fee for i in overdue):
            sim.seen["partner-paid, overdue plan fee, not blocked"] += 1


def check_invoices(sim: Sim) -> None:
    """Every closed month, line by line: the month close row, the invoice and its lines."""
    with transaction(sim.sessions) as session:
        names = {plan_id: name for plan_id, name in session.execute(select(Plan.id, Plan.name))}
        closes = {(r.org_id, r.month): r for r in session.scalars(select(MonthClose))}
        rows = {(r.org_id, r.month): r for r in session.scalars(select(Invoice))}
        lines: dict[tuple[int, str], dict[str, InvoiceLine]] = {}
        for line in session.scalars(select(InvoiceLine)):
            lines.setdefault((line.org_id, line.month), {})[line.kind] = line
    expected = {(i.org_id, str(i.month)): i for i in sim.ref.invoices()}
    assert set(rows) == set(expected) == set(closes)
    for key, ref in expected.items():
        mc, inv, got = closes[key], rows[key], lines[key]
        assert (names[mc.plan_id], mc.billing_cycle, mc.allowance, mc.counted, mc.overflow,
                mc.overflow_price_cents, mc.charge_cents, mc.plan_fee_cents, mc.tax_cents,
                mc.escalations_processed) == (
            ref.plan, ref.cycle, ref.allowance, ref.counted, ref.overflow, ref.overflow_price,
            ref.charge, ref.plan_fee, ref.tax, ref.processed), key
        assert (inv.number, inv.issued_on, inv.due_on, inv.currency, inv.total_cents,
                inv.has_plan_fee, inv.escalations_processed) == (
            ref.number, ref.issue_date, ref.due_date, ref.currency, ref.total,
            ref.plan_fee > 0, ref.processed), key
        money_lines = {"plan_fee": "plan_fee", "escalation_overflow": "overflow", "gst": "gst"}
        shown = {money_lines[k]: li.amount_cents for k, li in got.items()
                 if k in money_lines and (li.amount_cents or k == "gst")}
        assert shown == ref.lines(), key
        assert got["escalations"].quantity == ref.processed, key
        if ref.overflow:
            assert (got["escalation_overflow"].quantity,
                    got["escalation_overflow"].unit_cents) == (ref.overflow, ref.overflow_price)
        assert all(li.currency == ref.currency for li in got.values()), key
        assert sum(li.amount_cents for li in got.values()) == ref.total, key


def tally(sim: Sim) -> None:
    """What the closed year billed, for the coverage assertions."""
    for invoice in sim.ref.invoices():
        if invoice.plan_fee and invoice.cycle != "monthly":
            sim.seen[f"{invoice.cycle} plan fees"] += 1
        if invoice.cycle != "monthly" and not invoice.plan_fee:
            sim.seen["cycle months without a plan fee"] += 1
        if invoice.tax:
            sim.seen["GST lines"] += 1
        if invoice.overflow:
            sim.seen["overflow lines"] += 1
        if invoice.total == 0:
            sim.seen["zero invoices"] += 1
        if invoice.total and not invoice.plan_fee:
            sim.seen["invoices without a plan fee to pay"] += 1
        if invoice.plan in ("premium", "enterprise") and invoice.plan != sim.ref.plan_of(
                invoice.org_id, invoice.month - 1, sim.now()):
            sim.seen["months billed on an upgraded plan"] += 1
        sim.seen[f"invoices in {invoice.currency}"] += 1


def run_year(sessions: sessionmaker[Session], seed: int) -> Sim:
    events = scenario.build(seed)
    clock = FixedClock(datetime(2026, 1, 2, 8, tzinfo=BERLIN))
    sim = Sim(DeskContext(sessions=sessions, clock=clock, billing_tz=BERLIN), clock)
    make_plans(sim)
    for event in events:
        step(sim, event)
    clock.set(events[-1].at)
    check_invoices(sim)
    tally(sim)
    return sim


PLAN_INPUTS = {"onboard", "fees", "change_plan", "set_cycle", "close", "probe"}


def step(sim: Sim, event: Event) -> None:
    sim.clock.set(event.at)
    HANDLERS[event.kind](sim, *event.args)
    check_plans(sim, every_month=event.kind in PLAN_INPUTS)
    check_status(sim)


def test_a_simulated_year_matches_the_independent_calculation(
        sessions: sessionmaker[Session]) -> None:
    started = time.monotonic()
    sim = run_year(sessions, SEED)
    seen = sim.seen
    print(f"\nsimulated year in {time.monotonic() - started:.1f} s: {dict(sorted(seen.items()))}")
    for what in ("escalations", "resolutions", "reopened", "asked twice", "confirmation asked",
                 "fees changed a plan", "late fees after the next close changed a plan",
                 "a begun month upgraded", "plan changes (monthly)", "plan changes (quarterly)",
                 "missed months caught up", "payments", "overpayments refused",
                 "blocks lifted by a payment", "quarterly plan fees", "yearly plan fees",
                 "cycle months without a plan fee", "GST lines", "overflow lines",
                 "zero invoices", "months billed on an upgraded plan", "invoices in EUR",
                 "invoices in USD", "overdue invoice days", "blocked organization checks",
                 "invoices without a plan fee to pay",
                 "direct-paid, overdue, not blocked (no plan fee)",
                 "partner-paid, overdue plan fee, not blocked"):
        assert seen[what] > 0, f"the simulated year never saw: {what}"
