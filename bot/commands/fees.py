"""`supportdesk fees`: an organization's monthly license fees (they drive the auto-upgrade)."""

from __future__ import annotations

from decimal import Decimal

import click
from sqlalchemy.orm import Session

from billing.months import BillingMonth
from billing.plans import upgrade_target
from bot.commands._admin import (
    AdminGroup,
    actor,
    admin_command,
    print_table,
    required,
    unit_of_work,
)
from bot.commands.common import MONEY, MONTH, emit_json, json_option
from desk import orgs
from desk.derived_plans import PlanChange
from desk.plan_notices import notify_plan_changes
from desk.plans import plan_in_force, terms
from locales.plurals import english_count
from store.models import Organization


@click.group(cls=AdminGroup)
def fees() -> None:
    """Monthly license fees of an organization, in its billing currency."""


def _why_unchanged(session: Session, target: Organization, when: BillingMonth,
                   value: Decimal) -> str:
    """One line saying why recording these fees changes no month not yet closed."""
    plan = plan_in_force(session, target.id, when)
    if plan is None:
        return f"{target.name} had no plan in {when}: no plan changes"
    rule = terms(plan)
    if upgrade_target(rule, value) is None:
        if rule.auto_upgrade_above is None:
            return f"{plan.display_name} has no automatic upgrade: no plan changes"
        return (f"not above the {plan.display_name} threshold of {rule.auto_upgrade_above} "
                f"{target.currency}: no plan changes")
    return (f"above the {plan.display_name} threshold of {rule.auto_upgrade_above} "
            f"{target.currency}, but no month not yet closed changes: the next months are "
            f"already on {rule.auto_upgrade_to}, closed, or decided by an admin assignment")


def _change_line(target: Organization, change: PlanChange, when: BillingMonth) -> str:
    line = f"{target.name} is on {change.after} from {change.month} (was {change.before})"
    closed = when.next()
    if change.month > closed:
        last = change.month.prev()
        span = str(closed) if last == closed else f"{closed} to {last}"
        line += f"; {span} already closed"
    return line


@fees.command("set")
@click.argument("name")
@click.option("--month", type=MONTH, help="The month the fees are for (required).")
@click.option("--amount", type=MONEY, metavar="AMOUNT",
              help="Fees of that month, e.g. 575.00 (no currency; the org's).")
@json_option
@admin_command
def set_cmd(name: str, month: BillingMonth | None, amount: Decimal | None,
            as_json: bool) -> None:
    """Record (or correct) organization NAME's license fees of a month.

    Fees above a plan's threshold upgrade the next month not yet closed at once (the
    partners and managers are told); a correction below it takes the upgrade back.
    """
    when = required(month, "--month", "YYYY-MM")
    value = required(amount, "--amount", "e.g. 575.00")
    with unit_of_work() as (session, desk, now):
        target = orgs.get_org(session, name)
        previous = orgs.license_fees(session, target.id, when)
        changes = orgs.set_license_fees(session, target, when, value, now=now,
                                          tz=desk.billing_tz, actor=actor())
        notified = notify_plan_changes(session, desk, target, changes, when, now)
        plan = plan_in_force(session, target.id, when)
        unchanged = None if changes else _why_unchanged(session, target, when, value)
    doc = {"organization": target.name, "month": str(when), "amount": str(value),
           "previous": None if previous is None else str(previous),
           "currency": target.currency, "plan": None if plan is None else plan.name,
           "plan_changes": [c.as_dict() for c in changes], "notified": notified}
    if as_json:
        emit_json(doc)
        return
    was = "" if previous is None or previous == value else f" (was {previous})"
    click.echo(f"license fees of {target.name} for {when}: {value} {target.currency}{was}")
    for change in changes:
        click.echo(_change_line(target, change, when))
    if unchanged is not None:
        click.echo(unchanged)
    if notified:
        click.echo(f"told {english_count(notified, 'person', 'people')} of the plan change")


@fees.command("list")
@click.argument("name")
@json_option
@admin_command
def list_cmd(name: str, as_json: bool) -> None:
    """List organization NAME's recorded license fees, month by month."""
    with unit_of_work() as (session, _desk, _now):
        target = orgs.get_org(session, name)
        history = orgs.fee_history(session, target.id)
    if as_json:
        emit_json({"organization": target.name, "currency": target.currency,
                   "fees": [{"month": str(m), "amount": str(a)} for m, a in history]})
        return
    print_table(["month", f"amount ({target.currency})"],
                [[str(m), a] for m, a in history],
                empty=f"no license fees recorded for {target.name}")
