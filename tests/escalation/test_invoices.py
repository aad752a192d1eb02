"""Invoices after the month close: status on a date, payments, the onboarding block and its end."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import locales
from billing.months import BillingMonth
from desk import invoices
from desk.context import DeskContext
from desk.invoices import PaymentRefused
from escalation.month_close import close_month
from store.db import make_engine, make_session_factory, transaction
from store.models import AuditEntry, Invoice, OutboxMessage, Payment, User

from .billing_builders import add_org, add_plan, invoice
from .conftest import World

UTC_TZ = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
MARCH = BillingMonth(2026, 3)


def close(sessions: sessionmaker[Session], month: BillingMonth = MARCH,
          grace_days: int = 0) -> None:
    close_month(sessions, month, month.end(UTC_TZ) + timedelta(minutes=5), UTC_TZ,
                grace_days=grace_days)


def overflow(world: World, org: int, count: int, month: BillingMonth = MARCH) -> None:
    partner = world.user(f"esc{org}-{month}", "partner", org)
    at = datetime(month.year, month.month, 5, tzinfo=UTC)
    for _ in range(count):
        world.escalation(org, world.case(org, partner, at), partner, at, str(month), str(month),
                         at)


def pay(desk: DeskContext, number: str, amount: str, method: str = "card",
        paid_on: date | None = None, now: datetime | None = None) -> invoices.PaymentResult:
    with transaction(desk.sessions) as s:
        found = invoices.get_invoice(s, number)
        return invoices.pay(s, desk, found, Decimal(amount), method, paid_on,
                            now=now or desk.clock.now(), actor="cli:test")


def status_on(sessions: sessionmaker[Session], number: str, today: date) -> str:
    with transaction(sessions) as s:
        return invoices.status(invoices.get_invoice(s, number), today)


def listed(sessions: sessionmaker[Session], wanted: str, today: date) -> list[str]:
    with transaction(sessions) as s:
        return [i.number for i in invoices.list_invoices(s, status_filter=wanted, today=today)]


@pytest.mark.parametrize("grace_days", [0, 7])
def test_an_unpaid_invoice_is_overdue_after_its_due_date(grace_days: int, world: World,
                                                         sessions) -> None:  # type: ignore[no-untyped-def]
    org = world.org("Due")
    close(sessions, grace_days=grace_days)
    number = invoice(sessions, org, "2026-03").number
    due = date(2026, 4, 1) + timedelta(days=grace_days)
    for today, expected in ((date(2026, 4, 1), "open"), (due, "open"),
                            (due + timedelta(days=1), "overdue"), (date(2026, 12, 1), "overdue")):
        assert status_on(sessions, number, today) == expected, today
        assert listed(sessions, expected, today) == [number]
        other = {"open": "overdue", "overdue": "open"}[expected]
        assert listed(sessions, other, today) == [] and listed(sessions, "paid", today) == []


def test_overdue_is_measured_on_the_billing_time_zone_date() -> None:
    late = datetime(2026, 4, 1, 22, 30, tzinfo=UTC)  # already 2 April in Berlin
    assert invoices.billing_today(late, UTC_TZ) == date(2026, 4, 1)
    assert invoices.billing_today(late, BERLIN) == date(2026, 4, 2)
    with pytest.raises(ValueError):
        invoices.billing_today(datetime(2026, 4, 1), UTC_TZ)


def test_payments_are_exact_and_refusals_change_nothing(world: World, sessions,
                                                        desk: DeskContext) -> None:  # type: ignore[no-untyped-def]
    org = world.org("Payer", currency="USD")
    overflow(world, org, 3)  # 500.00 + 25.00
    close(sessions)
    number = invoice(sessions, org, "2026-03").number
    desk.clock.set(datetime(2026, 4, 3, 12, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    refusals = [
        ("525.01", "card", None, "more than the balance"),
        ("0", "card", None, "more than 0"),
        ("-5", "card", None, "more than 0"),
        ("10.005", "card", None, "more than two decimals"),
        ("10", "cash", None, "unknown payment method"),
        ("10", "card", date(2026, 4, 4), "in the future"),
        ("10", "card", date(2026, 2, 28), "before 2026-03, the month invoice"),
    ]
    for amount, method, paid_on, message in refusals:
        with pytest.raises(PaymentRefused, match=message):
            pay(desk, number, amount, method, paid_on)
    with pytest.raises(PaymentRefused, match="exact decimal"), transaction(sessions) as s:
        invoices.pay(s, desk, invoices.get_invoice(s, number), 10.5, "card",  # type: ignore[arg-type]
                     now=desk.clock.now(), actor="t")
    assert invoice(sessions, org, "2026-03").paid_cents == 0
    first = pay(desk, number, "500.5", "transfer", date(2026, 4, 2))
    assert (first.status, first.invoice.paid_cents, first.invoice.paid_at) == \
        ("overdue", 50050, None)
    with pytest.raises(PaymentRefused, match=r"24\.51 USD is more than the balance .*24\.50 USD"):
        pay(desk, number, "24.51")
    last = pay(desk, number, "24.50")
    assert last.status == "paid" and last.invoice.paid_at == desk.clock.now()
    with pytest.raises(PaymentRefused, match="already paid"):
        pay(desk, number, "0.01")
    with transaction(sessions) as s:
        rows = [(p.amount_cents, p.method, p.paid_on, p.actor)
                for p in s.scalars(select(Payment).order_by(Payment.id))]
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.pay")
                            .order_by(AuditEntry.id)).all()
    assert rows == [(50050, "transfer", date(2026, 4, 2), "cli:test"),
                    (2450, "card", date(2026, 4, 3), "cli:test")]
    assert [(a.entity_id, a.details["amount"], a.details["status"]) for a in audited] == \
        [(number, "500.50", "overdue"), (number, "24.50", "paid")]


def test_the_payment_date_is_checked_on_the_billing_time_zone(world: World, sessions,
                                                              desk: DeskContext) -> None:  # type: ignore[no-untyped-def]
    org = world.org("Zoned")
    close(sessions)
    number = invoice(sessions, org, "2026-03").number
    desk.clock.set(datetime(2026, 4, 1, 22, 30, tzinfo=UTC))  # type: ignore[attr-defined]
    with pytest.raises(PaymentRefused, match="in the future"):
        pay(desk, number, "1", paid_on=date(2026, 4, 2))
    desk.billing_tz = BERLIN  # 2 April already
    assert pay(desk, number, "1", paid_on=date(2026, 4, 2)).payment.paid_on == date(2026, 4, 2)
    assert pay(desk, number, "1").payment.paid_on == date(2026, 4, 2)  # default: today there


def test_a_zero_total_invoice_is_paid_at_issue(world: World, sessions,
                                               desk: DeskContext) -> None:  # type: ignore[no-untyped-def]
    add_plan(sessions, "free", {("monthly", "EUR"): 0})
    org = add_org(sessions, "Gratis", "free", since="2026-03")
    close(sessions)
    found = invoice(sessions, org, "2026-03")
    assert found.total_cents == 0 and found.paid_at is not None
    assert status_on(sessions, found.number, date(2030, 1, 1)) == "paid"
    with pytest.raises(PaymentRefused, match="already paid"):
        pay(desk, found.number, "1")


def test_invoice_numbers_are_found_in_any_case(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    org = world.org("Numbered")
    close(sessions)
    number = invoice(sessions, org, "2026-03").number
    with transaction(sessions) as s:
        assert invoices.get_invoice(s, f"  {number.lower()} ").number == number
        assert invoices.find_invoice(s, "INV-1999-01-0001") is None
        with pytest.raises(invoices.InvoiceNotFound, match="unknown invoice"):
            invoices.get_invoice(s, "nope")
        with pytest.raises(invoices.Invalid, match="unknown invoice status"):
            invoices.list_invoices(s, status_filter="late", today=date(2026, 4, 1))


def block_of(sessions: sessionmaker[Session], org: int, today: date) -> str | None:
    with transaction(sessions) as s:
        from store.models import Organization

        found = invoices.onboarding_block(s, s.get(Organization, org), today)
        return found.number if found is not None else None


def test_only_an_overdue_plan_invoice_of_a_direct_paid_org_blocks(world: World,
                                                                  sessions) -> None:  # type: ignore[no-untyped-def]
    add_plan(sessions, "quarterly", {("quarterly", "EUR"): 90000}, free=0)
    direct = add_org(sessions, "Direct", billing_model="direct-paid", since="2026-03")
    partner_paid = add_org(sessions, "PartnerPaid", since="2026-03")
    mid_cycle = add_org(sessions, "MidCycle", "quarterly", since="2026-02", cycle="quarterly",
                        billing_model="direct-paid")
    overflow(world, mid_cycle, 2)  # March: no plan fee, 50.00 of overflow
    close(sessions)
    assert invoice(sessions, mid_cycle, "2026-03").has_plan_fee is False
    number = invoice(sessions, direct, "2026-03").number
    assert block_of(sessions, direct, date(2026, 4, 1)) is None  # due today, not overdue yet
    assert block_of(sessions, direct, date(2026, 4, 2)) == number
    assert block_of(sessions, partner_paid, date(2026, 4, 2)) is None  # never blocked
    assert status_on(sessions, invoice(sessions, partner_paid, "2026-03").number,
                     date(2026, 4, 2)) == "overdue"
    assert block_of(sessions, mid_cycle, date(2026, 4, 2)) is None  # overflow only


def partner_messages(sessions: sessionmaker[Session]) -> list[tuple[int | None, str, str]]:
    with transaction(sessions) as s:
        return [(m.recipient_user_id, m.key, m.language) for m in
                s.scalars(select(OutboxMessage).where(OutboxMessage.key == invoices.BLOCK_LIFTED)
                          .order_by(OutboxMessage.id))]


def test_the_payment_that_lifts_the_block_is_told_to_the_partners(world: World, sessions,
                                                                  desk: DeskContext) -> None:  # type: ignore[no-untyped-def]
    org = add_org(sessions, "Blocked", billing_model="direct-paid", since="2026-03")
    ana = world.user("ana", "partner", org, language="de")
    bob = world.user("bob", "partner", org, language=None)
    gone = world.user("gone", "partner", org)
    with transaction(sessions) as s:
        s.get(User, gone.id).removed_at = datetime(2026, 3, 20, tzinfo=UTC)
    world.user("agent", "agent")
    other = add_org(sessions, "Other", billing_model="direct-paid", since="2026-03")
    world.user("other", "partner", other)
    close(sessions)
    close(sessions, BillingMonth(2026, 4))
    march, april = (invoice(sessions, org, m).number for m in ("2026-03", "2026-04"))
    desk.clock.set(datetime(2026, 5, 10, tzinfo=UTC))  # type: ignore[attr-defined]
    today = date(2026, 5, 10)
    assert block_of(sessions, org, today) == march  # the oldest overdue plan invoice
    assert not pay(desk, march, "499.99").block_lifted
    assert not pay(desk, march, "0.01").block_lifted  # April still blocks
    assert block_of(sessions, org, today) == april
    assert partner_messages(sessions) == []
    result = pay(desk, april, "500")
    assert (result.block_lifted, result.partners_told) == (True, 2)
    assert block_of(sessions, org, today) is None
    assert partner_messages(sessions) == [(ana.id, invoices.BLOCK_LIFTED, "de"),
                                          (bob.id, invoices.BLOCK_LIFTED, "en")]
    with transaction(sessions) as s:
        message = s.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient_user_id == ana.id)).one()
        text = locales.render(message.key, message.params, message.language)
    assert april in text and "Onboarding" in text and "April 2026" in text
    assert block_of(sessions, other, today) is not None  # the other organization stays blocked


@pytest.mark.timeout(120)
def test_two_payments_at_once_never_overpay(world: World, sessions, db_url: str,
                                            desk: DeskContext) -> None:  # type: ignore[no-untyped-def]
    org = world.org("Race")
    close(sessions)
    number = invoice(sessions, org, "2026-03").number
    engines = [make_engine(db_url) for _ in range(4)]
    results: list[object] = []
    start = threading.Barrier(len(engines))

    def run(index: int) -> None:
        racer = DeskContext(sessions=make_session_factory(engines[index]), clock=desk.clock)
        start.wait(30)
        try:
            results.append(pay(racer, number, "300"))
        except PaymentRefused as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    for e in engines:
        e.dispose()
    assert len(results) == len(engines)
    assert sum(isinstance(r, invoices.PaymentResult) for r in results) == 1
    assert all(isinstance(r, invoices.PaymentResult | PaymentRefused) for r in results)
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
        assert s.scalars(select(Invoice)).one().paid_cents == 30000


@pytest.mark.parametrize("grace_days", [0, 7])
def test_the_scheduler_issues_invoices_due_after_the_configured_grace(
        grace_days: int, world: World, sessions, desk: DeskContext) -> None:  # type: ignore[no-untyped-def]
    from bot.scheduler import run_month_end

    org = world.org("Scheduled", since="2026-03")
    desk.invoice_grace_days = grace_days
    desk.clock.set(datetime(2026, 4, 1, 0, 5, tzinfo=UTC))  # type: ignore[attr-defined]
    report = run_month_end(desk)
    assert [(r.month, r.invoices) for r in report.closed] == [("2026-03", 1)]
    assert invoice(sessions, org, "2026-03").due_on == date(2026, 4, 1 + grace_days)


def test_invoice_grace_days_setting_defaults_to_0_and_refuses_negatives(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.settings import SettingsError, load_settings
    from bot.wiring import build_desk

    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    monkeypatch.delenv("INVOICE_GRACE_DAYS", raising=False)
    assert load_settings().invoice_grace_days == 0
    monkeypatch.setenv("INVOICE_GRACE_DAYS", "14")
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'desk.db'}")
    assert build_desk(settings).invoice_grace_days == 14
    for bad, message in (("-1", "greater than or equal to 0"), ("soon", "valid integer"),
                         ("366", "less than or equal to 365")):
        monkeypatch.setenv("INVOICE_GRACE_DAYS", bad)
        with pytest.raises(SettingsError, match=f"INVOICE_GRACE_DAYS: .*{message}"):
            load_settings()
