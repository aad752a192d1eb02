"""`supportdesk org channel`: link shared channels (Slack Connect, Telegram groups) to orgs."""

from __future__ import annotations

import click

from bot.commands._admin import AdminGroup, actor, admin_command, print_table, unit_of_work
from bot.commands.common import emit_json, fail, json_option
from desk import linked_channels, orgs
from desk.errors import NotFound
from desk.linked_channels import MODES


@click.group("channel", cls=AdminGroup)
def channel() -> None:
    """Shared support channels: a Slack Connect channel or a Telegram group per organization."""


def _target(slack: str | None, telegram: str | None) -> tuple[str, str]:
    """(channel, chat id) from exactly one of --slack and --telegram."""
    if (slack is None) == (telegram is None):
        fail("give exactly one of --slack CHANNEL_ID and --telegram CHAT_ID")
    return ("slack", slack) if slack is not None else ("telegram", str(telegram))


_slack = click.option("--slack", metavar="CHANNEL_ID",
                      help="Slack channel id (a Slack Connect channel), like C0123ABCD.")
_telegram = click.option("--telegram", metavar="CHAT_ID",
                         help="Telegram group or supergroup chat id, like -1001234567890.")


@channel.command("add")
@click.argument("name")
@_slack
@_telegram
@click.option("--mode", type=click.Choice(MODES, case_sensitive=False), default="every-message",
              show_default=True,
              help="every-message: every partner message is heard; mention: only mentions of "
                   "the bot.")
@json_option
@admin_command
def add_cmd(name: str, slack: str | None, telegram: str | None, mode: str,
            as_json: bool) -> None:
    """Link a Slack channel or Telegram group to organization NAME as its shared channel."""
    kind, chat_id = _target(slack, telegram)
    with unit_of_work() as (session, _desk, now):
        target = orgs.get_org(session, name)
        view = linked_channels.link(session, target, channel=kind, chat_id=chat_id,
                                    mode=mode.lower(), now=now, actor=actor())
    if as_json:
        emit_json(view.as_dict())
    else:
        click.echo(f"{view.channel} chat {view.chat_id} linked to {view.organization} "
                   f"(mode {view.mode})")


@channel.command("list")
@click.argument("name", required=False)
@json_option
@admin_command
def list_cmd(name: str | None, as_json: bool) -> None:
    """List the shared channels of organization NAME, or of every organization."""
    with unit_of_work() as (session, _desk, _now):
        target = orgs.get_org(session, name) if name is not None else None
        views = linked_channels.list_links(session, target)
    if as_json:
        emit_json({"organization": target.name if target is not None else None,
                   "channels": [v.as_dict() for v in views]})
        return
    print_table(["organization", "channel", "chat id", "mode", "linked at"],
                [[v.organization, v.channel, v.chat_id, v.mode,
                  v.created_at.strftime("%Y-%m-%d %H:%M UTC")] for v in views],
                empty="no shared channels linked")


@channel.command("remove")
@click.argument("name", required=False)
@_slack
@_telegram
@json_option
@admin_command
def remove_cmd(name: str | None, slack: str | None, telegram: str | None,
               as_json: bool) -> None:
    """Unlink a Slack channel or Telegram group (of organization NAME, when given)."""
    kind, chat_id = _target(slack, telegram)
    with unit_of_work() as (session, _desk, now):
        if name is not None:
            target = orgs.get_org(session, name)
            link = linked_channels.lookup(session, kind,
                                          linked_channels.check_chat_id(kind, chat_id))
            if link is None or link.org_id != target.id:
                raise NotFound(f"{kind} chat {chat_id.strip()} is not linked to {target.name}")
        view = linked_channels.unlink(session, channel=kind, chat_id=chat_id, now=now,
                                      actor=actor())
    if as_json:
        emit_json({**view.as_dict(), "removed": True})
    else:
        click.echo(f"{view.channel} chat {view.chat_id} unlinked from {view.organization}")
