"""A 429 with Retry-After stops the delivery round; the untried claims are given back at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.channels.base import RetryLater, deliver_outbox_once
from desk import outbox
from desk.clock import FixedClock
from desk.context import DeskContext
from messages.types import Reply
from store.db import transaction
from store.models import OutboxMessage


def test_untried_claims_are_released_with_the_wait_not_the_lease(
        desk: DeskContext, clock: FixedClock) -> None:
    with transaction(desk.sessions) as s:
        for chat in ("a", "b", "c"):
            outbox.enqueue(s, channel="telegram", chat_id=chat, reply=Reply("case.added"),
                           language="en", purpose="notice", now=clock.now())
    tried: list[str] = []

    async def send(message: OutboxMessage) -> str | None:
        tried.append(message.chat_id)
        raise RetryLater("429 Too Many Requests", after_seconds=3)

    assert asyncio.run(deliver_outbox_once(desk, "telegram", send)) == 0
    assert tried == ["a"]
    with transaction(desk.sessions) as s:
        rows = {m.chat_id: m for m in s.scalars(select(OutboxMessage))}
    assert rows["a"].status == "pending" and rows["a"].attempts == 1
    for chat in ("b", "c"):  # never tried: not an attempt, due after the service's wait
        assert rows[chat].status == "pending"
        assert rows[chat].attempts == 0
        assert rows[chat].next_attempt_at == clock.now() + timedelta(seconds=3)
    clock.advance(timedelta(seconds=3))

    async def ok(message: OutboxMessage) -> str | None:
        tried.append(message.chat_id)
        return f"m-{message.chat_id}"

    assert asyncio.run(deliver_outbox_once(desk, "telegram", ok)) == 3
    assert tried == ["a", "a", "b", "c"]
