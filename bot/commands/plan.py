"""`supportdesk plan`: plans as data (list, add, duplicate, hide, archive) and assignment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click

from billing.months import BillingMonth
from bot.commands._admin import (
    AdminGroup,
    actor,
    admin_command,
    amount_arg,
    int_arg,
    month_arg,
    print_table,
    required,
    unit_of_work,
)
from bot.commands.common import emit_json, json_option
from desk import orgs, plans
from store.models import Plan


@click.group(cls=AdminGroup)
def plan() -> None:
    """Billing plans and which organization is on which plan from which month."""


def _doc(p: Plan) -> dict[str, Any]:
    t = plans.terms(p)
    return {
        "name": t.name, "display_name": t.display_name, "fee": str(t.fee),
        "free_escalations": t.free_escalations, "overflow_price": str(t.overflow_price),
        "tam": t.tam_kind, "queue_priority": t.queue_priority, "beta_access": t.beta_access,
        "auto_upgrade_above": None if t.auto_upgrade_above is None else str(t.auto_upgrade_above),
        "auto_upgrade_to": t.auto_upgrade_to, "hidden": p.hidden, "archived": p.archived,
    }


def _status(p: Plan) -> str:
    return "archived" if p.archived else "hidden" if p.hidden else "active"


def _optional_amount(text: str | None, option: str) -> Decimal | None:
    return None if text is None else amount_arg(text, option)


@plan.command("list")
@json_option
@admin_command
def list_cmd(as_json: bool) -> None:
    """List every plan with its terms and status (active, hidden, archived)."""
    with unit_of_work() as (session, _desk, _now):
        rows = plans.list_plans(session)
    if as_json:
        emit_json({"plans": [_doc(p) for p in rows]})
        return
    print_table(
        ["name", "display name", "fee", "free esc.", "overflow", "TAM", "priority", "betas",
         "auto-upgrade", "status"],
        [[d["name"], d["display_name"], d["fee"], d["free_escalations"], d["overflow_price"],
          d["tam"], d["queue_priority"], d["beta_access"],
          f"> {d['auto_upgrade_above']} -> {d['auto_upgrade_to']}" if d["auto_upgrade_to"]
          else None, _status(p)] for p, d in ((p, _doc(p)) for p in rows)],
    )


def _echo_plan(verb: str, p: Plan, as_json: bool) -> None:
    if as_json:
        emit_json(_doc(p))
        return
    t = plans.terms(p)
    click.echo(f"plan {t.name} ({t.display_name}) {verb}: fee {t.fee}, {t.free_escalations} "
               f"free escalations, then {t.overflow_price} each, {t.tam_kind} TAM, "
               f"priority {t.queue_priority}, betas {t.beta_access}; {_status(p)}")


TERMS_OPTIONS = [
    click.option("--display-name", metavar="TEXT", help="Name shown to partners."),
    click.option("--fee", metavar="AMOUNT",
                 help="Plan fee per month, e.g. 750.00 (in the org's currency)."),
    click.option("--free-escalations", metavar="N", help="Free escalations per calendar month."),
    click.option("--overflow-price", metavar="AMOUNT",
                 help="Price of each further escalation, e.g. 25.00."),
    click.option("--tam", "tam_kind", metavar="KIND",
                 help="Technical Account Manager: community or dedicated."),
    click.option("--priority", "queue_priority", metavar="N",
                 help="Queue priority (higher served first)."),
    click.option("--beta", "beta_access", metavar="ACCESS",
                 help="Beta programmes: on_request or invited."),
    click.option("--upgrade-above", metavar="AMOUNT",
                 help="Auto-upgrade when monthly license fees exceed this."),
    click.option("--upgrade-to", metavar="PLAN",
                 help="Plan to auto-upgrade to (with --upgrade-above)."),
]


def terms_options(func: Any) -> Any:
    for option in reversed(TERMS_OPTIONS):
        func = option(func)
    return func


def _changes(display_name: str | None, fee: str | None, free_escalations: str | None,
             overflow_price: str | None, tam_kind: str | None, queue_priority: str | None,
             beta_access: str | None, upgrade_above: str | None,
             upgrade_to: str | None) -> dict[str, Any]:
    return {
        "display_name": display_name,
        "fee": _optional_amount(fee, "--fee"),
        "free_escalations": int_arg(free_escalations, "--free-escalations"),
        "overflow_price": _optional_amount(overflow_price, "--overflow-price"),
        "tam_kind": tam_kind,
        "queue_priority": int_arg(queue_priority, "--priority"),
        "beta_access": beta_access,
        "auto_upgrade_above": _optional_amount(upgrade_above, "--upgrade-above"),
        "auto_upgrade_to": upgrade_to,
    }


@plan.command("add")
@click.argument("name")
@terms_options
@json_option
@admin_command
def add_cmd(name: str, as_json: bool, **options: str | None) -> None:
    """Add plan NAME; --display-name, --fee, --free-escalations and --overflow-price needed."""
    for option in ("display_name", "fee", "free_escalations", "overflow_price"):
        required(options[option], "--" + option.replace("_", "-"), "see --help")
    fields = _changes(**options)  # type: ignore[arg-type]
    fields = {k: v for k, v in fields.items() if v is not None}
    with unit_of_work() as (session, _desk, now):
        created = plans.add_plan(session, name=name, now=now, actor=actor(), **fields)
    _echo_plan("added", created, as_json)


@plan.command("duplicate")
@click.argument("source")
@click.argument("new_name")
@terms_options
@json_option
@admin_command
def duplicate_cmd(source: str, new_name: str, as_json: bool, **options: str | None) -> None:
    """Copy plan SOURCE as NEW_NAME, changing the terms given as options."""
    changes = _changes(**options)  # type: ignore[arg-type]
    with unit_of_work() as (session, _desk, now):
        created = plans.duplicate_plan(session, source, new_name, now=now, actor=actor(),
                                       **changes)
    _echo_plan("added", created, as_json)


@plan.command("hide")
@click.argument("name")
@click.option("--unhide", is_flag=True, help="Show the plan to partners again.")
@json_option
@admin_command
def hide_cmd(name: str, unhide: bool, as_json: bool) -> None:
    """Hide plan NAME from partners' choices (admins can still assign it)."""
    with unit_of_work() as (session, _desk, now):
        changed = plans.hide_plan(session, name, hidden=not unhide, now=now, actor=actor())
    _echo_plan("shown" if unhide else "hidden", changed, as_json)


