"""Render a Reply for Slack: escaped fallback text and Block Kit blocks with buttons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import locales
from messages.types import Button, Reply

ACTION_PREFIX = "sd:"  # every button's action_id starts with this; the listener matches it
ACTION_ID_PATTERN = re.compile(r"^sd:")
SECTION_LIMIT = 3000  # characters of a section block's text
TEXT_LIMIT = 40000  # characters of chat.postMessage's text
BUTTON_LABEL_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BUTTONS_PER_ROW = 5
MAX_BLOCKS = 50
_STYLES = frozenset({"primary", "danger"})



@dataclass(frozen=True)
class Rendered:
    """One Slack message: `text` (mrkdwn-escaped fallback and notification) and `blocks`."""

    text: str
    blocks: list[dict[str, Any]]


def escape(text: str) -> str:
    """Escape Slack's control characters so text cannot form mentions, links or channels."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunks(text: str, size: int) -> list[str]:
    """Split text into pieces of at most `size` characters, preferring line breaks."""
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        if cut <= 0:
            cut = size
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text or not pieces:
        pieces.append(text)
    return pieces


def button_element(button: Button, index: int, lang: str) -> dict[str, Any]:
    """A Block Kit button: localized label, action_id unique in the message, value = action."""
    label = locales.render(button.label_key, button.params, lang)
    if len(label) > BUTTON_LABEL_LIMIT:
        label = label[: BUTTON_LABEL_LIMIT - 1] + "…"
    verb = button.action.split(":", 1)[0]
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label or button.action, "emoji": True},
        "action_id": f"{ACTION_PREFIX}{index}:{verb}",
        "value": button.action[:BUTTON_VALUE_LIMIT],
    }
    if button.style in _STYLES:
        element["style"] = button.style
    return element


def button_blocks(buttons: Sequence[Button], lang: str) -> list[dict[str, Any]]:
    """Buttons as actions blocks of at most BUTTONS_PER_ROW each."""
    elements = [button_element(b, i, lang) for i, b in enumerate(buttons)]
    return [
        {"type": "actions", "elements": elements[i:i + BUTTONS_PER_ROW]}
        for i in range(0, len(elements), BUTTONS_PER_ROW)
    ]


def render_text(text: str, buttons: Sequence[Button] = (), lang: str = "en") -> Rendered:
    """Already-localized text as a Slack message.

    The body goes into plain_text sections, which Slack never parses for mentions, links or
    formatting, so a partner's words reach the agents exactly as written. The fallback `text`
    (shown in notifications) is escaped (&, <, >) so it cannot form <!channel> or <@U..> either.
    """
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "plain_text", "text": piece or " ", "emoji": False}}
        for piece in _chunks(text, SECTION_LIMIT)
    ]
    actions = button_blocks(buttons, lang)
    blocks = blocks[: MAX_BLOCKS - len(actions)] + actions
    return Rendered(escape(text)[:TEXT_LIMIT], blocks)


def render(reply: Reply, lang: str) -> Rendered:
    """Render a desk reply (catalog key + params + buttons) in `lang`."""
    return render_text(locales.render(reply.key, reply.params, lang), reply.buttons, lang)


def respond_payload(rendered: Rendered) -> dict[str, Any]:
    """Keyword arguments for bolt's respond(): ephemeral, never replacing the original."""
    return {"text": rendered.text, "blocks": rendered.blocks, "response_type": "ephemeral",
            "replace_original": False}
