"""The command table: each command module registers its commands with the roles allowed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

import locales
from desk.context import DeskContext
from desk.errors import DeskError
from desk.users import USER_ROLES
from handlers.text import ParsedCommand
from messages.types import Incoming, Reply
from store.models import User

STAFF = frozenset(USER_ROLES) - {"partner"}


@dataclass
class CommandContext:
    """Everything a command handler gets: one open transaction, the caller and their language."""

    session: Session
    desk: DeskContext
    user: User
    incoming: Incoming
    language: str
    command: ParsedCommand | None = None  # None for a partner's plain message

    def text_after(self, words: int) -> str:
        """The command's free text after its first `words` arguments ('' for plain text)."""
        return self.command.text_after(words) if self.command is not None else ""


class BadArguments(DeskError):
    """A command's arguments are wrong: answered with the command's own help line."""

    def __init__(self, ctx: CommandContext, help_key: str) -> None:
        super().__init__(f"bad arguments for {help_key}")
        self.key = "error.bad_arguments"
        self.params = {"usage": locales.text(help_key, ctx.language)}


Handler = Callable[[CommandContext, list[str]], list[Reply]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    roles: frozenset[str]
    help_key: str  # catalog key of the one-line help, shown by /help to allowed roles
    handler: Handler
    order: int = 100  # position in /help


COMMANDS: dict[str, CommandSpec] = {}


def command(name: str, *, roles: frozenset[str] | set[str], help_key: str,
            order: int = 100) -> Callable[[Handler], Handler]:
    """Register a chat command (without its slash) for the given roles."""

    def register(handler: Handler) -> Handler:
        if name in COMMANDS:
            raise ValueError(f"command /{name} registered twice")
        COMMANDS[name] = CommandSpec(name, frozenset(roles), help_key, handler, order)
        return handler

    return register


def allowed_commands(role: str) -> list[CommandSpec]:
    allowed = (c for c in COMMANDS.values() if role in c.roles)
    return sorted(allowed, key=lambda c: (c.order, c.name))
