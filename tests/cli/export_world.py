"""A desk in Europe/Berlin with cases made by the real services, for the export commands.

Acme (Growth) and Globex (Premium); the clock ends at 2026-03-10 09:00 UTC.
  #1 Acme, telegram: answered in 20 min, escalated (oba) and resolved in February (counted
     2026-02), rated 5, reopened and resolved again (rated 2: the latest counts), reopened and
     resolved a third time (asked, not rated).
  #2 Acme, telegram: severity set by an agent, escalated in February, resolved in March
     (expired: it never counts), never answered (a bare resolution).
  #3 Globex, slack: opened 2026-02-28 23:30 UTC, which is March 1st in Berlin; unanswered.
  #4 Globex, slack: opened and escalated in March, still open (pending).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk import cases
from desk.clock import FixedClock
from desk.context import DeskContext, Room
from escalation import service
from store.db import transaction
from store.models import Case, SatisfactionRating, User

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
T = TypeVar("T")


def berlin_desk(sessions: Any, clock: FixedClock) -> DeskContext:
    return DeskContext(sessions=sessions, clock=clock, billing_tz=BERLIN,
                       agent_rooms=(Room("console", "agents"),))


def at(desk: DeskContext, when: datetime, work: Callable[[Session, datetime], T]) -> T:
    """Run `work` in one transaction with the clock set to `when`."""
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(when)
    with transaction(desk.sessions) as session:
        return work(session, when)


def person(session: Session, name: str) -> User:
    found = session.scalar(select(User).where(User.name == name))
    assert found is not None
    return found


def _case(session: Session, number: int) -> Case:
    found = session.get(Case, number)
    assert found is not None
    return found


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def build(desk: DeskContext, run_json: Callable[..., Any]) -> None:
    tz = desk.billing_tz
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(utc(2026, 2, 2, 8, 0))
    run_json("org", "add", "Acme", "--currency", "EUR", "--billing-model", "partner-paid")
    run_json("org", "add", "Globex", "--plan", "premium", "--currency", "USD",
             "--billing-model", "partner-paid")
    run_json("user", "add", "--channel", "telegram", "--id", "42", "--role", "partner",
             "--org", "Acme", "--name", "Ana Partner", "--language", "pt-BR")
    run_json("user", "add", "--channel", "slack", "--id", "U0GLOBEX", "--role", "partner",
             "--org", "Globex", "--name", "Gus Partner")
    run_json("user", "add", "--channel", "console", "--id", "otto", "--role", "agent",
             "--name", "Otto Agent")

    def write(who: str, channel: str, chat: str, text: str, language: str = "en"
              ) -> Callable[[Session, datetime], int]:
        def work(s: Session, now: datetime) -> int:
            return cases.place_partner_message(
                s, partner=person(s, who), channel=channel, chat_id=chat, thread_key="",
                text=text, language=language, now=now, tz=tz).case.id
        return work

    def agent_does(number: int, action: str, text: str | None = None
                   ) -> Callable[[Session, datetime], object]:
        def work(s: Session, now: datetime) -> object:
            otto, case = person(s, "Otto Agent"), _case(s, number)
            if action == "reply":
                return cases.reply(s, case=case, agent=otto, text=text or "", now=now)
            if action == "resolve":
                return cases.resolve(s, desk, case=case, agent=otto, text=text, now=now)
            if action == "reopen":
                return cases.reopen(s, case=case, agent=otto, now=now)
            if action == "severity":
                return cases.set_severity(s, case=case, agent=otto, value=1, now=now, tz=tz)
            return service.request(s, desk, case_id=number, user=otto, category=action,
                                   confirm=True, on_behalf=True, now=now)
        return work

    def rating(number: int, round_: int, value: int | None, comment: str | None = None
               ) -> Callable[[Session, datetime], None]:
        def work(s: Session, now: datetime) -> None:
            s.add(SatisfactionRating(
                case_id=number, round=round_, org_id=_case(s, number).org_id,
                agent_id=person(s, "Otto Agent").id, asked_at=now, rating=value,
                comment=comment, rated_by_id=None if value is None else
                person(s, "Ana Partner").id, rated_at=None if value is None else now))
        return work

    one = at(desk, utc(2026, 2, 10, 9, 0),
             write("Ana Partner", "telegram", "42", "Our green tick request is stuck"))
    assert one == 1
    at(desk, utc(2026, 2, 10, 9, 20), agent_does(1, "reply", "Looking into it.\nOne moment."))
    at(desk, utc(2026, 2, 10, 9, 30), agent_does(1, "oba"))
    at(desk, utc(2026, 2, 12, 10, 0), agent_does(1, "resolve", "Approved"))
    at(desk, utc(2026, 2, 12, 11, 0), rating(1, 0, 5, "quick"))
    at(desk, utc(2026, 2, 13, 10, 0), agent_does(1, "reopen"))
    at(desk, utc(2026, 2, 14, 10, 0), agent_does(1, "resolve", "Approved again"))
    at(desk, utc(2026, 2, 14, 12, 0), rating(1, 1, 2, "slow the second time"))
    at(desk, utc(2026, 2, 15, 10, 0), agent_does(1, "reopen"))
    at(desk, utc(2026, 2, 16, 10, 0), agent_does(1, "resolve"))
    at(desk, utc(2026, 2, 16, 10, 0), rating(1, 2, None))

    assert at(desk, utc(2026, 2, 20, 9, 0),
              write("Ana Partner", "telegram", "42", "Invoice question")) == 2
    at(desk, utc(2026, 2, 20, 9, 5), agent_does(2, "severity"))
    at(desk, utc(2026, 2, 21, 9, 0), agent_does(2, "inv"))
    at(desk, utc(2026, 3, 2, 9, 0), agent_does(2, "resolve"))

    assert at(desk, utc(2026, 2, 28, 23, 30),
              write("Gus Partner", "slack", "D0GUS", "Die API ist ausgefallen", "de")) == 3
    assert at(desk, utc(2026, 3, 5, 9, 0),
              write("Gus Partner", "slack", "D0GUS2", "Webhooks are slow")) == 4
    at(desk, utc(2026, 3, 5, 10, 0), agent_does(4, "tech"))
    desk.clock.set(NOW)
