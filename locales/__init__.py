"""Languages: message catalogs, rendering with per-language formatting, and language detection."""

from __future__ import annotations

from locales.catalog import DEFAULT_CATALOGS, Catalogs, keys, placeholders
from locales.detect import (
    ReplyLanguage,
    confident_language,
    detect_language,
    identify_language,
    reply_language,
    warm_up_detector,
)
from locales.formatting import (
    date_param,
    datetime_param,
    money_param,
    month_param,
    percent_param,
    quoted_param,
)
from locales.languages import DEFAULT_LANGUAGE, LANGUAGES, normalize
from locales.render import language_name, render, text

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Catalogs",
    "ReplyLanguage",
    "confident_language",
    "date_param",
    "datetime_param",
    "detect_language",
    "identify_language",
    "keys",
    "language_name",
    "money_param",
    "month_param",
    "normalize",
    "percent_param",
    "placeholders",
    "quoted_param",
    "render",
    "reply_language",
    "text",
    "warm_up",
]


def warm_up() -> None:
    """Load the catalogs and the language profiles once, before serving concurrent requests."""
    DEFAULT_CATALOGS.load()
    warm_up_detector()
