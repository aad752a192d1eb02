"""Telegram Update -> Incoming: which updates the desk sees, and how they are translated."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

from messages.types import Incoming

CHANNEL = "telegram"
ALLOWED_UPDATES = ("message", "callback_query")


def _command_for_other_bot(text: str, bot_username: str | None) -> bool:
    """True for '/cmd@otherbot' in a group: a command addressed to another bot."""
    word = text.split(maxsplit=1)[0] if text.strip() else ""
    if "@" not in word:
        return False
    mention = word.split("@", 1)[1]
    return bot_username is None or mention.lower() != bot_username.lower()


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    original = message.reply_to_message
    return bool(original and original.from_user and original.from_user.id == bot_id)


def is_text_less_private_message(update: Update) -> bool:
    """A private message without text or caption (a sticker, photo, voice note...)."""
    message = update.message
    return bool(
        message is not None and message.chat.type == ChatType.PRIVATE
        and message.from_user is not None and not message.from_user.is_bot
        and not (message.text or message.caption)
    )


def to_incoming(update: Update, *, bot_id: int, bot_username: str | None) -> Incoming | None:
    """The Incoming for an update, or None when the desk should not see it.

    Private chats: every text (or caption) is a message for the desk. Groups: only commands
    and replies to the bot's own messages; other chatter is ignored. Button presses always
    count; edited messages, channel posts and messages from bots are ignored.
    """
    update_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        sender = query.from_user
        pressed = query.message
        chat = pressed.chat if pressed is not None else None
        return Incoming(
            channel=CHANNEL,
            user_id=str(sender.id),
            chat_id=str(chat.id if chat is not None else sender.id),
            text="",
            update_id=update_id,
            locale_hint=sender.language_code,
            display_name=sender.full_name,
            action=query.data,
            is_private=chat is None or chat.type == ChatType.PRIVATE,
        )
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    text = message.text or message.caption or ""
    if not text.strip():
        return None
    private = message.chat.type == ChatType.PRIVATE
    original = message.reply_to_message
    if not private:
        is_command = text.startswith("/")
        if is_command and _command_for_other_bot(text, bot_username):
            return None
        if not is_command and not _replies_to_bot(message, bot_id):
            return None
    sender = message.from_user
    return Incoming(
        channel=CHANNEL,
        user_id=str(sender.id),
        chat_id=str(message.chat.id),
        text=text,
        update_id=update_id,
        locale_hint=sender.language_code,
        display_name=sender.full_name,
        reply_to_message_id=str(original.message_id) if original is not None else None,
        is_private=private,
    )
