"""Compact button data ("take:42", "escc:42:bv"): encode, decode and validate on arrival."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's callback_data limit; Slack's is larger
_VERB = re.compile(r"^[a-z]{1,8}$")
_PARAM = re.compile(r"^[A-Za-z0-9_-]{1,24}$")

# verb -> chat command the press stands for; other modules may add theirs with register().
ACTIONS: dict[str, str] = {"take": "take", "res": "resolve", "reo": "reopen", "sev": "severity"}


OWNER_MARK = "~"  # "esc:42:bv~8013": only chat user 8013 may press it (shared groups)


@dataclass(frozen=True)
class Action:
    verb: str
    params: tuple[str, ...]
    owner: str | None = None  # the chat user id of the only person who may press it

    @property
    def command(self) -> str:
        return ACTIONS[self.verb]


def register(verb: str, command: str) -> None:
    """Let a button verb stand for a chat command (e.g. register("esc", "escalate"))."""
    if not _VERB.match(verb):
        raise ValueError(f"bad action verb {verb!r}")
    if ACTIONS.get(verb, command) != command:
        raise ValueError(f"action verb {verb!r} already stands for /{ACTIONS[verb]}")
    ACTIONS[verb] = command


def encode(verb: str, *params: object) -> str:
    """Button data for a verb and its parameters; ValueError if it would be invalid."""
    values = [str(p) for p in params]
    if verb not in ACTIONS or not all(_PARAM.match(v) for v in values):
        raise ValueError(f"cannot encode action {verb!r} {values!r}")
    data = ":".join([verb, *values])
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"action data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def owned(data: str, owner: str) -> str:
    """Button data that only chat user `owner` may press; unchanged when it cannot carry it."""
    if OWNER_MARK in data or not _PARAM.match(owner):
        return data
    marked = f"{data}{OWNER_MARK}{owner}"
    return marked if len(marked.encode("utf-8")) <= MAX_BYTES else data


def decode(data: str | None) -> Action | None:
    """The action in button data, or None if it is malformed, too long or unknown."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    data, mark, owner = data.partition(OWNER_MARK)
    if mark and not _PARAM.match(owner):
        return None
    verb, *params = data.split(":")
    if verb not in ACTIONS or not all(_PARAM.match(p) for p in params):
        return None
    return Action(verb, tuple(params), owner or None)
