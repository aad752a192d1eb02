"""A seeded random billing year as a time-ordered list of events (data only, no desk code)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.billing.simulation.reference import GROWTH, PREMIUM, Month, Plan

BERLIN = ZoneInfo("Europe/Berlin")
YEAR = [Month(2026, m) for m in range(1, 13)]
# the scheduler was down: April's close caught up days later, August's and September's together
SKIPPED_CLOSES = {Month(2026, 4), Month(2026, 8), Month(2026, 9)}

# Two catalogue plans made with the real plan services: cycles, prices per currency, GST.
ENTERPRISE = Plan("enterprise", 8, 3000, {
    ("monthly", "EUR"): 150000, ("monthly", "USD"): 160000,
    ("quarterly", "EUR"): 420004, ("quarterly", "USD"): 450000,  # 12.5 % of 4200.04: .5 cent
    ("yearly", "EUR"): 1500000, ("yearly", "USD"): 1600000,
}, gst_percent=Decimal("12.5"))
SCALE = Plan("scale", 3, 4000, {
    ("monthly", "EUR"): 70000, ("monthly", "USD"): 75000,
    ("quarterly", "EUR"): 199999, ("quarterly", "USD"): 210001,
    ("yearly", "EUR"): 777777, ("yearly", "USD"): 800000,
}, gst_percent=Decimal("7.7"), upgrade_above_cents=200000, upgrade_to="enterprise")
PLANS = {p.name: p for p in (GROWTH, PREMIUM, SCALE, ENTERPRISE)}
# (plan, cycle) an admin may choose; Growth and Premium are monthly only
CHOICES = [("growth", "monthly"), ("premium", "monthly"), ("scale", "monthly"),
           ("scale", "quarterly"), ("scale", "yearly"), ("enterprise", "quarterly"),
           ("enterprise", "yearly")]
FEES = ["0", "300.00", "499.99", "500.00", "500.01", "575.00", "900.00", "1999.99", "2000.00",
        "2000.01", "2600.00"]


@dataclass(frozen=True)
class OrgSpec:
    name: str
    currency: str
    billing_model: str
    plan: str
    cycle: str
    onboarded: datetime


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


ORGS = [
    OrgSpec("Alpha", "EUR", "direct-paid", "growth", "monthly", _utc(2026, 1, 5, 9)),
    OrgSpec("Bravo", "USD", "partner-paid", "growth", "monthly", _utc(2026, 1, 5, 10)),
    OrgSpec("Carlo", "EUR", "direct-paid", "premium", "monthly", _utc(2026, 1, 6, 8)),
    OrgSpec("Delta", "USD", "direct-paid", "scale", "quarterly", _utc(2026, 1, 7, 8)),
    OrgSpec("Echo", "EUR", "partner-paid", "scale", "yearly", _utc(2026, 1, 7, 9)),
    OrgSpec("Fox", "EUR", "direct-paid", "growth", "monthly", _utc(2026, 4, 14, 12)),
    # 00:30 on 1 October in Berlin, still 30 September in UTC: onboarded in October
    OrgSpec("Gulf", "USD", "direct-paid", "enterprise", "quarterly", _utc(2026, 9, 30, 22, 30)),
    # partly scripted (SCRIPT): what EXEMPT names is not random for them
    OrgSpec("Hotel", "EUR", "partner-paid", "growth", "monthly", _utc(2026, 2, 2, 9)),
    OrgSpec("India", "USD", "direct-paid", "scale", "quarterly", _utc(2026, 2, 2, 10)),
]
SCRIPTED = "Hotel"
EXEMPT = {"Hotel": {"fees", "changes"}, "India": {"changes", "payments"}}
SCRIPT = [
    # the seed example: February 490, March 575 (recorded while March runs) -> April Premium
    (_utc(2026, 3, 3, 10), "fees", SCRIPTED, Month(2026, 2), Decimal("490.00")),
    (_utc(2026, 3, 30, 10), "fees", SCRIPTED, Month(2026, 3), Decimal("575.00")),
    # an admin moves it back to Growth from June
    (_utc(2026, 5, 10, 10), "change_plan", SCRIPTED, "growth", "monthly", "admin"),
    # June's fees recorded after July was closed: August (the first month not closed) upgrades
    (_utc(2026, 8, 3, 10), "fees", SCRIPTED, Month(2026, 6), Decimal("900.00")),
    # ... and a correction below the threshold takes the upgrade back from August
    (_utc(2026, 8, 10, 10), "fees", SCRIPTED, Month(2026, 6), Decimal("400.00")),
    # August's fees while September runs: September upgrades at once (a begun month)
    (_utc(2026, 9, 12, 10), "fees", SCRIPTED, Month(2026, 8), Decimal("500.01")),
    # India, billed quarterly from February: March bills no plan fee but 2 escalations above
    # the 3 free ones with GST; February's invoice is paid, March's stays overdue until 20 May
    # without blocking onboarding (no plan fee in it)
    (_utc(2026, 3, 2, 9), "pay", "India", Month(2026, 2), 1),
    *[(_utc(2026, 3, 3 + n, 9), "escalate", "India", 10_000 + n) for n in range(5)],
    *[(_utc(2026, 3, 3 + n, 15), "resolve", 10_000 + n) for n in range(5)],
    (_utc(2026, 5, 20, 9), "pay", "India", Month(2026, 3), 1),
]


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    args: tuple = field(compare=False, default=())  # type: ignore[type-arg]


def first_instant(month: Month) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=BERLIN).astimezone(UTC)


def month_of(at: datetime) -> Month:
    local = at.astimezone(BERLIN)
    return Month(local.year, local.month)


def _instant_in(rng: random.Random, month: Month) -> datetime:
    """A random instant of the month; often in its first or last hour in Berlin."""
    start, end = first_instant(month), first_instant(month + 1)
    roll = rng.random()
    if roll < 0.2:
        return end - timedelta(seconds=rng.randint(1, 3600))
    if roll < 0.3:
        return start + timedelta(seconds=rng.randint(1, 3600))
    return start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds()) - 1))


def build(seed: int) -> list[Event]:
    """The year's events, sorted by time (ties keep the order they were made in)."""
    rng = random.Random(seed)
    events: list[Event] = []

    def add(at: datetime, kind: str, *args: object) -> None:
        events.append(Event(at, len(events), kind, args))

    end = first_instant(Month(2027, 2))
    for spec in ORGS:
        add(spec.onboarded, "onboard", spec)
    for at, kind, *args in SCRIPT:
        add(at, kind, *args)
    for month in [*YEAR, Month(2027, 1)]:
        start = first_instant(month)
        add(start + timedelta(minutes=2), "probe")  # the new month before any close
        closing = month - 1
        if closing in SKIPPED_CLOSES:
            if month not in SKIPPED_CLOSES:  # the desk is back
                add(start + timedelta(hours=rng.randint(30, 80), minutes=17), "close")
        elif closing >= YEAR[0]:
            add(start + timedelta(minutes=5), "close")
    case = 0
    for spec in ORGS:
        first = month_of(spec.onboarded)
        for month in YEAR:
            if month < first:
                continue
            for _ in range(rng.choice((0, 1, 2, 2, 3, 4, 6, 9))):
                at = max(_instant_in(rng, month), spec.onboarded + timedelta(minutes=1))
                case += 1
                add(at, "escalate", spec.name, case)
                delay = rng.choice(("minutes", "hours", "days", "never", "hours"))
                if delay != "never":
                    span = {"minutes": 120 * 60, "hours": 72 * 3600, "days": 12 * 86400}[delay]
                    resolved = at + timedelta(seconds=rng.randint(60, span))
                    add(resolved, "resolve", case)
                    if rng.random() < 0.1:  # reopened and resolved again: counts nothing new
                        add(resolved + timedelta(hours=rng.randint(1, 300)), "reopen", case)
                if rng.random() < 0.05:
                    add(at + timedelta(minutes=rng.randint(1, 90)), "escalate_again", case)
            exempt = EXEMPT.get(spec.name, set())
            if "fees" not in exempt:
                _fees(rng, add, spec, month)
            if "changes" not in exempt and rng.random() < 0.22:
                plan, cycle = rng.choice(CHOICES)
                if spec.currency == "EUR" or plan != "growth":
                    add(_instant_in(rng, month), "change_plan", spec.name, plan, cycle,
                        rng.choice(("admin", "partner")))
            if "changes" not in exempt and rng.random() < 0.06:
                add(_instant_in(rng, month), "set_cycle", spec.name,
                    rng.choice(("monthly", "quarterly", "yearly")))
            if "payments" not in exempt:
                _payments(rng, add, spec, month, end)
    for _ in range(60):  # the plan of every month, at random instants
        add(first_instant(YEAR[0]) + timedelta(seconds=rng.randint(0, 365 * 86400)), "probe")
    return sorted(e for e in events if e.at < end)


