"""A database outage that outlasts the Telegram poller's retries must not acknowledge (and so
lose) the update in hand: it waits until the desk can store it. An update that fails for any
other reason is parked in the database before it is acknowledged."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.replay import BOT_KEY
from bot.channels.telegram import channel as telegram
from bot.channels.telegram.channel import MAX_FAILURES, TelegramChannel
from bot.channels.telegram.replay import translator
from bot.settings import load_settings
from desk.clock import SystemClock
from desk.context import DeskContext
from handlers.desk import Desk
from messages.types import INTERNAL, UNAVAILABLE, Incoming, Outcome, Reply
from store.db import make_engine, make_session_factory, transaction
from store.models import InboundUpdate
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI, message_update, user
from tests.telegram.helpers import Running

OUTAGE = MAX_FAILURES + 3  # attempts that find the database down


class OutageDesk:
    """Answers like Desk.handle does while its database is unreachable, then recovers."""

    def __init__(self, failing: int) -> None:
        self.failing = failing
        self.stored: set[str] = set()
        self.calls = 0
        self._lock = threading.Lock()

    def handle(self, incoming: Incoming) -> Outcome:
        with self._lock:
            self.calls += 1
            if self.failing > 0:
                self.failing -= 1
                return Outcome("en", (Reply("error.unavailable"),), failure=UNAVAILABLE)
            if incoming.update_id in self.stored:
                return Outcome("en", (), duplicate=True)
            self.stored.add(str(incoming.update_id))
            return Outcome("en", (Reply("tg.text_only"),))


async def _quick_sleep(stop: asyncio.Event, seconds: float) -> None:
    """The poller's back-off, shortened: the test is about what happens, not when."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=min(seconds, 0.05))


def poll_until_confirmed(sessions: sessionmaker[Session], handler: object, chat: int,
                         text: str) -> int:
    """Run a polling channel with `handler` until Telegram got the update's acknowledgement."""
    with FakeTelegramAPI(TOKEN) as api:
        settings = load_settings(telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
                                 outbox_poll_seconds=0.1)
        channel = TelegramChannel(settings, DeskContext(sessions=sessions, clock=SystemClock()),
                                  handler, poll_timeout=1)  # type: ignore[arg-type]
        run = Running(channel).start()
        try:
            uid = api.push_update(message_update(user(chat), chat, text))
            api.wait_for(lambda: api.confirmed_offset > uid, what="the update to be confirmed")
        finally:
            run.stop()
    return uid


def test_update_is_not_acknowledged_while_the_database_stays_down(
        sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram, "_sleep", _quick_sleep)
    handler = OutageDesk(OUTAGE)
    uid = poll_until_confirmed(sessions, handler, 5001, "Is the API down for you?")
    assert handler.calls > OUTAGE, "the poller stopped trying while the database was down"
    assert str(uid) in handler.stored, "acknowledged to Telegram without ever being stored"


class PoisonDesk:
    """Fails on every attempt for a reason other than the database (a bug, bad data)."""

    def __init__(self) -> None:
        self.calls = 0

    def handle(self, incoming: Incoming) -> Outcome:
        self.calls += 1
        return Outcome("en", (Reply("error.internal"),), failure=INTERNAL)


def test_an_update_failing_every_time_is_parked_before_it_is_acknowledged(
        sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram, "_sleep", _quick_sleep)
    handler = PoisonDesk()
    uid = poll_until_confirmed(sessions, handler, 5002, "this one always fails")
    assert handler.calls == MAX_FAILURES
    with transaction(sessions) as session:
        parked = session.query(InboundUpdate).filter_by(channel="telegram:parked").all()
    assert [p.update_id for p in parked] == [str(uid)]
    assert parked[0].payload["message"]["text"] == "this one always fails"
    assert parked[0].processed_at is None
    # What `supportdesk parked replay` reads back is the same update, with the bot's identity.
    target = translator(token_bot_id=None)(parked[0].payload)
    assert target is not None and target.chat_id == "5002"
    replayable = target.incoming
    assert (replayable.update_id, replayable.user_id, replayable.text) == (
        str(uid), "5002", "this one always fails")
    assert parked[0].payload[BOT_KEY]["bot_id"] > 0


def test_desk_answers_unavailable_when_the_database_cannot_be_reached(tmp_path) -> None:
    # A SQLite file in a folder that does not exist: every connection attempt fails.
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'desk.db'}")
    outcome = Desk(DeskContext(sessions=make_session_factory(engine))).handle(
        Incoming(channel="telegram", user_id="1", chat_id="1", text="hello", update_id="7"))
    assert outcome.failure == UNAVAILABLE
    assert [r.key for r in outcome.replies] == ["error.unavailable"]
