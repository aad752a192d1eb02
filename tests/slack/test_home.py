"""Slack's App Home: the real SlackChannel (bolt, the conversation Desk, the desk clock) against
the fake Web API. Opening the tab publishes the person's dashboard with views.publish; the
agents' Take button works from it and refreshes it; partners, managers and strangers see theirs;
homes follow the changes they show; Slack's acknowledgement never waits for a dashboard."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import select

from bot.channels.slack import channel as slack_channel
from bot.channels.slack.channel import SlackChannel
from bot.settings import Settings
from desk import orgs, users
from desk.context import DeskContext
from store.db import transaction
from store.models import Case, User
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlackApi
from tests.slack.conftest import PEOPLE
from tests.slack.harness import REPO, SIGNING_SECRET, SlackDesk, dm_channel, sign, wait_until

HANS, ALEX, MORGAN, ROOT, NOBODY = "U0HANS", "U0ALEX", "U0MORGAN", "U0ROOT", "U0NOBODY"
OUTAGE = "Hallo, die API ist für alle unsere Kunden ausgefallen, keine Nachricht geht raus."
QUESTION = "Hallo, wie ändern wir den Anzeigenamen einer unserer Nummern? Vielen Dank."
_ids = itertools.count(1)


@dataclass
class Home:
    fake: FakeSlackApi
    channel: SlackChannel
    desk: DeskContext

    def dispatch(self, body: str, content_type: str) -> int:
        ts = int(time.time())
        request = BoltRequest(body=body, headers={
            "content-type": [content_type], "x-slack-request-timestamp": [str(ts)],
            "x-slack-signature": [sign(body, ts)]})
        return int(self.channel.app.dispatch(request).status)

    def event(self, event: dict[str, Any]) -> int:
        return self.dispatch(json.dumps({
            "type": "event_callback", "event_id": f"Ev{next(_ids):08d}", "team_id": TEAM_ID,
            "api_app_id": "A0SUPPORT", "event": event, "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }), "application/json")

    def open_home(self, user: str, tab: str = "home") -> int:
        return self.event({"type": "app_home_opened", "user": user, "channel": dm_channel(user),
                           "tab": tab, "event_ts": f"{time.time():.6f}"})

    def dm(self, user: str, text: str) -> int:
        return self.event({"type": "message", "channel_type": "im", "channel": dm_channel(user),
                           "user": user, "text": text, "ts": f"1768000000.{next(_ids):06d}"})

    def press_on_home(self, user: str, view: dict[str, Any], element: dict[str, Any]) -> int:
        """A button pressed on the Home tab: a view container, no channel, no response_url."""
        payload = {
            "type": "block_actions", "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0SUPPORT", "token": "legacy", "trigger_id": f"trig.{next(_ids)}",
            "container": {"type": "view", "view_id": "V00000001"},
            "view": {"id": "V00000001", "type": "home", "blocks": view["blocks"]},
            "actions": [{"action_id": element["action_id"], "value": element["value"],
                         "block_id": "b1", "type": "button",
                         "action_ts": f"{time.time():.6f}"}],
        }
        return self.dispatch(urlencode({"payload": json.dumps(payload)}),
                             "application/x-www-form-urlencoded")

    def wait_views(self, user: str, count: int = 1) -> list[dict[str, Any]]:
        return self.fake.wait_for(lambda: len(self.fake.views(user)) >= count
                                  and self.fake.views(user), what=f"{count} views of {user}")

    def case_ids(self) -> list[int]:
        with transaction(self.desk.sessions) as session:
            return list(session.scalars(select(Case.id).order_by(Case.id)))


def texts(view: dict[str, Any]) -> list[str]:
    """Every text of the view's blocks, in order (headers, sections, context)."""
    found = []
    for block in view["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found.extend(e["text"] for e in block.get("elements", []) if "text" in e)
    return found


def accessories(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in view["blocks"] if "accessory" in b]


def seed(desk: DeskContext) -> None:
    now = desk.clock.now()
    with transaction(desk.sessions) as session:
        muller = orgs.create_org(session, name="Müller Messaging GmbH", plan_name="growth",
                                 currency="EUR", billing_model="partner-paid", now=now,
                                 tz=desk.billing_tz)
        users.add_user(session, channel="slack", external_id=HANS, role="partner", org=muller,
                       name="Hans Müller", now=now)
        for external, role, name in ((ALEX, "agent", "Alex Agent"),
                                     (MORGAN, "manager", "Morgan Manager"),
                                     (ROOT, "admin", "Root Admin")):
            users.add_user(session, channel="slack", external_id=external, role=role,
                           name=name, language="en", now=now)


@pytest.fixture
def home(desk: DeskContext) -> Iterator[Home]:
    seed(desk)
    fake = FakeSlackApi().start()
    fake.set_locale(HANS, "de-DE")
    cfg = Settings(slack_bot_token="xoxb-test", slack_api_url=fake.api_url,  # type: ignore[call-arg]
                   slack_agent_channel="C_AGENTS", slack_signing_secret=SIGNING_SECRET,
                   database_url="sqlite:///unused.db", _env_file=None)
    channel = slack_channel.build(cfg, desk)  # the conversation Desk answers
    channel.home.debounce = 0.2  # refresh rounds come quickly in a test
    try:
        yield Home(fake, channel, desk)
    finally:
        channel.home.stop()
        channel.executor.shutdown(wait=True)
        fake.stop()


def test_an_agent_takes_a_case_from_the_home_tab_and_sees_it_refreshed(home: Home) -> None:
    assert home.dm(HANS, OUTAGE) == 200
    (number,) = home.case_ids()
    assert home.open_home(ALEX) == 200
    (view,) = home.wait_views(ALEX)
    shown = texts(view)
    assert shown[0] == "Support desk · Alex Agent"
    assert "Queue · open cases: 1" in shown
    line = next(t for t in shown if t.startswith(f"#{number} · "))
    assert line.startswith(f"#{number} · S1 · Müller Messaging GmbH (Growth) · Hallo, die API")
    assert line.endswith("1 h left")  # Growth S1: a 1-hour first-response target
    (take,) = accessories(view)
    assert take["value"] == f"take:{number}" and take["text"]["text"] == "Take"
    assert take["action_id"].startswith("sd:")  # the existing action listener takes it

    assert home.press_on_home(ALEX, view, take) == 200
    answer = home.fake.wait_for(lambda: [c for c in home.fake.calls("chat.postMessage")
                                         if c.params.get("channel") == ALEX],
                                what="the answer in Alex's DM")[0]
    assert answer.params["text"].startswith(f"You took case #{number}.")
    with transaction(home.desk.sessions) as session:
        case = session.get(Case, number)
        assert case is not None and case.assignee_id is not None
        assert session.get(User, case.assignee_id).name == "Alex Agent"  # type: ignore[union-attr]
    refreshed = home.wait_views(ALEX, 2)[1]
    line = next(t for t in texts(refreshed) if t.startswith(f"#{number} · "))
    assert " · yours · " in line
    assert accessories(refreshed) == []  # nothing left to take
    assert not home.fake.calls("respond")  # a press on the tab has no response_url


def test_a_partner_sees_their_organization_in_german(home: Home) -> None:
    home.dm(HANS, OUTAGE)
    (number,) = home.case_ids()
    home.open_home(HANS)
    (view,) = home.wait_views(HANS)
    shown = texts(view)
    assert shown[0] == "Support-Desk · Müller Messaging GmbH"
    assert [t for t in shown if t in {
        "Offene Fälle von Müller Messaging GmbH", "Tarif", "Eskalationen in diesem Monat",
        "Unbezahlte Rechnungen"}] == [
        "Offene Fälle von Müller Messaging GmbH", "Tarif", "Eskalationen in diesem Monat",
        "Unbezahlte Rechnungen"]
    assert any(t.startswith(f"#{number} · Schweregrad 1 · ") for t in shown)
    assert any("Growth" in t and "500,00\xa0€ pro Monat" in t for t in shown)
    assert any(t.startswith("Eskalationen im März 2026") for t in shown)
    assert "Keine unbezahlten Rechnungen." in shown
    assert accessories(view) == []
    published = home.fake.calls("views.publish")
    assert {c.params["user_id"] for c in published} == {HANS}


def test_a_manager_sees_the_month_and_a_stranger_why_there_is_nothing(home: Home) -> None:
    home.dm(HANS, OUTAGE)
    home.open_home(MORGAN)
    home.open_home(NOBODY)
    (manager,) = home.wait_views(MORGAN)
    shown = texts(manager)
    assert "March 2026 so far (preliminary: not billed yet)" in shown
    month = next(t for t in shown if t.startswith("Cases opened: "))
    assert month.split("\n")[:2] == [
        "Cases opened: 1",
        "Escalations · counted: 0; pending (not resolved yet): 0; over the allowance: 0"]
    assert "€500.00" in month  # the plan fee so far, per currency
    assert accessories(manager) == []
    (stranger,) = home.wait_views(NOBODY)
    assert texts(stranger)[:3] == ["Support desk", "No access yet",
                                   texts(stranger)[2]]
    assert texts(stranger)[2].startswith("Hi! You don't have access to this support desk yet.")


def test_the_messages_tab_publishes_nothing(home: Home) -> None:
    assert home.open_home(ALEX, tab="messages") == 200
    home.open_home(MORGAN)
    home.wait_views(MORGAN)
    assert home.fake.views(ALEX) == []


def test_homes_follow_the_changes_they_show(home: Home) -> None:
    home.open_home(HANS)
    home.open_home(ROOT)
    home.wait_views(HANS)
    home.wait_views(ROOT)
    # The partner's own update: their home is published again with the new case.
    home.dm(HANS, OUTAGE)
    (number,) = home.case_ids()
    partner = home.wait_views(HANS, 2)[1]
    assert any(t.startswith(f"#{number} · ") for t in texts(partner))
    # The queue changed: the admin who opened the home recently sees it (debounced).
    admin = home.fake.wait_for(
        lambda: [v for v in home.fake.views(ROOT) if accessories(v)], what="Root's new queue")[0]
    assert [a["value"] for a in accessories(admin)] == [f"take:{number}"]
    # Nothing changed: nothing is published again, however many rounds pass.
    settled = len(home.fake.calls("views.publish"))
    for _ in range(3):
        home.channel.home.step()
    assert len(home.fake.calls("views.publish")) == settled


def test_slacks_ack_does_not_wait_for_the_dashboard(home: Home) -> None:
    release = threading.Event()
    real_build = home.channel.home.build

    def slow(user: str, hint: str | None) -> Any:
        release.wait(timeout=30)
        return real_build(user, hint)

    home.channel.home.build = slow
    started = time.monotonic()
    assert home.open_home(ALEX) == 200
    assert time.monotonic() - started < 5 and home.fake.views(ALEX) == []
    release.set()
    home.wait_views(ALEX)


def test_a_long_queue_stays_within_slacks_100_blocks(home: Home) -> None:
    for i in range(30):
        home.desk.clock.advance(timedelta(seconds=5))  # type: ignore[attr-defined]
        home.dm(HANS, f"/new Frage Nummer {i}: wie ändern wir den Anzeigenamen?")
    assert len(home.case_ids()) == 30
    home.open_home(ROOT)
    (view,) = home.wait_views(ROOT)
    assert len(view["blocks"]) <= 100
    assert len(accessories(view)) == 20
    assert "… and 10 more open cases (the queue command lists them all)" in texts(view)


@pytest.mark.e2e
def test_the_running_desk_publishes_a_partners_home(slack: SlackDesk) -> None:
    """`supportdesk run` in HTTP mode: the event is acknowledged, the view published."""
    assert slack.dm(PEOPLE.hans, OUTAGE).status == 200
    number = wait_until(lambda: slack.scalar(select(Case.id)), "the case")
    assert slack.event({"type": "app_home_opened", "user": PEOPLE.hans, "tab": "home",
                        "channel": dm_channel(PEOPLE.hans)}).status == 200
    view = slack.fake.wait_for(lambda: slack.fake.views(PEOPLE.hans),
                               what="Hans's home")[0]
    shown = texts(view)
    assert shown[0] == "Support-Desk · Müller Messaging GmbH"
    assert any(t.startswith(f"#{number} · Schweregrad 1 · ") for t in shown)
    assert {c.params["user_id"] for c in slack.fake.calls("views.publish")} == {PEOPLE.hans}


def test_a_press_on_the_tab_is_answered_ephemerally_when_the_dm_fails(home: Home) -> None:
    home.dm(HANS, OUTAGE)
    (number,) = home.case_ids()
    home.open_home(ALEX)
    (view,) = home.wait_views(ALEX)
    home.fake.fail_next("chat.postMessage", error="channel_not_found", channel=ALEX)
    home.press_on_home(ALEX, view, accessories(view)[0])
    fallback = home.fake.wait_for(lambda: home.fake.calls("chat.postEphemeral"),
                                  what="the ephemeral answer")[0]
    assert fallback.params["user"] == ALEX
    assert fallback.params["text"].startswith(f"You took case #{number}.")


def test_the_manifest_turns_the_home_tab_on() -> None:
    manifest = (REPO / "slack" / "manifest.yml").read_text(encoding="utf-8")
    assert "    home_tab_enabled: true\n" in manifest
    assert "    bot_events:\n      - app_home_opened\n" in manifest
