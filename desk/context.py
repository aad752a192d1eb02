"""What every service call needs: sessions, the clock, the billing time zone, agent rooms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from desk.clock import Clock, SystemClock

if TYPE_CHECKING:
    from desk.ai import Assistant


@dataclass(frozen=True)
class Room:
    """A chat that is not a person: the agents' room on one channel."""

    channel: str
    chat_id: str


@dataclass
class DeskContext:
    sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    billing_tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    agent_rooms: tuple[Room, ...] = ()
    agent_language: str = "en"
    default_language: str = "en"
    rate_limit_per_minute: int = 20
    invoice_grace_days: int = 0  # an invoice is due this many days after its issue date
    ai: Assistant | None = None  # optional AI assistance (AI_TRIAGE / AI_TRANSLATE); None: off
