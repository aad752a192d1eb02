"""`supportdesk plan`: the plan catalogue (list, show, add, edit, duplicate, status) and
assignment of a plan and billing cycle to an organization."""

from __future__ import annotations

from typing import Any

import click

from billing.cycles import CYCLES
from billing.months import BillingMonth
from bot.commands._admin import (
    AdminGroup,
    actor,
    admin_command,
    print_table,
    required,
    unit_of_work,
)
from bot.commands.common import MONTH, emit_json, fail, json_option
from bot.commands.plan_options import given_terms, terms_options
from desk import orgs, plans
from desk.plan_terms import LIMIT_LABELS


@click.group(cls=AdminGroup)
def plan() -> None:
    """Billing plans (the catalogue) and which organization is on which plan and cycle."""


def _prices_text(doc: dict[str, Any]) -> str:
    """monthly 500.00 EUR, 500.00 USD; quarterly 1400.00 EUR"""
    return "; ".join(f"{cycle} " + ", ".join(f"{amount} {currency}"
                                            for currency, amount in by_currency.items())
                     for cycle, by_currency in doc["prices"].items()) or "none"


def _limits_text(doc: dict[str, Any]) -> str:
    """messages 1000, conversations none, team members 3 (none: no limit)"""
    values = [(label, doc["limits"][label.replace(" ", "_")]) for label in LIMIT_LABELS.values()]
    return ", ".join(f"{label} {'none' if value is None else value}" for label, value in values)


def _type_text(doc: dict[str, Any]) -> str:
    if doc["type"] == "revenue-sharing":
        return f"revenue-sharing {doc['revenue_share']}%"
    return str(doc["type"])


def _upgrade_text(doc: dict[str, Any]) -> str:
    if doc["auto_upgrade_to"] is None:
        return "none"
    return f"to {doc['auto_upgrade_to']} when monthly license fees are above " \
           f"{doc['auto_upgrade_above']}"


def _value(key: str, value: Any) -> str:
    """A term's value as the listings write it (prices, limits, none)."""
    if key == "prices":
        return _prices_text({"prices": value})
    if key == "limits":
        return _limits_text({"limits": value})
    if key in ("gst", "revenue_share") and value is not None:
        return f"{value}%"
    return "none" if value is None else str(value)


def _summary(doc: dict[str, Any]) -> str:
    return (f"{_type_text(doc)}; {_prices_text(doc)}; GST "
            f"{'off' if doc['gst'] is None else doc['gst'] + '%'}; {doc['free_escalations']} "
            f"free escalations, then {doc['overflow_price']} each; {doc['tam']} TAM, priority "
            f"{doc['queue_priority']}, betas {doc['beta_access']}; limits {_limits_text(doc)}; "
            f"{doc['status']}")


