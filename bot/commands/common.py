"""Shared pieces of the command line: settings, desk, JSON, value types, months, errors."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import wraps
from typing import Any, Literal, NoReturn, TypeVar

import click

from billing.limits import MAX_AMOUNT, MAX_FREE_ESCALATIONS, MAX_QUEUE_PRIORITY
from billing.money import CENT
from billing.months import BillingMonth
from bot.settings import Settings, load_settings
from bot.wiring import build_desk
from desk.context import DeskContext

F = TypeVar("F", bound=Callable[..., Any])


class UserError(Exception):
    """Bad input from the person at the terminal: printed as one line, exit code 2."""


def fail(message: str) -> NoReturn:
    raise UserError(message)


def handle_errors(func: F) -> F:
    """Turn UserError (and settings errors) into one clear line on stderr and exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from bot.settings import SettingsError

        try:
            return func(*args, **kwargs)
        except (UserError, SettingsError) as exc:
            click.echo(f"supportdesk: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def settings() -> Settings:
    return load_settings()


def desk() -> DeskContext:
    return build_desk(settings())


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_json(document: Any) -> None:
    """Print exactly one JSON document on stdout."""
    click.echo(json.dumps(document, default=_default, ensure_ascii=False, indent=2))


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


# --- Value types: every number an option takes is checked when the command line is read, so a
# bad value is one usage line (exit 2) and never reaches the database.

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_NEGATIVE_AMOUNT = re.compile(r"-[0-9]+(?:\.[0-9]*)?")
_NOT_FINITE = ("nan", "snan", "inf", "infinity")
_SHOWN = 24  # characters of a rejected value repeated in the message


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"


class WholeNumber(click.ParamType):
    """A whole number between `minimum` and `maximum` (a count, a priority, an id)."""

    name = "number"

    def __init__(self, minimum: int, maximum: int) -> None:
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return self._in_range(value, str(value), param, ctx)
        text = str(value).strip()
        if _WHOLE_NUMBER.fullmatch(text) is None:
            self.fail(f"expected a whole number, got {_shown(str(value))!r}", param, ctx)
        digits = text.lstrip("+-").lstrip("0")
        if len(digits) > len(str(self.maximum)):  # also spares int() thousands of digits
            self._out_of_range(text, text.startswith("-"), param, ctx)
        return self._in_range(int(text), text, param, ctx)

    def _in_range(self, number: int, text: str, param: click.Parameter | None,
                  ctx: click.Context | None) -> int:
        if not self.minimum <= number <= self.maximum:
            self._out_of_range(text, number < self.minimum, param, ctx)
        return number

    def _out_of_range(self, text: str, too_small: bool, param: click.Parameter | None,
                      ctx: click.Context | None) -> NoReturn:
        if too_small and self.minimum == 0:
            self.fail(f"must not be negative, got {_shown(text)}", param, ctx)
        if too_small:
            self.fail(f"must be at least {self.minimum}, got {_shown(text)}", param, ctx)
        self.fail(f"must be at most {self.maximum}, got {_shown(text)}", param, ctx)


class MoneyAmount(click.ParamType):
    """An amount in the organization's currency as typed, e.g. 575 or 575.50: finite, not
    negative, at most two decimals and at most MAX_AMOUNT; converted to an exact Decimal."""

    name = "amount"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            value = str(value)
        text = str(value).strip()
        if text.lower().lstrip("+-") in _NOT_FINITE:
            self.fail(f"expected a finite amount such as 575.00, got {_shown(text)!r}", param, ctx)
        if _NEGATIVE_AMOUNT.fullmatch(text):
            self.fail(f"must not be negative, got {_shown(text)}", param, ctx)
        if _AMOUNT.fullmatch(text) is None:
            self.fail(f"expected a number such as 575.00, got {_shown(text)!r}", param, ctx)
        whole, _, decimals = text.partition(".")
        if len(decimals) > 2:
            self.fail(f"at most two decimals (whole cents), got {_shown(text)}", param, ctx)
        if len(whole.lstrip("0")) > len(str(int(MAX_AMOUNT))) or Decimal(text) > MAX_AMOUNT:
            self.fail(f"must be at most {MAX_AMOUNT}, got {_shown(text)}", param, ctx)
        return Decimal(text).quantize(CENT)


class Month(click.ParamType):
    """A billing month typed as YYYY-MM."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> BillingMonth:
        if isinstance(value, BillingMonth):
            return value
        try:
            return BillingMonth.parse(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class CalendarDate(click.ParamType):
    """A calendar date typed as YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        if _DATE.fullmatch(text) is None:
            self.fail(f"malformed date {text[:24]!r}: expected YYYY-MM-DD, e.g. 2026-04-30",
                      param, ctx)
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.fail(f"no such date {text!r}", param, ctx)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE = CalendarDate()
COUNT = WholeNumber(0, MAX_FREE_ESCALATIONS)  # free escalations per month
PRIORITY = WholeNumber(0, MAX_QUEUE_PRIORITY)  # queue priority of a plan
RECORD_ID = WholeNumber(1, 2**31 - 1)  # a database id (INTEGER primary key)
MONEY = MoneyAmount()
MONTH = Month()


# --- Months: which month a command means when none is given. Status-like commands (an
# organization now, its escalations so far) mean the current month; summaries, invoices and
# reports mean the last closed month (the one before the current); a plan change means the next.

MonthRule = Literal["current", "last closed", "next"]


@dataclass(frozen=True)
class ChosenMonth:
    """The month a command works on, and whether it was chosen by default (and by which rule)."""

    month: BillingMonth
    rule: MonthRule | None  # None: given on the command line

    def __str__(self) -> str:
        return str(self.month)


def choose_month(given: BillingMonth | None, rule: MonthRule, now: datetime,
                 tz: tzinfo) -> ChosenMonth:
    """The given month, else the one `rule` picks at `now` in the billing time zone `tz`."""
    if given is not None:
        return ChosenMonth(given, None)
    current = BillingMonth.of(now, tz)
    picked = {"current": current, "last closed": current.prev(), "next": current.next()}[rule]
    return ChosenMonth(picked, rule)


def say_month(chosen: ChosenMonth, as_json: bool, option: str = "--month") -> None:
    """Tell on stderr which month was chosen by default (--json output carries it as "month")."""
    if chosen.rule is not None and not as_json:
        click.echo(f"({chosen.month}: the {chosen.rule} month in the billing time zone; "
                   f"{option} YYYY-MM for another)", err=True)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
