"""Replaying a parked update through the desk once its failure has been fixed (any channel)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from desk import inbound, outbox
from desk.context import DeskContext
from messages.types import Incoming, Outcome
from store.db import transaction

BOT_KEY = "_desk"  # the bot's own identity, stored beside the raw update when parking


class DeskHandler(Protocol):
    def handle(self, incoming: Incoming) -> Outcome: ...


@dataclass(frozen=True)
class Target:
    """What a parked payload stands for, and where its answers go (a chat, maybe a thread)."""

    incoming: Incoming
    chat_id: str
    thread_id: str | None = None
    to_sender_only: bool = False  # the destination is the sender's own direct chat


# A channel's reading of a parked payload: None when the desk would not see it.
Translate = Callable[[dict[str, Any]], Target | None]


@dataclass(frozen=True)
class Replayed:
    """What a replay did: 'answered' (replies queued), 'duplicate' (it had been handled
    meanwhile), 'ignored' (not an update the desk sees) or 'failed' (still failing: kept)."""

    status: str
    replies: int = 0
    outcome: Outcome | None = None


def replay(desk: DeskContext, handler: DeskHandler, channel: str, update_id: str,
           translate: Translate) -> Replayed:
    """Hand the parked update to the desk as a first delivery and queue its answers.

    The answers go to the outbox (the running desk delivers them) in the transaction that
    settles the parked row. A replay that fails again leaves the row parked, unchanged.
    Raises LookupError for an unknown update and ValueError (with the time) for a settled one.
    """
    with transaction(desk.sessions) as session:
        row = inbound.parked_update(session, channel, update_id)
        if row is None:
            raise LookupError(update_id)
        if row.processed_at is not None:
            raise ValueError(row.processed_at.isoformat())
        payload = dict(row.payload or {})
    target = translate(payload)
    outcome = handler.handle(target.incoming) if target is not None else None
    if outcome is not None and outcome.failure is not None:
        return Replayed("failed", outcome=outcome)
    with transaction(desk.sessions) as session:
        now = desk.clock.now()
        row = inbound.parked_update(session, channel, update_id)
        if row is not None and row.processed_at is None:  # else a concurrent replay did it
            inbound.settle(row, now)
        if target is None or outcome is None:
            return Replayed("ignored")
        if outcome.duplicate:
            return Replayed("duplicate", outcome=outcome)
        # An answer meant for the sender alone is not posted to a whole group later on.
        private = target.to_sender_only or target.incoming.is_private
        replies = [r for r in outcome.replies if private or not r.ephemeral]
        for reply in replies:
            outbox.enqueue(session, channel=channel, chat_id=target.chat_id,
                           thread_id=target.thread_id, reply=reply, language=outcome.language,
                           purpose="reply", now=now)
    return Replayed("answered", len(replies), outcome)
