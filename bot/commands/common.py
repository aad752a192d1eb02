"""Shared pieces of the command line: settings, desk, JSON output and one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click

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
