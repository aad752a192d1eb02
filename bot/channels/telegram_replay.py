"""Replaying a parked Telegram update through the desk once its failure has been fixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from telegram import Update

from bot.channels.telegram_translate import CHANNEL, to_incoming
from desk import inbound, outbox
from desk.context import DeskContext
from handlers.types import Incoming, Outcome
from store.db import transaction

BOT_KEY = "_desk"  # the bot's own id and username, stored beside the raw update when parking


class DeskHandler(Protocol):
    def handle(self, incoming: Incoming) -> Outcome: ...


@dataclass(frozen=True)
class Replayed:
    """What a replay did: 'answered' (replies queued), 'duplicate' (it had been handled
    meanwhile), 'ignored' (not an update the desk sees) or 'failed' (still failing: kept)."""

    status: str
    replies: int = 0
    outcome: Outcome | None = None


def parking_payload(update: Update, bot_id: int, bot_username: str | None) -> dict[str, Any]:
    """The raw update plus the bot's identity, which a replay needs to read group messages."""
    return {**update.to_dict(), BOT_KEY: {"bot_id": bot_id, "bot_username": bot_username}}


def to_replayable(payload: dict[str, Any], token_bot_id: int | None) -> Incoming | None:
    """The Incoming a parked payload stands for (None if the desk would not see it)."""
    raw = dict(payload)
    bot = raw.pop(BOT_KEY, None) or {}
    update = Update.de_json(raw, None)
    bot_id = bot.get("bot_id") or token_bot_id or 0
    return to_incoming(update, bot_id=int(bot_id), bot_username=bot.get("bot_username"))


def replay(desk: DeskContext, handler: DeskHandler, update_id: str,
           token_bot_id: int | None = None) -> Replayed:
    """Hand the parked update to the desk as a first delivery and queue its answers.

    The answers go to the outbox (the running desk delivers them); the parked row is settled
    in the same transaction. A replay that fails again leaves the row parked, unchanged.
    Raises LookupError for an unknown update and ValueError for a settled one.
    """
    with transaction(desk.sessions) as session:
        row = inbound.parked_update(session, CHANNEL, update_id)
        if row is None:
            raise LookupError(update_id)
        if row.processed_at is not None:
            raise ValueError(row.processed_at.isoformat())
        payload = dict(row.payload or {})
    incoming = to_replayable(payload, token_bot_id)
    outcome = handler.handle(incoming) if incoming is not None else None
    if outcome is not None and outcome.failure is not None:
        return Replayed("failed", outcome=outcome)
    with transaction(desk.sessions) as session:
        now = desk.clock.now()
        row = inbound.parked_update(session, CHANNEL, update_id)
        if row is not None and row.processed_at is None:  # a concurrent replay may have
            inbound.settle(row, now)                         # settled it: then it is a duplicate
        if incoming is None or outcome is None:
            return Replayed("ignored")
        if outcome.duplicate:
            return Replayed("duplicate", outcome=outcome)
        # A presser-only answer (e.g. "not yours") is not posted to a whole group later on.
        replies = [r for r in outcome.replies if incoming.is_private or not r.ephemeral]
        for reply in replies:
            outbox.enqueue(session, channel=CHANNEL, chat_id=incoming.chat_id, reply=reply,
                           language=outcome.language, purpose="reply", now=now)
    return Replayed("answered", len(replies), outcome)


def token_bot_id(token: str | None) -> int | None:
    """The bot id a Telegram token starts with ('123456:ABC...' -> 123456), if any."""
    head = (token or "").split(":", 1)[0]
    return int(head) if head.isdigit() else None
