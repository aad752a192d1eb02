"""`supportdesk beta add|list|show|close|enrol|live|unban`: beta programmes (seed 000)."""

from __future__ import annotations

from datetime import date

import click

from bot.commands._admin import (
    AdminGroup,
    actor,
    admin_command,
    print_table,
    required,
    unit_of_work,
)
from bot.commands.common import DATE, emit_json, json_option
from desk import beta_enrolment, betas, orgs
from locales.plurals import english_count

SHOWN_DESCRIPTION = 60  # characters of a description in `beta list`


def _short(text: str, limit: int = SHOWN_DESCRIPTION) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@click.group(cls=AdminGroup)
def beta() -> None:
    """Beta programmes: publish, list, show, close; enrol client WABAs, mark them live.

    Premium organizations (plans whose beta access is "invited") are told of each new beta;
    any partner may express interest in chat with /beta NAME. A WABA is enrolled with a launch
    date at most 4 weeks after the organization's first client was enabled in that beta; the
    scheduler reminds a week before and bans an organization whose client misses the date.
    """


@beta.command("add")
@click.argument("name")
@click.option("--description", help="What the beta offers (shown to partners).")
@json_option
@admin_command
def add_cmd(name: str, description: str | None, as_json: bool) -> None:
    """Publish a beta NAME (one word: partners type /beta NAME); Premium partners are told."""
    text = required(description, "--description", "what the beta offers, shown to partners")
    with unit_of_work() as (session, desk, now):
        created, told = betas.add_beta(session, desk, name=name, description=text,
                                       now=now, actor=actor())
        doc = {**betas.beta_doc(created, betas.Figures()), "partners_told": told}
    if as_json:
        emit_json(doc)
        return
    click.echo(f"Added beta {doc['name']} (open, stage manual); told "
               f"{english_count(told, 'partner')} of invited (Premium) organizations.")


@beta.command("list")
@click.option("--all", "include_closed", is_flag=True, help="Closed betas too.")
@json_option
@admin_command
def list_cmd(include_closed: bool, as_json: bool) -> None:
    """Betas (open ones; --all for closed too) with stage and counts."""
    with unit_of_work() as (session, _desk, _now):
        found = betas.list_betas(session, include_closed=include_closed)
        counts = betas.figures(session, [b.id for b in found])
        docs = [betas.beta_doc(b, counts[b.id]) for b in found]
    if as_json:
        emit_json({"all": include_closed, "betas": docs})
        return
    print_table(["name", "status", "stage", "interested", "enrolments", "live", "description"],
                [[d["name"], d["status"], d["stage"], d["interested"], d["enrolments"], d["live"],
                  _short(d["description"])] for d in docs],
                empty="no betas" if include_closed else "no open betas (--all for closed ones)")


@beta.command("show")
@click.argument("name")
@json_option
@admin_command
def show_cmd(name: str, as_json: bool) -> None:
    """One beta: its counts, the organizations interested and the enrolled WABAs."""
    with unit_of_work() as (session, _desk, _now):
        found = betas.get_beta(session, name)
        doc = betas.beta_doc(found, betas.figures_of(session, found))
        doc["interests"] = [{"organization": o.name, "user_id": i.user_id,
                             "at": i.created_at} for i, o in betas.interests(session, found)]
        doc["enrolments"] = [beta_enrolment.enrolment_doc(e, o)
                             for e, o in betas.enrolments(session, found)]
    if as_json:
        emit_json(doc)
        return
    click.echo(f"{doc['name']}: {doc['status']}, stage {doc['stage']} "
               f"({doc['live']} of {betas.LIVE_FOR_INTEGRATION} live clients for integration)")
    click.echo(doc["description"])
    click.echo(f"created {doc['created_at'].isoformat()}"
               + (f", closed {doc['closed_at'].isoformat()}" if doc["closed_at"] else ""))
    click.echo(f"\ninterested organizations: {len(doc['interests'])}")
    print_table(["organization", "at"],
                [[i["organization"], i["at"].isoformat()] for i in doc["interests"]])
    click.echo(f"\nenrolments: {len(doc['enrolments'])}")
    print_table(["organization", "waba", "enabled_on", "launch_date", "status", "reminded"],
                [[e["organization"], e["waba"], e["enabled_on"].isoformat(),
                  e["launch_date"].isoformat(), e["status"],
                  e["reminded_at"].date().isoformat() if e["reminded_at"] else None]
                 for e in doc["enrolments"]])


