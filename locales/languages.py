"""The five supported languages, their catalog directories, Babel locales and quotation marks,
and normalize()."""

from __future__ import annotations

import re

LANGUAGES: tuple[str, ...] = ("en", "pt-BR", "de", "es", "ru")
DEFAULT_LANGUAGE = "en"

CATALOG_DIRS: dict[str, str] = {
    "en": "en",
    "pt-BR": "pt_BR",
    "de": "de",
    "es": "es",
    "ru": "ru",
}

BABEL_LOCALES: dict[str, str] = {
    "en": "en",
    "pt-BR": "pt_BR",
    "de": "de",
    "es": "es",
    "ru": "ru",
}

# Quotation marks (opening, closing) as each language sets a quoted word in running text.
QUOTES: dict[str, tuple[str, str]] = {
    "en": ("\u201c", "\u201d"),  # “…”
    "pt-BR": ("\u201c", "\u201d"),  # “…”
    "de": ("\u201e", "\u201c"),  # „…“
    "es": ("\u00ab", "\u00bb"),  # «…»
    "ru": ("\u00ab", "\u00bb"),  # «…»
}

_BY_PRIMARY: dict[str, str] = {code.split("-")[0].lower(): code for code in LANGUAGES}
_CODE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")


def normalize(code: str | None) -> str | None:
    """Map a language tag ('pt_BR', 'de-AT', 'EN-gb', 'es-419') to one of LANGUAGES, or None."""
    if not isinstance(code, str):
        return None
    cleaned = code.strip().replace("_", "-").lower()
    if not _CODE_RE.match(cleaned):
        return None
    return _BY_PRIMARY.get(cleaned.split("-")[0])
