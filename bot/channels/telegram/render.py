"""Reply -> Telegram: plain text (never parsed as Markdown/HTML), split to fit, inline keyboards."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

import locales
from messages.types import Button, Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's message limit, counted in UTF-16 code units
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes
MAX_ALERT = 200  # answerCallbackQuery text
_ROW_LABEL = 22  # buttons with labels up to this length share a row (up to three of them)
_SCALE_LABEL = 3  # ... and up to eight labels this short (a 1-5 rating) share one row


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (emoji outside the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> int:
    """The largest index i such that text[:i] fits `limit` UTF-16 units."""
    units = 0
    for index, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split text into parts that fit, preferring line breaks, then spaces, never mid-character."""
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        hard = _cut(rest, limit)
        cut = rest.rfind("\n", 0, hard)
        if cut < hard // 2:
            cut = rest.rfind(" ", 0, hard)
        if cut < hard // 2:
            cut = hard
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not parts:
        parts.append(rest)
    return [p for p in parts if p] or [""]


def truncate(text: str, limit: int) -> str:
    if utf16_len(text) <= limit:
        return text
    return text[: _cut(text, limit - 1)] + "…"


def label(button: Button, lang: str) -> str:
    return locales.render(button.label_key, button.params, lang)


def keyboard(buttons: Iterable[Button], lang: str) -> InlineKeyboardMarkup | None:
    """An inline keyboard; short labels share rows, long ones get a row each."""
    usable: list[InlineKeyboardButton] = []
    for button in buttons:
        if not button.action or len(button.action.encode("utf-8")) > MAX_CALLBACK_DATA:
            log.error("button %r dropped: callback data must be 1-%d bytes",
                      button.action, MAX_CALLBACK_DATA)
            continue
        usable.append(InlineKeyboardButton(truncate(label(button, lang), 64),
                                           callback_data=button.action))
    if not usable:
        return None
    if len(usable) <= 3 and all(len(b.text) <= _ROW_LABEL for b in usable):
        return InlineKeyboardMarkup([usable])
    if len(usable) <= 8 and all(len(b.text) <= _SCALE_LABEL for b in usable):
        return InlineKeyboardMarkup([usable])
    return InlineKeyboardMarkup([[b] for b in usable])


def render(reply: Reply, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text of a reply in `lang` and its keyboard; empty text becomes the catalog key."""
    text = locales.render(reply.key, reply.params, lang).strip() or reply.key
    return text, keyboard(reply.buttons, lang)
