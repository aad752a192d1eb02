"""The console channel: a terminal chat through the same desk handlers as Slack and Telegram.

Act as any registered user (`:as NAME` or `:as ID`, `:users`), press a shown button with
`:press N`, leave with `:quit`; `:help` lists the commands. After every line the console's
outbox (agents' room, notices to other users) is delivered by printing it, and files a message
carries (the managers' summary CSV and chart) are written to the attachments folder.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sys
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
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
DEFAULT_ATTACHMENTS = Path("supportdesk-attachments")
QUIT_WORDS = frozenset({":quit", ":q", ":exit"})
COMMANDS = ":users, :as, :press, :help, :quit"
HELP = """Console commands:
  :users         list the users you can act as (* marks you)
  :as NAME|ID    act as another user (a name, the start of one, or the id :users shows)
  :press N       press the button shown as [LABEL → :press N]
  :help          this list
  :quit          leave (also :q, :exit, Ctrl-D)
Anything else goes to the desk as the current user: chat text, or a /command (/help lists the
ones the user's role allows)."""
BANNER = ("You chat with the desk as one of its users. :help lists the console commands, "
          "/help the desk's.")
CONSOLE_COMMAND = re.compile(r"^:[A-Za-z][\w-]*$")  # ":)" and the like stay chat text
# A reply that asks for a command the console user can send gets that command as a button
# when the desk gave it none (the desk offers no escalation buttons on the console).
COMMAND_BUTTON_LABELS = {"escalation.confirm": "escalation.button.confirm"}
SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclasses.dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    role: str
    external_id: str | None  # console identity, None until the console adds one


@dataclasses.dataclass(frozen=True)
class ConsoleButton:
    """A shown button: pressing it sends its action data, or else its command as text."""

    label: str
    action: str | None = None
    command: str | None = None


def with_console_room(desk: DeskContext) -> DeskContext:
    """The desk with the console agents' room added, so new-case notices show up here."""
    if AGENTS_ROOM in desk.agent_rooms:
        return desk
    return dataclasses.replace(desk, agent_rooms=(*desk.agent_rooms, AGENTS_ROOM))


def offered_command(reply: Reply) -> str | None:
    """The /command a reply asks the reader to send (e.g. the escalation confirmation)."""
    command = reply.params.get("command")
    if isinstance(command, str) and command.startswith("/"):
        return command
    return None


def buttons_of(reply: Reply, language: str) -> list[ConsoleButton]:
    """The reply's buttons with their labels; a reply offering a command gets it as one."""
    if reply.buttons:
        return [ConsoleButton(locales.render(b.label_key, b.params, language), action=b.action)
                for b in reply.buttons]
    command = offered_command(reply)
    if command is None:
        return []
    label_key = COMMAND_BUTTON_LABELS.get(reply.key)
    label = locales.render(label_key, {}, language) if label_key else command
    return [ConsoleButton(label, command=command)]


def safe_filename(name: str) -> str:
    """A plain file name for an attachment: no folders, no odd characters, never hidden."""
    cleaned = SAFE_FILENAME.sub("_", Path(name.replace("\\", "/")).name).strip("._")
    return cleaned or "attachment"


def write_new_file(directory: Path, name: str, data: bytes) -> Path:
    """Write data to directory/name, or name-2, name-3 ... if taken; never overwrites."""
    directory.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 10_000):
        path = directory / (name if n == 1 else f"{stem}-{n}{suffix}")
        try:
            with path.open("xb") as file:
                file.write(data)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free file name for {name} in {directory}")


def matching(people: Sequence[Person], wanted: str) -> list[Person]:
    """The users `wanted` names: the one with that id; else exact names; else name prefixes."""
    key = wanted.strip().lower()
    if key.isdigit():
        by_id = [p for p in people if str(p.user_id) == key]
        if by_id:
            return by_id
    exact = [p for p in people if p.name.lower() == key]
    return exact or [p for p in people if p.name.lower().startswith(key)]


