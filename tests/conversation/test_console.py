"""The console channel, driven by a script of lines: demo offer, chat as Pat, switch to Alex."""

from __future__ import annotations

import io

from sqlalchemy import select

from bot.channels.console import run_console
from desk.context import DeskContext
from store.models import Case, Identity, Organization, OutboxMessage, User

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
    assert "No single user matches 'Nobody'" in text
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
