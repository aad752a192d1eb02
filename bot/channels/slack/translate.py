"""Translate Slack events, slash commands and button presses into the desk's Incoming."""

from __future__ import annotations

import re
from typing import Any

from messages.types import Incoming

CHANNEL = "slack"
# Message subtypes that carry a person's words; everything else (edits, deletions, joins,
# bot messages) is ignored.
_PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")


def is_person_message(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A message written by a person (not a bot, not an edit/deletion/join)."""
    if event.get("subtype") not in _PERSON_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id


def mentions(text: str, user_id: str | None) -> bool:
    return bool(user_id) and (f"<@{user_id}>" in text or f"<@{user_id}|" in text)


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """Remove the bot's mention(s); if the bot's id is unknown, the leading mention."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[\s,:]*", "", text)
    else:
        text = _LEADING_MENTION.sub("", text, count=1)
    return text.strip()


def from_provider(event: dict[str, Any], team_id: str | None) -> bool:
    """Whether the sender belongs to the provider's own workspace: in a Slack Connect channel
    the partner's people come from their own workspace (`user_team` differs)."""
    team = event.get("user_team") or event.get("team")
    return bool(team_id) and team == team_id


def from_message(event: dict[str, Any], *, event_id: str | None,
                 locale_hint: str | None = None, display_name: str | None = None) -> Incoming:
    """A DM or a channel message as Incoming.

    In a channel, the thread is the conversation (thread_id = the parent's ts) and the parent
    is the message being answered: an agent's reply under a new-case notice maps to that case.
    A top-level channel message starts its own thread (thread_id = its ts): in a shared
    channel it opens a case answered in that thread.
    A DM is one conversation as a whole, threads included, so a partner answering the bot in a
    thread of the DM stays on their case (the adapter answers in that thread).
    """
    thread_ts = event.get("thread_ts")
    direct = event.get("channel_type") == "im"
    return Incoming(
        channel=CHANNEL,
        user_id=str(event["user"]),
        chat_id=str(event["channel"]),
        text=str(event.get("text") or ""),
        thread_id=None if direct else (thread_ts or event.get("ts")),
        update_id=event_id,
        locale_hint=locale_hint,
        display_name=display_name,
        reply_to_message_id=thread_ts,
        is_private=direct,
    )


def from_mention(event: dict[str, Any], *, event_id: str | None, bot_user_id: str | None,
                 locale_hint: str | None = None,
                 display_name: str | None = None) -> Incoming:
    """An app_mention: the mention starts (or continues) a thread, which is the conversation."""
    thread_ts = event.get("thread_ts")
    return Incoming(
        channel=CHANNEL,
        user_id=str(event["user"]),
        chat_id=str(event["channel"]),
        text=strip_bot_mention(str(event.get("text") or ""), bot_user_id),
        thread_id=thread_ts or event.get("ts"),
        update_id=event_id,
        locale_hint=locale_hint,
        display_name=display_name,
        reply_to_message_id=thread_ts,
        is_private=event.get("channel_type") == "im",
        addressed=True,
    )


def command_text(text: str | None) -> str:
    """`/support escalate 42` arrives as text 'escalate 42' -> '/escalate 42'; empty -> '/help'."""
    words = (text or "").strip()
    if not words:
        return "/help"
    return "/" + words.lstrip("/")


def from_command(body: dict[str, Any], *, locale_hint: str | None = None,
                 display_name: str | None = None) -> Incoming:
    """A /support slash command (never retried by Slack; the trigger id identifies it)."""
    channel_id = str(body.get("channel_id") or body.get("user_id"))
    trigger = body.get("trigger_id")
    return Incoming(
        channel=CHANNEL,
        user_id=str(body["user_id"]),
        chat_id=channel_id,
        text=command_text(body.get("text")),
        update_id=f"cmd:{trigger}" if trigger else None,
        locale_hint=locale_hint,
        display_name=display_name,
        is_private=channel_id.startswith("D"),
    )


def from_home(body: dict[str, Any]) -> bool:
    """A press on a view (the App Home tab): no channel, no message, no response_url."""
    return (body.get("container") or {}).get("type") == "view"


def from_action(body: dict[str, Any], action: dict[str, Any], *,
                locale_hint: str | None = None, display_name: str | None = None) -> Incoming:
    """A pressed Block Kit button: its value is the desk's compact action string. A press on
    the Home tab is a private one of the person (chat_id: their user id, for the DM)."""
    user_id = str((body.get("user") or {}).get("id"))
    container = body.get("container") or {}
    channel_id = str((body.get("channel") or {}).get("id") or container.get("channel_id")
                     or user_id)
    message = body.get("message") or {}
    message_ts = container.get("message_ts") or message.get("ts")
    press = action.get("action_ts") or body.get("trigger_id")
    return Incoming(
        channel=CHANNEL,
        user_id=user_id,
        chat_id=channel_id,
        text="",
        thread_id=message.get("thread_ts") or container.get("thread_ts"),
        update_id=f"act:{user_id}:{press}" if press else None,
        locale_hint=locale_hint,
        display_name=display_name,
        action=str(action.get("value") or ""),
        reply_to_message_id=message_ts,
        is_private=channel_id.startswith("D") or from_home(body),
    )
