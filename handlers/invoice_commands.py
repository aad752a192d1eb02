"""/invoices: an organization's latest invoices, their status, and the onboarding block.

Roles: partners (their own organization only: another organization's name is answered exactly
like a name that does not exist), agents and admins (`/invoices ORGANIZATION`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

import locales
from billing.money import Money
from desk import invoices
from desk.context import DeskContext
from desk.invoices import overdue_since
from handlers.org_argument import named_org
from handlers.registry import BadArguments, CommandContext, command
from messages.types import Reply
from store.models import Invoice, Organization

INVOICE_ROLES = frozenset({"partner", "agent", "admin"})
SHOWN = 6  # the latest invoices listed in chat; the admin CLI lists them all
MAX_NAME = 120  # longer than any organization name: a malformed argument


def today_of(desk: DeskContext, now: datetime) -> date:
    """The billing-time-zone date that 'overdue' is measured on."""
    return invoices.billing_today(now, desk.billing_tz)


def _money(cents: int, currency: str) -> dict[str, list[str]]:
    amount = Money.from_cents(cents, currency).amount
    return locales.money_param(amount, currency)


def block_params(invoice: Invoice) -> dict[str, object]:
    """The parameters every onboarding-block text takes: which invoice, since when, balance."""
    balance = invoices.balance(invoice)
    return {"invoice": invoice.number, "month": locales.month_param(invoice.month),
            "since": locales.date_param(overdue_since(invoice)),
            "balance": locales.money_param(balance.amount, balance.currency)}


def onboarding_block(session: Session, desk: DeskContext, org_id: int,
                     now: datetime) -> Invoice | None:
    """The overdue plan invoice that blocks onboarding of the organization's new clients."""
    org = session.get(Organization, org_id)
    if org is None:
        return None
    return invoices.onboarding_block(session, org, today_of(desk, now))


def staff_block_reply(case_id: int, org_name: str, invoice: Invoice) -> Reply:
    """For agents (new-case notice, /status): 'onboarding blocked: invoice N overdue since D'."""
    return Reply("onboarding.blocked_staff",
                 {"number": case_id, "org": org_name, **block_params(invoice)})


def partner_block_reply(org_name: str, invoice: Invoice) -> Reply:
    """For the partner opening a case: blocked, by which invoice, and how it is lifted."""
    return Reply("onboarding.blocked_partner", {"org": org_name, **block_params(invoice)})


def _line(invoice: Invoice, today: date, lang: str) -> str:
    state = invoices.status(invoice, today)
    if state == "paid":
        status = locales.text("invoices.status.paid", lang)
    elif state == "overdue":
        status = locales.render("invoices.status.overdue",
                                {"since": locales.date_param(overdue_since(invoice))}, lang)
    else:
        status = locales.render("invoices.status.open",
                                {"due": locales.date_param(invoice.due_on)}, lang)
    params = {"number": invoice.number, "month": locales.month_param(invoice.month),
              "total": _money(invoice.total_cents, invoice.currency), "status": status}
    if state != "paid" and invoice.paid_cents > 0:
        return locales.render("invoices.line_partial", {
            **params, "paid": _money(invoice.paid_cents, invoice.currency)}, lang)
    return locales.render("invoices.line", params, lang)


def _org_of(ctx: CommandContext, args: list[str]) -> Organization | Reply:
    """The organization asked about, or the answer that says why there is none."""
    name = " ".join(args).strip()
    if len(name) > MAX_NAME:
        raise BadArguments(ctx, "help.invoices")
    return named_org(ctx, name, own_only=ctx.user.role == "partner",
                     unknown_key="invoices.unknown_org", required=Reply("invoices.org_required"))


@command("invoices", roles=INVOICE_ROLES, help_key="help.invoices", order=22)
def invoices_command(ctx: CommandContext, args: list[str]) -> list[Reply]:
    """/invoices [ORGANIZATION]: the latest invoices with total and status, the block if any."""
    org = _org_of(ctx, args)
    if isinstance(org, Reply):
        return [org]
    lang = ctx.language
    today = today_of(ctx.desk, ctx.desk.clock.now())
    latest = invoices.list_invoices(ctx.session, org=org, limit=SHOWN)
    notes: list[str] = []
    block = invoices.onboarding_block(ctx.session, org, today)
    if block is not None:
        notes.append(locales.render("invoices.blocked", block_params(block), lang))
    hub = "invoices.client_hub" if org.billing_model == "direct-paid" else "invoices.partner_hub"
    notes.append(locales.text(hub, lang))
    if not latest:
        return [Reply("invoices.none", {"org": org.name, "notes": "\n".join(notes)})]
    return [Reply("invoices.list", {
        "org": org.name, "lines": "\n".join(_line(i, today, lang) for i in latest),
        "notes": "\n".join(notes), "numbers": [i.number for i in latest]})]
