"""Render a catalog key with parameters in a language; never raises on missing keys or params."""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from typing import Any

from locales.catalog import DEFAULT_CATALOGS, Catalogs
from locales.formatting import format_value
from locales.languages import DEFAULT_LANGUAGE, normalize

log = logging.getLogger(__name__)


class _Missing:
    """Stands in for a missing parameter and prints as its own placeholder."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __format__(self, spec: str) -> str:
        return "{" + self.name + "}"

    def __str__(self) -> str:
        return "{" + self.name + "}"

    __repr__ = __str__


class _LenientFormatter(string.Formatter):
    """str.format semantics, except that a missing parameter stays visible as '{name}'."""

    def __init__(self, key: str, lang: str) -> None:
        self.key = key
        self.lang = lang

    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, str) and key in kwargs:
            return kwargs[key]
        log.warning("missing parameter %r for %r in %s", key, self.key, self.lang)
        return _Missing(str(key))

    def get_field(self, field_name: str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        try:
            return super().get_field(field_name, args, kwargs)
        except (AttributeError, LookupError, TypeError):
            log.warning("unresolvable field %r for %r in %s", field_name, self.key, self.lang)
            return _Missing(field_name), field_name


def render(
    key: str,
    params: Mapping[str, Any] | None = None,
    lang: str | None = DEFAULT_LANGUAGE,
    *,
    catalogs: Catalogs | None = None,
) -> str:
    """The text of key in lang (English fallback, else the key itself) filled with params.

    A plural entry's form is the one its count parameter's number takes in the language
    (e.g. `{count}`: ru 1 -> form 0, 3 -> form 1, 5 -> form 2). Tagged values ($money,
    $datetime, $date, $month, $percent, $quoted) are formatted for the language; other values
    are inserted as they are. A missing parameter is left visible and logged.
    """
    language = normalize(lang) or DEFAULT_LANGUAGE
    source = catalogs or DEFAULT_CATALOGS
    template = source.lookup(key, language, params)
    if template is None:
        log.warning("missing catalog key %r (lang %s)", key, language)
        return key
    values = {name: format_value(value, language) for name, value in (params or {}).items()}
    try:
        return _LenientFormatter(key, language).vformat(template, (), values)
    except (ValueError, TypeError, LookupError) as exc:
        log.warning("cannot format %r in %s: %s", key, language, exc)
        return template


def text(key: str, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """The text of a key that takes no parameters, in lang (same fallbacks as render)."""
    return render(key, None, lang)


def language_name(code: str, lang: str | None = DEFAULT_LANGUAGE) -> str:
    """The display name of a supported language code, as written in lang's catalog."""
    normalized = normalize(code) or code
    return render(f"language.name.{normalized}", None, lang)
