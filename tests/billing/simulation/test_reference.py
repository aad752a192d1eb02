"""The independent reference model on the examples of DOMAIN.md and docs/billing.md."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.billing.simulation.reference import (
    GROWTH,
    PREMIUM,
    CloseRefused,
    Month,
    Org,
    PaymentRefused,
    Plan,
    Reference,
    half_up_cents,
)

BERLIN = ZoneInfo("Europe/Berlin")
JAN, FEB, MAR, APR = (Month(2026, m) for m in (1, 2, 3, 4))
SCALE = Plan("scale", 3, 4000, {("quarterly", "EUR"): 120000, ("quarterly", "USD"): 130000,
                                ("yearly", "EUR"): 400000, ("monthly", "EUR"): 45000},
             gst_percent=Decimal("10"))


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def world(currency: str = "EUR", direct_paid: bool = True, tz: str = "UTC") -> Reference:
    ref = Reference(plans={p.name: p for p in (GROWTH, PREMIUM, SCALE)}, tz=ZoneInfo(tz))
    ref.add_org(Org(7, currency, direct_paid))
    return ref


def test_the_reference_imports_only_the_standard_library() -> None:
    source = Path(__file__).with_name("reference.py").read_text(encoding="utf-8")
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            roots.add((node.module or "").split(".")[0])
    assert not roots & {"billing", "desk", "escalation", "store", "sla", "handlers", "bot"}
    assert roots <= set(sys.stdlib_module_names) | {"__future__"}


def test_seed_example_490_then_575_moves_to_premium_from_m3() -> None:
    ref = world()
    ref.assign(7, JAN, "growth", "monthly", t(2026, 1, 1))
    ref.set_fees(7, JAN, 49000, t(2026, 2, 2))
    assert [ref.plan_of(7, m, t(2026, 2, 2)) for m in (JAN, FEB, MAR)] == ["growth"] * 3
    ref.set_fees(7, FEB, 57500, t(2026, 2, 20))  # recorded before February ends
    assert ref.plan_of(7, FEB, t(2026, 2, 20)) == "growth"
    assert ref.plan_of(7, MAR, t(2026, 2, 20)) == "premium"
    assert ref.plan_of(7, MAR, t(2026, 2, 19)) == "growth"  # the state before the fees
    assert ref.plan_of(7, APR, t(2026, 2, 20)) == "premium"  # an upgrade stays
    assert ref.plan_of(7, Month(2025, 12), t(2026, 2, 20)) is None  # before the first assignment


def test_exactly_500_does_not_upgrade() -> None:
    ref = world()
    ref.assign(7, JAN, "growth", "monthly", t(2026, 1, 1))
    ref.set_fees(7, JAN, 50000, t(2026, 1, 20))
    assert ref.plan_of(7, FEB, t(2026, 1, 20)) == "growth"
    ref.set_fees(7, JAN, 50001, t(2026, 1, 21))
    assert ref.plan_of(7, FEB, t(2026, 1, 21)) == "premium"


def test_late_fees_upgrade_the_next_month_while_it_is_not_closed() -> None:
    ref = world()
    ref.assign(7, JAN, "growth", "monthly", t(2026, 1, 1))
    ref.close(JAN, t(2026, 2, 1, 0, 5))
    ref.set_fees(7, JAN, 90000, t(2026, 2, 10))  # February has begun: it still upgrades
    assert ref.plan_of(7, JAN, t(2026, 2, 10)) == "growth"  # closed months keep their plan
    assert ref.plan_of(7, FEB, t(2026, 2, 10)) == "premium"
    assert ref.allowance_status(7, t(2026, 2, 10))["allowance"] == 5


def test_late_fees_after_the_next_close_upgrade_the_first_month_not_closed() -> None:
    ref = world()
    ref.assign(7, JAN, "growth", "monthly", t(2026, 1, 1))
    ref.close(JAN, t(2026, 2, 1, 0, 5))
    ref.close(FEB, t(2026, 3, 1, 0, 5))
    ref.set_fees(7, JAN, 90000, t(2026, 3, 3))
    at = t(2026, 3, 3)
    assert [ref.plan_of(7, m, at) for m in (JAN, FEB, MAR, APR)] == [
        "growth", "growth", "premium", "premium"]


def test_the_walk_back_stops_after_an_explicit_assignment() -> None:
    ref = world()
    ref.assign(7, JAN, "growth", "monthly", t(2026, 1, 1))
    ref.assign(7, FEB, "growth", "monthly", t(2026, 1, 15))  # an admin's newer decision
    ref.close(JAN, t(2026, 2, 1, 0, 5))
    ref.close(FEB, t(2026, 3, 1, 0, 5))
    ref.set_fees(7, JAN, 90000, t(2026, 3, 3))
    assert ref.plan_of(7, MAR, t(2026, 3, 3)) == "growth"
    ref.set_fees(7, FEB, 60000, t(2026, 3, 4))  # February's own fees still count
    assert ref.plan_of(7, MAR, t(2026, 3, 4)) == "premium"


def test_a_correction_takes_the_upgrade_back_from_months_not_closed() -> None:
    ref = world()
    ref.assign(7, JAN, "growth", "monthly", t(2026, 1, 1))
    ref.set_fees(7, JAN, 90000, t(2026, 1, 30))
    ref.close(JAN, t(2026, 2, 1, 0, 5))
    assert ref.plan_of(7, FEB, t(2026, 2, 2)) == "premium"
    ref.set_fees(7, JAN, 40000, t(2026, 2, 3))
    assert ref.plan_of(7, FEB, t(2026, 2, 3)) == "growth"
    assert ref.fees(7, JAN, t(2026, 2, 2)) == 90000  # both values stay in the history
    # corrected after February closed on Premium: February keeps it, March follows it
    ref.set_fees(7, JAN, 95000, t(2026, 2, 4))
    ref.close(FEB, t(2026, 3, 1, 0, 5))
    ref.set_fees(7, JAN, 10000, t(2026, 3, 2))
    assert ref.plan_of(7, FEB, t(2026, 3, 2)) == "premium"
    assert ref.plan_of(7, MAR, t(2026, 3, 2)) == "premium"


def test_an_explicit_assignment_wins_over_the_upgrade_for_its_month() -> None:
    ref = world()
    ref.assign(7, JAN, "growth", "monthly", t(2026, 1, 1))
    ref.assign(7, MAR, "growth", "monthly", t(2026, 2, 5))
    ref.set_fees(7, FEB, 57500, t(2026, 2, 20))
    at = t(2026, 2, 20)
    assert [ref.plan_of(7, m, at) for m in (FEB, MAR, APR)] == ["growth", "growth", "growth"]
    ref.set_fees(7, MAR, 70000, t(2026, 2, 21))
    assert ref.plan_of(7, APR, t(2026, 2, 21)) == "premium"


def test_a_month_close_bills_plan_fee_and_overflow_and_counts_in_the_billing_zone() -> None:
    ref = world(tz="Europe/Berlin")
    ref.assign(7, JAN, "growth", "monthly", t(2025, 12, 20))
    events = [("esc", 4, t(2025, 12, 31, 23, 30)),  # 00:30 Berlin on 1 January: counts
              ("res", 4, t(2026, 1, 3)),
              ("esc", 0, t(2026, 1, 5)), ("res", 0, t(2026, 1, 6)),
              ("esc", 1, t(2026, 1, 7)), ("res", 1, t(2026, 1, 8)),
              ("esc", 2, t(2026, 1, 9)), ("esc", 3, t(2026, 1, 10)),
              ("res", 2, t(2026, 1, 31, 22, 59)),  # 23:59 Berlin: January, counts
              ("res", 3, t(2026, 1, 31, 23, 1))]  # 00:01 Berlin, 1 February: never counts
    for kind, case, at in events:
        if kind == "esc":
            assert ref.escalate(7, case, at)
        else:
            ref.resolve(case, at)
    assert not ref.escalate(7, 0, t(2026, 1, 31, 23, 2))  # one escalation per case
    with pytest.raises(CloseRefused):
        ref.close(JAN, t(2026, 1, 31, 22, 59))  # 23:59 in Berlin: January has not ended
    (invoice,) = ref.close(JAN, t(2026, 1, 31, 23, 5))  # 00:05 Berlin
    assert (invoice.counted, invoice.allowance, invoice.overflow) == (4, 2, 2)
    assert invoice.lines() == {"plan_fee": 50000, "overflow": 5000}
    assert invoice.total == 55000
    assert invoice.number == "INV-2026-01-0007"
    assert invoice.issue_date == date(2026, 2, 1) == invoice.due_date
    assert ref.close(JAN, t(2026, 2, 1, 12)) == []  # exactly once


def test_quarterly_cycle_bills_its_fee_in_its_first_month_with_gst_half_up() -> None:
    ref = world()
    ref.assign(7, FEB, "scale", "quarterly", t(2026, 1, 20))
    assert ref.plan_of(7, JAN, t(2026, 1, 20)) is None
    months = [FEB + i for i in range(7)]
    invoices = {}
    case = 0
    for m in months:
        if m == Month(2026, 3):  # 4 resolved escalations in March: 1 over the 3 free
            for day in range(2, 6):
                ref.escalate(7, case, datetime(2026, 3, day, tzinfo=UTC))
                ref.resolve(case, datetime(2026, 3, day, 1, tzinfo=UTC))
                case += 1
        (invoices[m],) = ref.close(m, ref.first_instant(m + 1))
    fees = {m: invoices[m].plan_fee for m in months}
    assert fees == {FEB: 120000, MAR: 0, APR: 0, Month(2026, 5): 120000, Month(2026, 6): 0,
                    Month(2026, 7): 0, Month(2026, 8): 120000}
    assert invoices[FEB].lines() == {"plan_fee": 120000, "gst": 12000}
    assert invoices[MAR].lines() == {"overflow": 4000, "gst": 400}
    assert invoices[APR].lines() == {"gst": 0} and invoices[APR].total == 0
    assert ref.status(invoices[APR].number, t(2026, 6, 1)) == "paid"  # zero total: paid


def test_gst_rounds_half_up_to_the_cent() -> None:
    assert half_up_cents(Decimal("10") * 12345 / 100) == 1235  # 1234.5 -> 1235, not 1234
    assert half_up_cents(Decimal("19") * 2500 / 100) == 475
    assert half_up_cents(Decimal("7.7") * 4005 / 100) == 308  # 308.385
    assert half_up_cents(Decimal("2.5") * 2500 / 100) == 63  # 62.5
    plan = Plan("odd", 0, 1234, {("monthly", "USD"): 12345}, gst_percent=Decimal("10"))
    ref = Reference(plans={"odd": plan})
    ref.add_org(Org(3, "USD", False))
    ref.assign(3, JAN, "odd", "monthly", t(2026, 1, 1))
    ref.escalate(3, "c", t(2026, 1, 2))
    ref.resolve("c", t(2026, 1, 3))
    (invoice,) = ref.close(JAN, t(2026, 2, 1))
    assert invoice.lines() == {"plan_fee": 12345, "overflow": 1234, "gst": 1358}  # 1357.9
    assert invoice.total == 12345 + 1234 + 1358
    assert invoice.currency == "USD"


def test_an_automatic_upgrade_keeps_the_cycle_and_does_not_restart_it() -> None:
    big = Plan("big", 9, 2500, {("quarterly", "EUR"): 300000})
    small = Plan("small", 1, 2500, {("quarterly", "EUR"): 100000},
                 upgrade_above_cents=50000, upgrade_to="big")
    ref = Reference(plans={"big": big, "small": small})
    ref.add_org(Org(1, "EUR", True))
    ref.assign(1, JAN, "small", "quarterly", t(2026, 1, 1))
    ref.set_fees(1, JAN, 60000, t(2026, 1, 31))
    fees = []
    for m in (JAN, FEB, MAR, APR):
        (invoice,) = ref.close(m, ref.first_instant(m + 1))
        fees.append((invoice.plan, invoice.cycle, invoice.plan_fee))
    assert fees == [("small", "quarterly", 100000), ("big", "quarterly", 0),
                    ("big", "quarterly", 0), ("big", "quarterly", 300000)]


def test_the_next_cycle_start() -> None:
    ref = world()
    ref.assign(7, JAN, "scale", "quarterly", t(2026, 1, 1))
    assert ref.next_cycle_start(7, t(2026, 1, 1)) == APR
    assert ref.next_cycle_start(7, t(2026, 3, 31, 23)) == APR
    assert ref.next_cycle_start(7, t(2026, 4, 1)) == Month(2026, 7)  # April has begun
    ref.assign(7, Month(2026, 7), "scale", "yearly", t(2026, 4, 2))
    assert ref.next_cycle_start(7, t(2026, 8, 1)) == Month(2027, 7)
    monthly = world()
    monthly.assign(7, JAN, "growth", "monthly", t(2026, 1, 1))
    assert monthly.next_cycle_start(7, t(2026, 2, 28)) == MAR


def test_status_payments_and_the_onboarding_block() -> None:
    ref = world(direct_paid=True)
    ref.assign(7, JAN, "growth", "monthly", t(2026, 1, 1))
    (jan,) = ref.close(JAN, t(2026, 2, 1, 0, 5))
    assert ref.status(jan.number, t(2026, 2, 1, 23)) == "open"  # due upon receipt
    assert ref.onboarding_block(7, t(2026, 2, 1, 23)) == []
    assert ref.status(jan.number, t(2026, 2, 2)) == "overdue"
    assert ref.onboarding_block(7, t(2026, 2, 2)) == [jan.number]
    ref.pay(jan.number, 20000, date(2026, 2, 2), t(2026, 2, 2, 10))
    assert ref.status(jan.number, t(2026, 2, 2, 10)) == "overdue"  # partly paid
    with pytest.raises(PaymentRefused):
        ref.pay(jan.number, 30001, date(2026, 2, 2), t(2026, 2, 2, 11))  # overpaid
    with pytest.raises(PaymentRefused):
        ref.pay(jan.number, 30000, date(2026, 2, 3), t(2026, 2, 2, 11))  # in the future
    ref.pay(jan.number, 30000, date(2026, 2, 2), t(2026, 2, 2, 12))
    assert ref.status(jan.number, t(2026, 2, 2, 12)) == "paid"
    assert ref.onboarding_block(7, t(2026, 2, 2, 12)) == []
    assert ref.status(jan.number, t(2026, 2, 2, 11)) == "overdue"  # as it was then
    with pytest.raises(PaymentRefused):
        ref.pay(jan.number, 1, date(2026, 2, 2), t(2026, 2, 2, 13))  # already paid


def test_only_overdue_plan_fees_of_direct_paid_organizations_block() -> None:
    ref = world(direct_paid=True)
    ref.add_org(Org(8, "USD", direct_paid=False))
    ref.assign(7, JAN, "scale", "quarterly", t(2026, 1, 1))
    ref.assign(8, JAN, "growth", "monthly", t(2026, 1, 1))
    jan7, jan8 = ref.close(JAN, t(2026, 2, 1, 0, 5))
    ref.pay(jan7.number, jan7.total, date(2026, 2, 1), t(2026, 2, 1, 9))
    for n in range(5):  # 5 resolved escalations in February: 2 over the 3 free
        ref.escalate(7, n, t(2026, 2, 5 + n))
        ref.resolve(n, t(2026, 2, 5 + n, 1))
    feb7, _ = ref.close(FEB, t(2026, 3, 1, 0, 5))
    assert feb7.plan_fee == 0 and feb7.overflow == 2 and feb7.total == 8800
    at = t(2026, 3, 5)
    assert ref.status(feb7.number, at) == "overdue"
    assert ref.onboarding_block(7, at) == []  # overflow only: no plan fee, no block
    assert ref.status(jan8.number, at) == "overdue"
    assert ref.onboarding_block(8, at) == []  # partner-paid: never blocked


def test_allowance_status_counts_pending_and_warns() -> None:
    ref = world(tz="Europe/Berlin")
    ref.assign(7, JAN, "growth", "monthly", t(2025, 12, 1))
    ref.escalate(7, 1, t(2026, 1, 2))
    ref.resolve(1, t(2026, 1, 3))
    ref.escalate(7, 2, t(2026, 1, 4))
    assert ref.allowance_status(7, t(2026, 1, 5)) == {
        "allowance": 2, "counted": 1, "pending": 1, "remaining": 1,
        "left_if_all_resolved": 0, "billed_if_all_resolved": 0, "warn": 1}
    ref.escalate(7, 3, t(2026, 1, 6))
    assert ref.allowance_status(7, t(2026, 1, 6))["billed_if_all_resolved"] == 2500
    # on 1 February (Berlin) the month is new: nothing counted, nothing pending
    assert ref.allowance_status(7, t(2026, 1, 31, 23, 1))["pending"] == 0


def test_months_in_berlin() -> None:
    ref = world(tz="Europe/Berlin")
    assert ref.month_of(t(2026, 1, 31, 22, 59)) == JAN
    assert ref.month_of(t(2026, 1, 31, 23, 0)) == FEB
    assert ref.month_of(t(2026, 3, 31, 21, 59)) == MAR  # summer time: UTC+2
    assert ref.month_of(t(2026, 3, 31, 22, 0)) == APR
    assert ref.first_instant(APR) == t(2026, 3, 31, 22)
    assert Month(2026, 11) + 3 == Month(2027, 2) and Month(2027, 1) - 1 == Month(2026, 12)
    assert str(Month.parse("2026-03")) == "2026-03"
