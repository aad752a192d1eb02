"""Unit tests of the Telegram adapter's translation, rendering, splitting and error mapping."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.base import PermanentFailure, RetryLater
from bot.channels.telegram.channel import _file_url
from bot.channels.telegram.menu import menu
from bot.channels.telegram.render import keyboard, render, split_text, utf16_len
from bot.channels.telegram.send import classify, native_chat_id, topic_link
from bot.channels.telegram.translate import is_text_less_private_message, to_incoming
from messages.types import Button, Reply
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME, callback_update, message_update, user

BOT = Bot("123:TEST")


def update(data: dict[str, Any], update_id: int = 7) -> Update:
    found = Update.de_json({"update_id": update_id, **data}, BOT)
    assert found is not None
    return found


def translate(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return to_incoming(update(data), bot_id=BOT_ID, bot_username=BOT_USERNAME)


BOT_MESSAGE = {"message_id": 900, "date": 1, "chat": {"id": -1001, "type": "supergroup"},
               "from": {"id": BOT_ID, "is_bot": True, "first_name": "Support"},
               "text": "New case #4"}


def test_private_text_is_a_partner_message() -> None:
    incoming = translate(message_update(user(42, "Олег", "ru", last_name="Петров"), 42,
                                        "Не работает вебхук <b>*_[]`"))
    assert incoming is not None
    assert (incoming.channel, incoming.user_id, incoming.chat_id) == ("telegram", "42", "42")
    assert incoming.text == "Не работает вебхук <b>*_[]`"
    assert incoming.update_id == "7"
    assert incoming.locale_hint == "ru"
    assert incoming.display_name == "Олег Петров"
    assert incoming.is_private is True
    assert incoming.action is None and incoming.reply_to_message_id is None


def test_group_chatter_is_only_for_shared_groups_but_commands_and_replies_to_the_bot_are_for_all(
        ) -> None:
    agent = user(7, "Agent")
    chatter = translate(message_update(agent, -1001, "coffee anyone?"))
    assert chatter is not None and chatter.only_if_shared and chatter.thread_id is None
    command = translate(message_update(agent, -1001, "/queue"))
    assert command is not None and command.text == "/queue" and command.is_private is False
    assert not command.only_if_shared
    mine = translate(message_update(agent, -1001, f"/take@{BOT_USERNAME} 4"))
    assert mine is not None and mine.text.startswith("/take@")
    assert translate(message_update(agent, -1001, "/take@other_bot 4")) is None
    reply = translate(message_update(agent, -1001, "Please restart the webhook",
                                     reply_to=BOT_MESSAGE))
    assert reply is not None
    assert reply.reply_to_message_id == "900" and reply.chat_id == "-1001"
    assert not reply.only_if_shared
    human = dict(BOT_MESSAGE, **{"from": {"id": 5, "is_bot": False, "first_name": "X"}})
    to_human = translate(message_update(agent, -1001, "me too", reply_to=human))
    assert to_human is not None and to_human.only_if_shared
    assert to_human.reply_to_user_id == "5" and to_human.reply_to_message_id == "900"


def test_a_forum_topic_is_its_own_thread() -> None:
    partner = user(8, "Ana")
    data = message_update(partner, -1002, "webhook is down")
    data["message"].update(message_thread_id=77, is_topic_message=True,
                           reply_to_message={"message_id": 77, "date": 1,
                                             "chat": {"id": -1002, "type": "supergroup"},
                                             "from": {"id": 8, "is_bot": False,
                                                      "first_name": "Ana"},
                                             "forum_topic_created": {"name": "Webhooks",
                                                                     "icon_color": 1}})
    incoming = translate(data)
    assert incoming is not None and incoming.thread_id == "77"
    assert incoming.reply_to_message_id is None and incoming.reply_to_user_id is None


def test_button_press_carries_its_data_and_chat() -> None:
    incoming = translate(callback_update(user(7, "Agent", "de"), BOT_MESSAGE, "take:4"))
    assert incoming is not None
    assert incoming.action == "take:4" and incoming.text == ""
    assert incoming.chat_id == "-1001" and incoming.user_id == "7"
    assert incoming.is_private is False and incoming.locale_hint == "de"


def test_bots_and_edits_and_textless_messages_are_not_for_the_desk() -> None:
    bot_sender = {"id": 99, "is_bot": True, "first_name": "Other"}
    assert translate(message_update(bot_sender, 42, "hi")) is None
    edited = {"edited_message": message_update(user(42), 42, "edited")["message"]}
    assert translate(edited) is None
    sticker = message_update(user(42), 42, "")
    del sticker["message"]["text"]
    assert translate(sticker) is None
    assert is_text_less_private_message(update(sticker)) is True
    assert is_text_less_private_message(update(message_update(user(42), 42, "hi"))) is False


def test_text_is_plain_and_split_on_line_breaks_within_the_limit() -> None:
    text = "\n".join(f"line {i} ✅ 🚀 <b>*_[]`" for i in range(600))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text
    assert split_text("short") == ["short"]


def test_split_never_cuts_an_emoji_in_half() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units, no spaces
    parts = split_text(text)
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts) == text


def test_rendering_uses_the_catalog_and_drops_oversized_button_data() -> None:
    text, markup = render(Reply("tg.text_only"), "ru")
    assert text.startswith("Пока я умею читать только текст")
    assert markup is None
    buttons = (Button("tg.text_only", "take:4"), Button("tg.text_only", "x" * 65))
    board = keyboard(buttons, "de")
    assert board is not None
    flat = [b for row in board.inline_keyboard for b in row]
    assert [b.callback_data for b in flat] == ["take:4"]
    assert flat[0].text.startswith("Ich kann")


@pytest.mark.parametrize(("error", "verdict", "after"), [
    (RetryAfter(7), RetryLater, 7.0),
    (NetworkError("Internal Server Error (500)"), RetryLater, None),
    (TimedOut(), RetryLater, None),
    (Forbidden("Forbidden: bot was blocked by the user"), PermanentFailure, None),
    (BadRequest("Bad Request: chat not found"), PermanentFailure, None),
    (ChatMigrated(-100123), PermanentFailure, None),
])
def test_errors_map_to_outbox_verdicts(error: Exception, verdict: type,
                                       after: float | None) -> None:
    found = classify(error)  # type: ignore[arg-type]
    assert isinstance(found, verdict)
    if isinstance(found, RetryLater):
        assert found.after_seconds == after


def test_chat_ids_and_file_url() -> None:
    assert native_chat_id("-1001234") == -1001234
    assert native_chat_id("@support") == "@support"
    assert _file_url("http://127.0.0.1:9/bot") == "http://127.0.0.1:9/file/bot"
    assert _file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"


def test_menus_list_each_role_commands_with_localized_descriptions() -> None:
    from handlers import commands

    commands.load()
    partner = {c.command: c.description for c in menu("partner", "ru")}
    agent = {c.command: c.description for c in menu("agent", "pt-BR")}
    assert {"escalate", "new", "help"} <= set(partner)
    assert "take" not in partner and {"take", "resolve", "queue"} <= set(agent)
    assert all(d and not d.startswith("/") and len(d) <= 256 for d in partner.values())
    assert partner["help"] != menu("partner", "en")[0].description


def test_topic_links_exist_for_forum_topics_of_supergroups_only() -> None:
    assert topic_link("-1005550001", "11") == "https://t.me/c/5550001/11"
    assert topic_link("-1005550001", "from:801") is None  # a plain group's conversation
    assert topic_link("-5550002", "11") is None  # not a supergroup
    assert topic_link("-1005550001", None) is None
