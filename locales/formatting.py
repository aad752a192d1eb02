"""Tagged parameters (money, instants, dates, months, percentages, quoted words), formatted per
language with Babel and the language's quotation marks."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_currency, format_percent

from locales.languages import BABEL_LOCALES, DEFAULT_LANGUAGE, QUOTES, normalize

log = logging.getLogger(__name__)

MONEY = "$money"
DATETIME = "$datetime"
DATE = "$date"
MONTH = "$month"
PERCENT = "$percent"
QUOTED = "$quoted"
TAGS = (MONEY, DATETIME, DATE, MONTH, PERCENT, QUOTED)
QUOTED_SEPARATOR = ", "

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
ZONE_SUFFIX = " UTC"


def money_param(amount: Decimal | int, currency: str) -> dict[str, list[str]]:
    """Tag an amount (Decimal or whole int, never float) in an ISO 4217 currency for rendering."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"money amount must be Decimal or int, not {type(amount).__name__}")
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise ValueError(f"money amount must be finite, not {amount}")
    code = str(currency).strip().upper()
    if not _CURRENCY_RE.match(code):
        raise ValueError(f"currency must be a 3-letter ISO code, not {currency!r}")
    return {MONEY: [str(amount), code]}


def datetime_param(dt: datetime) -> dict[str, str]:
    """Tag an aware instant (converted to UTC) for rendering; naive datetimes are refused."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime refused: pass an aware UTC datetime")
    return {DATETIME: dt.astimezone(UTC).isoformat()}


def date_param(d: date) -> dict[str, str]:
    """Tag a calendar date for rendering (a datetime is refused: use datetime_param)."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, not {type(d).__name__}")
    return {DATE: d.isoformat()}


def month_param(month: object) -> dict[str, str]:
    """Tag a billing month 'YYYY-MM' (or anything whose str() is that) for rendering."""
    text = str(month)
    match = _MONTH_RE.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"month must be 'YYYY-MM', not {text!r}")
    return {MONTH: text}


def percent_param(ratio: Decimal | int | float, decimals: int = 0) -> dict[str, str]:
    """Tag a ratio (0.38 for 38 %) for rendering as the language writes a percentage
    ('38%', de '38 %'), rounded half up to `decimals` places of the percentage."""
    if isinstance(ratio, bool) or not isinstance(ratio, Decimal | int | float):
        raise TypeError(f"a ratio must be a number, not {type(ratio).__name__}")
    value = Decimal(str(ratio))
    if not value.is_finite():
        raise ValueError(f"a ratio must be finite, not {ratio}")
    rounded = value.quantize(Decimal(1).scaleb(-(2 + decimals)), rounding=ROUND_HALF_UP)
    return {PERCENT: str(rounded.normalize())}


def quoted_param(words: list[str] | tuple[str, ...]) -> dict[str, list[str]]:
    """Tag words or phrases for rendering each in the language's quotation marks, joined by
    commas: de '„Ausfall“, „alle Kunden“', ru '«сбой», «все клиенты»'."""
    if isinstance(words, str) or not all(isinstance(w, str) for w in words):
        raise TypeError("quoted words must be a list of strings")
    return {QUOTED: list(words)}


def babel_locale(lang: str | None) -> str:
    """The Babel locale name for a language code (English when unknown)."""
    return BABEL_LOCALES[normalize(lang) or DEFAULT_LANGUAGE]


def format_money(amount: Decimal, currency: str, lang: str | None) -> str:
    """An amount with its currency as the language writes it, e.g. de: '25,00 €'."""
    return format_currency(amount, currency, locale=babel_locale(lang))


def format_instant(dt: datetime, lang: str | None) -> str:
    """An aware instant in UTC, the date at medium length, the time to the minute, then the
    zone: 'Mar 10, 2026, 9:05 AM UTC', de '10.03.2026, 09:05 UTC' (no seconds in a chat)."""
    locale = babel_locale(lang)
    instant = dt.astimezone(UTC)
    pattern = get_datetime_format("medium", locale=locale).replace("'", "")
    clock = format_time(instant, "short", tzinfo=UTC, locale=locale)
    day = format_date(instant.date(), "medium", locale=locale)
    return pattern.replace("{0}", clock).replace("{1}", day) + ZONE_SUFFIX


def format_day(d: date, lang: str | None) -> str:
    """A calendar date, medium length, e.g. de: '10.03.2026'."""
    return format_date(d, "medium", locale=babel_locale(lang))


def format_month(month: str, lang: str | None) -> str:
    """A month 'YYYY-MM' as month name and year, e.g. es: 'marzo de 2026'."""
    match = _MONTH_RE.match(month)
    if not match:
        raise ValueError(f"month must be 'YYYY-MM', not {month!r}")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    return format_skeleton("yMMMM", first, locale=babel_locale(lang))


def format_percentage(ratio: Decimal, lang: str | None) -> str:
    """A ratio as the language writes a percentage: 0.875 -> en '87.5%', de '87,5 %'."""
    return format_percent(ratio, locale=babel_locale(lang), decimal_quantization=False)


def format_quoted(words: list[str], lang: str | None) -> str:
    """Each word in the language's quotation marks, joined by commas: es '«caído», «todos»'."""
    opening, closing = QUOTES[normalize(lang) or DEFAULT_LANGUAGE]
    return QUOTED_SEPARATOR.join(f"{opening}{word}{closing}" for word in words)


def is_tagged(value: object) -> bool:
    """True when value is a one-entry dict carrying one of the formatting tags."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in TAGS


def format_value(value: Any, lang: str | None) -> Any:
    """Format a tagged value for the language; anything else is returned unchanged.

    A malformed tagged value is logged and shown as its raw payload rather than raising.
    """
    if not is_tagged(value):
        return value
    tag, payload = next(iter(value.items()))
    try:
        if tag == MONEY:
            amount, currency = payload
            return format_money(Decimal(str(amount)), str(currency), lang)
        if tag == DATETIME:
            instant = datetime.fromisoformat(str(payload))
            if instant.tzinfo is None:
                raise ValueError("naive datetime")
            return format_instant(instant, lang)
        if tag == DATE:
            return format_day(date.fromisoformat(str(payload)), lang)
        if tag == PERCENT:
            return format_percentage(Decimal(str(payload)), lang)
        if tag == QUOTED:
            if not isinstance(payload, list):
                raise TypeError("quoted words must be a list")
            return format_quoted([str(word) for word in payload], lang)
        return format_month(str(payload), lang)
    except (TypeError, ValueError, InvalidOperation, LookupError) as exc:
        log.warning("malformed %s parameter %r: %s", tag, payload, exc)
        return str(payload)
