"""`supportdesk escalations|close-month|summary`: billing from the command line."""

from __future__ import annotations

import sys
from typing import Any

import click

from billing.allowance import EscalationNumbers
from billing.money import Money
from billing.months import BillingMonth
from bot.commands._admin import (
    AdminCommand,
    admin_command,
    current_desk,
    month_of_desk,
    unit_of_work,
)
from bot.commands.common import (
    MONTH,
    emit_json,
    fail,
    json_option,
    say_month,
    stdout_is_terminal,
)
from desk import orgs
from locales.plurals import english_count

SUMMARY_FORMATS = ("text", "json", "csv", "agents-csv", "png")


@click.command(cls=AdminCommand)
@click.option("--org", "org_name", required=True, help="Organization name (any case).")
@click.option("--month", type=MONTH, help="Billing month; default: the current month.")
@json_option
@admin_command
def escalations(org_name: str, month: BillingMonth | None, as_json: bool) -> None:
    """An organization's escalation numbers for a month (so far, for the current one).

    For a month that has not ended, pending requests (case not resolved yet) are told with what
    would be left and billed if every one is resolved in the month; for an ended month they are
    expired unresolved (they never count).
    """
    from escalation.service import expired_unresolved, numbers, overflow_price

    chosen = month_of_desk(month, "current")
    with unit_of_work() as (session, desk, now):
        org = orgs.get_org(session, org_name)
        n = numbers(session, org.id, chosen.month)
        price = overflow_price(session, org, str(chosen.month))
        ended = chosen.month < BillingMonth.of(now, desk.billing_tz)
        expired = expired_unresolved(session, org.id, chosen.month) if ended else 0
    if ended:  # nothing of an ended month is pending any more
        n = EscalationNumbers(n.allowance, n.counted)
    charge = n.charge_if_pending_resolved(price)
    doc: dict[str, Any] = {
        "organization": org.name, "month": str(chosen), "ended": ended,
        "allowance": n.allowance, "counted": n.counted, "pending": n.pending,
        "remaining": n.remaining, "overflow": n.overflow,
        "overflow_price": {"amount": str(price.amount), "currency": price.currency}}
    if ended:
        doc["pending_expired"] = expired
    else:
        doc.update({
            "left_if_pending_resolved": n.left_if_pending_resolved,
            "billable_if_pending_resolved": n.billable_if_pending_resolved,
            "charge_if_pending_resolved": {"amount": str(charge.amount),
                                           "currency": charge.currency}})
    say_month(chosen, as_json)
    if as_json:
        emit_json(doc)
        return
    figures = f"{org.name} {chosen}: allowance {n.allowance}, counted {n.counted}"
    if ended:
        click.echo(f"{figures}, expired unresolved {expired}, overflow {n.overflow} "
                   "(the month has ended)")
    elif n.pending == 0:
        click.echo(f"{figures}, remaining {n.remaining}, overflow {n.overflow}")
    else:
        click.echo(f"{figures}, pending {n.pending} (not resolved yet), remaining now "
                   f"{n.remaining}, overflow now {n.overflow}")
        click.echo(f"  if every pending one is resolved in {chosen}: remaining "
                   f"{n.left_if_pending_resolved}, billed {n.billable_if_pending_resolved} "
                   f"x {price} = {charge}")


def _amounts(cents_by_currency: dict[str, int]) -> dict[str, str]:
    return {c: str(Money.from_cents(v, c).amount) for c, v in sorted(cents_by_currency.items())}


@click.command(name="close-month", cls=AdminCommand)
@click.argument("month", metavar="YYYY-MM", type=MONTH)
@json_option
@admin_command
def close_month(month: BillingMonth, as_json: bool) -> None:
    """Close a month for every organization: bill it and issue its invoices, exactly once."""
    from escalation.month_close import MonthNotEnded
    from escalation.month_close import close_month as close

    desk = current_desk()
    try:
        report = close(desk.sessions, month, desk.clock.now(), desk.billing_tz,
                       grace_days=desk.invoice_grace_days)
    except MonthNotEnded as exc:
        fail(str(exc))
    if as_json:
        doc: dict[str, Any] = report.as_dict()
        doc["charges"] = _amounts(report.charges_cents)
        doc["fees"] = _amounts(report.fees_cents)
        doc["taxes"] = _amounts(report.taxes_cents)
        doc["totals"] = _amounts(report.totals_cents)
        emit_json(doc)
        return
    click.echo(f"{report.month}: closed {english_count(report.closed, 'organization')} "
               f"({report.already_closed} already closed), "
               f"{english_count(report.lines, 'invoice line')}, "
               f"{english_count(report.invoices, 'invoice')}")
    for currency, cents in sorted(report.totals_cents.items()):
        parts = [f"plan fees {Money.from_cents(report.fees_cents[currency], currency).amount}",
                 f"overflow {Money.from_cents(report.charges_cents[currency], currency).amount}"]
        if report.taxes_cents[currency]:
            parts.append(f"GST {Money.from_cents(report.taxes_cents[currency], currency).amount}")
        click.echo(f"  invoiced {Money.from_cents(cents, currency)} ({', '.join(parts)})")


def _summary_format(fmt: str | None, as_json: bool) -> str:
    """--json is --format json; asking for both JSON and another format is a mistake."""
    if as_json and fmt not in (None, "json"):
        fail(f"choose one of --json and --format {fmt}")
    return "json" if as_json else fmt or "text"


def _write(data: bytes, output: str | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        with open(output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")


@click.command(cls=AdminCommand)
@click.option("--month", type=MONTH, help="Billing month; default: the last closed month.")
@click.option("--format", "fmt", type=click.Choice(SUMMARY_FORMATS, case_sensitive=False),
              help="text (default), json, csv (per organization), agents-csv (satisfaction "
                   "per agent) or png (png needs --output or a pipe).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of stdout.")
@json_option
@admin_command
def summary(month: BillingMonth | None, fmt: str | None, output: str | None,
            as_json: bool) -> None:
    """The monthly escalation summary (what managers receive)."""
    from escalation import summary as summaries

    fmt = _summary_format(fmt, as_json)
    if fmt == "png" and output is None and stdout_is_terminal():
        fail("refusing to write a PNG image to the terminal: use --output FILE or a pipe")
    chosen = month_of_desk(month, "last closed")
    with unit_of_work() as (session, desk, now):
        built = summaries.build(session, chosen.month, desk.billing_tz, now=now)
    if fmt == "png":
        from escalation.chart import render_png

        data = render_png(built)
    else:
        render = {"text": summaries.to_text, "json": summaries.to_json,
                  "csv": summaries.to_csv, "agents-csv": summaries.agents_csv}[fmt]
        content = render(built)
        data = (content if content.endswith("\n") else content + "\n").encode("utf-8")
    _write(data, output)
    say_month(chosen, fmt == "json")