def _fees(rng: random.Random, add, spec: OrgSpec, month: Month) -> None:  # type: ignore[no-untyped-def]
    """License fees of `month`: usually in the next month, sometimes after its close, corrected."""
    roll = rng.random()
    if roll < 0.08:
        return  # never recorded
    amount = rng.choice(FEES)
    if roll < 0.7:  # in the next month (before or after its close at 00:05 on the 1st)
        at = first_instant(month + 1) + timedelta(seconds=rng.randint(0, 20 * 86400))
    elif roll < 0.85:  # late: in the month after next, once the next month is closed
        at = first_instant(month + 2) + timedelta(seconds=rng.randint(3600, 12 * 86400))
    else:  # early: while the month runs
        at = first_instant(month) + timedelta(seconds=rng.randint(3600, 25 * 86400))
    add(at, "fees", spec.name, month, Decimal(amount))
    if rng.random() < 0.2:  # a correction, before or after the next close
        add(at + timedelta(seconds=rng.randint(3600, 40 * 86400)), "fees", spec.name, month,
            Decimal(rng.choice(FEES)))


def _payments(rng: random.Random, add, spec: OrgSpec, month: Month, end: datetime) -> None:  # type: ignore[no-untyped-def]
    """Payments of the invoice of `month`: whole, in two parts, late, or never."""
    issued = first_instant(month + 1)
    roll = rng.random()
    if roll < 0.45:
        add(issued + timedelta(seconds=rng.randint(3600, 6 * 86400)), "pay", spec.name, month, 1)
    elif roll < 0.65:
        first = issued + timedelta(seconds=rng.randint(3600, 10 * 86400))
        add(first, "pay", spec.name, month, 2)  # a half
        add(first + timedelta(seconds=rng.randint(3600, 30 * 86400)), "pay", spec.name, month, 1)
    elif roll < 0.85:
        add(issued + timedelta(seconds=rng.randint(20 * 86400, 90 * 86400)), "pay", spec.name,
            month, 1)  # long overdue, then paid
    if rng.random() < 0.08:
        add(issued + timedelta(seconds=rng.randint(3600, 20 * 86400)), "overpay", spec.name,
            month)
