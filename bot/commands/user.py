"""`supportdesk user`: people of the desk, their chat identities, roles and languages."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.orm import Session

from bot.commands._admin import (
    AdminGroup,
    actor,
    admin_command,
    print_table,
    required,
    unit_of_work,
)
from bot.commands.common import RECORD_ID, emit_json, fail, json_option
from desk import orgs, users
from desk.users import CHANNELS, USER_ROLES
from store.models import Organization, User


@click.group(cls=AdminGroup)
def user() -> None:
    """Users: partners, agents, TAMs, managers and admins, with their chat identities."""


def _doc(session: Session, u: User) -> dict[str, Any]:
    org = None if u.org_id is None else session.get(Organization, u.org_id)
    return {
        "id": u.id, "name": u.name, "role": u.role,
        "organization": None if org is None else org.name,
        "language": u.language,
        "identities": [{"channel": i.channel, "id": i.external_id} for i in u.identities],
        "removed_at": u.removed_at,
    }


@user.command("add")
@click.option("--channel", metavar="CHANNEL", help=f"Chat channel: {', '.join(CHANNELS)}.")
@click.option("--id", "external_id", metavar="ID",
              help="The channel's user id: Telegram a number, Slack U... or W....")
@click.option("--role", metavar="ROLE", help=f"One of {', '.join(USER_ROLES)}.")
@click.option("--org", "org_name", metavar="NAME",
              help="Organization (required for partners; a TAM with an "
              "organization is its dedicated TAM).")
@click.option("--name", metavar="NAME", help="Display name.")
@click.option("--language", metavar="LANG",
              help="en, pt-BR, de, es or ru (default: detected from messages).")
@json_option
@admin_command
def add_cmd(channel: str | None, external_id: str | None, role: str | None,
            org_name: str | None, name: str | None, language: str | None,
            as_json: bool) -> None:
    """Register a user with one chat identity and a role."""
    channel = required(channel, "--channel", " or ".join(CHANNELS))
    external_id = required(external_id, "--id", "the channel's user id")
    role = required(role, "--role", ", ".join(USER_ROLES))
    external_id = users.check_user_id_form(channel, external_id)
    with unit_of_work() as (session, desk, now):
        org = None if org_name is None else orgs.get_org(session, org_name)
        created = users.add_user(session, channel=channel, external_id=external_id, role=role,
                                 org=org, name=name, language=language, now=now,
                                 actor=actor(), tz=desk.billing_tz)
        doc = _doc(session, created)
    if as_json:
        emit_json(doc)
    else:
        where = "" if doc["organization"] is None else f" of {doc['organization']}"
        click.echo(f"added {doc['role']} {doc['name']} (id {doc['id']}){where}, "
                   f"{channel} id {doc['identities'][0]['id']}")


@user.command("list")
@click.option("--role", metavar="ROLE", help="Only users with this role.")
@click.option("--org", "org_name", metavar="NAME", help="Only users of this organization.")
@click.option("--all", "include_removed", is_flag=True, help="Include removed users.")
@json_option
@admin_command
def list_cmd(role: str | None, org_name: str | None, include_removed: bool,
             as_json: bool) -> None:
    """List users with their identities, role, organization and language."""
    with unit_of_work() as (session, _desk, _now):
        org = None if org_name is None else orgs.get_org(session, org_name)
        docs = [_doc(session, u) for u in users.list_users(
            session, include_removed=include_removed, role=role, org=org)]
    if as_json:
        emit_json({"users": docs})
        return
    print_table(
        ["id", "name", "role", "organization", "language", "identities", "removed"],
        [[d["id"], d["name"], d["role"], d["organization"], d["language"],
          ", ".join(f"{i['channel']}:{i['id']}" for i in d["identities"]) or None,
          None if d["removed_at"] is None else d["removed_at"].date().isoformat()]
         for d in docs],
        empty="no users",
    )


@user.command("remove")
@click.argument("user_id", type=RECORD_ID, required=False)
@click.option("--channel", metavar="CHANNEL", help="Find the user by chat identity: channel ...")
@click.option("--id", "external_id", metavar="ID", help="... and the channel's user id.")
@json_option
@admin_command
def remove_cmd(user_id: int | None, channel: str | None, external_id: str | None,
               as_json: bool) -> None:
    """Remove a user (by USER_ID, or by --channel and --id); history is kept and the chat
    identity can be registered again."""
    if (user_id is None) == (channel is None and external_id is None):
        fail("give either USER_ID or --channel and --id")
    with unit_of_work() as (session, _desk, now):
        if user_id is not None:
            target = users.get_user(session, user_id)
        else:
            target = users.find_by_identity(
                session, required(channel, "--channel", " or ".join(CHANNELS)),
                required(external_id, "--id", "the channel's user id"))
        before = _doc(session, target)
        users.remove_user(session, target, now=now, actor=actor())
    if as_json:
        emit_json({**before, "removed_at": target.removed_at})
    else:
        click.echo(f"removed {before['role']} {before['name']} (id {before['id']})")
