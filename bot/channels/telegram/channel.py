"""The Telegram channel: long polling or webhook in, the desk in between, the outbox out."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import Coroutine
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, CallbackQuery, Message, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

import locales
from bot.channels.base import (
    DeskUnavailable,
    PermanentFailure,
    RetryLater,
    outbox_loop,
    park,
    settle,
)
from bot.channels.db_thread import in_db_thread
from bot.channels.telegram.menu import register_menus
from bot.channels.telegram.render import MAX_ALERT, MAX_TEXT, render, truncate, utf16_len
from bot.channels.telegram.replay import parking_payload
from bot.channels.telegram.send import (
    OutboxSender,
    native_chat_id,
    retry_after_seconds,
    send_with_retries,
)
from bot.channels.telegram.translate import (
    ALLOWED_UPDATES,
    CHANNEL,
    is_text_less_private_message,
    migration,
    to_incoming,
)
from bot.settings import Settings, SettingsError
from desk import group_answers, linked_channels
from desk.context import DeskContext
from messages.types import Incoming, Outcome, Reply
from store.db import transaction

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds of long polling per getUpdates call
MAX_FAILURES = 5  # failed attempts at one update before it is parked so others can flow
MAX_CONCURRENT_CHATS = 8  # chats whose updates of one getUpdates batch are handled at once
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class DeskHandler(Protocol):
    def handle(self, incoming: Incoming) -> Outcome: ...


class TelegramChannel:
    """Receives updates (polling or webhook), hands them to the desk, answers, drains the outbox."""

    name = CHANNEL

    def __init__(self, settings: Settings, desk: DeskContext, handler: DeskHandler,
                 bot: Bot | None = None, poll_timeout: int = POLL_TIMEOUT) -> None:
        token = settings.telegram_bot_token
        if token is None:
            raise SettingsError("invalid setting TELEGRAM_BOT_TOKEN: not set")
        self.settings = settings
        self.desk = desk
        self._outages: dict[int, int] = {}  # per update: attempts refused by an outage
        self.handler = handler
        self.poll_timeout = poll_timeout
        base = settings.telegram_api_base_url
        self.bot = bot or Bot(
            token.get_secret_value(),
            base_url=base,
            base_file_url=_file_url(base),
            request=HTTPXRequest(connection_pool_size=16, read_timeout=30, write_timeout=30),
            get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=10),
        )
        self.webhook_url = settings.telegram_webhook_url
        secret = settings.telegram_webhook_secret
        self.webhook_secret = secret.get_secret_value() if secret is not None else None
        if self.webhook_url and not self.webhook_secret:
            raise SettingsError("invalid setting TELEGRAM_WEBHOOK_SECRET: required when "
                                "TELEGRAM_WEBHOOK_URL is set")
        if self.webhook_secret is not None and not _SECRET.match(self.webhook_secret):
            raise SettingsError("invalid setting TELEGRAM_WEBHOOK_SECRET: 1-256 characters "
                                "of A-Z, a-z, 0-9, _ and -")
        agent_chat = settings.telegram_agent_chat_id
        self.agent_chat_id = native_chat_id(agent_chat) if agent_chat else None

    # -- life cycle ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop`; updates already taken are finished before the bot is closed."""
        if not await self._start(stop):
            return
        try:
            log.info("telegram bot @%s ready (%s mode)", self.bot.username,
                     "webhook" if self.webhook_url else "polling")
            if not self.bot.bot.can_read_all_group_messages:
                log.info("privacy mode is on: in a shared group (supportdesk org channel add "
                         "--telegram) make the bot an admin, or turn privacy off with "
                         "@BotFather /setprivacy, so that it hears every message")
            await register_menus(self.bot, self.agent_chat_id, self.desk.default_language)
            sender = OutboxSender(self.bot, self.desk)
            delivery = asyncio.create_task(
                outbox_loop(self.desk, CHANNEL, sender, stop, self.settings.outbox_poll_seconds),
                name="telegram-outbox")
            try:
                if self.webhook_url:
                    await self._serve_webhook(stop)
                else:
                    await self._poll(stop)
            finally:
                stop.set()
                await delivery
        finally:
            await self.bot.shutdown()

    async def _start(self, stop: asyncio.Event) -> bool:
        """getMe until it answers: a refused token fails at once, an unreachable API is retried."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self.bot.initialize()
                return True
            except InvalidToken:
                raise
            except (NetworkError, RetryAfter) as exc:
                log.warning("Telegram API not reachable (%s); retrying in %.0fs", exc, delay)
                await _sleep(stop, delay)
                delay = min(delay * 2, 60)
        return False

    async def _serve_webhook(self, stop: asyncio.Event) -> None:
        # imported here: aiohttp is only needed in webhook mode (a few MB a polling desk saves)
        from bot.channels.telegram.webhook import WebhookServer, make_app, webhook_path

        assert self.webhook_url and self.webhook_secret
        app = make_app(self.bot, webhook_path(self.webhook_url), self.webhook_secret,
                       lambda update: self.process(update, last_try=False))
        server = WebhookServer(app, self.settings.telegram_webhook_listen,
                               self.settings.telegram_webhook_port)
        await server.start()
        try:
            await self.bot.set_webhook(self.webhook_url, secret_token=self.webhook_secret,
                                       allowed_updates=list(ALLOWED_UPDATES))
            await stop.wait()
        finally:
            await server.stop()  # waits for requests being handled

    async def _poll(self, stop: asyncio.Event) -> None:
        """Long polling that acknowledges an update (offset) only after the desk handled it."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        offset: int | None = None
        failures: dict[int, int] = {}
        backoff = 1.0
        while not stop.is_set():
            try:
                updates = await _unless_stopped(stop, self.bot.get_updates(
                    offset=offset, timeout=self.poll_timeout,
                    allowed_updates=list(ALLOWED_UPDATES)))
            except RetryAfter as exc:
                await _sleep(stop, retry_after_seconds(exc))
                continue
            except Conflict as exc:
                log.error("getUpdates conflict (another poller or a webhook is set): %s", exc)
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, 60)
                continue
            except TelegramError as exc:
                log.warning("getUpdates failed: %s", exc)
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, 60)
                continue
            if updates is None:  # stopped while waiting
                break
            backoff = 1.0
            handled, failed_count = await self._process_batch(updates, failures)
            if handled is not None:
                offset = handled
            if failed_count is not None:
                await _sleep(stop, min(2.0 ** failed_count, 30))
        if offset is not None:  # confirm what was handled, so Telegram does not resend it
            with contextlib.suppress(TelegramError, TimeoutError):
                await asyncio.wait_for(self.bot.get_updates(offset=offset, timeout=0), 10)

    async def _process_batch(self, updates: list[Update],
                             failures: dict[int, int]) -> tuple[int | None, int | None]:
        """Handle one getUpdates batch: different chats concurrently (at most
        MAX_CONCURRENT_CHATS at once), each chat's updates strictly in order.

        A chat stops at an update that failed (its later updates wait for the redelivery).
        Returns the offset that acknowledges the longest prefix of the batch whose updates
        were all handled (None if the first was not), and the failure count of the first
        update left unhandled (None if all were handled). Updates handled after the prefix come
        again and are recognised by the desk as duplicates.
        """
        gate = asyncio.Semaphore(MAX_CONCURRENT_CHATS)
        handled: set[int] = set()
        failed: dict[int, int] = {}
        chats: dict[object, list[Update]] = {}
        for update in updates:
            chats.setdefault(_chat_key(update), []).append(update)

        async def run_chat(chat_updates: list[Update]) -> None:
            async with gate:
                for update in chat_updates:  # finished even when `stop` is set meanwhile
                    count = failures.get(update.update_id, 0) + 1
                    try:
                        await self.process(update, last_try=count >= MAX_FAILURES)
                    except DeskUnavailable as exc:
                        # Not the update's fault: never counted towards parking it.
                        outages = self._outages.get(update.update_id, 0) + 1
                        self._outages[update.update_id] = outages
                        log.warning("update %s waits for the database (attempt %d): %s",
                                    update.update_id, outages, exc)
                        failed[update.update_id] = min(outages, MAX_FAILURES)
                        return
                    except Exception:
                        failures[update.update_id] = count
                        if count < MAX_FAILURES:
                            log.exception("update %s failed (attempt %d); it stays "
                                          "unacknowledged", update.update_id, count)
                            failed[update.update_id] = count
                            return
                        log.exception("update %s failed %d times", update.update_id, count)
                        if not await in_db_thread(self.desk, self._park, update):
                            failed[update.update_id] = count  # not even parked: stays
                            return
                    failures.pop(update.update_id, None)
                    self._outages.pop(update.update_id, None)
                    handled.add(update.update_id)

        await asyncio.gather(*(run_chat(chat_updates) for chat_updates in chats.values()))
        offset: int | None = None
        for update in updates:
            if update.update_id not in handled:
                return offset, failed.get(update.update_id, 1)
            offset = update.update_id + 1
        return offset, None

    # -- one update ---------------------------------------------------------------------------

    async def process(self, update: Update, last_try: bool = True) -> None:
        """Hand one update to the desk and answer.

        Raises if the desk did not store it, so the update is not acknowledged: DeskUnavailable
        while the database cannot be reached, NotStored when processing failed. On the last try
        a failing update is parked (its raw payload kept in the database for an operator) and
        the desk's apology is sent; if even parking fails, it stays unacknowledged.
        """
        moved = migration(update)
        if moved is not None:
            await in_db_thread(self.desk, self._migrate, *moved)
            return
        incoming = to_incoming(update, bot_id=self.bot.id, bot_username=self.bot.username)
        query = update.callback_query
        if incoming is None:
            if query is not None:
                await self._answer_query(query)
            elif is_text_less_private_message(update):
                await self._text_only_notice(update)
            return
        outcome = await in_db_thread(self.desk, self.handler.handle, incoming)
        if outcome.failure is not None:
            await in_db_thread(self.desk, functools.partial(
                settle, outcome, f"update {update.update_id}", last_try=last_try,
                park_it=functools.partial(self._park, update)))
        if outcome.duplicate:
            log.info("update %s was handled before; not answering again", update.update_id)
            if query is not None:
                await self._answer_query(query)
            return
        sent: list[Message] = []
        try:
            if query is not None:
                sent = await self._respond_to_press(query, outcome)
            else:
                sent = await self._respond(update.message, outcome.replies, outcome.language)
        except (PermanentFailure, RetryLater, TelegramError) as exc:
            # The desk has stored the update; an answer that cannot be sent is only logged.
            log.warning("answer to update %s not delivered: %s", update.update_id, exc)
        if outcome.conversation and sent:
            await in_db_thread(self.desk, self._remember_answers, sent, outcome.conversation)

    def _migrate(self, old: str, new: str) -> None:
        """A group became a supergroup with a new id: a shared group's link follows it; for the
        agents' group the operator is told which id to configure."""
        with transaction(self.desk.sessions) as session:
            moved = linked_channels.migrate_chat(session, channel=CHANNEL, old=old, new=new,
                                                 now=self.desk.clock.now(),
                                                 actor="telegram:group-migration")
        if moved is not None:
            log.info("shared group of %s moved from %s to %s", moved.organization, old, new)
        if self.agent_chat_id is not None and str(self.agent_chat_id) == old:
            log.warning("the agents' group became a supergroup: set TELEGRAM_AGENT_CHAT_ID=%s "
                        "and restart", new)

    def _remember_answers(self, sent: list[Message], conversation: str) -> None:
        """The desk's answers in a plain shared group belong to the asker's conversation: a
        colleague replying to one of them joins it (handlers.shared_channels.in_conversation)."""
        try:
            with transaction(self.desk.sessions) as session:
                group_answers.remember(
                    session, channel=CHANNEL, chat_id=str(sent[0].chat.id),
                    external_ids=[str(m.message_id) for m in sent], thread_key=conversation,
                    now=self.desk.clock.now())
        except SQLAlchemyError as exc:  # the answer is out; only reply chains to it are lost
            log.warning("answers in chat %s not remembered: %s", sent[0].chat.id, exc)

    def _park(self, update: Update) -> bool:
        return park(self.desk, CHANNEL, str(update.update_id),
                    parking_payload(update, self.bot.id, self.bot.username))

    async def _respond(self, message: Message | None, replies: tuple[Reply, ...] | list[Reply],
                       lang: str, chat_id: int | str | None = None) -> list[Message]:
        if message is not None:
            chat_id = message.chat.id
        assert chat_id is not None
        # In groups answers quote the message they answer, so the thread stays readable.
        reply_to = message.message_id if message is not None and message.chat.type != "private" \
            else None
        topic = message.message_thread_id if message is not None and message.is_topic_message \
            else None
        sent: list[Message] = []
        for reply in replies:
            text, markup = render(reply, lang)
            sent += await send_with_retries(self.bot, chat_id, text, markup, reply_to,
                                            topic=topic)
        return sent

    async def _respond_to_press(self, query: CallbackQuery, outcome: Outcome) -> list[Message]:
        """Answer the press; show the outcome under the pressed message, with its new buttons.

        Ephemeral replies (meant only for the presser, e.g. "not yours") become the alert of
        the callback answer and leave the pressed message alone.
        """
        lang = outcome.language
        private = [r for r in outcome.replies if r.ephemeral]
        public = [r for r in outcome.replies if not r.ephemeral]
        alert = "\n".join(render(r, lang)[0] for r in private)
        await self._answer_query(query, truncate(alert, MAX_ALERT) if alert else None)
        if not public:
            return []
        pressed = query.message
        first, rest = public[0], public[1:]
        edited = False
        if isinstance(pressed, Message) and pressed.text:
            text, markup = render(first, lang)
            combined = f"{pressed.text}\n\n{text}"
            if utf16_len(combined) <= MAX_TEXT:
                try:
                    await self.bot.edit_message_text(combined, chat_id=pressed.chat.id,
                                                     message_id=pressed.message_id,
                                                     reply_markup=markup)
                    edited = True
                except TelegramError as exc:
                    log.info("could not edit the pressed message: %s", exc)
        chat_id = pressed.chat.id if pressed is not None else query.from_user.id
        return await self._respond(None, rest if edited else public, lang, chat_id=chat_id)

    async def _answer_query(self, query: CallbackQuery, text: str | None = None) -> None:
        try:
            await query.answer(text=text, show_alert=bool(text))
        except TelegramError as exc:  # too old a query, or the network: the press still counted
            log.info("answerCallbackQuery failed: %s", exc)

    async def _text_only_notice(self, update: Update) -> None:
        message = update.message
        assert message is not None and message.from_user is not None
        lang = locales.normalize(message.from_user.language_code) or self.desk.default_language
        try:
            await send_with_retries(self.bot, message.chat.id, locales.text("tg.text_only", lang))
        except (PermanentFailure, RetryLater) as exc:
            log.info("text-only notice not delivered: %s", exc)


def _chat_key(update: Update) -> object:
    """The chat an update belongs to (its updates are handled in order); else its sender."""
    chat = update.effective_chat
    if chat is not None:
        return ("chat", chat.id)
    user = update.effective_user
    if user is not None:
        return ("user", user.id)
    return ("update", update.update_id)


def _file_url(base_url: str) -> str:
    """The file URL next to the API URL: '.../bot' -> '.../file/bot'."""
    head, sep, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if sep else base_url


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _unless_stopped(stop: asyncio.Event,
                          call: Coroutine[Any, Any, tuple[Update, ...]]) -> list[Update] | None:
    """Run one getUpdates call; None if `stop` was set first (the call is then cancelled).

    Cancelling is safe: updates are confirmed only by the offset of the next call.
    """
    fetch = asyncio.ensure_future(call)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if fetch not in done:
        fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramError):
            await fetch
        return None
    return list(fetch.result())


def build(settings: Settings, desk: DeskContext) -> TelegramChannel:
    """The Telegram channel for `supportdesk run` (settings are checked here, before start)."""
    from handlers.desk import Desk

    return TelegramChannel(settings, desk, Desk(desk))