@beta.command("close")
@click.argument("name")
@json_option
@admin_command
def close_cmd(name: str, as_json: bool) -> None:
    """Close a beta: no more interest or enrolments, no more reminders or bans for it."""
    with unit_of_work() as (session, _desk, now):
        closed, changed = betas.close_beta(session, name, now=now, actor=actor())
        doc = {**betas.beta_doc(closed, betas.figures_of(session, closed)), "changed": changed}
    if as_json:
        emit_json(doc)
        return
    if changed:
        click.echo(f"Closed beta {doc['name']}.")
    else:
        click.echo(f"Beta {doc['name']} was already closed (on "
                   f"{doc['closed_at'].date().isoformat()}).")


@beta.command("enrol")
@click.argument("name")
@click.option("--org", "org_name", required=True, help="The organization (any case).")
@click.option("--waba", required=True, help="The client's WABA id.")
@click.option("--launch", type=DATE, required=True,
              help="Launch date: not in the past, at most 4 weeks after the first client of "
                   "the organization was enabled in this beta.")
@click.option("--enabled-on", type=DATE,
              help="When the client was enabled for the beta (not in the future); default "
                   "today.")
@click.option("--kind", type=click.Choice(beta_enrolment.KINDS, case_sensitive=False),
              default="client", show_default=True,
              help="What the WABA is: only live client WABAs are enrolled (own and test WABAs "
                   "are refused).")
@json_option
@admin_command
def enrol_cmd(name: str, org_name: str, waba: str, launch: date, enabled_on: date | None,
              kind: str, as_json: bool) -> None:
    """Enrol a live client WABA of an organization in beta NAME with its launch date."""
    with unit_of_work() as (session, desk, now):
        org = orgs.get_org(session, org_name)
        done = beta_enrolment.enrol(session, desk, beta_name=name, org=org, waba=waba,
                                    launch=launch, enabled_on=enabled_on, kind=kind, now=now,
                                    actor=actor())
        doc = {"beta": done.beta.name, **beta_enrolment.enrolment_doc(done.row, org),
               "latest_launch": done.latest, "partners_told": done.told}
    if as_json:
        emit_json(doc)
        return
    click.echo(f"Enrolled WABA {doc['waba']} of {doc['organization']} in {doc['beta']}: "
               f"enabled on {doc['enabled_on'].isoformat()}, launch date "
               f"{doc['launch_date'].isoformat()} (at the latest "
               f"{doc['latest_launch'].isoformat()}); told "
               f"{english_count(doc['partners_told'], 'partner')}.")


@beta.command("live")
@click.argument("name")
@click.argument("waba")
@json_option
@admin_command
def live_cmd(name: str, waba: str, as_json: bool) -> None:
    """Mark an enrolled client WABA live in beta NAME (a real use case, by its launch date)."""
    with unit_of_work() as (session, desk, now):
        result = beta_enrolment.mark_live(session, desk, beta_name=name, waba=waba, now=now,
                                          actor=actor())
        found = betas.get_beta(session, name)
        doc = {"beta": found.name, **beta_enrolment.enrolment_doc(result.enrolment, result.org),
               "changed": result.changed, "live_clients": result.figures.live,
               "stage": result.figures.stage}
    if as_json:
        emit_json(doc)
        return
    head = (f"WABA {doc['waba']} of {doc['organization']} is live in {doc['beta']}"
            if result.changed else
            f"WABA {doc['waba']} of {doc['organization']} was already live in {doc['beta']} "
            f"(since {doc['live_at'].date().isoformat()})")
    click.echo(f"{head}: {english_count(doc['live_clients'], 'live client')}, stage "
               f"{doc['stage']}.")


@beta.command("unban")
@click.option("--org", "org_name", required=True, help="The organization (any case).")
@json_option
@admin_command
def unban_cmd(org_name: str, as_json: bool) -> None:
    """Lift an organization's ban from beta programmes (after a missed launch date)."""
    with unit_of_work() as (session, _desk, now):
        org = orgs.get_org(session, org_name)
        before = {"banned_at": org.beta_banned_at, "reason": org.beta_ban_reason}
        changed = betas.unban(session, org, now=now, actor=actor())
        doc = {"organization": org.name, "changed": changed, **before}
    if as_json:
        emit_json(doc)
        return
    if changed:
        click.echo(f"Lifted the beta ban of {doc['organization']} (banned on "
                   f"{doc['banned_at'].date().isoformat()}: {doc['reason']}).")
    else:
        click.echo(f"{doc['organization']} is not banned from beta programmes.")
