"""Shared pieces of the admin commands: the desk in use, domain errors, parsing, tables."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

import click
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.months import BillingMonth
from bot.commands import common
from desk.context import DeskContext
from desk.errors import DeskError
from store.db import transaction

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


class OneLineUsageError(click.UsageError):
    """A usage mistake told in one line on stderr, like every other refusal of the CLI."""

    def show(self, file: Any = None) -> None:
        where = f" (see: {self.ctx.command_path} --help)" if self.ctx is not None else ""
        click.echo(f"supportdesk: {self.format_message()}{where}", err=True)


# `supportdesk org` with no subcommand shows the group's help (click's NoArgsIsHelpError).
_HELP_ERRORS: tuple[type[Exception], ...] = tuple(
    e for e in (getattr(click.exceptions, "NoArgsIsHelpError", None),) if e is not None)


def _one_line(exc: click.UsageError) -> click.UsageError:
    if isinstance(exc, (OneLineUsageError, *_HELP_ERRORS)):
        return exc
    return OneLineUsageError(exc.format_message(), exc.ctx)


class AdminCommand(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _one_line(exc) from None


class AdminGroup(click.Group):
    """A command group whose usage errors (unknown option, missing argument) are one line."""

    command_class = AdminCommand
    group_class = type

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise _one_line(exc) from None


def current_desk() -> DeskContext:
    """The desk handed in as click's `obj` (tests inject one with a fixed clock), else the
    desk built from settings."""
    ctx = click.get_current_context(silent=True)
    injected = ctx.find_object(DeskContext) if ctx is not None else None
    if injected is None:
        injected = common.desk()
        if ctx is not None:
            ctx.find_root().obj = injected
    return injected


@contextmanager
def unit_of_work() -> Iterator[tuple[Session, DeskContext, datetime]]:
    """One transaction on the desk's database, with the desk and the clock's now."""
    desk = current_desk()
    with transaction(desk.sessions) as session:
        yield session, desk, desk.clock.now()


def actor() -> str:
    """Who is at the terminal, for the audit trail: 'cli:<login>' (or 'cli')."""
    try:
        return f"cli:{getpass.getuser()}"[:120]
    except (KeyError, OSError):
        return "cli"


def admin_command(func: F) -> F:
    """Domain refusals (DeskError) and settings errors become one line on stderr, exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DeskError as exc:
            common.fail(str(exc))
        except IntegrityError:
            # Only a concurrent writer gets past the services' own uniqueness checks.
            common.fail("the change conflicts with one made at the same time; nothing was "
                        "changed, please try again")

    return common.handle_errors(wrapper)  # type: ignore[return-value]


def required(value: T | None, option: str, hint: str) -> T:
    """The value of an option the command cannot do without; missing: one line, exit 2."""
    if value is None or (isinstance(value, str) and not value.strip()):
        common.fail(f"missing {option} ({hint})")
    return value


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]],
                empty: str = "(none)") -> None:
    """Plain aligned columns: readable in a terminal, stable in logs and tests."""
    if not rows:
        click.echo(empty)
        return
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            click.echo("  ".join("-" * w for w in widths))


def month_of_desk(given: BillingMonth | None, rule: common.MonthRule) -> common.ChosenMonth:
    """common.choose_month at the desk's now, in its billing time zone."""
    desk = current_desk()
    return common.choose_month(given, rule, desk.clock.now(), desk.billing_tz)
