"""The dashboard's shape: sections of already-localized lines, some with a button, and a cap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import locales
from messages.types import Button


@dataclass(frozen=True)
class Line:
    """One line of a section; a button (a desk action) acts on what the line shows."""

    text: str
    button: Button | None = None


@dataclass(frozen=True)
class Section:
    """A titled block of lines; `more` says what was left out ('… and 3 more open cases')."""

    title: str
    lines: tuple[Line, ...] = ()
    more: str | None = None


@dataclass(frozen=True)
class Dashboard:
    """What one person sees on their home: in their language, per their role (None: unknown)."""

    language: str
    title: str
    sections: tuple[Section, ...]
    role: str | None = None

    def text(self) -> str:
        """The dashboard as plain text (a console, a log, a test)."""
        parts = [self.title]
        for section in self.sections:
            parts.append("")
            parts.append(section.title)
            parts.extend(line.text for line in section.lines)
            if section.more:
                parts.append(section.more)
        return "\n".join(parts)

    def buttons(self) -> list[Button]:
        return [line.button for s in self.sections for line in s.lines if line.button]


def plain(*texts: str) -> tuple[Line, ...]:
    return tuple(Line(t) for t in texts if t)


def capped(title: str, lines: Sequence[Line], limit: int, more_key: str,
           lang: str) -> Section:
    """A section of at most `limit` lines; the rest is counted in a plural `more_key` text."""
    shown = tuple(lines[:limit])
    left = len(lines) - len(shown)
    more = locales.render(more_key, {"count": left}, lang) if left > 0 else None
    return Section(title, shown, more)
