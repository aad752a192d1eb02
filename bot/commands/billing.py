"""`supportdesk escalations|close-month|invoice|summary`: billing from the command line."""

from __future__ import annotations

import csv
import io
import sys

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.money import Money
from billing.months import BillingMonth
from bot.commands.common import desk as build_desk
from bot.commands.common import emit_json, fail, handle_errors, json_option
from store.db import transaction
from store.models import InvoiceLine, MonthClose, Organization


def _month(text: str) -> BillingMonth:
    try:
        return BillingMonth.parse(text)
    except ValueError as exc:
        fail(str(exc))


def _org(session: Session, name: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        fail(f"no organization named {name!r}")
    return org


@click.command()
@click.option("--org", "org_name", required=True, help="Organization name.")
@click.option("--month", "month_text", required=True, help="Billing month, YYYY-MM.")
@json_option
@handle_errors
def escalations(org_name: str, month_text: str, as_json: bool) -> None:
    """An organization's escalation numbers for a month."""
    from escalation.service import numbers

    month = _month(month_text)
    desk = build_desk()
    with transaction(desk.sessions) as session:
        org = _org(session, org_name)
        n = numbers(session, org.id, month)
    doc = {"organization": org_name, "month": str(month), "allowance": n.allowance,
           "counted": n.counted, "pending": n.pending, "remaining": n.remaining,
           "overflow": n.overflow}
    if as_json:
        emit_json(doc)
        return
    click.echo(f"{org_name} {month}: allowance {n.allowance}, counted {n.counted}, "
               f"pending {n.pending}, remaining {n.remaining}, overflow {n.overflow}")


@click.command(name="close-month")
@click.argument("month_text", metavar="YYYY-MM")
@json_option
@handle_errors
def close_month(month_text: str, as_json: bool) -> None:
    """Close a month for every organization: bill the overflow exactly once."""
    from escalation.month_close import MonthNotEnded
    from escalation.month_close import close_month as close

    month = _month(month_text)
    desk = build_desk()
    try:
        report = close(desk.sessions, month, desk.clock.now(), desk.billing_tz)
    except MonthNotEnded as exc:
        fail(str(exc))
    if as_json:
        emit_json(report.as_dict())
        return
    click.echo(f"{report.month}: closed {report.closed} organizations "
               f"({report.already_closed} already closed), {report.lines} invoice lines, "
               f"{report.upgrades} automatic upgrades")
    for currency, cents in sorted(report.charges_cents.items()):
        click.echo(f"  overflow charges {Money.from_cents(cents, currency)}")


@click.command()
@click.option("--org", "org_name", required=True, help="Organization name.")
@click.option("--month", "month_text", required=True, help="Billing month, YYYY-MM.")
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@handle_errors
def invoice(org_name: str, month_text: str, as_json: bool, as_csv: bool) -> None:
    """The invoice lines of an organization and month (after the month is closed)."""
    if as_json and as_csv:
        fail("choose one of --json and --csv")
    month = _month(month_text)
    desk = build_desk()
    with transaction(desk.sessions) as session:
        org = _org(session, org_name)
        closed = session.scalar(select(MonthClose).where(
            MonthClose.org_id == org.id, MonthClose.month == str(month)))
        lines = session.scalars(select(InvoiceLine).where(
            InvoiceLine.org_id == org.id, InvoiceLine.month == str(month))
            .order_by(InvoiceLine.id)).all()
    if closed is None:
        fail(f"{month} is not closed for {org_name}: run `supportdesk close-month {month}`")
    rows = [{"kind": li.kind, "description": li.description, "quantity": li.quantity,
             "unit": str(Money.from_cents(li.unit_cents, li.currency).amount),
             "amount": str(Money.from_cents(li.amount_cents, li.currency).amount),
             "currency": li.currency} for li in lines]
    total = sum((Money.from_cents(li.amount_cents, li.currency) for li in lines),
                Money.zero(org.currency))
    if as_json:
        emit_json({"organization": org_name, "month": str(month), "currency": org.currency,
                   "lines": rows, "total": str(total.amount),
                   "escalations_processed": closed.escalations_processed})
    elif as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["kind"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
    else:
        click.echo(f"Invoice {org_name} {month} ({org.currency})")
        for r in rows:
            click.echo(f"  {r['description']:<40} {r['quantity']:>5} x {r['unit']:>9} "
                       f"= {r['amount']:>10}")
        click.echo(f"  {'Total':<40} {'':>5}   {'':>9}   {total.amount!s:>10}")


@click.command()
@click.option("--month", "month_text", required=True, help="Billing month, YYYY-MM.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "png"]),
              default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of stdout.")
@handle_errors
def summary(month_text: str, fmt: str, output: str | None) -> None:
    """The monthly escalation summary (what managers receive)."""
    from escalation import summary as summaries

    month = _month(month_text)
    desk = build_desk()
    with transaction(desk.sessions) as session:
        built = summaries.build(session, month, desk.billing_tz)
    if fmt == "png":
        from escalation.chart import render_png

        data = render_png(built)
    else:
        render = {"text": summaries.to_text, "json": summaries.to_json,
                  "csv": summaries.to_csv}[fmt]
        content = render(built)
        data = (content if content.endswith("\n") else content + "\n").encode("utf-8")
    if output:
        try:
            with open(output, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror}")
        return
    if fmt == "png" and sys.stdout.isatty():
        fail("refusing to print a PNG on a terminal: use --output FILE")
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