class ConsoleChat:
    """One terminal session: reads lines, hands them to the desk, prints answers and outbox."""

    def __init__(self, desk: DeskContext, stdin: IO[str] | None = None,
                 stdout: IO[str] | None = None, attachments: Path | None = None) -> None:
        self.desk = with_console_room(desk)
        self.handler = Desk(self.desk)
        self.stdin = stdin
        self.out = Console(file=stdout or sys.stdout, highlight=False, soft_wrap=True,
                           force_terminal=False if stdout is not None else None)
        self.attachments = (attachments or DEFAULT_ATTACHMENTS).absolute()
        self.current: Person | None = None
        self.buttons: dict[int, ConsoleButton] = {}  # every button shown, by its number

    # -- input ---------------------------------------------------------------------------
    def read(self, prompt: str) -> str | None:
        """One line, without its newline; None at end of input or Ctrl-C."""
        if self.stdin is None:
            try:
                return input(prompt)
            except (EOFError, KeyboardInterrupt):
                self.out.print()  # the terminal's cursor is still on the prompt line
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

    def ensure_identity(self, person: Person) -> Person:
        """A console identity (external id = user id) for a user registered elsewhere."""
        if person.external_id is not None:
            return person
        with transaction(self.desk.sessions) as session:
            session.add(Identity(user_id=person.user_id, channel=CHANNEL,
                                 external_id=str(person.user_id)))
        self.out.print(f"(added a console identity for {escape(person.name)})")
        return dataclasses.replace(person, external_id=str(person.user_id))

    def switch(self, wanted: str) -> None:
        if not wanted.strip():
            self.out.print("Usage: :as NAME or :as ID (:users lists them).")
            return
        found = matching(self.people(), wanted)
        if not found:
            self.out.print(f"No user matches {escape(repr(wanted.strip()))}; :users lists them.")
            return
        if len(found) > 1:
            self.out.print(f"{escape(repr(wanted.strip()))} matches {len(found)} users; "
                           "say which with :as ID:")
            self.print_people(found)
            return
        self.current = self.ensure_identity(found[0])
        self.out.print(f"You are now [bold]{escape(found[0].name)}[/bold] ({found[0].role}).")

    def print_people(self, people: Iterable[Person]) -> None:
        for p in people:
            marker = "*" if self.current and self.current.user_id == p.user_id else " "
            self.out.print(f"{marker} {p.user_id:>4}  {escape(p.name)}  ({p.role})")

    def list_users(self) -> None:
        people = self.people()
        self.out.print("    id  name  (role)")
        self.print_people(people)

    # -- output --------------------------------------------------------------------------
    def show(self, prefix: str, reply: Reply, language: str) -> None:
        """Print a reply after its markup prefix, with its buttons numbered for :press N."""
        text = locales.render(reply.key, reply.params, language)
        labels = [f"[{b.label} → :press {self.number(b)}]" for b in buttons_of(reply, language)]
        if labels:
            text = f"{text}\n{'  '.join(labels)}"
        self.out.print(f"{prefix} {escape(text)}")

    def number(self, button: ConsoleButton) -> int:
        number = len(self.buttons) + 1
        self.buttons[number] = button
        return number

    def save_attachments(self, attachments: Sequence[outbox.Attachment]) -> None:
        """Write each attachment to the attachments folder and print where it is."""
        for attachment in attachments:
            name = safe_filename(attachment.filename)
            try:
                path = write_new_file(self.attachments, name, attachment.data)
            except OSError as exc:
                self.out.print(f"  [red]could not save the attachment {escape(name)}:[/red] "
                               f"{escape(str(exc))} (choose another folder with --attachments)")
                continue
            self.out.print(f"  attached: {escape(str(path))} ({escape(attachment.content_type)}, "
                           f"{len(attachment.data)} bytes)")

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
            self.show("[bold cyan]bot:[/bold cyan]", reply, outcome.language)

    def press(self, argument: str) -> None:
        """`:press N` presses shown button N; `:press DATA` sends raw button data."""
        wanted = argument.strip()
        if not wanted:
            self.out.print("Usage: :press N, where N is the number of a shown button.")
            return
        if not wanted.isdigit():
            self.send(action=wanted)
            return
        button = self.buttons.get(int(wanted))
        if button is None:
            self.out.print(f"No button {wanted} has been shown "
                           f"({self.button_range()}).")
            return
        assert self.current is not None
        self.out.print(f"({escape(self.current.name)} presses {escape(repr(button.label))})")
        if button.action is not None:
            self.send(action=button.action)
        else:
            self.send(button.command or "")

    def button_range(self) -> str:
        if not self.buttons:
            return "none yet"
        return f"buttons 1 to {len(self.buttons)}" if len(self.buttons) > 1 else "only button 1"

    def deliver(self) -> None:
        names = {p.external_id: p.name for p in self.people() if p.external_id}

        async def show(message: OutboxMessage) -> str:
            if message.chat_id == AGENTS_ROOM.chat_id:
                where = "[agents' room]"
            else:
                where = f"[to {names.get(message.chat_id, message.chat_id)}]"
            self.show(f"[magenta]{escape(where)}[/magenta]", outbox.to_reply(message),
                      message.language)
            self.save_attachments(self.attachments_of(message))
            return f"console-{message.id}"

        async def drain() -> None:
            while await deliver_outbox_once(self.desk, CHANNEL, show):
                pass

        asyncio.run(drain())

    def attachments_of(self, message: OutboxMessage) -> list[outbox.Attachment]:
        with transaction(self.desk.sessions) as session:
            return outbox.attachments_of(session, message.id)

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
        self.out.print("Demo created. Try writing as Pat, then :as Alex and /queue.")

    def choose_first_user(self) -> bool:
        """Act as the first partner (console users first); False when there is nobody."""
        people = [p for p in self.people() if p.external_id is not None] or self.people()
        if not people:
            self.out.print("No users yet: add some with `supportdesk user add` and start again.")
            return False
        first = next((p for p in people if p.role == "partner"), people[0])
        self.current = self.ensure_identity(first)
        self.out.print(f"You are [bold]{escape(first.name)}[/bold] ({first.role}).")
        return True

    def run(self) -> None:
        self.out.print("[bold]supportdesk console[/bold] — " + escape(BANNER))
        self.offer_demo()
        if not self.choose_first_user():
            return
        self.deliver()  # what was sent to the console while it was closed
        while True:
            assert self.current is not None
            line = self.read(f"{self.current.name}> ")
            if line is None or not self.command(line):
                break
        self.out.print("bye")

    def command(self, line: str) -> bool:
        """Act on one input line, then deliver the outbox; False to stop."""
        stripped = line.strip()
        word, _, rest = stripped.partition(" ")
        if word in QUIT_WORDS:
            return False
        if not stripped:
            return True  # an empty line is not a message
        if word == ":users":
            self.list_users()
        elif word == ":as":
            self.switch(rest)
        elif word == ":press":
            self.press(rest)
        elif word == ":help":
            self.out.print(escape(HELP))
        elif CONSOLE_COMMAND.match(word):
            self.out.print(f"Unknown console command {escape(word)}. "
                           f"Console commands: {COMMANDS} (:help explains them).")
        else:
            self.send(line)
        self.deliver()
        return True


def run_console(desk: DeskContext, settings: Any = None, *, stdin: IO[str] | None = None,
                stdout: IO[str] | None = None, attachments: Path | None = None) -> None:
    """Run the interactive console chat until :quit or end of input; files a message carries
    go to `attachments` (default ./supportdesk-attachments)."""
    ConsoleChat(desk, stdin, stdout, attachments).run()
