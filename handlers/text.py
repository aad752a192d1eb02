"""Incoming text hygiene: control characters out, NFC, limits, and command parsing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

MAX_LENGTH = 4096  # the channels' message limit, in characters

# Bidirectional overrides can disguise text; zero-width joiners stay (emoji need them).
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_COMMAND = re.compile(r"^/([A-Za-z][A-Za-z0-9_]{0,31})(?:@[A-Za-z0-9_]+)?(?=\s|$)")


def parse_case_number(token: str) -> int | None:
    """A case number as typed, '42' or '#42': ASCII digits only (int() refuses '²' and '①')."""
    digits = token[1:] if token.startswith("#") else token
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        return None
    return int(digits)


def clean(text: str | None) -> str:
    """NFC-normalise, unify line breaks, drop control characters except newline and tab."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    kept = (
        ch for ch in text
        if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ch not in _BIDI)
    )
    return "".join(kept).strip()


@dataclass(frozen=True)
class ParsedCommand:
    """A command as the desk runs it, typed, pressed as a button or implied by a relayed reply."""

    name: str  # lower case, without the slash and without @botname
    args: list[str]  # whitespace-separated words after the name
    rest: str = ""  # everything after the name, line breaks kept

    @classmethod
    def of(cls, name: str, *words: str, text: str = "") -> ParsedCommand:
        """A command built by the desk itself: its words, then free text (e.g. a reply)."""
        rest = " ".join([*words, text]).strip() if text else " ".join(words)
        return cls(name, [*words, *text.split()], rest)

    def text_after(self, words: int) -> str:
        """The free text after the first `words` arguments, keeping its own line breaks."""
        return tail(self.rest, words) if words else self.rest


def parse_command(text: str) -> ParsedCommand | None:
    """`/name args` or `/name@botname args`; None when the text is not a command."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    rest = text[match.end():].strip()
    return ParsedCommand(match.group(1).lower(), rest.split(), rest)


def mention_command(text: str, names: Collection[str]) -> str:
    """Text addressed to the bot by a mention, as a command when it reads as one: a command's
    name alone ("cases"), followed by a case number ("escalate 42", "rate #42 5 thanks"), or
    "language de". Anything else stays text ("help, our API is down" opens a case)."""
    words = text.split()
    if not words or parse_command(text) is not None:
        return text
    name, rest = words[0].lower(), words[1:]
    if name not in names:
        return text
    if not rest or rest[0][:1].isdigit() or rest[0].startswith("#") or (
            name == "language" and len(rest) == 1):
        return "/" + text.lstrip()
    return text


def tail(text: str, words: int) -> str:
    """The text after its first `words` words, keeping the remainder's own line breaks."""
    parts = text.strip().split(None, words)
    return parts[words].strip() if len(parts) > words else ""


def excerpt(text: str, limit: int = 300) -> str:
    """A one-paragraph preview of a message for notices."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
