"""An independent model of the billing rules, written from DOMAIN.md and docs/billing.md alone.

It shares no code with the desk (it imports only the standard library): the simulated year
checks the real services against it. Everything is recorded as events with the instant they
happened, in time order; every question is asked "as the state was at instant t". Money is
integer cents. Decisions this model takes where the two documents leave room are marked
"Decision:".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in the billing time zone."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        year, month = text.split("-")
        return cls(int(year), int(month))

    @property
    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def __add__(self, months: int) -> Month:
        index = self.index + months
        return Month(index // 12, index % 12 + 1)

    def __sub__(self, months: int) -> Month:
        return self + (-months)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Plan:
    """The terms of a plan that billing needs (amounts in cents, the same in EUR and USD)."""

    name: str
    free_escalations: int
    overflow_cents: int
    prices: dict[tuple[str, str], int]  # (cycle, currency) -> cents per cycle
    gst_percent: Decimal | None = None
    upgrade_above_cents: int | None = None  # fees of a month strictly above this ...
    upgrade_to: str | None = None  # ... move the organization to this plan


GROWTH = Plan("growth", 2, 2500, {("monthly", "EUR"): 50000, ("monthly", "USD"): 50000},
              upgrade_above_cents=50000, upgrade_to="premium")
PREMIUM = Plan("premium", 5, 2500, {("monthly", "EUR"): 100000, ("monthly", "USD"): 100000})


@dataclass(frozen=True)
class Org:
    id: int
    currency: str  # EUR or USD
    direct_paid: bool


@dataclass(frozen=True)
class Invoice:
    """The invoice of one organization and closed month, as the rules compute it."""

    org_id: int
    month: Month
    number: str
    issue_date: date
    due_date: date
    currency: str
    plan: str
    cycle: str
    allowance: int
    counted: int
    processed: int
    overflow: int
    overflow_price: int
    plan_fee: int  # 0 outside a cycle's first month
    charge: int
    gst_percent: Decimal | None
    tax: int
    total: int

    def lines(self) -> dict[str, int]:
        """The money lines: the plan fee in a cycle's first month, overflow if any, GST."""
        out: dict[str, int] = {}
        if self.plan_fee:
            out["plan_fee"] = self.plan_fee
        if self.overflow:
            out["overflow"] = self.charge
        if self.gst_percent is not None:
            out["gst"] = self.tax
        return out


@dataclass
class _Escalation:
    org_id: int
    requested_at: datetime
    resolved_at: datetime | None = None


@dataclass
class _Close:
    at: datetime
    plan: str
    invoice: Invoice


class PaymentRefused(ValueError):
    """The rules refuse this payment."""


class CloseRefused(ValueError):
    """The rules refuse this month close."""


