"""The console channel: a terminal chat through the same desk handlers as Slack and Telegram.

Act as any registered user (`:as NAME`, `:users`), press a button with `:press DATA`, leave
with `:quit`. After every line the console's outbox (agents' room, notices to other users) is
delivered by printing it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import uuid
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from sqlalchemy import select

import locales
from bot.channels.base import deliver_outbox_once
from desk import demo, outbox
from desk.context import DeskContext, Room
from handlers.desk import Desk
from messages.types import Incoming, Reply
from store.db import transaction
from store.models import Identity, OutboxMessage, User

CHANNEL = "console"
AGENTS_ROOM = Room(CHANNEL, "agents")
HELP = ("Type a message as the current user, or a /command. Console commands: "
        ":users (list), :as NAME (switch user), :press DATA (press a button), :quit.")


@dataclasses.dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    role: str
    external_id: str | None  # console identity, None until the console adds one


def with_console_room(desk: DeskContext) -> DeskContext:
    """The desk with the console agents' room added, so new-case notices show up here."""
    if AGENTS_ROOM in desk.agent_rooms:
        return desk
    return dataclasses.replace(desk, agent_rooms=(*desk.agent_rooms, AGENTS_ROOM))


def render(reply: Reply, language: str) -> str:
    text = locales.render(reply.key, reply.params, language)
    if reply.buttons:
        labels = "  ".join(
            f"[{locales.render(b.label_key, b.params, language)} → :press {b.action}]"
            for b in reply.buttons
        )
        text = f"{text}\n{labels}"
    return text


