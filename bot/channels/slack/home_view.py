"""A dashboard as Slack's Home tab view (Block Kit): headers, plain-text sections, a button
beside the line it acts on, 'and N more' as context; never more than Slack's 100 blocks."""

from __future__ import annotations

from typing import Any

from bot.channels.slack.render import SECTION_LIMIT, button_element
from handlers.home_sections import Dashboard, Section

MAX_BLOCKS = 100  # Slack refuses a view with more
HEADER_LIMIT = 150  # characters of a header block's text
CONTEXT_LIMIT = 2000  # characters of a context element's text
CUT = "…"


def _plain(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    """Plain text, which Slack never parses: a subject cannot form a mention or a link."""
    text = text.strip() or " "
    if len(text) > limit:
        text = text[: limit - 1] + CUT
    return {"type": "plain_text", "text": text, "emoji": False}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": _plain(text, HEADER_LIMIT)}


def _pieces(lines: list[str]) -> list[str]:
    """Lines joined into texts of at most SECTION_LIMIT characters, cut between lines."""
    pieces: list[str] = []
    current = ""
    for line in lines:
        joined = f"{current}\n{line}" if current else line
        if current and len(joined) > SECTION_LIMIT:
            pieces.append(current)
            joined = line
        current = joined
    if current:
        pieces.append(current)
    return pieces


def _section_blocks(section: Section, lang: str, first_index: int) -> tuple[list[dict[str, Any]],
                                                                         int]:
    """A section's blocks and the next button index (action ids are unique in the view)."""
    blocks: list[dict[str, Any]] = [{"type": "divider"}, _header(section.title)]
    index = first_index
    waiting: list[str] = []

    def flush() -> None:
        blocks.extend({"type": "section", "text": _plain(piece)} for piece in _pieces(waiting))
        waiting.clear()

    for line in section.lines:
        if line.button is None:
            waiting.append(line.text)
            continue
        flush()
        blocks.append({"type": "section", "text": _plain(line.text),
                       "accessory": button_element(line.button, index, lang)})
        index += 1
    flush()
    if section.more:
        blocks.append({"type": "context", "elements": [_plain(section.more, CONTEXT_LIMIT)]})
    return blocks, index


def home_view(dashboard: Dashboard) -> dict[str, Any]:
    """The `view` of views.publish for this dashboard."""
    blocks: list[dict[str, Any]] = [_header(dashboard.title)]
    index = 0
    for section in dashboard.sections:
        more, index = _section_blocks(section, dashboard.language, index)
        blocks.extend(more)
    if len(blocks) > MAX_BLOCKS:  # the builder caps its lists; this is the last guard
        blocks = [*blocks[: MAX_BLOCKS - 1], {"type": "context", "elements": [_plain(CUT)]}]
    return {"type": "home", "blocks": blocks}
