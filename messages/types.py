"""The seam between channels and the desk: one message type in, one reply type out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Incoming:
    """A message or button press from a chat, already translated from the native update."""

    channel: str  # slack | telegram | console
    user_id: str  # the channel's own user id
    chat_id: str  # Telegram chat id, Slack channel or DM id, console room
    text: str = ""
    thread_id: str | None = None  # Slack thread ts; None elsewhere
    update_id: str | None = None  # for de-duplication of redeliveries
    locale_hint: str | None = None  # Telegram language_code, Slack user locale
    display_name: str | None = None
    action: str | None = None  # callback data of a pressed button (<= 64 bytes)
    reply_to_message_id: str | None = None  # native id of the message this one answers
    is_private: bool = True  # a DM / private chat rather than a group or channel
    # channel chatter in a thread: handled only when the thread is already a desk conversation
    only_in_known_thread: bool = False
    from_bot: bool = False  # sent by a bot (ours or another): never heard in a shared channel
    # Slack: the sender belongs to the provider's own workspace (not a Slack Connect guest)
    provider_member: bool = False
    # group chatter (not addressed to the bot): heard only in a shared channel (every-message)
    only_if_shared: bool = False
    reply_to_user_id: str | None = None  # Telegram groups: who wrote the message answered
    # Slack: the text followed a mention of the bot, so "escalate 42" may be a command without
    # its slash (slash commands cannot be typed in threads, nor by Slack Connect guests)
    addressed: bool = False


@dataclass(frozen=True)
class Button:
    """A button: a catalog key for its label, and the compact action it sends back."""

    label_key: str
    action: str
    params: Mapping[str, Any] = field(default_factory=dict)
    style: str | None = None  # primary | danger | None


@dataclass(frozen=True)
class Reply:
    """A catalog key plus parameters, rendered in the reader's language only at the edge."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()
    ephemeral: bool = False  # Slack: only the sender sees it


INTERNAL = "internal"  # processing failed; nothing was stored (a bug, or bad data)
UNAVAILABLE = "unavailable"  # the database could not be reached; nothing was stored


@dataclass(frozen=True)
class Outcome:
    """What the desk answers the sender: replies in `language`; duplicate=True if seen before.

    `failure` is None when the update was stored and processed; otherwise INTERNAL or
    UNAVAILABLE, and nothing of it was stored: a channel must not acknowledge it.
    """

    language: str
    replies: tuple[Reply, ...] = ()
    duplicate: bool = False
    failure: str | None = None
    # A plain shared group's conversation the message was placed in (handlers.shared_channels):
    # the channel remembers its answers under it, so that replies to them join it.
    conversation: str | None = None
