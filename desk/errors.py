"""Domain errors of the desk services: one clear sentence each, safe to show an admin."""

from __future__ import annotations


class DeskError(ValueError):
    """A request the desk refuses; str(error) is a complete, human-readable sentence."""


class NotFound(DeskError):
    """The named organization, plan, user or identity does not exist."""


class Conflict(DeskError):
    """The change would duplicate something unique (a name, a chat identity, a partner id)."""


class Invalid(DeskError):
    """A value is malformed or not allowed here (bad currency, role, month, amount...)."""


class Ambiguous(DeskError):
    """A name matches several records that differ only by case or spacing."""
