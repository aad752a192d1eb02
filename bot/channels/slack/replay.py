"""What a parked Slack event, slash command or button press stands for, read back for a replay."""

from __future__ import annotations

from typing import Any

from bot.channels.replay import BOT_KEY, Target, Translate
from bot.channels.slack import translate

KINDS = ("event", "command", "action")
_NOT_KEPT = frozenset({"token"})  # Slack's (deprecated) verification token: a secret


def parking_payload(kind: str, body: dict[str, Any], bot_user_id: str | None,
                    action: dict[str, Any] | None = None) -> dict[str, Any]:
    """The request body as Slack sent it (less its verification token), what kind it was, and
    the bot's user id."""
    kept = {k: v for k, v in body.items() if k not in _NOT_KEPT}
    payload: dict[str, Any] = {"kind": kind, "body": kept, BOT_KEY: {"bot_user_id": bot_user_id}}
    if action is not None:
        payload["action"] = action
    return payload


def update_id(kind: str, body: dict[str, Any], action: dict[str, Any] | None = None) -> str:
    """The key a parked request is filed under: the id the desk de-duplicates it by."""
    if kind == "event":
        return str(body.get("event_id") or "")
    incoming = (translate.from_command(body) if kind == "command"
                else translate.from_action(body, action or {}))
    return str(incoming.update_id or "")


def translator() -> Translate:
    """The replay's reading of a parked Slack payload.

    Events are answered where they were written (their DM or thread). Slash commands and
    button presses were answered only to the sender at the time; replayed, their answers come
    as a direct message to the sender.
    """

    def read(payload: dict[str, Any]) -> Target | None:
        kind = payload.get("kind")
        body = payload.get("body") or {}
        bot_user_id = (payload.get(BOT_KEY) or {}).get("bot_user_id")
        if kind == "event":
            event = body.get("event") or {}
            if not translate.is_person_message(event, bot_user_id):
                return None
            if event.get("type") == "app_mention":
                incoming = translate.from_mention(event, event_id=body.get("event_id"),
                                                  bot_user_id=bot_user_id)
                return Target(incoming, incoming.chat_id, incoming.thread_id)
            incoming = translate.from_message(event, event_id=body.get("event_id"))
            return Target(incoming, incoming.chat_id, event.get("thread_ts"))
        if kind == "command":
            incoming = translate.from_command(body)
        elif kind == "action":
            incoming = translate.from_action(body, payload.get("action") or {})
        else:
            return None
        return Target(incoming, incoming.user_id, to_sender_only=True)

    return read
