"""`supportdesk org`: onboard organizations, show them per month, attach Partner IDs."""

from __future__ import annotations

from datetime import date
from typing import Any

import click
from sqlalchemy.orm import Session

from billing.cycles import CYCLES
from billing.months import BillingMonth
from bot.commands import org_channel
from bot.commands._admin import (
    AdminGroup,
    actor,
    admin_command,
    month_of_desk,
    print_table,
    required,
    unit_of_work,
)
from bot.commands.common import MONTH, emit_json, fail, json_option, say_month
from desk import audit, invoices, orgs
from desk.invoices import billing_today
from desk.orgs import BILLING_MODELS, OrgMonth
from store.models import Organization


@click.group(cls=AdminGroup)
def org() -> None:
    """Organizations (the billed parties) and their partner accounts."""


def _echo_org(view: OrgMonth) -> None:
    doc = view.as_dict()
    plan = doc["plan"]
    click.echo(f"{view.org.name} (id {view.org.id})")
    click.echo(f"  currency:       {view.org.currency}")
    click.echo(f"  billing model:  {view.org.billing_model}")
    if plan is None:
        click.echo(f"  plan in {view.month}: none (onboarded later)")
    else:
        assert isinstance(plan, dict)
        fee = "no price for its cycle" if plan["fee"] is None else \
            f"fee {plan['fee']} {view.org.currency}"
        click.echo(f"  plan in {view.month}: {plan['display_name']} ({plan['name']}), "
                   f"{fee}, {plan['allowance']} free "
                   f"escalations, then {plan['overflow_price']} {view.org.currency} each")
        click.echo(f"  billing cycle:  {doc['billing_cycle']} (this cycle from "
                   f"{doc['cycle_start']}, next from {doc['next_cycle_start']}; plan fee "
                   f"{'billed' if doc['plan_fee_billed_this_month'] else 'not billed'} "
                   f"in {view.month})")
    click.echo(f"  partner ids:    {', '.join(view.partner_ids) or '(none)'}")
    fees = "(not recorded)" if view.license_fees is None else \
        f"{view.license_fees} {view.org.currency}"
    click.echo(f"  license fees {view.month}: {fees}")


@org.command("add")
@click.argument("name")
@click.option("--plan", "plan_name", metavar="PLAN", default="growth", show_default=True,
              help="Plan from the current billing month on (see: supportdesk plan list).")
@click.option("--currency", metavar="EUR|USD",
              help="Billing currency, fixed at onboarding: EUR or USD.")
@click.option("--billing-model", metavar="MODEL", help="partner-paid or direct-paid.")
@click.option("--cycle", type=click.Choice(CYCLES, case_sensitive=False), default="monthly",
              show_default=True, help="Billing cycle (the plan needs a price for it).")
@json_option
@admin_command
def add_cmd(name: str, plan_name: str, currency: str | None, billing_model: str | None,
            cycle: str, as_json: bool) -> None:
    """Onboard organization NAME on a plan and billing cycle from the current billing month."""
    currency = required(currency, "--currency", "EUR or USD")
    billing_model = required(billing_model, "--billing-model", " or ".join(BILLING_MODELS))
    with unit_of_work() as (session, desk, now):
        created = orgs.create_org(session, name=name, plan_name=plan_name, currency=currency,
                                  billing_model=billing_model, now=now, tz=desk.billing_tz,
                                  cycle=cycle.lower(), actor=actor())
        view = orgs.describe(session, created, BillingMonth.of(now, desk.billing_tz))
    if as_json:
        emit_json(view.as_dict())
        return
    assert view.terms is not None
    cycle_text = "" if view.cycle is None or view.cycle.cycle == "monthly" else \
        f", {view.cycle.cycle} at {view.fee} {view.org.currency}"
    click.echo(f"added organization {view.org.name} (id {view.org.id}): "
               f"{view.terms.display_name} from {view.month}, {view.org.currency}, "
               f"{view.org.billing_model}{cycle_text}")


@org.command("list")
@click.option("--month", type=MONTH,
              help="Show the plan in force in this month; default: the current month.")
@json_option
@admin_command
def list_cmd(month: BillingMonth | None, as_json: bool) -> None:
    """List organizations with their plan in force."""
    chosen = month_of_desk(month, "current")
    when = chosen.month
    with unit_of_work() as (session, _desk, _now):
        views = [orgs.describe(session, o, when) for o in orgs.list_orgs(session)]
    say_month(chosen, as_json)
    if as_json:
        emit_json({"month": str(when), "organizations": [v.as_dict() for v in views]})
        return
    print_table(
        ["name", "currency", "billing model", f"plan {when}", "cycle", "partner ids"],
        [[v.org.name, v.org.currency, v.org.billing_model,
          None if v.terms is None else v.terms.name, None if v.cycle is None else v.cycle.cycle,
          len(v.partner_ids)] for v in views],
        empty="no organizations yet (add one: supportdesk org add NAME ...)",
    )


