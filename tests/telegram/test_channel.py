"""The Telegram channel in-process against the fake Bot API, with a recording desk handler."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from telegram.error import InvalidToken

from bot.channels.telegram.channel import TelegramChannel
from bot.settings import Settings, SettingsError, load_settings
from desk import outbox
from desk.clock import SystemClock
from desk.context import DeskContext, Room
from messages.types import INTERNAL, Button, Incoming, Outcome, Reply
from store.db import transaction
from store.models import OutboxMessage
from tests.fakes.telegram_api import (
    TOKEN,
    FakeTelegramAPI,
    callback_update,
    message_update,
    sent_message,
    user,
)
from tests.telegram.helpers import Running, free_port

AGENTS = "-100777"


class RecordingDesk:
    """Answers every message with one reply; de-duplicates by update id; can block or fail."""

    def __init__(self) -> None:
        self.seen: list[Incoming] = []
        self.entered: list[Incoming] = []  # before the gate
        self.handled: set[str] = set()
        self.gate = threading.Event()
        self.gate.set()
        self.fail_times = 0
        self.unstored_times = 0  # answer like Desk.handle does when its transaction failed
        self.replies: tuple[Reply, ...] = (Reply("tg.text_only"),)
        self._lock = threading.Lock()

    def handle(self, incoming: Incoming) -> Outcome:
        self.entered.append(incoming)
        self.gate.wait(60)
        with self._lock:
            self.seen.append(incoming)
            if self.fail_times > 0:
                self.fail_times -= 1
                raise RuntimeError("database unavailable")
            if self.unstored_times > 0:
                self.unstored_times -= 1
                return Outcome("en", (Reply("error.internal"),), failure=INTERNAL)
            if incoming.update_id in self.handled:
                return Outcome("en", (), duplicate=True)
            self.handled.add(str(incoming.update_id))
        if incoming.only_if_shared:  # as the desk: chatter of a group that is not linked
            return Outcome("ru")
        return Outcome("ru", self.replies)


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN) as fake:
        yield fake


@pytest.fixture
def live_desk(sessions: sessionmaker[Session]) -> DeskContext:
    return DeskContext(sessions=sessions, clock=SystemClock(),
                       agent_rooms=(Room("telegram", AGENTS),))


def settings_for(api: FakeTelegramAPI, **extra: Any) -> Settings:
    return load_settings(telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
                         telegram_agent_chat_id=AGENTS, outbox_poll_seconds=0.1, **extra)


@pytest.fixture
def handler() -> RecordingDesk:
    return RecordingDesk()


@pytest.fixture
def running(api: FakeTelegramAPI, live_desk: DeskContext,
            handler: RecordingDesk) -> Iterator[Running]:
    channel = TelegramChannel(settings_for(api), live_desk, handler, poll_timeout=2)
    run = Running(channel).start()
    api.wait_for(lambda: api.calls_of("getUpdates"), what="polling to start")
    yield run
    handler.gate.set()
    run.stop()


def enqueue(desk: DeskContext, chat_id: str, reply: Reply) -> int:
    with transaction(desk.sessions) as session:
        return outbox.enqueue(session, channel="telegram", chat_id=chat_id, reply=reply,
                              language="de", purpose="test", now=desk.clock.now()).id


def row(desk: DeskContext, message_id: int) -> OutboxMessage:
    with transaction(desk.sessions) as session:
        found = session.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id)).one()
        session.expunge(found)
        return found


def test_polling_acknowledges_an_update_only_after_the_desk_handled_it(
        api: FakeTelegramAPI, running: Running, handler: RecordingDesk) -> None:
    assert api.calls_of("deleteWebhook")
    handler.gate.clear()
    uid = api.push_update(message_update(user(42, "Олег", "ru"), 42, "Привет <b>*_[]` 🚀"))
    api.wait_for(lambda: handler.entered, what="the update to be taken")
    assert api.confirmed_offset <= uid  # taken but not handled: not acknowledged
    assert api.pending_updates() == 1
    handler.gate.set()
    api.wait_for(lambda: api.sent_texts(42), what="the answer")
    api.wait_for(lambda: api.confirmed_offset > uid, what="the acknowledgement")
    assert handler.seen[0].text == "Привет <b>*_[]` 🚀"
    answer = api.calls_of("sendMessage")[0]
    assert "parse_mode" not in answer.params  # plain text: partner characters are safe
    assert answer.params["text"].startswith("Пока я умею читать только текст")


def test_a_failed_update_is_fetched_again_and_handled(
        api: FakeTelegramAPI, running: Running, handler: RecordingDesk) -> None:
    handler.fail_times = 1
    uid = api.push_update(message_update(user(42), 42, "first try fails"))
    api.wait_for(lambda: api.sent_texts(42), what="the answer after the retry")
    assert [i.update_id for i in handler.seen] == [str(uid), str(uid)]
    api.wait_for(lambda: api.confirmed_offset > uid, what="the acknowledgement")
    assert len(api.sent_texts(42)) == 1


def test_an_update_the_desk_could_not_store_is_not_acknowledged(
        api: FakeTelegramAPI, running: Running, handler: RecordingDesk) -> None:
    handler.unstored_times = 2
    uid = api.push_update(message_update(user(42), 42, "the database blinked"))
    api.wait_for(lambda: api.sent_texts(42), what="the answer once stored")
    assert [i.update_id for i in handler.seen] == [str(uid)] * 3
    assert len(api.sent_texts(42)) == 1 and api.sent_texts(42)[0].startswith("Пока")
    api.wait_for(lambda: api.confirmed_offset > uid, what="the acknowledgement")


def test_stop_finishes_the_update_in_hand_and_acknowledges_it(
        api: FakeTelegramAPI, live_desk: DeskContext, handler: RecordingDesk) -> None:
    run = Running(TelegramChannel(settings_for(api), live_desk, handler, poll_timeout=2)).start()
    api.wait_for(lambda: api.calls_of("getUpdates"), what="polling to start")
    handler.gate.clear()
    uid = api.push_update(message_update(user(42), 42, "in flight at shutdown"))
    api.wait_for(lambda: handler.entered, what="the update to be taken")
    run.request_stop()
    assert run.alive  # still busy with the update in hand
    handler.gate.set()
    run.stop()
    assert [i.text for i in handler.seen] == ["in flight at shutdown"]
    assert len(api.sent_texts(42)) == 1
    assert api.confirmed_offset > uid  # acknowledged on the way out, not before


def test_a_private_sticker_gets_a_text_only_hint_in_the_sender_language(
        api: FakeTelegramAPI, running: Running, handler: RecordingDesk) -> None:
    sticker = message_update(user(42, "Hans", "de"), 42, "")
    del sticker["message"]["text"]
    uid = api.push_update(sticker)
    api.wait_for(lambda: api.confirmed_offset > uid, what="the sticker")
    assert handler.seen == []
    assert api.sent_texts(42)[0].startswith("Ich kann bisher nur Textnachrichten lesen")


def test_the_same_update_id_twice_is_answered_once(
        api: FakeTelegramAPI, running: Running, handler: RecordingDesk) -> None:
    update = message_update(user(42), 42, "hello")
    api.push_update(update, update_id=9001)
    api.wait_for(lambda: api.confirmed_offset > 9001, what="the first delivery")
    api.push_update(update, update_id=9001, redelivery=True)
    api.push_update(message_update(user(42), 42, "next"), update_id=9002)
    api.wait_for(lambda: len(handler.seen) == 3, what="all three deliveries")
    api.wait_for(lambda: len(api.sent_texts(42)) == 2, what="two answers")
    api.wait_for(lambda: api.confirmed_offset > 9002, what="the acknowledgement")
    assert len(api.sent_texts(42)) == 2


def test_group_chatter_reaches_the_desk_only_as_shared_channel_chatter(
        api: FakeTelegramAPI, running: Running, handler: RecordingDesk) -> None:
    api.push_update(message_update(user(7), int(AGENTS), "lunch?"))
    uid = api.push_update(message_update(user(7), int(AGENTS), "/queue"))
    api.wait_for(lambda: api.confirmed_offset > uid, what="both updates")
    assert [(i.text, i.only_if_shared) for i in handler.seen] == [("lunch?", True),
                                                                  ("/queue", False)]
    assert len(api.calls_of("sendMessage")) == 1  # the chatter is not answered
    answer = api.calls_of("sendMessage")[0]
    assert answer.params["reply_parameters"]["message_id"] > 0  # quotes the command


def test_a_button_press_is_answered_and_the_pressed_message_shows_the_outcome(
        api: FakeTelegramAPI, running: Running, handler: RecordingDesk,
        live_desk: DeskContext) -> None:
    handler.replies = (Reply("tg.text_only", buttons=(Button("tg.text_only", "res:4"),)),
                       Reply("tg.text_only"))
    notice_id = enqueue(live_desk, AGENTS, Reply("tg.text_only",
                                                 buttons=(Button("tg.text_only", "take:4"),)))
    api.wait_for(lambda: row(live_desk, notice_id).status == "sent", what="the notice")
    notice = api.calls_of("sendMessage")[0]
    assert notice.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "take:4"
    assert row(live_desk, notice_id).external_id == str(notice.result["message_id"])
    uid = api.push_update(callback_update(user(7, "Agent"), sent_message(notice), "take:4"))
    api.wait_for(lambda: api.confirmed_offset > uid, what="the press")
    assert handler.seen[-1].action == "take:4"
    assert len(api.calls_of("answerCallbackQuery")) == 1
    edit = api.calls_of("editMessageText")[0]
    assert edit.params["message_id"] == notice.result["message_id"]
    assert edit.params["text"].startswith(notice.params["text"] + "\n\nПока")
    assert edit.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "res:4"
    assert len(api.sent_texts(AGENTS)) == 2  # the notice and the second reply


def test_an_ephemeral_answer_to_a_press_is_an_alert_and_edits_nothing(
        api: FakeTelegramAPI, running: Running, handler: RecordingDesk,
        live_desk: DeskContext) -> None:
    handler.replies = (Reply("tg.text_only", ephemeral=True),)
    notice_id = enqueue(live_desk, AGENTS, Reply("tg.text_only"))
    api.wait_for(lambda: row(live_desk, notice_id).status == "sent", what="the notice")
    notice = api.calls_of("sendMessage")[0]
    uid = api.push_update(callback_update(user(8, "Other"), sent_message(notice), "take:4"))
    api.wait_for(lambda: api.confirmed_offset > uid, what="the press")
    answer = api.calls_of("answerCallbackQuery")[0]
    assert answer.params["show_alert"] is True
    assert answer.params["text"].startswith("Пока")
    assert not api.calls_of("editMessageText")


def test_outbox_waits_after_429_and_delivers_exactly_once(
        api: FakeTelegramAPI, running: Running, live_desk: DeskContext) -> None:
    api.fail_next("sendMessage", 1, status=429, retry_after=1)
    message_id = enqueue(live_desk, "42", Reply("tg.text_only"))
    api.wait_for(lambda: row(live_desk, message_id).status == "sent", what="delivery")
    assert len(api.calls_of("sendMessage", ok_only=False)) == 2
    assert len(api.sent_texts(42)) == 1
    assert api.sent_texts(42)[0].startswith("Ich kann")
    assert row(live_desk, message_id).attempts == 2


def test_outbox_retries_a_server_error(
        api: FakeTelegramAPI, running: Running, live_desk: DeskContext) -> None:
    api.fail_next("sendMessage", 1, status=502)
    message_id = enqueue(live_desk, "42", Reply("tg.text_only"))
    api.wait_for(lambda: row(live_desk, message_id).status == "sent", timeout=60,
                 what="delivery after the backoff")
    assert len(api.sent_texts(42)) == 1


def test_outbox_gives_up_on_a_blocked_bot(
        api: FakeTelegramAPI, running: Running, live_desk: DeskContext) -> None:
    api.fail_next("sendMessage", 1, status=403)
    message_id = enqueue(live_desk, "42", Reply("tg.text_only"))
    api.wait_for(lambda: row(live_desk, message_id).status == "failed", what="the failure")
    assert "blocked" in (row(live_desk, message_id).last_error or "")
    assert len(api.calls_of("sendMessage", ok_only=False)) == 1


def test_outbox_sends_attachments_as_documents(
        api: FakeTelegramAPI, running: Running, live_desk: DeskContext) -> None:
    with transaction(live_desk.sessions) as session:
        message_id = outbox.enqueue(
            session, channel="telegram", chat_id="42", reply=Reply("tg.text_only"),
            language="es", purpose="summary", now=live_desk.clock.now(),
            attachments=[outbox.Attachment("summary.csv", "text/csv", b"org,count\nAcme,3\n"),
                         outbox.Attachment("summary.png", "image/png", b"\x89PNG...")]).id
    api.wait_for(lambda: row(live_desk, message_id).status == "sent", what="delivery")
    documents = api.calls_of("sendDocument")
    assert [d.files["document"][0] for d in documents] == ["summary.csv", "summary.png"]
    assert documents[0].files["document"][1] == b"org,count\nAcme,3\n"
    assert documents[0].params["caption"].startswith("Por ahora")
    assert row(live_desk, message_id).external_id == str(documents[0].result["message_id"])


def test_long_outbox_text_is_split(api: FakeTelegramAPI, running: Running,
                                   live_desk: DeskContext) -> None:
    long_text = "\n".join(["Строка с эмодзи 🚀 и <b>*_[]`"] * 400)
    reply = Reply("case.agent_reply", {"number": 4, "agent": "Anna", "text": long_text})
    message_id = enqueue(live_desk, "42", reply)
    api.wait_for(lambda: row(live_desk, message_id).status == "sent", what="delivery")
    parts = api.sent_texts(42)
    assert len(parts) >= 3
    assert long_text in "\n".join(parts)
    assert row(live_desk, message_id).external_id == str(
        api.calls_of("sendMessage")[0].result["message_id"])


def test_webhook_rejects_a_wrong_secret_and_handles_before_answering(
        api: FakeTelegramAPI, live_desk: DeskContext, handler: RecordingDesk) -> None:
    port = free_port()
    cfg = settings_for(api, telegram_webhook_url="https://desk.example.com/tg/hook",
                       telegram_webhook_secret="s3cret-token", telegram_webhook_listen="127.0.0.1",
                       telegram_webhook_port=port)
    run = Running(TelegramChannel(cfg, live_desk, handler)).start()
    try:
        api.wait_for(lambda: api.calls_of("setWebhook"), what="setWebhook")
        hook = api.calls_of("setWebhook")[0].params
        assert hook["url"] == "https://desk.example.com/tg/hook"
        assert hook["secret_token"] == "s3cret-token"
        body = {"update_id": 77, **message_update(user(42), 42, "via webhook")}
        url = f"http://127.0.0.1:{port}/tg/hook"
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            answer = api.wait_for(lambda h=headers: _post(url, body, h), what="the server")
            assert answer.status_code == 403
        assert handler.seen == []
        good = _post(url, body, {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
        assert good is not None and good.status_code == 200
        assert [i.text for i in handler.seen] == ["via webhook"]  # handled before the 200
        assert not api.calls_of("getUpdates")
    finally:
        run.stop()


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response | None:
    try:
        return httpx.post(url, json=body, headers=headers, timeout=30)
    except httpx.TransportError:
        return None  # not listening yet


def test_webhook_mode_needs_a_secret(api: FakeTelegramAPI, live_desk: DeskContext,
                                     handler: RecordingDesk) -> None:
    cfg = settings_for(api, telegram_webhook_url="https://desk.example.com/tg/hook")
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramChannel(cfg, live_desk, handler)
    bad = settings_for(api, telegram_webhook_url="https://desk.example.com/tg/hook",
                       telegram_webhook_secret="no spaces allowed")
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramChannel(bad, live_desk, handler)


def test_an_unreachable_api_at_start_is_retried(api: FakeTelegramAPI, live_desk: DeskContext,
                                                handler: RecordingDesk) -> None:
    api.fail_next("getMe", 2, status=502)
    run = Running(TelegramChannel(settings_for(api), live_desk, handler, poll_timeout=2)).start()
    try:
        api.wait_for(lambda: api.calls_of("getUpdates"), timeout=60, what="polling to start")
        assert len(api.calls_of("getMe", ok_only=False)) == 3
    finally:
        run.stop()


def test_a_refused_token_stops_the_channel(api: FakeTelegramAPI, live_desk: DeskContext,
                                           handler: RecordingDesk) -> None:
    cfg = load_settings(telegram_bot_token="999:WRONG", telegram_api_base_url=api.base_url)
    run = Running(TelegramChannel(cfg, live_desk, handler)).start()
    with pytest.raises(InvalidToken):
        run.stop()
    assert not api.calls_of("getUpdates")
