"""The console channel, driven by a script of lines or typed into line by line."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import locales
from bot.channels.console import (
    ConsoleButton,
    ConsoleChat,
    buttons_of,
    run_console,
    safe_filename,
)
from bot.cli import cli
from desk import demo, users
from desk.context import DeskContext
from handlers.desk import Desk
from messages.types import Button, Incoming, Reply
from store.db import transaction
from store.models import Case, Escalation, Identity, Organization, OutboxMessage, User

SCRIPT = """y
Hello, our messages to customers are delayed since this morning, can you check?
:users
:as Alex
/queue
/take 1
:press res:1
:as Pat
/status 1
:as Nobody
:quit
this line is never read
"""


def test_console_script_from_an_empty_database(desk: DeskContext) -> None:
    roomless = DeskContext(sessions=desk.sessions, clock=desk.clock)  # like `supportdesk run`
    out = io.StringIO()
    run_console(roomless, None, stdin=io.StringIO(SCRIPT), stdout=out)
    text = out.getvalue()
    with desk.sessions() as s:
        assert s.scalar(select(Organization.name)) == "Demo Partner GmbH"
        people = {u.name: u for u in s.scalars(select(User))}
        assert {n: u.role for n, u in people.items()} == {
            "Pat": "partner", "Alex": "agent", "Morgan": "manager"}
        ids = {i.user_id: i.external_id for i in s.scalars(select(Identity))}
        assert all(ids[u.id] == str(u.id) for u in people.values())
        case = s.get(Case, 1)
        assert case.status == "resolved" and case.assignee_id == people["Alex"].id
        statuses = set(s.scalars(select(OutboxMessage.status)))
        assert statuses == {"sent"}
    assert "Morgan? [y/N] y" in text
    assert "Thanks! I opened case #1" in text
    assert "[agents' room] New case #1" in text
    assert "You are now Alex (agent)." in text
    assert "Queue (1 open)" in text and "Demo Partner GmbH (Growth)" in text
    assert "[to Pat] Alex from support is now working on your case #1." in text
    assert "[to Pat] Your case #1 has been resolved." in text
    assert "Case #1 was resolved on" in text
    assert "No user matches 'Nobody'; :users lists them." in text
    assert "this line is never read" not in text
    assert text.rstrip().endswith("bye")


def test_console_on_a_populated_database_offers_no_demo(desk: DeskContext) -> None:
    first = io.StringIO()
    run_console(desk, None, stdin=io.StringIO("y\n:quit\n"), stdout=first)
    second = io.StringIO()
    run_console(desk, None, stdin=io.StringIO(":as Morgan\n/help\n"), stdout=second)
    text = second.getvalue()
    assert "Create a demo organization" not in text
    assert "You are now Morgan (manager)." in text
    assert "/help — show this list" in text and "/queue" not in text


def test_console_declined_demo_leaves_the_database_empty(desk: DeskContext) -> None:
    out = io.StringIO()
    run_console(desk, None, stdin=io.StringIO("n\n"), stdout=out)
    with desk.sessions() as s:
        assert s.scalar(select(Organization.id)) is None
    assert "No users yet" in out.getvalue()


class Typist:
    """A console session typed into line by line; each line returns what it printed."""

    def __init__(self, desk: DeskContext, files: Path) -> None:
        self.desk = desk
        self.out = io.StringIO()
        self.chat = ConsoleChat(desk, io.StringIO(""), self.out, files)

    def type(self, line: str) -> str:
        start = len(self.out.getvalue())
        assert self.chat.command(line) is True
        return self.out.getvalue()[start:]


@pytest.fixture
def typist(desk: DeskContext, tmp_path: Path) -> Typist:
    """The demo organization, and a console acting as its partner Pat."""
    with transaction(desk.sessions) as session:
        demo.create_demo(session, now=desk.clock.now(), tz=desk.billing_tz)
    t = Typist(desk, tmp_path / "files")
    t.type(":as Pat")
    return t


def pressable(text: str, label: str) -> int:
    """The number of the button `label` shown in text, as in [LABEL → :press N]."""
    found = re.findall(rf"\[{re.escape(label)} → :press (\d+)\]", text)
    assert len(found) == 1, text
    return int(found[0])


def test_over_allowance_confirmation_has_a_button_that_escalates(
        typist: Typist, desk: DeskContext) -> None:
    for n in (1, 2, 3):
        typist.type(f"/new problem {n}: template rejected")
    typist.type("/escalate 1")
    typist.type("/escalate 2")
    asked = typist.type("/escalate 3")  # Growth allows 2: the third may be charged
    assert "will cost €25.00" in asked
    number = pressable(asked, "Escalate (may be charged)")
    with desk.sessions() as s:
        assert s.scalar(select(Escalation).where(Escalation.case_id == 3)) is None
    pressed = typist.type(f":press {number}")
    assert "(Pat presses 'Escalate (may be charged)')" in pressed
    assert "Case #3 is escalated" in pressed
    with desk.sessions() as s:
        escalation = s.scalar(select(Escalation).where(Escalation.case_id == 3))
        assert escalation is not None and escalation.billable_confirmed


def test_a_reply_keeps_its_own_buttons_and_only_a_slash_command_becomes_one() -> None:
    confirm = {"command": "/escalate 3 tech confirm"}
    own = Reply("escalation.confirm", confirm,
                (Button("escalation.button.confirm", "esc:3:tech:confirm"),))
    assert buttons_of(own, "de") == [
        ConsoleButton(locales.text("escalation.button.confirm", "de"), action="esc:3:tech:confirm")]
    assert buttons_of(Reply("escalation.confirm", confirm), "en") == [
        ConsoleButton("Escalate (may be charged)", command="/escalate 3 tech confirm")]
    assert buttons_of(Reply("error.unknown_command", {"command": "foo"}), "en") == []


def test_buttons_are_numbered_across_the_session_and_pressed_by_number(
        typist: Typist, desk: DeskContext) -> None:
    first = typist.type("/new one: webhooks fail")
    second = typist.type("/new two: webhooks fail again")
    take_one, take_two = pressable(first, "Take"), pressable(second, "Take")
    assert (take_one, pressable(first, "Resolve"), take_two) == (1, 2, 6)
    typist.type(":as Alex")
    assert "You took case #1" in typist.type(f":press {take_one}")  # an earlier message's
    assert "You took case #2" in typist.type(f":press {take_two}")
    with desk.sessions() as s:
        assert {c.id: c.assignee_id for c in s.scalars(select(Case))} == {1: 2, 2: 2}
    assert "Usage: :press N" in typist.type(":press")
    assert "No button 99 has been shown (buttons 1 to 10)." in typist.type(":press 99")


def test_files_a_message_carries_are_saved_and_their_paths_printed(
        typist: Typist, tmp_path: Path) -> None:
    typist.type("Our API is down for all customers since this morning, please help")  # Pat
    typist.type(":as Morgan")
    text = typist.type("/summary 2026-03")  # the month of that case, so far
    assert "CSV for finance and chart attached." in text
    folder = tmp_path / "files"
    csv, png = folder / "escalations-2026-03.csv", folder / "escalations-2026-03.png"
    assert f"attached: {csv} (text/csv," in text and f"attached: {png} (image/png," in text
    assert csv.read_text(encoding="utf-8").startswith("month,organization,")
    assert png.read_bytes().startswith(b"\x89PNG")
    again = typist.type("/summary 2026-03")  # an earlier file is never overwritten
    assert f"attached: {folder / 'escalations-2026-03-2.csv'}" in again
    assert sorted(p.name for p in folder.iterdir()) == [
        "escalations-2026-03-2.csv", "escalations-2026-03-2.png",
        "escalations-2026-03.csv", "escalations-2026-03.png"]


def test_an_attachment_name_cannot_leave_the_folder() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("..\\evil.csv") == "evil.csv"
    assert safe_filename(".hidden") == "hidden"
    assert safe_filename("März summary.csv") == "M_rz_summary.csv"
    assert safe_filename("..") == "attachment"


def test_as_takes_an_id_and_lists_the_candidates_of_an_ambiguous_name(
        typist: Typist, desk: DeskContext) -> None:
    with transaction(desk.sessions) as session:
        other = users.add_user(session, channel="telegram", external_id="777", role="agent",
                               name="Alex", now=desk.clock.now())
        other_id = other.id
    ambiguous = typist.type(":as alex")
    assert "'alex' matches 2 users; say which with :as ID:" in ambiguous
    assert "   2  Alex  (agent)" in ambiguous and f"{other_id:>6}  Alex  (agent)" in ambiguous
    assert "You are now" not in typist.type(":as al")  # a prefix of both: ambiguous too
    chosen = typist.type(f":as {other_id}")
    assert "(added a console identity for Alex)" in chosen and "You are now Alex" in chosen
    assert typist.chat.current is not None and typist.chat.current.user_id == other_id
    assert "You are now Morgan (manager)." in typist.type(":as 3")
    assert "No user matches '99'" in typist.type(":as 99")
    assert "Usage: :as NAME or :as ID" in typist.type(":as")


def test_an_unknown_console_command_is_refused_not_sent(typist: Typist, desk: DeskContext) -> None:
    text = typist.type(":stauts 1")
    assert text.startswith("Unknown console command :stauts. Console commands: :users, :as, "
                           ":press, :help, :quit")
    assert typist.type("") == ""  # an empty line is no message either
    with desk.sessions() as s:
        assert s.scalar(select(Case.id)) is None
    assert "I opened case #1" in typist.type(":) our webhooks fail")  # a smiley is chat text


def test_help_lists_every_console_command(typist: Typist) -> None:
    text = typist.type(":help")
    for command in (":users", ":as NAME|ID", ":press N", ":help", ":quit"):
        assert f"\n  {command}" in text


def test_the_console_delivers_what_came_while_it_was_closed(
        typist: Typist, desk: DeskContext, tmp_path: Path) -> None:
    """The outbox is delivered at start and after every line, not only after a message."""
    # Pat writes while no console runs (as the scheduler or another process might queue)
    Desk(desk).handle(Incoming(channel="console", user_id="1", chat_id="1",
                               text="/new our webhooks fail", update_id="while-closed"))
    out = io.StringIO()
    run_console(desk, None, stdin=io.StringIO(":quit\n"), stdout=out,
                attachments=tmp_path / "files")
    assert "[agents' room] New case #1" in out.getvalue()


def test_run_passes_the_attachments_folder_to_the_console(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
    monkeypatch.setattr("bot.commands.run.setup_logging", lambda level: None)
    seen: dict[str, object] = {}
    monkeypatch.setattr("bot.channels.console.run_console",
                        lambda desk, cfg, **kwargs: seen.update(kwargs))
    result = CliRunner().invoke(cli, ["run", "--no-scheduler", "--attachments", "out"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert seen == {"attachments": Path("out")}
    assert "--attachments DIR" in CliRunner().invoke(cli, ["run", "--help"]).output
