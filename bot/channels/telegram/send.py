"""Sending to Telegram: split text with its keyboard, documents, errors mapped for the outbox."""

from __future__ import annotations

import asyncio
import logging
import re
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message, ReplyParameters
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

import locales
from bot.channels.base import PermanentFailure, RetryLater
from bot.channels.db_thread import in_db_thread
from bot.channels.telegram.render import MAX_CAPTION, render, split_text, utf16_len
from desk import linked_channels, outbox
from desk.context import DeskContext
from store.db import transaction
from store.models import OutboxMessage

log = logging.getLogger(__name__)

_NUMERIC = re.compile(r"^-?\d+$")


def native_chat_id(chat_id: str) -> int | str:
    """Telegram chat ids are integers; '@channelname' stays a string."""
    return int(chat_id) if _NUMERIC.match(chat_id) else chat_id


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns that the int form will become a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: TelegramError) -> RetryLater | PermanentFailure:
    """Map a Bot API error to what the outbox should do with the message."""
    if isinstance(exc, RetryAfter):
        return RetryLater(str(exc), after_seconds=retry_after_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return PermanentFailure(f"group became supergroup {exc.new_chat_id}: update the chat id")
    if isinstance(exc, Forbidden):
        return PermanentFailure(f"forbidden: {exc.message}")
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest is a subclass of it
        return PermanentFailure(f"bad request: {exc.message}")
    if isinstance(exc, InvalidToken):
        return RetryLater(f"the bot token was refused: {exc.message}")
    if isinstance(exc, NetworkError):  # timeouts, connection errors and 5xx answers
        return RetryLater(f"network: {exc.message}")
    return RetryLater(f"telegram: {exc.message}")


def topic_link(chat_id: str, thread_id: str | None) -> str | None:
    """https://t.me/c/INTERNAL/TOPIC for a forum topic of a supergroup (ids -100…), which
    opens it for a member; None for other chats (a plain group's messages have no links)."""
    topic = topic_of(thread_id)
    if topic is None or not chat_id.startswith("-100") or not chat_id[4:].isdigit():
        return None
    return f"https://t.me/c/{chat_id[4:]}/{topic}"


def topic_of(thread_id: str | None) -> int | None:
    """The forum topic a conversation's thread names (a number), else None (other threads,
    such as a plain group's per-person conversations, are the desk's own keys)."""
    return int(thread_id) if thread_id and thread_id.isdigit() else None


async def send_text(bot: Bot, chat_id: int | str, text: str,
                    markup: InlineKeyboardMarkup | None = None,
                    reply_to: int | None = None, topic: int | None = None) -> list[Message]:
    """Send text as plain text in as many parts as needed; the keyboard goes on the last part."""
    parts = split_text(text)
    sent: list[Message] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent.append(await bot.send_message(
            chat_id=chat_id,
            text=part,
            message_thread_id=topic,
            reply_markup=markup if last else None,
            reply_parameters=(ReplyParameters(reply_to, allow_sending_without_reply=True)
                              if reply_to is not None and index == 0 else None),
        ))
    return sent


async def send_with_retries(bot: Bot, chat_id: int | str, text: str,
                            markup: InlineKeyboardMarkup | None = None,
                            reply_to: int | None = None, attempts: int = 4,
                            max_wait: float = 30.0, topic: int | None = None) -> list[Message]:
    """Direct answers to the sender (not in the outbox): a few retries on 429 and network errors.

    Raises PermanentFailure or RetryLater when it gives up.
    """
    delay = 1.0
    for attempt in range(1, attempts + 1):
        try:
            return await send_text(bot, chat_id, text, markup, reply_to, topic)
        except TelegramError as exc:
            verdict = classify(exc)
            if isinstance(verdict, PermanentFailure) or attempt == attempts:
                raise verdict from exc
            wait = min(verdict.after_seconds or delay, max_wait)
            log.warning("telegram send to %s failed (%s); retrying in %.1fs", chat_id, exc, wait)
            await asyncio.sleep(wait)
            delay *= 2
    raise RetryLater("unreachable")  # pragma: no cover


class OutboxSender:
    """The outbox `send` of the Telegram channel; returns the first sent message's id."""

    def __init__(self, bot: Bot, desk: DeskContext) -> None:
        self.bot = bot
        self.desk = desk

    def _attachments(self, message_id: int) -> list[outbox.Attachment]:
        with transaction(self.desk.sessions) as session:
            return outbox.attachments_of(session, message_id)

    def _topic_link(self, case_id: int) -> str | None:
        """For a new case from a forum topic of a shared supergroup: a link to the topic."""
        with transaction(self.desk.sessions) as session:
            thread = linked_channels.case_thread(session, case_id)
        if thread is None or thread[0] != "telegram":
            return None
        return topic_link(thread[1], thread[2])

    async def __call__(self, message: OutboxMessage) -> str | None:
        reply = outbox.to_reply(message)
        text, markup = render(reply, message.language)
        link = (await in_db_thread(self.desk, self._topic_link, message.case_id)
                if message.purpose == "new_case" and message.case_id is not None else None)
        if link is not None:
            label = locales.text("shared.thread_link", message.language)
            text = f"{text}\n\n{label}: {link}"
        chat_id = native_chat_id(message.chat_id)
        attachments = await in_db_thread(self.desk, self._attachments, message.id)
        try:
            first: Message | None = None
            if attachments and utf16_len(text) <= MAX_CAPTION:
                head, *rest = attachments
                first = await self._document(chat_id, head, caption=text, markup=markup,
                                             topic=topic_of(message.thread_id))
            else:
                first = (await send_text(self.bot, chat_id, text, markup,
                                         topic=topic_of(message.thread_id)))[0]
                rest = attachments
            for attachment in rest:
                await self._document(chat_id, attachment, topic=topic_of(message.thread_id))
        except TelegramError as exc:
            raise classify(exc) from exc
        return str(first.message_id)

    async def _document(self, chat_id: int | str, attachment: outbox.Attachment,
                        caption: str | None = None,
                        markup: InlineKeyboardMarkup | None = None,
                        topic: int | None = None) -> Message:
        return await self.bot.send_document(
            chat_id=chat_id,
            message_thread_id=topic,
            document=InputFile(attachment.data, filename=attachment.filename),
            caption=caption,
            reply_markup=markup,
        )
