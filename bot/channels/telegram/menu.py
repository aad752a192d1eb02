"""setMyCommands per language: partner commands everywhere, staff commands in the agents' group."""

from __future__ import annotations

import logging
import re

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

import locales
from handlers.registry import allowed_commands

log = logging.getLogger(__name__)

# Telegram's language_code is ISO 639-1: 'pt' stands for our 'pt-BR'.
TELEGRAM_CODES = {"en": "en", "pt-BR": "pt", "de": "de", "es": "es", "ru": "ru"}
_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_DESCRIPTION = 256


def menu(role: str, lang: str) -> list[BotCommand]:
    """The commands a role may use, with their one-line help in `lang` as description."""
    commands = []
    for spec in allowed_commands(role):
        if not _NAME.match(spec.name):
            continue
        description = " ".join(locales.render(spec.help_key, {}, lang).split())
        if description.startswith(f"/{spec.name}"):  # the menu shows the name already
            description = description[len(spec.name) + 1:].lstrip(" —–-:")
        if len(description) > MAX_DESCRIPTION:
            description = description[: MAX_DESCRIPTION - 1] + "…"
        commands.append(BotCommand(spec.name, description or spec.name))
    return commands


async def register_menus(bot: Bot, agent_chat_id: int | str | None,
                         default_language: str = "en") -> int:
    """Register the menus (default plus one per language); return how many calls succeeded.

    A failure is logged and does not stop the bot: the commands work without the menu.
    """
    scopes: list[tuple[str, BotCommandScopeDefault | BotCommandScopeChat]] = [
        ("partner", BotCommandScopeDefault())
    ]
    if agent_chat_id is not None:
        scopes.append(("agent", BotCommandScopeChat(agent_chat_id)))
    done = 0
    for role, scope in scopes:
        variants: list[tuple[str, str | None]] = [(default_language, None)]
        variants += [(lang, code) for lang, code in TELEGRAM_CODES.items()]
        for lang, code in variants:
            commands = menu(role, lang)
            if not commands:
                continue
            try:
                await bot.set_my_commands(commands, scope=scope, language_code=code)
                done += 1
            except TelegramError as exc:
                log.warning("setMyCommands (%s, %s) failed: %s", role, code or "default", exc)
    return done
