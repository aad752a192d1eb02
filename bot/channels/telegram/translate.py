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

    Private chats: every text (or caption) is a message for the desk. Groups: commands and
    replies to the bot's own messages; other chatter only in a group linked to an
    organization (the desk decides). A forum topic is its own thread. Button presses always
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
    only_if_shared = False
    if not private:
        is_command = text.startswith("/")
        if is_command and _command_for_other_bot(text, bot_username):
            return None
        # Other chatter is heard only in a group linked to an organization (a shared channel).
        only_if_shared = not is_command and not _replies_to_bot(message, bot_id)
    sender = message.from_user
    # In a forum supergroup each topic is a conversation of its own.
    topic = message.message_thread_id if message.is_topic_message else None
    # (In a topic, a message that answers nothing "replies" to the topic's first message.)
    answered = original if original is not None and original.message_id != topic else None
    return Incoming(
        channel=CHANNEL,
        user_id=str(sender.id),
        chat_id=str(message.chat.id),
        text=text,
        update_id=update_id,
        locale_hint=sender.language_code,
        display_name=sender.full_name,
        thread_id=str(topic) if topic is not None else None,
        reply_to_message_id=str(answered.message_id) if answered is not None else None,
        is_private=private,
        only_if_shared=only_if_shared,
        reply_to_user_id=(str(answered.from_user.id) if answered is not None
                          and answered.from_user is not None else None),
    )


def migration(update: Update) -> tuple[str, str] | None:
    """(old chat id, new chat id) when the update says a group became a supergroup (enabling
    topics or some admin settings does that; the group's id changes), else None. Telegram sends
    it twice: in the old group (migrate_to_chat_id) and in the new one (migrate_from_chat_id)."""
    message = update.message
    if message is None:
        return None
    if message.migrate_to_chat_id:
        return str(message.chat.id), str(message.migrate_to_chat_id)
    if message.migrate_from_chat_id:
        return str(message.migrate_from_chat_id), str(message.chat.id)
    return None
