"""`supportdesk fees`: an organization's monthly license fees (they drive the auto-upgrade)."""

from __future__ import annotations

from decimal import Decimal

import click

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
from desk.plans import plan_in_force, terms


@click.group(cls=AdminGroup)
def fees() -> None:
    """Monthly license fees of an organization, in its billing currency."""


@fees.command("set")
@click.argument("name")
@click.option("--month", type=MONTH, help="The month the fees are for (required).")
@click.option("--amount", type=MONEY, metavar="AMOUNT",
              help="Fees of that month, e.g. 575.00 (no currency; the org's).")
@json_option
@admin_command
def set_cmd(name: str, month: BillingMonth | None, amount: Decimal | None,
            as_json: bool) -> None:
    """Record (or correct) organization NAME's license fees of a month."""
    when = required(month, "--month", "YYYY-MM")
    value = required(amount, "--amount", "e.g. 575.00")
    with unit_of_work() as (session, _desk, now):
        target = orgs.get_org(session, name)
        orgs.set_license_fees(session, target, when, value, now=now, actor=actor())
        plan = plan_in_force(session, target.id, when)
        upgrade = None if plan is None else upgrade_target(terms(plan), value)
    doc = {"organization": target.name, "month": str(when), "amount": str(value),
           "currency": target.currency, "plan": None if plan is None else plan.name,
           "upgrade_to": upgrade,
           "upgrade_from": None if upgrade is None else str(when.next())}
    if as_json:
        emit_json(doc)
        return
    click.echo(f"license fees of {target.name} for {when}: {value} {target.currency}")
    if upgrade is not None:
        click.echo(f"above the {plan.name if plan else ''} threshold: the month close moves "
                   f"{target.name} to {upgrade} from {when.next()}")


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
