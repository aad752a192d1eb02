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
    month_of_desk,
    print_table,
    required,
    unit_of_work,
)
from bot.commands.common import (
    COUNT,
    MONEY,
    MONTH,
    PRIORITY,
    emit_json,
    json_option,
    say_month,
)
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
    click.option("--fee", type=MONEY, metavar="AMOUNT",
                 help="Plan fee per month, e.g. 750.00 (in the org's currency)."),
    click.option("--free-escalations", type=COUNT, metavar="N",
                 help=f"Free escalations per calendar month (0-{COUNT.maximum})."),
    click.option("--overflow-price", type=MONEY, metavar="AMOUNT",
                 help="Price of each further escalation, e.g. 25.00."),
    click.option("--tam", "tam_kind", metavar="KIND",
                 help="Technical Account Manager: community or dedicated."),
    click.option("--priority", "queue_priority", type=PRIORITY, metavar="N",
                 help=f"Queue priority, 0-{PRIORITY.maximum} (higher served first)."),
    click.option("--beta", "beta_access", metavar="ACCESS",
                 help="Beta programmes: on_request or invited."),
    click.option("--upgrade-above", type=MONEY, metavar="AMOUNT",
                 help="Auto-upgrade when monthly license fees exceed this."),
    click.option("--upgrade-to", metavar="PLAN",
                 help="Plan to auto-upgrade to (with --upgrade-above)."),
]


def terms_options(func: Any) -> Any:
    for option in reversed(TERMS_OPTIONS):
        func = option(func)
    return func


def _lowered(text: str | None) -> str | None:
    return None if text is None else text.strip().lower()


def _changes(display_name: str | None, fee: Decimal | None, free_escalations: int | None,
             overflow_price: Decimal | None, tam_kind: str | None, queue_priority: int | None,
             beta_access: str | None, upgrade_above: Decimal | None,
             upgrade_to: str | None) -> dict[str, Any]:
    """The terms given on the command line (None: not given); kinds match in any case."""
    return {
        "display_name": display_name,
        "fee": fee,
        "free_escalations": free_escalations,
        "overflow_price": overflow_price,
        "tam_kind": _lowered(tam_kind),
        "queue_priority": queue_priority,
        "beta_access": _lowered(beta_access),
        "auto_upgrade_above": upgrade_above,
        "auto_upgrade_to": upgrade_to,
    }


@plan.command("add")
@click.argument("name")
@terms_options
@json_option
@admin_command
def add_cmd(name: str, as_json: bool, **options: Any) -> None:
    """Add plan NAME; --display-name, --fee, --free-escalations and --overflow-price needed."""
    for option in ("display_name", "fee", "free_escalations", "overflow_price"):
        required(options[option], "--" + option.replace("_", "-"), "see --help")
    fields = _changes(**options)
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
def duplicate_cmd(source: str, new_name: str, as_json: bool, **options: Any) -> None:
    """Copy plan SOURCE as NEW_NAME, changing the terms given as options."""
    changes = _changes(**options)
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
@click.option("--month", type=MONTH, help="Effective month; default: the next month.")
@json_option
@admin_command
def assign_cmd(org_name: str, plan_name: str, month: BillingMonth | None,
               as_json: bool) -> None:
    """Put organization ORG on PLAN from the next month (or --month), never mid-month."""
    chosen = month_of_desk(month, "next")
    effective = chosen.month
    with unit_of_work() as (session, desk, now):
        target = orgs.get_org(session, org_name)
        plan = plans.get_plan(session, plan_name)
        before = plans.plan_in_force(session, target.id, effective)
        plans.assign(session, target, plan, effective, "admin", now, actor=actor(),
                     tz=desk.billing_tz)
    doc = {"organization": target.name, "plan": plan.name, "effective_month": str(effective),
           "previous_plan": None if before is None else before.name}
    say_month(chosen, as_json)
    if as_json:
        emit_json(doc)
    else:
        click.echo(f"{target.name} is on {plan.display_name} ({plan.name}) from {effective}"
                   + ("" if before is None else f" (was {before.name})"))