@plan.command("archive")
@click.argument("name")
@json_option
@admin_command
def archive_cmd(name: str, as_json: bool) -> None:
    """Archive plan NAME: no new assignments; organizations on it keep it."""
    with unit_of_work() as (session, _desk, now):
        changed = plans.archive_plan(session, name, now=now, actor=actor())
    _echo_plan("archived", changed, as_json)


@plan.command("assign")
@click.argument("org_name", metavar="ORG")
@click.argument("plan_name", metavar="PLAN")
@click.option("--month", metavar="YYYY-MM",
              help="Effective month YYYY-MM; default: the next billing month.")
@json_option
@admin_command
def assign_cmd(org_name: str, plan_name: str, month: str | None, as_json: bool) -> None:
    """Put organization ORG on PLAN from the next month (or --month), never mid-month."""
    with unit_of_work() as (session, desk, now):
        current = BillingMonth.of(now, desk.billing_tz)
        effective = month_arg(month) if month else current.next()
        target = orgs.get_org(session, org_name)
        chosen = plans.get_plan(session, plan_name)
        before = plans.plan_in_force(session, target.id, effective)
        plans.assign(session, target, chosen, effective, "admin", now, actor=actor(),
                     tz=desk.billing_tz)
    doc = {"organization": target.name, "plan": chosen.name, "effective_month": str(effective),
           "previous_plan": None if before is None else before.name}
    if as_json:
        emit_json(doc)
    else:
        click.echo(f"{target.name} is on {chosen.display_name} ({chosen.name}) from {effective}"
                   + ("" if before is None else f" (was {before.name})"))