class ConsoleChat:
    """One terminal session: reads lines, hands them to the desk, prints answers and outbox."""

    def __init__(self, desk: DeskContext, stdin: IO[str] | None = None,
                 stdout: IO[str] | None = None) -> None:
        self.desk = with_console_room(desk)
        self.handler = Desk(self.desk)
        self.stdin = stdin
        self.out = Console(file=stdout or sys.stdout, highlight=False, soft_wrap=True,
                           force_terminal=False if stdout is not None else None)
        self.current: Person | None = None

    # -- input ---------------------------------------------------------------------------
    def read(self, prompt: str) -> str | None:
        if self.stdin is None:
            try:
                return input(prompt)
            except EOFError:
                return None
        self.out.print(prompt, end="", markup=False)
        line = self.stdin.readline()
        if not line:
            return None
        self.out.print(line.rstrip("\n"), markup=False)
        return line.rstrip("\n")

    # -- people --------------------------------------------------------------------------
    def people(self) -> list[Person]:
        with transaction(self.desk.sessions) as session:
            rows = session.execute(
                select(User, Identity.external_id)
                .outerjoin(Identity, (Identity.user_id == User.id) & (Identity.channel == CHANNEL))
                .where(User.removed_at.is_(None)).order_by(User.id)
            ).all()
        seen: dict[int, Person] = {}
        for user, external_id in rows:
            seen.setdefault(user.id, Person(user.id, user.name, user.role, external_id))
        return list(seen.values())

    def find(self, name: str) -> Person | None:
        wanted = name.strip().lower()
        people = self.people()
        for match in (
            lambda p: str(p.user_id) == wanted or p.name.lower() == wanted,
            lambda p: p.name.lower().startswith(wanted),
        ):
            found = [p for p in people if match(p)]
            if len(found) == 1:
                return found[0]
        return None

    def ensure_identity(self, person: Person) -> Person:
        """A console identity (external id = user id) for a user registered elsewhere."""
        if person.external_id is not None:
            return person
        with transaction(self.desk.sessions) as session:
            session.add(Identity(user_id=person.user_id, channel=CHANNEL,
                                 external_id=str(person.user_id)))
        self.out.print(f"(added a console identity for {escape(person.name)})")
        return dataclasses.replace(person, external_id=str(person.user_id))

    def switch(self, name: str) -> None:
        person = self.find(name) if name else None
        if person is None:
            self.out.print(f"No single user matches {escape(name)!r}; see :users.")
            return
        self.current = self.ensure_identity(person)
        self.out.print(f"You are now [bold]{escape(person.name)}[/bold] ({person.role}).")

    def list_users(self) -> None:
        for p in self.people():
            marker = "*" if self.current and self.current.user_id == p.user_id else " "
            self.out.print(f"{marker} {p.user_id:>4}  {escape(p.name)}  ({p.role})")

    # -- the desk ------------------------------------------------------------------------
    def send(self, text: str = "", action: str | None = None) -> None:
        assert self.current is not None and self.current.external_id is not None
        incoming = Incoming(
            channel=CHANNEL, user_id=self.current.external_id,
            chat_id=self.current.external_id, text=text, action=action,
            update_id=uuid.uuid4().hex,
            display_name=self.current.name, is_private=True,
        )
        outcome = self.handler.handle(incoming)
        for reply in outcome.replies:
            self.out.print(f"[bold cyan]bot:[/bold cyan] {escape(render(reply, outcome.language))}")
        self.deliver()

    def deliver(self) -> None:
        names = {p.external_id: p.name for p in self.people() if p.external_id}

        async def show(message: OutboxMessage) -> str:
            if message.chat_id == AGENTS_ROOM.chat_id:
                where = "[agents' room]"
            else:
                where = f"[to {names.get(message.chat_id, message.chat_id)}]"
            text = render(outbox.to_reply(message), message.language)
            self.out.print(f"[magenta]{escape(where)}[/magenta] {escape(text)}")
            return f"console-{message.id}"

        async def drain() -> None:
            while await deliver_outbox_once(self.desk, CHANNEL, show):
                pass

        asyncio.run(drain())

    # -- session -------------------------------------------------------------------------
    def offer_demo(self) -> None:
        with transaction(self.desk.sessions) as session:
            empty = demo.is_empty(session)
        if not empty:
            return
        answer = self.read("The desk has no organizations yet. Create a demo organization "
                           "'Demo Partner GmbH' with partner Pat, agent Alex and manager Morgan? "
                           "[y/N] ")
        if (answer or "").strip().lower() not in {"y", "yes"}:
            return
        with transaction(self.desk.sessions) as session:
            demo.create_demo(session, now=self.desk.clock.now(), tz=self.desk.billing_tz)
        self.out.print("Demo created. Try writing as Pat, then `:as Alex` and /queue.")

    def run(self) -> None:
        self.out.print("[bold]supportdesk console[/bold] — " + escape(HELP))
        self.offer_demo()
        people = [p for p in self.people() if p.external_id is not None] or self.people()
        if people:
            first = next((p for p in people if p.role == "partner"), people[0])
            self.current = self.ensure_identity(first)
            self.out.print(f"You are [bold]{escape(first.name)}[/bold] ({first.role}).")
        else:
            self.out.print("No users yet: add some with `supportdesk user add` and start again.")
            return
        while True:
            assert self.current is not None
            line = self.read(f"{self.current.name}> ")
            if line is None:
                break
            if not self.command(line):
                break
        self.out.print("bye")

    def command(self, line: str) -> bool:
        """Act on one input line; False to stop."""
        stripped = line.strip()
        word, _, rest = stripped.partition(" ")
        if word in {":quit", ":q", ":exit"}:
            return False
        if word == ":users":
            self.list_users()
        elif word == ":as":
            self.switch(rest)
        elif word == ":press":
            self.send(action=rest.strip())
        elif word == ":help":
            self.out.print(escape(HELP))
        else:
            self.send(line)
        return True


def run_console(desk: DeskContext, settings: Any = None, *, stdin: IO[str] | None = None,
                stdout: IO[str] | None = None) -> None:
    """Run the interactive console chat until :quit or end of input."""
    ConsoleChat(desk, stdin, stdout).run()
