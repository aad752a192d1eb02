"""`supportdesk sla`: show and set first-response targets, and the monthly compliance report."""

from __future__ import annotations

import click

from billing.months import BillingMonth
from bot.commands._admin import (
    AdminGroup,
    actor,
    admin_command,
    month_of_desk,
    print_table,
    unit_of_work,
)
from bot.commands.common import MONTH, emit_json, fail, json_option, say_month
from sla import report as sla_report
from sla import targets


@click.group(cls=AdminGroup)
def sla() -> None:
    """First-response targets per plan and severity, and SLA compliance reports."""


def _duration(minutes: int | None) -> str | None:
    return targets.format_duration(minutes) if minutes else None


@sla.command("show")
@json_option
@admin_command
def show_cmd(as_json: bool) -> None:
    """Print the target of every plan and severity (* = no own target: the fallback applies)."""
    with unit_of_work() as (session, _desk, _now):
        rows = targets.show(session)
    if as_json:
        emit_json([{"plan": r.plan, "severity": r.severity, "minutes": r.minutes,
                    "duration": _duration(r.minutes), "own": r.own} for r in rows])
        return
    print_table(("plan", "severity", "target"),
                [(r.plan, r.severity, f"{_duration(r.minutes) or 'none'}{'' if r.own else ' *'}")
                 for r in rows])
    if any(not r.own for r in rows):
        click.echo("* no own target: the most lenient target of that severity applies")


@sla.command("set")
@click.argument("plan")
@click.argument("severity")
@click.argument("duration")
@json_option
@admin_command
def set_cmd(plan: str, severity: str, duration: str, as_json: bool) -> None:
    """Set PLAN's first-response target for SEVERITY (1-3) to DURATION (30m, 1h, 2h30m, 1d).

    The new target applies to cases opened from now on.
    """
    with unit_of_work() as (session, _desk, now):
        row = targets.set_target(session, plan, severity, duration, actor=actor(), now=now)
    if as_json:
        emit_json({"plan": row.plan, "severity": row.severity, "minutes": row.minutes,
                   "duration": _duration(row.minutes)})
    else:
        click.echo(f"{row.plan} severity {row.severity}: first response within "
                   f"{_duration(row.minutes)} (for cases opened from now on)")


@sla.command("report")
@click.option("--month", type=MONTH, help="The month; default: the last closed month.")
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one line per plan and severity.")
@admin_command
def report_cmd(month: BillingMonth | None, as_json: bool, as_csv: bool) -> None:
    """Share of the month's cases answered within target, per plan and severity."""
    if as_json and as_csv:
        fail("choose one of --json and --csv")
    chosen = month_of_desk(month, "last closed")
    with unit_of_work() as (session, desk, now):
        result = sla_report.report(session, chosen.month, desk.billing_tz, now)
    say_month(chosen, as_json)
    if as_json:
        emit_json(sla_report.as_dict(result))
    elif as_csv:
        click.echo(sla_report.as_csv(result), nl=False)
    else:
        click.echo(sla_report.summary_text(result, "en"))
