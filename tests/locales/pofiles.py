"""Helpers for tests: write small .po catalogs into a temporary catalog root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from locales.languages import CATALOG_DIRS
from locales.plurals import PluralRule

HEADER = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: {lang}\\n"\n'
    '"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
    '"Plural-Forms: {plural_forms}\\n"\n'
)


@dataclass(frozen=True)
class Plural:
    """A plural entry for write_po: the msgid_plural as written and the msgstr[n] forms."""

    msgid_plural: str
    forms: tuple[str, ...]


def plural(count: str, *forms: str) -> Plural:
    """A plural entry counted by the parameter `count`, with these forms in order."""
    return Plural("{" + count + "}", forms)


def po_escape(text: str) -> str:
    """Escape a string for a .po double-quoted literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def header(lang: str, plural_forms: str | None = None) -> str:
    """The header entry of a catalog file; Plural-Forms is the language's own by default."""
    directory = CATALOG_DIRS[lang]
    forms = plural_forms or PluralRule.of_locale(directory).header
    return HEADER.format(lang=directory, plural_forms=forms)


def _entry(key: str, value: str | Plural) -> str:
    if isinstance(value, Plural):
        forms = "".join(f'msgstr[{i}] "{po_escape(f)}"\n' for i, f in enumerate(value.forms))
        counted = po_escape(value.msgid_plural)
        return f'\nmsgid "{po_escape(key)}"\nmsgid_plural "{counted}"\n{forms}'
    return f'\nmsgid "{po_escape(key)}"\nmsgstr "{po_escape(value)}"\n'


def write_po(root: Path, lang: str, domain: str, entries: dict[str, str | Plural],
             extra: str = "", head: str | None = None) -> Path:
    """Write <root>/<dir of lang>/<domain>.po with the given key -> text (or Plural) entries;
    `head` replaces the header entry (e.g. one without Plural-Forms)."""
    directory = root / CATALOG_DIRS[lang]
    directory.mkdir(parents=True, exist_ok=True)
    body = [header(lang) if head is None else head]
    body.extend(_entry(key, value) for key, value in entries.items())
    path = directory / f"{domain}.po"
    path.write_text("".join(body) + extra, encoding="utf-8")
    return path
