"""The command table: each command module registers its commands with the roles allowed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from desk.context import DeskContext
from desk.users import USER_ROLES
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