def half_up_cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Reference:
    """The billing world as DOMAIN.md describes it; events are added in time order."""

    plans: dict[str, Plan]
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    grace_days: int = 0
    orgs: dict[int, Org] = field(default_factory=dict)
    _last: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    _assignments: list[tuple[datetime, int, Month, str, str]] = field(default_factory=list)
    _fees: list[tuple[datetime, int, Month, int]] = field(default_factory=list)
    _escalations: dict[object, _Escalation] = field(default_factory=dict)
    _closes: dict[tuple[int, Month], _Close] = field(default_factory=dict)
    _payments: list[tuple[datetime, str, int, date]] = field(default_factory=list)

    # ---------------------------------------------------------------- time
    def _now(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("instants are timezone-aware")
        if at < self._last:
            raise ValueError(f"events go in time order: {at} is before {self._last}")
        self._last = at
        return at

    def month_of(self, at: datetime) -> Month:
        local = at.astimezone(self.tz)
        return Month(local.year, local.month)

    def date_of(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def first_instant(self, month: Month) -> datetime:
        """The first instant of the month in the billing time zone, in UTC."""
        local = datetime(month.year, month.month, 1, tzinfo=self.tz)
        return local.astimezone(UTC)

    # ---------------------------------------------------------------- events
    def add_org(self, org: Org) -> None:
        self.orgs[org.id] = org

    def assign(self, org_id: int, month: Month, plan: str, cycle: str, at: datetime) -> None:
        """An explicit assignment (onboarding, admin, partner) effective in `month`."""
        if plan not in self.plans or cycle not in CYCLE_MONTHS:
            raise ValueError(f"unknown plan or cycle: {plan} {cycle}")
        self._assignments.append((self._now(at), org_id, month, plan, cycle))

    def set_fees(self, org_id: int, month: Month, cents: int, at: datetime) -> None:
        """License fees of a month; a later value for the same month is a correction."""
        self._fees.append((self._now(at), org_id, month, cents))

    def escalate(self, org_id: int, case: object, at: datetime) -> bool:
        """An escalation of a case; False (nothing counted) when the case is already escalated."""
        self._now(at)
        if case in self._escalations:
            return False
        self._escalations[case] = _Escalation(org_id, at)
        return True

    def resolve(self, case: object, at: datetime) -> None:
        """A resolution of the case; only the first one after the request matters."""
        self._now(at)
        esc = self._escalations.get(case)
        if esc is not None and esc.resolved_at is None:
            esc.resolved_at = at

    def close(self, month: Month, at: datetime) -> list[Invoice]:
        """Close `month` for every organization with a plan in it; return the new invoices."""
        if at < self.first_instant(month + 1):
            raise CloseRefused(f"{month} has not ended")
        self._now(at)
        due: list[tuple[int, str]] = []
        for org_id in sorted(self.orgs):
            if (org_id, month) in self._closes:
                continue  # exactly once
            plan = self.plan_of(org_id, month, at)
            if plan is None:
                continue
            if (self.plan_of(org_id, month - 1, at) is not None
                    and (org_id, month - 1) not in self._closes):
                raise CloseRefused(f"{month - 1} of org {org_id} is not closed")
            due.append((org_id, plan))
        issued = [self._invoice(org_id, month, plan, at) for org_id, plan in due]
        for invoice in issued:
            self._closes[(invoice.org_id, month)] = _Close(at, invoice.plan, invoice)
        return issued

    def pay(self, number: str, cents: int, on: date, at: datetime) -> None:
        """A payment against an invoice, refused when the rules refuse it."""
        invoice = self.invoice_by_number(number)
        if invoice is None:
            raise PaymentRefused(f"no invoice {number}")
        if cents <= 0:
            raise PaymentRefused("a payment is positive")
        if on > self.date_of(at):
            raise PaymentRefused("a payment date is not in the future")
        paid = self.paid_cents(number, at)
        if paid >= invoice.total:
            raise PaymentRefused(f"{number} is paid")
        if paid + cents > invoice.total:
            raise PaymentRefused(f"{number} would be overpaid")
        self._payments.append((self._now(at), number, cents, on))

    # ---------------------------------------------------------------- state at an instant
    def fees(self, org_id: int, month: Month, at: datetime) -> int:
        value = 0
        for when, org, m, cents in self._fees:
            if when <= at and org == org_id and m == month:
                value = cents
        return value

    def plan_of(self, org_id: int, month: Month, at: datetime) -> str | None:
        """The plan in force in `month` given what was known at instant `at`."""
        return self.plans_until(org_id, month, at).get(month)

    def plans_until(self, org_id: int, until: Month, at: datetime) -> dict[Month, str]:
        """The plan in force in every month from the first assignment to `until`, given what
        was known at instant `at` (months without a plan are absent)."""
        fees: dict[Month, int] = {}
        for when, org, m, cents in self._fees:
            if when <= at and org == org_id:
                fees[m] = cents  # a later record of the same month is a correction
        explicit: dict[Month, str] = {}
        for when, org, m, plan, _ in self._assignments:
            if when <= at and org == org_id:
                explicit[m] = plan
        closed = {m: c.plan for (org, m), c in self._closes.items()
                  if org == org_id and c.at <= at}
        out: dict[Month, str] = {}
        if not explicit:
            return out  # no plan before the first assignment
        month = min(explicit)
        while month <= until:
            out[month] = self._derive(month, out, explicit, fees, closed)
            month = month + 1
        return out

    def _derive(self, month: Month, plans: dict[Month, str], explicit: dict[Month, str],
                fees: dict[Month, int], closed: dict[Month, str]) -> str:
        if month in closed:
            return closed[month]  # 1. a closed month keeps the plan it was billed with
        if month in explicit:
            return explicit[month]  # 2. an explicit assignment decides its month
        previous = plans[month - 1]
        terms = self.plans[previous]
        if terms.upgrade_to is None or terms.upgrade_above_cents is None:
            return previous
        # 3. the fees of M-1; 4. when M-1 is closed, walk back through closed months on the
        # same plan, stopping after a month with an explicit assignment.
        k = month - 1
        while True:
            if fees.get(k, 0) > terms.upgrade_above_cents:
                return terms.upgrade_to
            if k not in closed or k in explicit:
                return previous
            k = k - 1
            if closed.get(k) != previous:
                return previous

    def cycle_of(self, org_id: int, month: Month, at: datetime) -> tuple[str, Month] | None:
        """The billing cycle of `month` and the month its cycles count from."""
        latest: tuple[Month, datetime, str] | None = None
        for when, org, m, _, cycle in self._assignments:
            if when <= at and org == org_id and m <= month and (
                    latest is None or (m, when) >= (latest[0], latest[1])):
                latest = (m, when, cycle)
        return None if latest is None else (latest[2], latest[0])

    def starts_cycle(self, org_id: int, month: Month, at: datetime) -> bool:
        found = self.cycle_of(org_id, month, at)
        if found is None:
            return False
        cycle, start = found
        return (month.index - start.index) % CYCLE_MONTHS[cycle] == 0

    def planned_changes(self, org_id: int, at: datetime) -> list[Month]:
        """Months after the current one that already have an explicit assignment."""
        current = self.month_of(at)
        return sorted({m for when, org, m, _, _ in self._assignments
                       if when <= at and org == org_id and m > current})

    def next_cycle_start(self, org_id: int, at: datetime) -> Month:
        """Where an explicit plan or cycle change asked at `at` takes effect.

        Decision: counted from the latest explicit assignment effective in the current month or
        before; the first cycle start strictly after the current month (never a begun month).
        """
        current = self.month_of(at)
        found = self.cycle_of(org_id, current, at)
        if found is None:
            return current + 1
        cycle, start = found
        n = CYCLE_MONTHS[cycle]
        steps = (current.index - start.index) // n + 1
        return start + steps * n

    # ---------------------------------------------------------------- escalations
    def _counted_in(self, org_id: int, month: Month, at: datetime) -> int:
        return sum(1 for e in self._escalations.values()
                   if e.org_id == org_id and e.requested_at <= at
                   and e.resolved_at is not None and e.resolved_at <= at
                   and self.month_of(e.requested_at) == month
                   and self.month_of(e.resolved_at) == month)

    def allowance_status(self, org_id: int, at: datetime) -> dict[str, int]:
        """The numbers the partner is told at instant `at` about the current month."""
        month = self.month_of(at)
        plan_name = self.plan_of(org_id, month, at)
        plan = self.plans[plan_name] if plan_name else None
        allowance = plan.free_escalations if plan else 0
        counted = self._counted_in(org_id, month, at)
        pending = sum(1 for e in self._escalations.values()
                      if e.org_id == org_id and e.requested_at <= at
                      and self.month_of(e.requested_at) == month
                      and (e.resolved_at is None or e.resolved_at > at))
        price = plan.overflow_cents if plan else 0
        return {
            "allowance": allowance,
            "counted": counted,
            "pending": pending,
            "remaining": max(0, allowance - counted),
            "left_if_all_resolved": max(0, allowance - counted - pending),
            "billed_if_all_resolved": max(0, counted + pending - allowance) * price,
            "warn": int(counted + pending >= allowance),
        }

    # ---------------------------------------------------------------- invoices
    def _invoice(self, org_id: int, month: Month, plan_name: str, at: datetime) -> Invoice:
        org = self.orgs[org_id]
        plan = self.plans[plan_name]
        found = self.cycle_of(org_id, month, at)
        assert found is not None
        cycle = found[0]
        plan_fee = plan.prices[(cycle, org.currency)] if self.starts_cycle(
            org_id, month, at) else 0
        counted = self._counted_in(org_id, month, at)
        overflow = max(0, counted - plan.free_escalations)
        charge = overflow * plan.overflow_cents
        tax = 0
        if plan.gst_percent is not None:
            tax = half_up_cents(plan.gst_percent * (plan_fee + charge) / 100)
        issue = (month + 1).first_day()
        return Invoice(
            org_id=org_id, month=month,
            number=f"INV-{month.year:04d}-{month.month:02d}-{org_id:04d}",
            issue_date=issue, due_date=issue + timedelta(days=self.grace_days),
            currency=org.currency, plan=plan_name, cycle=cycle,
            allowance=plan.free_escalations, counted=counted,
            # Decision: "escalations processed in the month" are the ones the month counted.
            processed=counted,
            overflow=overflow, overflow_price=plan.overflow_cents, plan_fee=plan_fee,
            charge=charge, gst_percent=plan.gst_percent, tax=tax,
            total=plan_fee + charge + tax)

    def closed_months(self, org_id: int, at: datetime) -> dict[Month, str]:
        """The organization's closed months at instant `at`, with the plan each was billed with."""
        return {m: c.plan for (org, m), c in sorted(self._closes.items(), key=lambda kv: kv[0][1])
                if org == org_id and c.at <= at}

    def invoice(self, org_id: int, month: Month) -> Invoice | None:
        close = self._closes.get((org_id, month))
        return None if close is None else close.invoice

    def invoices(self) -> list[Invoice]:
        return [c.invoice for _, c in sorted(self._closes.items(),
                                            key=lambda kv: (kv[0][0], kv[0][1]))]

    def invoice_by_number(self, number: str) -> Invoice | None:
        return next((c.invoice for c in self._closes.values()
                     if c.invoice.number == number), None)

    def paid_cents(self, number: str, at: datetime) -> int:
        return sum(cents for when, n, cents, _ in self._payments if n == number and when <= at)

    def status(self, number: str, at: datetime) -> str:
        """paid, open or overdue at instant `at` (payments recorded by then)."""
        invoice = self.invoice_by_number(number)
        if invoice is None:
            raise KeyError(number)
        if self.paid_cents(number, at) >= invoice.total:
            return "paid"  # a zero total is paid at issue
        return "overdue" if self.date_of(at) > invoice.due_date else "open"

    def onboarding_block(self, org_id: int, at: datetime) -> list[str]:
        """The overdue plan-fee invoices blocking onboarding of a direct-paid organization."""
        if not self.orgs[org_id].direct_paid:
            return []
        return [c.invoice.number for (org, _), c in sorted(self._closes.items(),
                                                           key=lambda kv: kv[0][1])
                if org == org_id and c.at <= at and c.invoice.plan_fee > 0
                and self.status(c.invoice.number, at) == "overdue"]