@org.command("show")
@click.argument("name")
@click.option("--month", type=MONTH, help="Billing month; default: the current month.")
@json_option
@admin_command
def show_cmd(name: str, month: BillingMonth | None, as_json: bool) -> None:
    """Show organization NAME in a month: plan, allowance, fee, partner ids, license fees."""
    chosen = month_of_desk(month, "current")
    with unit_of_work() as (session, desk, now):
        target = orgs.get_org(session, name)
        view = orgs.describe(session, target, chosen.month)
        onboarding = _onboarding(session, target, billing_today(now, desk.billing_tz))
    say_month(chosen, as_json)
    if as_json:
        emit_json({**view.as_dict(), "onboarding": onboarding})
        return
    _echo_org(view)
    if onboarding["blocked"]:
        click.echo(f"  onboarding:     BLOCKED: invoice {onboarding['invoice']} overdue since "
                   f"{onboarding['overdue_since']}, balance {onboarding['balance']} "
                   f"{target.currency}")
    elif target.billing_model == "direct-paid":
        click.echo("  onboarding:     not blocked (no overdue plan invoice)")
    else:
        click.echo("  onboarding:     never blocked (partner-paid)")


def _onboarding(session: Session, target: Organization, today: date) -> dict[str, Any]:
    """Whether onboarding of new clients is blocked, and by which overdue invoice."""
    block = invoices.onboarding_block(session, target, today)
    if block is None:
        return {"blocked": False, "invoice": None, "overdue_since": None, "balance": None}
    return {"blocked": True, "invoice": block.number,
            "overdue_since": invoices.overdue_since(block).isoformat(),
            "balance": str(invoices.balance(block).amount)}


@org.command("set")
@click.argument("name")
@click.option("--cycle", type=click.Choice(CYCLES, case_sensitive=False),
              help="New billing cycle, from the start of the next cycle.")
@click.option("--ai", "ai", type=click.Choice(["on", "off"], case_sensitive=False),
              help="off: never send this organization's messages to the AI model.")
@json_option
@admin_command
def set_cmd(name: str, cycle: str | None, ai: str | None, as_json: bool) -> None:
    """Change organization NAME's billing cycle (monthly, quarterly or yearly) from the start
    of its next cycle, on the plan in force then; or turn AI assistance on or off for it."""
    if ai is not None and cycle is not None:
        fail("give --cycle or --ai, one at a time")
    if ai is not None:
        with unit_of_work() as (session, _desk, now):
            target = orgs.get_org(session, name)
            changed = target.ai_enabled != (ai.lower() == "on")
            target.ai_enabled = ai.lower() == "on"
            if changed:
                audit.record(session, actor=actor(), action="org.ai", entity="organization",
                             entity_id=target.id, details={"ai": ai.lower()}, now=now)
            doc_ai = {"organization": target.name, "ai": ai.lower(), "changed": changed}
        if as_json:
            emit_json(doc_ai)
        else:
            click.echo(f"{doc_ai['organization']}: AI assistance {ai.lower()}"
                       f"{'' if changed else ' (unchanged)'}")
        return
    chosen = required(cycle, "--cycle", ", ".join(CYCLES))
    with unit_of_work() as (session, desk, now):
        target = orgs.get_org(session, name)
        change = orgs.set_cycle(session, target, chosen.lower(), now=now, tz=desk.billing_tz,
                                actor=actor())
    doc = {"organization": change.organization, "billing_cycle": change.cycle,
           "effective_month": str(change.month), "plan": change.plan,
           "price": str(change.price), "currency": change.currency,
           "previous_cycle": change.previous, "changed": change.changed}
    if as_json:
        emit_json(doc)
    elif not change.changed:
        click.echo(f"{change.organization} is already billed {change.cycle} "
                   f"({change.plan}, {change.price} {change.currency}); nothing changed")
    else:
        click.echo(f"{change.organization} is billed {change.cycle} from {change.month} "
                   f"(the start of its next cycle; was {change.previous}): {change.plan} at "
                   f"{change.price} {change.currency} per cycle")


@org.group("partner-id")
def partner_id() -> None:
    """Partner IDs (partner accounts) of an organization."""


@partner_id.command("add")
@click.argument("name")
@click.argument("partner_id_value", metavar="PARTNER_ID")
@json_option
@admin_command
def partner_id_add_cmd(name: str, partner_id_value: str, as_json: bool) -> None:
    """Attach PARTNER_ID to organization NAME (a Partner ID belongs to one organization)."""
    with unit_of_work() as (session, _desk, now):
        target = orgs.get_org(session, name)
        account = orgs.add_partner_id(session, target, partner_id_value, now=now, actor=actor())
        ids = orgs.partner_ids(session, target.id)
    if as_json:
        emit_json({"organization": target.name, "partner_id": account.partner_id,
                   "partner_ids": ids})
    else:
        click.echo(f"partner id {account.partner_id} added to {target.name} "
                   f"(now: {', '.join(ids)})")


@partner_id.command("list")
@click.argument("name")
@json_option
@admin_command
def partner_id_list_cmd(name: str, as_json: bool) -> None:
    """List the Partner IDs of organization NAME."""
    with unit_of_work() as (session, _desk, _now):
        target = orgs.get_org(session, name)
        ids = orgs.partner_ids(session, target.id)
    if as_json:
        emit_json({"organization": target.name, "partner_ids": ids})
    else:
        for value in ids:
            click.echo(value)
        if not ids:
            click.echo(f"{target.name} has no partner ids yet")


org.add_command(org_channel.channel)
