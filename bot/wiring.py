"""Build the desk from settings: engine, migrated schema, context with clock and rooms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.settings import Settings
from desk.clock import Clock, SystemClock
from desk.context import DeskContext, Room
from store.db import make_engine, make_session_factory
from store.migrate import upgrade

if TYPE_CHECKING:
    from desk.ai import Assistant


def agent_rooms(settings: Settings) -> tuple[Room, ...]:
    rooms = []
    if settings.slack_bot_token and settings.slack_agent_channel:
        rooms.append(Room("slack", settings.slack_agent_channel))
    if settings.telegram_bot_token and settings.telegram_agent_chat_id:
        rooms.append(Room("telegram", settings.telegram_agent_chat_id))
    return tuple(rooms)


def open_database(settings: Settings) -> Engine:
    """Engine on the configured database, with the schema brought to head."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine


def build_assistant(settings: Settings, inline: bool = False) -> Assistant | None:
    """The AI assistant when AI_TRIAGE or AI_TRANSLATE is on; None (the default): off."""
    if not (settings.ai_triage or settings.ai_translate):
        return None
    assert settings.ai_base_url and settings.ai_model  # validated with the settings
    from ai.client import AiConfig  # imported only when AI assistance is configured
    from desk.ai import Assistant
    config = AiConfig(settings.ai_base_url, settings.ai_model,
                      settings.ai_api_key.get_secret_value() if settings.ai_api_key else None,
                      settings.ai_timeout_seconds, api_version=settings.ai_api_version)
    return Assistant.from_config(config, triage_on=settings.ai_triage,
                                 translate_on=settings.ai_translate, inline=inline)


def build_desk(settings: Settings, engine: Engine | None = None,
               clock: Clock | None = None, rooms: tuple[Room, ...] | None = None) -> DeskContext:
    engine = engine or open_database(settings)
    return DeskContext(
        sessions=make_session_factory(engine),
        clock=clock or SystemClock(),
        billing_tz=settings.tz,
        agent_rooms=agent_rooms(settings) if rooms is None else rooms,
        agent_language=settings.agent_language,
        default_language=settings.default_language,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        invoice_grace_days=settings.invoice_grace_days,
        ai=build_assistant(settings),
    )
