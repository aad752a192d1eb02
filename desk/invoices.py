"""Invoices: listing, status on a date, payments, and the onboarding block of direct-paid orgs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from billing.money import CENT, Money
from desk import audit, outbox
from desk.context import DeskContext
from desk.errors import Invalid, NotFound
from locales.formatting import month_param
from messages.types import Reply
from store.models import Invoice, InvoiceLine, Organization, Payment, PlanAssignment, User

STATUSES = ("open", "paid", "overdue")
METHODS = ("card", "transfer")
BLOCK_LIFTED = "invoice.block_lifted"
# The lines of an invoice in the order they are shown.
LINE_ORDER = ("plan_fee", "escalation_overflow", "gst", "escalations")


class InvoiceNotFound(NotFound):
    """No invoice has that number."""


class PaymentRefused(Invalid):
    """A payment the desk does not record: its sentence says why."""


def billing_today(now: datetime, tz: tzinfo) -> date:
    """The calendar date of `now` in the billing time zone: what 'overdue' is measured on."""
    if now.tzinfo is None:
        raise ValueError("billing_today needs an aware datetime")
    return now.astimezone(tz).date()


def overdue_since(invoice: Invoice) -> date:
    """The first day an unpaid invoice is overdue: the day after its due date."""
    return invoice.due_on + timedelta(days=1)


def is_paid(invoice: Invoice) -> bool:
    return invoice.paid_cents >= invoice.total_cents


def status(invoice: Invoice, today: date) -> str:
    """paid once payments reach the total; else overdue after the due date, else open."""
    if is_paid(invoice):
        return "paid"
    return "overdue" if today > invoice.due_on else "open"


def balance(invoice: Invoice) -> Money:
    """What is still to be paid, in the invoice's currency."""
    return Money.from_cents(max(0, invoice.total_cents - invoice.paid_cents), invoice.currency)


def _status_filter(wanted: str, today: date) -> object:
    unpaid = Invoice.paid_cents < Invoice.total_cents
    if wanted == "paid":
        return Invoice.paid_cents >= Invoice.total_cents
    if wanted == "overdue":
        return unpaid & (Invoice.due_on < today)
    if wanted == "open":
        return unpaid & (Invoice.due_on >= today)
    raise Invalid(f"unknown invoice status {wanted!r}: expected one of {', '.join(STATUSES)}")


def list_invoices(session: Session, *, org: Organization | None = None,
                  status_filter: str | None = None, today: date | None = None,
                  limit: int | None = None) -> list[Invoice]:
    """Invoices newest month first (then by number); `status_filter` needs `today`."""
    query = select(Invoice).order_by(Invoice.month.desc(), Invoice.number)
    if org is not None:
        query = query.where(Invoice.org_id == org.id)
    if status_filter is not None:
        if today is None:
            raise ValueError("filtering by status needs today's date")
        query = query.where(_status_filter(status_filter, today))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def find_invoice(session: Session, number: str) -> Invoice | None:
    """The invoice with this number, typed in any case and spacing."""
    cleaned = "".join(str(number).split()).upper()
    if not cleaned:
        return None
    return session.scalar(select(Invoice).where(Invoice.number == cleaned))


def get_invoice(session: Session, number: str) -> Invoice:
    invoice = find_invoice(session, number)
    if invoice is None:
        raise InvoiceNotFound(f"unknown invoice {number.strip()!r} (see: supportdesk invoice list)")
    return invoice


def invoice_of(session: Session, org_id: int, month: str) -> Invoice | None:
    """The invoice of an organization's closed month, if the month is closed for it."""
    return session.scalar(select(Invoice).where(Invoice.org_id == org_id,
                                                Invoice.month == month))


def first_plan_month(session: Session, org_id: int) -> str | None:
    """The month the organization's first plan took effect (its onboarding), if any."""
    return session.scalar(select(func.min(PlanAssignment.effective_month))
                          .where(PlanAssignment.org_id == org_id))


def lines_of(session: Session, invoice: Invoice) -> list[InvoiceLine]:
    lines = session.scalars(select(InvoiceLine).where(
        InvoiceLine.org_id == invoice.org_id, InvoiceLine.month == invoice.month)).all()
    rank = {kind: i for i, kind in enumerate(LINE_ORDER)}
    return sorted(lines, key=lambda li: (rank.get(li.kind, len(rank)), li.id))


def payments_of(session: Session, invoice: Invoice) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.invoice_id == invoice.id)
                                .order_by(Payment.paid_on, Payment.id)))


def onboarding_block(session: Session, org: Organization, today: date) -> Invoice | None:
    """The invoice that blocks onboarding of new clients: for a direct-paid organization, its
    oldest overdue invoice that bills a plan fee; None otherwise (partner-paid: never)."""
    if org.billing_model != "direct-paid":
        return None
    return session.scalar(
        select(Invoice).where(Invoice.org_id == org.id, Invoice.has_plan_fee.is_(True),
                              Invoice.paid_cents < Invoice.total_cents, Invoice.due_on < today)
        .order_by(Invoice.due_on, Invoice.month, Invoice.id).limit(1))


