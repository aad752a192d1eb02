"""What every chat channel provides to the runner: the failure-and-park policy for incoming
updates, and the shared outbox delivery loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from bot.channels.db_thread import in_db_thread
from desk import inbound, outbox
from desk.context import DeskContext
from messages.types import UNAVAILABLE, Outcome
from store.db import transaction
from store.models import OutboxMessage

log = logging.getLogger(__name__)


class Channel(Protocol):
    name: str

    async def run(self, stop: asyncio.Event) -> None:
        """Receive updates and deliver the outbox until `stop` is set, then return cleanly."""
        ...


class PermanentFailure(Exception):
    """The message can never be delivered (blocked bot, deleted chat, channel_not_found)."""


class RetryLater(Exception):
    """The service asked to wait (HTTP 429 / ratelimited) or failed for a while (5xx, network)."""

    def __init__(self, message: str, after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.after_seconds = after_seconds


class NotStored(Exception):
    """The desk did not store an update; the channel must not acknowledge it, so it comes again."""


class DeskUnavailable(NotStored):
    """The database cannot be reached: the update waits, however long the outage lasts."""


def park(desk: DeskContext, channel: str, key: str, payload: dict[str, Any]) -> bool:
    """Keep a failed update's raw payload in the database for an operator (`supportdesk
    parked`, replayable); False if even that fails."""
    try:
        with transaction(desk.sessions) as session:
            inbound.park(session, channel, key, payload, desk.clock.now())
    except Exception:
        log.exception("%s update %s could not be parked", channel, key)
        return False
    log.error("%s update %s failed; parked as %s%s", channel, key, channel,
              inbound.PARKED_SUFFIX)
    return True


def settle(outcome: Outcome, what: str, *, last_try: bool, park_it: Callable[[], bool]) -> None:
    """The one policy for an update the channel can still refuse to acknowledge.

    The database unavailable: DeskUnavailable (the update comes again, however long it takes).
    Failed for a reason of its own (a bug, bad data): NotStored until the last try, then parked
    for an operator and answered with the desk's apology; if parking fails too, NotStored.
    """
    if outcome.failure == UNAVAILABLE:
        raise DeskUnavailable(f"{what}: the database is unavailable")
    if outcome.failure is None:
        return
    if not last_try:
        raise NotStored(f"{what} was not stored")
    if not park_it():
        raise NotStored(f"{what} failed and could not be parked")


# Sends one claimed outbox message; returns the native message id (or None).
Sender = Callable[[OutboxMessage], Awaitable[str | None]]


async def deliver_outbox_once(desk: DeskContext, channel: str, send: Sender,
                              limit: int = 50) -> int:
    """Claim due messages of `channel`, send each, record the outcome; return how many sent.

    The round's sent messages are recorded together at its end. A conversation whose message
    failed for now keeps its later messages of the round back (given back untried), so each
    conversation still sees its messages in order.
    """

    def claim() -> list[OutboxMessage]:
        with transaction(desk.sessions) as session:
            return outbox.claim_due(session, channel, desk.clock.now(), limit)

    claimed = await in_db_thread(desk, claim)
    delivered: list[tuple[int, str | None]] = []
    held: set[tuple[str, str]] = set()  # conversations stopped by a failure in this round
    untried: list[int] = []
    try:
        for index, message in enumerate(claimed):
            conversation = (message.chat_id, message.thread_id or "")
            if conversation in held:
                untried.append(message.id)
                continue
            try:
                external_id = await send(message)
            except PermanentFailure as exc:
                log.warning("outbox %s to %s:%s failed for good: %s", message.id, channel,
                            message.chat_id, exc)
                await in_db_thread(desk, _record, desk, outbox.mark_failed, message.id, str(exc))
                continue
            except RetryLater as exc:
                delay = timedelta(seconds=exc.after_seconds) if exc.after_seconds else None
                held.add(conversation)
                await in_db_thread(desk, _record, desk, outbox.mark_retry, message.id, str(exc),
                                        delay)
                if exc.after_seconds:  # the service asked the whole bot to wait
                    rest = [m.id for m in claimed[index + 1:]]
                    await in_db_thread(desk, _release, desk, rest, delay)
                    break
                continue
            except Exception as exc:  # an unexpected error must not stop delivery of the rest
                log.exception("outbox %s to %s: unexpected error", message.id, channel)
                held.add(conversation)
                await in_db_thread(desk, _record, desk, outbox.mark_retry, message.id,
                                        repr(exc), None)
                continue
            delivered.append((message.id, external_id))
    finally:
        if delivered:
            await in_db_thread(desk, _sent, desk, delivered)
        if untried:
            await in_db_thread(desk, _release, desk, untried, None)
    return len(delivered)


def _record(desk: DeskContext, mark: Callable[..., None], message_id: int, error: str,
            *extra: object) -> None:
    with transaction(desk.sessions) as session:
        mark(session, message_id, desk.clock.now(), error, *extra)


def _release(desk: DeskContext, message_ids: list[int], delay: timedelta | None) -> None:
    with transaction(desk.sessions) as session:
        outbox.release(session, message_ids, desk.clock.now(), delay)


def _sent(desk: DeskContext, delivered: list[tuple[int, str | None]]) -> None:
    with transaction(desk.sessions) as session:
        outbox.mark_sent_many(session, delivered, desk.clock.now())


async def outbox_loop(desk: DeskContext, channel: str, send: Sender, stop: asyncio.Event,
                      poll_seconds: float = 1.0) -> None:
    """Deliver the channel's outbox until stopped; a failing round is logged and retried."""
    while not stop.is_set():
        try:
            sent = await deliver_outbox_once(desk, channel, send)
        except Exception:
            log.exception("outbox delivery round for %s failed; retrying", channel)
            sent = 0
        if sent == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
