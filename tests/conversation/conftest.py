"""A collecting fake channel and people on the desk, driven through handlers.desk.Desk."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import locales
from bot.channels.base import deliver_outbox_once
from desk import orgs, outbox, users
from desk.clock import FixedClock
from desk.context import DeskContext
from handlers.desk import Desk
from messages.types import Incoming, Outcome
from store.db import transaction
from store.models import Case, Organization, OutboxMessage, User

CHANNELS = ("telegram", "slack", "console")


@dataclass
class Delivered:
    channel: str
    chat_id: str
    thread_id: str | None
    language: str
    key: str
    params: dict[str, Any]
    actions: list[str]
    recipient_user_id: int | None
    native_id: str
    text: str


@dataclass
class Person:
    id: int
    name: str
    role: str
    external_id: str
    channel: str = "telegram"


@dataclass
class Harness:
    """Sends messages as people, delivers the outbox into `delivered`."""

    desk: DeskContext
    clock: FixedClock
    handler: Desk
    delivered: list[Delivered] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1000))

    def send(self, who: Person, text: str = "", *, update_id: str | None = None,
             action: str | None = None, chat_id: str | None = None, thread_id: str | None = None,
             reply_to: str | None = None, private: bool = True,
             hint: str | None = None) -> Outcome:
        return self.handler.handle(Incoming(
            channel=who.channel, user_id=who.external_id, chat_id=chat_id or who.external_id,
            text=text, thread_id=thread_id,
            update_id=update_id if update_id is not None else f"u{next(self._ids)}",
            locale_hint=hint, action=action, reply_to_message_id=reply_to, is_private=private,
        ))

    def deliver(self) -> list[Delivered]:
        """Deliver every due outbox row of every channel; return what was delivered now."""
        new: list[Delivered] = []

        async def collect(message: OutboxMessage) -> str:
            reply = outbox.to_reply(message)
            native = f"n{message.id}"
            new.append(Delivered(
                message.channel, message.chat_id, message.thread_id, message.language,
                reply.key, dict(reply.params), [b.action for b in reply.buttons],
                message.recipient_user_id, native,
                locales.render(reply.key, reply.params, message.language),
            ))
            return native

        async def drain() -> None:
            for channel in CHANNELS:
                while await deliver_outbox_once(self.desk, channel, collect):
                    pass

        asyncio.run(drain())
        self.delivered.extend(new)
        return new

    def session(self) -> Session:
        return self.desk.sessions()

    def case(self, number: int) -> Case:
        with self.desk.sessions() as s:
            return s.get(Case, number)

    def user(self, person: Person) -> User:
        with self.desk.sessions() as s:
            return s.get(User, person.id)

    def count(self, model: Any) -> int:
        with self.desk.sessions() as s:
            return s.scalar(select(func.count()).select_from(model))

    def add_org(self, name: str, plan: str = "growth", currency: str = "EUR") -> int:
        with transaction(self.desk.sessions) as s:
            org = orgs.create_org(s, name=name, plan_name=plan, currency=currency,
                                  billing_model="partner-paid", now=self.clock.now(),
                                  tz=self.desk.billing_tz)
            return org.id

    def add_person(self, name: str, role: str, org_id: int | None = None, *,
                   language: str | None = None, channel: str = "telegram") -> Person:
        external = f"{channel[:2]}-{name.lower()}"
        with transaction(self.desk.sessions) as s:
            org = s.get(Organization, org_id) if org_id else None
            user = users.add_user(s, channel=channel, external_id=external, role=role, org=org,
                                  name=name, language=language, now=self.clock.now())
            return Person(user.id, name, role, external, channel)


def keys(outcome: Outcome) -> list[str]:
    return [r.key for r in outcome.replies]


def number_of(outcome: Outcome) -> int:
    return int(outcome.replies[0].params["number"])


@pytest.fixture
def harness(desk: DeskContext, clock: FixedClock) -> Harness:
    return Harness(desk, clock, Desk(desk))


@dataclass
class World:
    h: Harness
    org: int
    other_org: int
    pat: Person
    olga: Person  # partner of the other organization
    alex: Person  # agent
    bea: Person  # second agent
    morgan: Person  # manager
    tina: Person  # dedicated TAM of org
    root: Person  # admin


@pytest.fixture
def world(harness: Harness) -> World:
    h = harness
    org = h.add_org("Acme Messaging")
    other = h.add_org("Other Corp", plan="premium", currency="USD")
    return World(
        h, org, other,
        pat=h.add_person("Pat", "partner", org),
        olga=h.add_person("Olga", "partner", other),
        alex=h.add_person("Alex", "agent", language="en"),
        bea=h.add_person("Bea", "agent", language="en"),
        morgan=h.add_person("Morgan", "manager", language="en"),
        tina=h.add_person("Tina", "tam", org, language="en"),
        root=h.add_person("Root", "admin", language="en"),
    )

