"""Tagged parameters for money, instants, dates and months, formatted per language with Babel."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_currency

from locales.languages import BABEL_LOCALES, DEFAULT_LANGUAGE, normalize

log = logging.getLogger(__name__)

MONEY = "$money"
DATETIME = "$datetime"
DATE = "$date"
MONTH = "$month"
TAGS = (MONEY, DATETIME, DATE, MONTH)

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


def babel_locale(lang: str | None) -> str:
    """The Babel locale name for a language code (English when unknown)."""
    return BABEL_LOCALES[normalize(lang) or DEFAULT_LANGUAGE]


def format_money(amount: Decimal, currency: str, lang: str | None) -> str:
    """An amount with its currency as the language writes it, e.g. de: '25,00 €'."""
    return format_currency(amount, currency, locale=babel_locale(lang))


def format_instant(dt: datetime, lang: str | None) -> str:
    """An aware instant in UTC, medium length, then the zone: 'Mar 10, 2026, 9:05:00 AM UTC'."""
    return format_datetime(dt, "medium", tzinfo=UTC, locale=babel_locale(lang)) + ZONE_SUFFIX


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
        return format_month(str(payload), lang)
    except (TypeError, ValueError, InvalidOperation, LookupError) as exc:
        log.warning("malformed %s parameter %r: %s", tag, payload, exc)
        return str(payload)
