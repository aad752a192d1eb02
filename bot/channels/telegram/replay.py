"""What a parked Telegram update stands for: the payload kept at parking, read back."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.channels.replay import BOT_KEY, Target, Translate
from bot.channels.telegram.translate import to_incoming


def parking_payload(update: Update, bot_id: int, bot_username: str | None) -> dict[str, Any]:
    """The raw update plus the bot's identity, which a replay needs to read group messages."""
    return {**update.to_dict(), BOT_KEY: {"bot_id": bot_id, "bot_username": bot_username}}


def translator(token_bot_id: int | None) -> Translate:
    """The replay's reading of a parked Telegram payload (answers go to the update's chat)."""

    def translate(payload: dict[str, Any]) -> Target | None:
        raw = dict(payload)
        bot = raw.pop(BOT_KEY, None) or {}
        update = Update.de_json(raw, None)
        bot_id = bot.get("bot_id") or token_bot_id or 0
        incoming = to_incoming(update, bot_id=int(bot_id), bot_username=bot.get("bot_username"))
        return Target(incoming, incoming.chat_id) if incoming is not None else None

    return translate


def token_bot_id(token: str | None) -> int | None:
    """The bot id a Telegram token starts with ('123456:ABC...' -> 123456), if any."""
    head = (token or "").split(":", 1)[0]
    return int(head) if head.isdigit() else None