def _echo_plan(verb: str, doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(doc)
        return
    click.echo(f"plan {doc['name']} ({doc['display_name']}) {verb}: {_summary(doc)}")


@plan.command("list")
@click.option("--search", metavar="TEXT", help="Only plans whose name or display name "
              "contains TEXT (any case).")
@click.option("--all", "include_all", is_flag=True,
              help="Include disabled and archived plans (default: enabled ones only).")
@json_option
@admin_command
def list_cmd(search: str | None, include_all: bool, as_json: bool) -> None:
    """List the plans with their prices, terms and status, cheapest first."""
    with unit_of_work() as (session, _desk, _now):
        docs = [plans.plan_doc(p) for p in plans.list_plans(session, search=search,
                                                              include_all=include_all)]
    if as_json:
        emit_json({"plans": docs})
        return
    print_table(
        ["name", "display name", "type", "prices", "GST", "free esc.", "overflow", "TAM",
         "priority", "team", "auto-upgrade", "status"],
        [[d["name"], d["display_name"], _type_text(d), _prices_text(d),
          None if d["gst"] is None else f"{d['gst']}%", d["free_escalations"],
          d["overflow_price"], d["tam"], d["queue_priority"], d["limits"]["team_members"],
          f"> {d['auto_upgrade_above']} -> {d['auto_upgrade_to']}" if d["auto_upgrade_to"]
          else None, d["status"]] for d in docs],
        empty="no plans match" + ("" if include_all else " (--all includes disabled and "
                                                         "archived ones)"),
    )


@plan.command("show")
@click.argument("name")
@json_option
@admin_command
def show_cmd(name: str, as_json: bool) -> None:
    """Show everything about plan NAME."""
    with unit_of_work() as (session, _desk, _now):
        found = plans.get_plan(session, name)
        doc = {**plans.plan_doc(found),
               "organizations_ever_assigned": plans.organizations_on(session, found)}
    if as_json:
        emit_json(doc)
        return
    rows = [
        ("type", _type_text(doc)),
        ("status", f"{doc['status']} ({'enabled' if doc['enabled'] else 'disabled'}, "
                   f"{'hidden' if doc['hidden'] else 'visible'}"
                   f"{', archived' if doc['archived'] else ''})"),
        ("prices", _prices_text(doc)),
        ("GST", "off" if doc["gst"] is None else f"{doc['gst']}%"),
        ("escalations", f"{doc['free_escalations']} free per calendar month, then "
                        f"{doc['overflow_price']} each"),
        ("TAM", doc["tam"]),
        ("queue priority", doc["queue_priority"]),
        ("beta access", doc["beta_access"]),
        ("limits", _limits_text(doc)),
        ("auto-upgrade", _upgrade_text(doc)),
        ("organizations", f"{doc['organizations_ever_assigned']} ever assigned"),
    ]
    click.echo(f"{doc['name']} ({doc['display_name']})")
    for label, value in rows:
        click.echo(f"  {label + ':':<16}{value}")


@plan.command("add")
@click.argument("name")
@terms_options
@json_option
@admin_command
def add_cmd(name: str, as_json: bool, **options: Any) -> None:
    """Add plan NAME: --display-name, a price (--fee, or --cycle with --price-eur/--price-usd,
    or --price), --free-escalations and --overflow-price are needed."""
    required(options["display_name"], "--display-name", "the name shown to partners")
    fields = given_terms(options)
    required(fields.get("prices"), "--fee", "or --price CYCLE[:CURRENCY]:AMOUNT; a plan needs "
             "at least one price")
    for option in ("free_escalations", "overflow_price"):
        required(options[option], "--" + option.replace("_", "-"), "see --help")
    with unit_of_work() as (session, _desk, now):
        doc = plans.plan_doc(plans.add_plan(session, name=name, now=now, actor=actor(),
                                            **fields))
    _echo_plan("added", doc, as_json)


@plan.command("edit")
@click.argument("name")
@terms_options
@click.option("--no-upgrade", is_flag=True, help="Remove the automatic upgrade.")
@json_option
@admin_command
def edit_cmd(name: str, no_upgrade: bool, as_json: bool, **options: Any) -> None:
    """Change the terms given of plan NAME (prices are merged: --price CYCLE:none removes one).
    A changed automatic upgrade re-derives the plans of its organizations."""
    changes = given_terms(options)
    if no_upgrade:
        if "auto_upgrade_above" in changes or "auto_upgrade_to" in changes:
            fail("--no-upgrade cannot be combined with --upgrade-above or --upgrade-to")
        changes.update(auto_upgrade_above=None, auto_upgrade_to=None)
    if not changes:
        fail("nothing to change: give at least one option (see --help)")
    with unit_of_work() as (session, desk, now):
        edit = plans.edit_plan(session, name, now=now, tz=desk.billing_tz, actor=actor(),
                               **changes)
        doc = plans.plan_doc(edit.plan)
    rederived = {org: [c.as_dict() for c in changed] for org, changed in edit.rederived.items()}
    if as_json:
        emit_json({**doc, "changed": {"before": edit.before, "after": edit.after},
                   "rederived": rederived})
        return
    if not edit.after:
        click.echo(f"plan {doc['name']} unchanged: {_summary(doc)}")
        return
    changed = "; ".join(f"{key} {_value(key, edit.before[key])} -> {_value(key, edit.after[key])}"
                        for key in edit.after)
    click.echo(f"plan {doc['name']} ({doc['display_name']}) edited: {changed}")
    for org, moves in rederived.items():
        click.echo(f"  {org}: " + "; ".join(f"from {m['month']} {m['before']} -> {m['after']}"
                                            for m in moves))


@plan.command("duplicate")
@click.argument("source")
@click.argument("new_name")
@terms_options
@json_option
@admin_command
def duplicate_cmd(source: str, new_name: str, as_json: bool, **options: Any) -> None:
    """Copy plan SOURCE as NEW_NAME with the terms given changed; the copy is hidden until
    shown (plan unhide)."""
    changes = given_terms(options)
    with unit_of_work() as (session, _desk, now):
        doc = plans.plan_doc(plans.duplicate_plan(session, source, new_name, now=now,
                                                  actor=actor(), **changes))
    _echo_plan("added", doc, as_json)


def _status_command(command: str, verb: str, doc: str, **values: bool) -> None:
    @plan.command(command, help=doc)
    @click.argument("name")
    @json_option
    @admin_command
    def status_cmd(name: str, as_json: bool) -> None:
        with unit_of_work() as (session, _desk, now):
            if "enabled" in values:
                changed = plans.set_enabled(session, name, values["enabled"], now=now,
                                            actor=actor())
            else:
                changed = plans.hide_plan(session, name, hidden=values["hidden"], now=now,
                                          actor=actor())
            doc = plans.plan_doc(changed)
        _echo_plan(verb, doc, as_json)


_status_command("enable", "enabled", "Enable plan NAME: it can be assigned and offered.",
                enabled=True)
_status_command("disable", "disabled", "Disable plan NAME: it can no longer be assigned or "
                "offered; organizations on it keep it.", enabled=False)
_status_command("unhide", "shown", "Show plan NAME to partners again.", hidden=False)


@plan.command("hide")
@click.argument("name")
@click.option("--unhide", is_flag=True, help="Show the plan to partners again.")
@json_option
@admin_command
def hide_cmd(name: str, unhide: bool, as_json: bool) -> None:
    """Hide plan NAME from partners' choices (admins can still assign it)."""
    with unit_of_work() as (session, _desk, now):
        doc = plans.plan_doc(plans.hide_plan(session, name, hidden=not unhide, now=now,
                                             actor=actor()))
    _echo_plan("shown" if unhide else "hidden", doc, as_json)


@plan.command("archive")
@click.argument("name")
@json_option
@admin_command
def archive_cmd(name: str, as_json: bool) -> None:
    """Archive plan NAME: never assignable again; organizations on it keep it."""
    with unit_of_work() as (session, _desk, now):
        doc = plans.plan_doc(plans.archive_plan(session, name, now=now, actor=actor()))
    _echo_plan("archived", doc, as_json)


@plan.command("assign")
@click.argument("org_name", metavar="ORG")
@click.argument("plan_name", metavar="PLAN")
@click.option("--month", type=MONTH,
              help="Effective month: a start of the organization's billing cycle; default: "
              "the start of its next cycle (the next month when monthly).")
@click.option("--cycle", type=click.Choice(CYCLES, case_sensitive=False),
              help="Billing cycle from that month on; default: the organization's cycle.")
@json_option
@admin_command
def assign_cmd(org_name: str, plan_name: str, month: BillingMonth | None, cycle: str | None,
               as_json: bool) -> None:
    """Put organization ORG on PLAN from the start of its next billing cycle (or --month, a
    later cycle start); never in a month that has begun or in the middle of a cycle."""
    with unit_of_work() as (session, desk, now):
        target = orgs.get_org(session, org_name)
        chosen = plans.get_plan(session, plan_name)
        effective = month or plans.next_change_month(session, target, now, desk.billing_tz)
        before = plans.plan_in_force(session, target.id, effective)
        row = plans.assign(session, target, chosen, effective, "admin", now, actor=actor(),
                           tz=desk.billing_tz, cycle=cycle.lower() if cycle else None)
        price = plans.check_price(chosen, row.billing_cycle, target.currency)
    doc = {"organization": target.name, "plan": chosen.name, "effective_month": str(effective),
           "billing_cycle": row.billing_cycle, "price": str(price),
           "currency": target.currency,
           "previous_plan": None if before is None else before.name}
    if month is None and not as_json:
        click.echo(f"({effective}: the start of {target.name}'s next billing cycle; --month "
                   f"YYYY-MM for a later cycle start)", err=True)
    if as_json:
        emit_json(doc)
    else:
        click.echo(f"{target.name} is on {chosen.display_name} ({chosen.name}), "
                   f"{row.billing_cycle} at {price} {target.currency}, from {effective}"
                   + ("" if before is None else f" (was {before.name})"))
