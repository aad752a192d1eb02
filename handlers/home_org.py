"""The dashboard of an organization's people: the onboarding block, open cases, the plan and
next month's, this month's escalations (counted, pending, left) and unpaid invoices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import locales
from billing.money import Money
from billing.months import BillingMonth
from desk import cases, invoices
from desk.context import DeskContext
from desk.plan_outlook import outlook
from escalation import service
from handlers.escalation_commands import numbers_reply
from handlers.home_sections import Line, Section, capped, plain
from handlers.invoice_commands import block_params, overdue_since
from handlers.plan_commands import fee_text, next_text
from store.models import Case, Invoice, Organization, User

MAX_CASES = 10
MAX_INVOICES = 6
MAX_SUBJECT = 80


def case_lines(session: Session, found: list[Case], lang: str) -> list[Line]:
    """'#12 (severity 2) Webhooks fail — opened …; with Alex' for each case."""
    assignee_ids = {c.assignee_id for c in found if c.assignee_id is not None}
    names = dict(session.execute(select(User.id, User.name)
                                 .where(User.id.in_(assignee_ids))).all()) if assignee_ids else {}
    lines = []
    for case in found:
        state = (locales.render("home.cases.with", {"agent": names.get(case.assignee_id, "?")},
                                lang) if case.assignee_id is not None
                 else locales.text("home.cases.waiting", lang))
        lines.append(Line(locales.render("home.cases.line", {
            "number": case.id, "severity": case.severity, "subject": case.subject[:MAX_SUBJECT],
            "opened": locales.datetime_param(case.opened_at), "state": state}, lang)))
    return lines


def cases_section(session: Session, org: Organization, lang: str) -> Section:
    title = locales.render("home.cases.title", {"org": org.name}, lang)
    found = cases.org_cases(session, org.id, open_only=True)
    if not found:
        return Section(title, plain(locales.text("home.cases.none", lang)))
    return capped(title, case_lines(session, found, lang), MAX_CASES, "home.cases.more", lang)


def plan_section(session: Session, desk: DeskContext, org: Organization, lang: str,
                 now: datetime, partner: bool) -> Section:
    title = locales.text("home.plan.title", lang)
    view = outlook(session, org, now, desk.billing_tz)
    if view.plan is None or view.terms is None:
        return Section(title, plain(locales.render("plan_chat.no_plan", {"org": org.name}, lang)))
    cycle = view.cycle.cycle if view.cycle is not None else "monthly"
    current = locales.render("home.plan.current", {
        "plan": view.terms.display_name, "month": locales.month_param(view.month),
        "fee": fee_text(view.fee, org.currency, cycle, lang),
        "free": view.terms.free_escalations,
        "price": locales.money_param(view.terms.overflow_price, org.currency)}, lang)
    return Section(title, plain(current, next_text(view, lang, partner)))


def escalations_section(session: Session, org: Organization, lang: str,
                        month: BillingMonth) -> Section:
    """Counted, pending and free left this month, and what pending ones leave and cost."""
    figures = service.numbers(session, org.id, month)
    price = service.overflow_price(session, org, str(month))
    told = numbers_reply(figures, str(month), price, lang)
    text = locales.render(told.key, told.params, lang)
    return Section(locales.text("home.escalations.title", lang), plain(*text.split("\n")))


def _money(amount: Money) -> dict[str, list[str]]:
    return locales.money_param(amount.amount, amount.currency)


def invoice_line(invoice: Invoice, today: date, lang: str) -> Line:
    if invoices.status(invoice, today) == "overdue":
        status = locales.render("invoices.status.overdue",
                                {"since": locales.date_param(overdue_since(invoice))}, lang)
    else:
        status = locales.render("invoices.status.open",
                                {"due": locales.date_param(invoice.due_on)}, lang)
    return Line(locales.render("home.invoices.line", {
        "number": invoice.number, "month": locales.month_param(invoice.month),
        "balance": _money(invoices.balance(invoice)), "status": status}, lang))


def invoices_section(session: Session, desk: DeskContext, org: Organization, lang: str,
                     now: datetime) -> Section:
    """The organization's unpaid invoices, newest first, with the unpaid and overdue totals."""
    title = locales.text("home.invoices.title", lang)
    today = invoices.billing_today(now, desk.billing_tz)
    unpaid = [i for i in invoices.list_invoices(session, org=org) if not invoices.is_paid(i)]
    if not unpaid:
        return Section(title, plain(locales.text("home.invoices.none", lang)))
    total = Money.zero(org.currency)
    overdue = Money.zero(org.currency)
    for invoice in unpaid:
        balance = invoices.balance(invoice)
        if balance.currency != org.currency:  # never added across currencies
            continue
        total = total + balance
        if invoices.status(invoice, today) == "overdue":
            overdue = overdue + balance
    section = capped(title, [invoice_line(i, today, lang) for i in unpaid], MAX_INVOICES,
                     "home.invoices.more", lang)
    summary = Line(locales.render("home.invoices.total", {
        "unpaid": _money(total), "overdue": _money(overdue)}, lang))
    return Section(section.title, (summary, *section.lines), section.more)


def onboarding_section(session: Session, desk: DeskContext, org: Organization, lang: str,
                       now: datetime) -> Section | None:
    """For a direct-paid organization with an overdue plan invoice: why onboarding is blocked."""
    block = invoices.onboarding_block(session, org, invoices.billing_today(now, desk.billing_tz))
    if block is None:
        return None
    return Section(locales.text("home.onboarding.title", lang),
                   plain(locales.render("invoices.blocked", block_params(block), lang)))


def org_sections(session: Session, desk: DeskContext, org: Organization, lang: str,
                 now: datetime, *, partner: bool) -> list[Section]:
    """A partner's dashboard; an organization's TAM sees the same without the invoices."""
    month = BillingMonth.of(now, desk.billing_tz)
    sections: list[Section] = []
    block = onboarding_section(session, desk, org, lang, now) if partner else None
    if block is not None:
        sections.append(block)
    sections.append(cases_section(session, org, lang))
    sections.append(plan_section(session, desk, org, lang, now, partner))
    sections.append(escalations_section(session, org, lang, month))
    if partner:
        sections.append(invoices_section(session, desk, org, lang, now))
    return sections
