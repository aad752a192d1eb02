"""`supportdesk parked`: list, replay or drop the updates that failed every attempt."""

from __future__ import annotations

from typing import Any

import click

from bot.commands._admin import AdminGroup, actor, admin_command, current_desk, print_table
from bot.commands.common import emit_json, fail, json_option, settings
from desk import audit, inbound
from store.db import transaction
from store.models import InboundUpdate

REPLAYABLE = ("telegram", "slack")
_SUMMARY = 60


@click.group(cls=AdminGroup)
def parked() -> None:
    """Updates that failed every attempt and were parked instead of being lost."""


def _summary(payload: dict[str, Any] | None) -> dict[str, Any]:
    """Sender, chat and text of a parked update, for a person deciding what to do with it."""
    payload = payload or {}
    if "kind" in payload:  # Slack: the request body and what kind of request it was
        body = payload.get("body") or {}
        event = body.get("event") or {}
        user = event.get("user") or body.get("user_id") or (body.get("user") or {}).get("id")
        chat = (event.get("channel") or body.get("channel_id")
                or (body.get("channel") or {}).get("id"))
        action = payload.get("action") or {}
        text = (event.get("text") if payload["kind"] == "event"
                else f"/support {body.get('text') or ''}" if payload["kind"] == "command"
                else f"[button {action.get('value', '')}]")
        return {"sender": user, "chat": chat, "text": " ".join(str(text or "").split())}
    query = payload.get("callback_query") or {}
    message = payload.get("message") or query.get("message") or {}
    sender = (query or message).get("from") or {}
    text = f"[button {query.get('data', '')}]" if query else (
        message.get("text") or message.get("caption") or "")
    return {"sender": sender.get("id"), "chat": (message.get("chat") or {}).get("id"),
            "text": " ".join(str(text).split())}


def _row(row: InboundUpdate) -> dict[str, Any]:
    return {"channel": row.channel.removesuffix(inbound.PARKED_SUFFIX),
            "update_id": row.update_id, "parked_at": row.received_at,
            "settled_at": row.processed_at, **_summary(row.payload)}


@parked.command("list")
@click.option("--all", "include_settled", is_flag=True,
              help="Also the updates already replayed or dropped.")
@json_option
@admin_command
def list_cmd(include_settled: bool, as_json: bool) -> None:
    """Print the parked updates waiting for a decision, oldest first."""
    desk = current_desk()
    with transaction(desk.sessions) as session:
        rows = [_row(r) for r in inbound.parked(session, include_settled)]
    if as_json:
        emit_json(rows)
        return
    print_table(
        ("channel", "update", "parked at", "sender", "chat", "text", *(
            ("settled at",) if include_settled else ())),
        [(r["channel"], r["update_id"], r["parked_at"].isoformat(timespec="seconds"),
          r["sender"], r["chat"], _clip(r["text"]), *(
              (r["settled_at"].isoformat(timespec="seconds") if r["settled_at"] else None,)
              if include_settled else ()))
         for r in rows], empty="(no parked updates)")


def _clip(text: str) -> str:
    return text if len(text) <= _SUMMARY else text[:_SUMMARY - 1] + "…"


def _channel_option(func: Any) -> Any:
    return click.option("--channel", default="telegram", show_default=True,
                        type=click.Choice(REPLAYABLE, case_sensitive=False),
                        help="The channel that parked it.")(func)


@parked.command("replay")
@click.argument("update_id")
@_channel_option
@json_option
@admin_command
def replay_cmd(update_id: str, channel: str, as_json: bool) -> None:
    """Process a parked update again, as a first delivery; its answers go out via the outbox.

    Replay once the cause of the failure is fixed. An update that still fails stays parked.
    """
    from bot.channels import replay
    from bot.channels.slack import replay as slack_replay
    from bot.channels.telegram import replay as telegram_replay
    from handlers.desk import Desk

    desk = current_desk()
    if channel == "slack":
        translate = slack_replay.translator()
    else:
        token = settings().telegram_bot_token
        translate = telegram_replay.translator(
            telegram_replay.token_bot_id(token.get_secret_value() if token else None))
    try:
        done = replay.replay(desk, Desk(desk), channel, update_id, translate)
    except LookupError:
        fail(f"no parked {channel} update {update_id!r} (see: supportdesk parked list)")
    except ValueError as exc:
        fail(f"{channel} update {update_id} was already settled at {exc}")
    if done.status == "failed":
        fail(f"{channel} update {update_id} failed again; it stays parked (see the log)")
    with transaction(desk.sessions) as session:
        audit.record(session, actor=actor(), action="parked.replay", entity="inbound_update",
                     entity_id=f"{channel}:{update_id}",
                     details={"status": done.status, "replies": done.replies},
                     now=desk.clock.now())
    if as_json:
        emit_json({"channel": channel, "update_id": update_id, "status": done.status,
                   "replies_queued": done.replies})
        return
    click.echo({
        "answered": f"replayed {channel} update {update_id}: {done.replies} answer(s) queued",
        "duplicate": f"{channel} update {update_id} had been handled meanwhile; settled",
        "ignored": f"{channel} update {update_id} is not one the desk answers; settled",
    }[done.status])


@parked.command("drop")
@click.argument("update_id")
@_channel_option
@json_option
@admin_command
def drop_cmd(update_id: str, channel: str, as_json: bool) -> None:
    """Settle a parked update without processing it (it stays on record, marked settled)."""
    desk = current_desk()
    with transaction(desk.sessions) as session:
        row = inbound.parked_update(session, channel, update_id)
        if row is None:
            fail(f"no parked {channel} update {update_id!r} (see: supportdesk parked list)")
        if row.processed_at is not None:
            fail(f"{channel} update {update_id} was already settled at "
                 f"{row.processed_at.isoformat()}")
        now = desk.clock.now()
        inbound.settle(row, now)
        audit.record(session, actor=actor(), action="parked.drop", entity="inbound_update",
                     entity_id=f"{channel}:{update_id}", details=_summary(row.payload), now=now)
        dropped = _row(row)
    if as_json:
        emit_json({**dropped, "status": "dropped"})
        return
    click.echo(f"dropped {channel} update {update_id}; it stays on record as settled")
