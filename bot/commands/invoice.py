"""`supportdesk invoice list|show|pay`: the invoices of closed months and their payments."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

import click

from billing.money import Money
from billing.months import BillingMonth
from bot.commands._admin import (
    AdminGroup,
    actor,
    admin_command,
    month_of_desk,
    print_table,
    required,
    unit_of_work,
)
from bot.commands.common import (
    DATE,
    MONEY,
    MONTH,
    ChosenMonth,
    emit_json,
    fail,
    json_option,
    say_month,
)
from desk import invoices, orgs
from desk.invoices import METHODS, STATUSES
from escalation.month_close import is_closed
from locales.plurals import english_count
from store.models import Invoice, Organization

csv_option = click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")


def _one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        fail("choose one of --json and --csv")


def _amount(cents: int, currency: str) -> str:
    return str(Money.from_cents(cents, currency).amount)


def _summary(invoice: Invoice, org: Organization, today: date) -> dict[str, Any]:
    return {"number": invoice.number, "organization": org.name, "month": invoice.month,
            "issued_on": invoice.issued_on.isoformat(), "due_on": invoice.due_on.isoformat(),
            "currency": invoice.currency, "total": _amount(invoice.total_cents, invoice.currency),
            "paid": _amount(invoice.paid_cents, invoice.currency),
            "balance": str(invoices.balance(invoice).amount),
            "status": invoices.status(invoice, today), "has_plan_fee": invoice.has_plan_fee,
            "escalations_processed": invoice.escalations_processed}


def _write_csv(rows: list[dict[str, Any]], fields: list[str]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    click.echo(out.getvalue(), nl=False)


@click.group(cls=AdminGroup, invoke_without_command=True)
@click.option("--org", "org_name", help="Same as `invoice show --org ORG`.")
@click.option("--month", type=MONTH, help="Same as `invoice show --org ORG --month YYYY-MM`.")
@json_option
@csv_option
@click.pass_context
@admin_command
def invoice(ctx: click.Context, org_name: str | None, month: BillingMonth | None,
            as_json: bool, as_csv: bool) -> None:
    """Invoices of closed months: list them, show one, record a payment.

    `supportdesk invoice --org ORG [--month YYYY-MM]` is `invoice show --org ORG ...`.
    """
    if ctx.invoked_subcommand is not None:
        if org_name is not None or month is not None or as_json or as_csv:
            fail(f"put the options after the subcommand: supportdesk invoice "
                 f"{ctx.invoked_subcommand} ...")
        return
    if org_name is None:
        if month is not None or as_json or as_csv:
            required(org_name, "--org", "the organization whose invoice to show")
        click.echo(ctx.get_help())
        return
    _show(None, org_name, month, as_json, as_csv)


@invoice.command("list")
@click.option("--org", "org_name", help="Only this organization's invoices (any case).")
@click.option("--status", "wanted", type=click.Choice(STATUSES, case_sensitive=False),
              help="Only open, paid or overdue invoices (overdue: open after the due date).")
@json_option
@csv_option
@admin_command
def list_cmd(org_name: str | None, wanted: str | None, as_json: bool, as_csv: bool) -> None:
    """Invoices, newest month first, with total, paid, balance and status."""
    _one_format(as_json, as_csv)
    with unit_of_work() as (session, desk, now):
        today = invoices.billing_today(now, desk.billing_tz)
        org = orgs.get_org(session, org_name) if org_name is not None else None
        found = invoices.list_invoices(session, org=org,
                                       status_filter=wanted.lower() if wanted else None,
                                       today=today)
        names = {o.id: o for o in orgs.list_orgs(session)}
        rows = [_summary(i, names[i.org_id], today) for i in found]
    if as_json:
        emit_json({"today": today.isoformat(), "organization": org.name if org else None,
                   "status": wanted.lower() if wanted else None, "invoices": rows})
        return
    if as_csv:
        _write_csv(rows, ["number", "organization", "month", "issued_on", "due_on", "currency",
                          "total", "paid", "balance", "status", "escalations_processed"])
        return
    print_table(["number", "organization", "month", "due", "total", "paid", "balance",
                 "status"],
                [[r["number"], r["organization"], r["month"], r["due_on"],
                  f"{r['total']} {r['currency']}", r["paid"], r["balance"], r["status"]]
                 for r in rows], empty="no invoices")


@invoice.command("show")
@click.argument("number", required=False)
@click.option("--org", "org_name", help="The organization (instead of NUMBER; any case).")
@click.option("--month", type=MONTH,
              help="With --org: the invoiced month; default: the last closed month.")
@json_option
@csv_option
@admin_command
def show_cmd(number: str | None, org_name: str | None, month: BillingMonth | None,
             as_json: bool, as_csv: bool) -> None:
    """One invoice, by NUMBER or by --org and --month: lines, total, paid, balance, status,
    due date, escalations processed and payments."""
    if number is not None and (org_name is not None or month is not None):
        fail("give either an invoice NUMBER or --org (and --month), not both")
    if number is None and org_name is None:
        required(None, "NUMBER or --org", "e.g. INV-2026-03-0001, see: supportdesk invoice list")
    _show(number, org_name, month, as_json, as_csv)


def _not_invoiced(session: Any, org: Organization, chosen: ChosenMonth, now_month: BillingMonth
                  ) -> NoReturn:
    """Why an organization has no invoice for a month: one line, exit 2."""
    default = "" if chosen.rule is None else \
        f" (the {chosen.rule} month by default; --month YYYY-MM for another)"
    first = invoices.first_plan_month(session, org.id)
    if first is None or BillingMonth.parse(first) > chosen.month:
        since = f" (onboarded {first})" if first is not None else " (no plan assigned)"
        fail(f"{org.name} had no plan in {chosen}{since}: there is no invoice for {chosen}"
             f"{default}")
    if chosen.month >= now_month:
        fail(f"{chosen} has not ended yet: its invoice is issued when the month is closed, "
             f"on {chosen.month.next()}-01{default}")
    if is_closed(session, org.id, str(chosen.month)):
        fail(f"{chosen} is closed for {org.name} but has no invoice (closed before invoices "
             f"existed){default}")
    fail(f"{chosen} is not closed for {org.name}{default}: run "
         f"`supportdesk close-month {chosen}`")


def _show(number: str | None, org_name: str | None, month: BillingMonth | None,
          as_json: bool, as_csv: bool) -> None:
    _one_format(as_json, as_csv)
    chosen: ChosenMonth | None = None
    if number is None:
        chosen = month_of_desk(month, "last closed")
    with unit_of_work() as (session, desk, now):
        today = invoices.billing_today(now, desk.billing_tz)
        if number is not None:
            found = invoices.get_invoice(session, number)
            org = session.get(Organization, found.org_id)
            assert org is not None
        else:
            assert chosen is not None and org_name is not None
            org = orgs.get_org(session, org_name)
            maybe = invoices.invoice_of(session, org.id, str(chosen.month))
            if maybe is None:
                _not_invoiced(session, org, chosen, BillingMonth.of(now, desk.billing_tz))
            found = maybe
        doc = _summary(found, org, today)
        block = invoices.onboarding_block(session, org, today)
        doc["blocks_onboarding"] = block is not None and block.id == found.id
        doc["lines"] = [
            {"kind": li.kind, "description": li.description, "quantity": li.quantity,
             "unit": _amount(li.unit_cents, li.currency),
             "amount": _amount(li.amount_cents, li.currency), "currency": li.currency}
            for li in invoices.lines_of(session, found)]
        doc["payments"] = [
            {"amount": _amount(p.amount_cents, found.currency), "method": p.method,
             "paid_on": p.paid_on.isoformat(), "recorded_at": p.recorded_at.isoformat(),
             "actor": p.actor} for p in invoices.payments_of(session, found)]
    if chosen is not None:
        say_month(chosen, as_json)
    if as_json:
        emit_json(doc)
    elif as_csv:
        _write_csv(doc["lines"], ["kind", "description", "quantity", "unit", "amount",
                                  "currency"])
    else:
        _echo_invoice(doc)


def _echo_invoice(doc: dict[str, Any]) -> None:
    currency = doc["currency"]
    click.echo(f"Invoice {doc['number']}: {doc['organization']} {doc['month']} ({currency})")
    click.echo(f"  issued {doc['issued_on']}, due {doc['due_on']}, status {doc['status']}")
    for r in doc["lines"]:
        click.echo(f"  {r['description']:<40} {r['quantity']:>5} x {r['unit']:>9} "
                   f"= {r['amount']:>10}")
    for label, key in (("Total", "total"), ("Paid", "paid"), ("Balance", "balance")):
        click.echo(f"  {label:<40} {'':>5}   {'':>9}   {doc[key]:>10}")
    click.echo(f"  escalations processed: {doc['escalations_processed']}")
    for p in doc["payments"]:
        click.echo(f"  payment {p['paid_on']}: {p['amount']} {currency} by {p['method']}")
    if doc["blocks_onboarding"]:
        click.echo("  onboarding of new clients is blocked until this invoice is paid")


@invoice.command("pay")
@click.argument("number")
@click.option("--amount", type=MONEY, help="The amount paid, in the invoice's currency.")
@click.option("--method", type=click.Choice(METHODS, case_sensitive=False),
              help="card or transfer.")
@click.option("--date", "paid_on", type=DATE,
              help="The day it was paid (YYYY-MM-DD, not in the future); default: today.")
@json_option
@admin_command
def pay_cmd(number: str, amount: Decimal | None, method: str | None, paid_on: date | None,
            as_json: bool) -> None:
    """Record a payment against invoice NUMBER (exact; overpaying is refused)."""
    amount = required(amount, "--amount", "the amount paid, e.g. 525.00")
    method = required(method, "--method", " or ".join(METHODS))
    who = actor()
    with unit_of_work() as (session, desk, now):
        found = invoices.get_invoice(session, number)
        result = invoices.pay(session, desk, found, amount, method.lower(), paid_on, now=now,
                              actor=who)
        org = session.get(Organization, found.org_id)
        assert org is not None
        doc = _summary(result.invoice, org, invoices.billing_today(now, desk.billing_tz))
        paid = _amount(result.payment.amount_cents, found.currency)
        doc["payment"] = {"amount": paid, "method": result.payment.method,
                          "paid_on": result.payment.paid_on.isoformat()}
        doc["block_lifted"] = result.block_lifted
        doc["partners_told"] = result.partners_told
    if as_json:
        emit_json(doc)
        return
    click.echo(f"recorded {paid} {doc['currency']} by {doc['payment']['method']} on "
               f"{doc['payment']['paid_on']} against {doc['number']}: paid {doc['paid']} of "
               f"{doc['total']}, balance {doc['balance']}, {doc['status']}")
    if result.block_lifted:
        click.echo(f"onboarding of new clients is open again for {doc['organization']} "
                   f"({english_count(result.partners_told, 'partner')} told)")