def _cents(amount: Decimal, currency: str) -> int:
    if isinstance(amount, float) or not isinstance(amount, Decimal):
        raise PaymentRefused("a payment amount must be an exact decimal such as 575.00")
    try:
        if not amount.is_finite():
            raise PaymentRefused(f"invalid payment amount {amount}")
        if amount <= 0:
            raise PaymentRefused(f"a payment must be more than 0 {currency}, got {amount}")
        if amount != amount.quantize(CENT):
            raise PaymentRefused(f"a payment is in whole cents: {amount} has more than two "
                                 f"decimals")
    except InvalidOperation as exc:
        raise PaymentRefused(f"invalid payment amount {amount}") from exc
    return int(amount.quantize(CENT).scaleb(2))


@dataclass(frozen=True)
class PaymentResult:
    """A recorded payment, the invoice after it, and whether it lifted an onboarding block."""

    payment: Payment
    invoice: Invoice
    status: str
    block_lifted: bool
    partners_told: int


def pay(session: Session, desk: DeskContext, invoice: Invoice, amount: Decimal, method: str,
        paid_on: date | None = None, *, now: datetime, actor: str) -> PaymentResult:
    """Record a payment against `invoice`, exactly, in its currency (audited).

    Refused (PaymentRefused): a paid invoice, more than the balance, an amount not above 0 or
    with more than two decimals, an unknown method, a date after today (billing time zone).
    The balance check and the increment are one UPDATE, so two payments at once cannot
    overpay. When the payment lifts the organization's onboarding block, its partners are
    told through the outbox.
    """
    tz = desk.billing_tz
    today = billing_today(now, tz)
    chosen = method.strip().lower() if isinstance(method, str) else method
    if chosen not in METHODS:
        raise PaymentRefused(f"unknown payment method {method!r}: expected one of "
                             f"{', '.join(METHODS)}")
    day = today if paid_on is None else paid_on
    if day > today:
        raise PaymentRefused(f"the payment date {day.isoformat()} is in the future (today is "
                             f"{today.isoformat()} in {getattr(tz, 'key', tz)})")
    billed_from = date.fromisoformat(f"{invoice.month}-01")
    if day < billed_from:
        raise PaymentRefused(f"the payment date {day.isoformat()} is before {invoice.month}, "
                             f"the month invoice {invoice.number} bills")
    cents = _cents(amount, invoice.currency)
    if is_paid(invoice):
        raise PaymentRefused(f"invoice {invoice.number} is already paid")
    org = session.get(Organization, invoice.org_id)
    assert org is not None
    before = onboarding_block(session, org, today)
    paid = session.execute(
        update(Invoice).where(Invoice.id == invoice.id,
                              Invoice.paid_cents + cents <= Invoice.total_cents)
        .values(paid_cents=Invoice.paid_cents + cents)
        .returning(Invoice.paid_cents, Invoice.total_cents)
        .execution_options(synchronize_session=False)).first()
    if paid is None:
        session.refresh(invoice)
        if is_paid(invoice):
            raise PaymentRefused(f"invoice {invoice.number} is already paid")
        raise PaymentRefused(
            f"{Money.from_cents(cents, invoice.currency)} is more than the balance of invoice "
            f"{invoice.number} ({balance(invoice)}): overpaying is refused")
    paid_cents, total_cents = paid
    if paid_cents >= total_cents:
        session.execute(update(Invoice).where(Invoice.id == invoice.id)
                        .values(paid_at=now).execution_options(synchronize_session=False))
    session.refresh(invoice)
    payment = Payment(invoice_id=invoice.id, amount_cents=cents, method=chosen, paid_on=day,
                      recorded_at=now, actor=actor[:120])
    session.add(payment)
    session.flush()
    new_status = status(invoice, today)
    audit.record(session, actor=actor, action="invoice.pay", entity="invoice",
                 entity_id=invoice.number, now=now, details={
                     "amount": Money.from_cents(cents, invoice.currency).amount,
                     "currency": invoice.currency, "method": chosen, "paid_on": day,
                     "paid": Money.from_cents(invoice.paid_cents, invoice.currency).amount,
                     "status": new_status, "payment_id": payment.id})
    lifted = before is not None and onboarding_block(session, org, today) is None
    told = _tell_block_lifted(session, desk, org, invoice, now) if lifted else 0
    return PaymentResult(payment, invoice, new_status, lifted, told)


def _tell_block_lifted(session: Session, desk: DeskContext, org: Organization,
                       invoice: Invoice, now: datetime) -> int:
    """Queue 'onboarding is open again' to every active partner user of the organization."""
    partners = session.scalars(select(User).where(
        User.org_id == org.id, User.role == "partner", User.removed_at.is_(None))
        .order_by(User.id)).all()
    reply = Reply(BLOCK_LIFTED, {"number": invoice.number,
                                 "month": month_param(invoice.month)})
    told = 0
    for user in partners:
        if outbox.enqueue_for_user(session, desk, user, reply, purpose="notice",
                                   now=now) is not None:
            told += 1
    return told


def totals_by_status(session: Session, org: Organization, today: date) -> dict[str, int]:
    """How many of the organization's invoices are paid, open and overdue."""
    counts = dict.fromkeys(STATUSES, 0)
    for wanted in STATUSES:
        counts[wanted] = int(session.scalar(
            select(func.count()).select_from(Invoice)
            .where(Invoice.org_id == org.id, _status_filter(wanted, today))) or 0)
    return counts
