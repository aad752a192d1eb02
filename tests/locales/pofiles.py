"""Helpers for tests: write small .po catalogs into a temporary catalog root."""

from __future__ import annotations

from pathlib import Path

from locales.languages import CATALOG_DIRS

HEADER = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: {lang}\\n"\n'
    '"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
)


def po_escape(text: str) -> str:
    """Escape a string for a .po double-quoted literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def write_po(root: Path, lang: str, domain: str, entries: dict[str, str], extra: str = "") -> Path:
    """Write <root>/<dir of lang>/<domain>.po with the given key -> text entries."""
    directory = root / CATALOG_DIRS[lang]
    directory.mkdir(parents=True, exist_ok=True)
    body = [HEADER.format(lang=CATALOG_DIRS[lang])]
    for key, text in entries.items():
        body.append(f'\nmsgid "{po_escape(key)}"\nmsgstr "{po_escape(text)}"\n')
    path = directory / f"{domain}.po"
    path.write_text("".join(body) + extra, encoding="utf-8")
    return path
