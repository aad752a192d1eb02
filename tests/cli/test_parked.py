"""`supportdesk parked`: parked Telegram updates are listed, replayed once, or dropped."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.replay import BOT_KEY
from bot.channels.slack import replay as slack_replay
from desk import inbound, orgs, users
from desk.context import DeskContext
from store.db import transaction
from store.models import AuditEntry, Case, CaseMessage, InboundUpdate, OutboxMessage
from tests.cli.conftest import Run
from tests.fakes.telegram_api import callback_update, message_update, user

PARTNER = 4242
BOT_ID = 900
AGENTS = -100555


@pytest.fixture(autouse=True)
def _no_channel_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def add_partner(desk: DeskContext, org_name: str, channel: str, external_id: str) -> int:
    """An organization of its own with one English-speaking partner on `channel`."""
    with transaction(desk.sessions) as session:
        org = orgs.create_org(session, name=org_name, plan_name="growth", currency="EUR",
                              billing_model="partner-paid", now=desk.clock.now(),
                              tz=desk.billing_tz)
        return users.add_user(session, channel=channel, external_id=external_id,
                              role="partner", org=org, name="Ana", language="en",
                              now=desk.clock.now()).id


@pytest.fixture
def partner(desk: DeskContext) -> int:
    return add_partner(desk, "Acme", "telegram", str(PARTNER))


def park(desk: DeskContext, update_id: int, update: dict[str, Any]) -> None:
    payload = {"update_id": update_id, **update,
               BOT_KEY: {"bot_id": BOT_ID, "bot_username": "desk_bot"}}
    with transaction(desk.sessions) as session:
        inbound.park(session, "telegram", str(update_id), payload, desk.clock.now())


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def parked_rows(sessions: sessionmaker[Session]) -> list[InboundUpdate]:
    with sessions() as session:
        return list(session.scalars(select(InboundUpdate)
                                    .where(InboundUpdate.channel == "telegram:parked")))


def test_list_shows_what_waits_for_a_decision(run: Run, desk: DeskContext,
                                              partner: int) -> None:
    assert "(no parked updates)" in run("parked", "list").stdout
    park(desk, 501, message_update(user(PARTNER), PARTNER, "Webhooks   stopped\nat 9:00"))
    park(desk, 502, callback_update(user(PARTNER), {"message_id": 7, "date": 0,
                                                    "chat": {"id": AGENTS, "type": "supergroup"}},
                                    "take:3"))
    out = run("parked", "list").stdout
    assert "501" in out and "Webhooks stopped at 9:00" in out and str(PARTNER) in out
    assert "[button take:3]" in out and str(AGENTS) in out
    listed = run("parked", "list", "--json")
    assert listed.exit_code == 0
    import json
    rows = json.loads(listed.stdout)
    assert [(r["channel"], r["update_id"], r["sender"]) for r in rows] == [
        ("telegram", "501", PARTNER), ("telegram", "502", PARTNER)]


def test_replay_processes_once_and_queues_the_answer(run: Run, desk: DeskContext,
                                                    partner: int) -> None:
    park(desk, 601, message_update(user(PARTNER), PARTNER,
                                   "Our template messages fail with error 131026"))
    result = run("parked", "replay", "601")
    assert result.exit_code == 0, result.stderr
    assert "1 answer(s) queued" in result.stdout
    with desk.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert case.opened_by_id == partner
        texts = list(session.scalars(select(CaseMessage.text)))
        assert texts == ["Our template messages fail with error 131026"]
        to_partner = session.scalars(select(OutboxMessage)
                                     .where(OutboxMessage.chat_id == str(PARTNER))).all()
        assert [m.key for m in to_partner] == ["case.opened"]
        assert session.scalar(select(AuditEntry.details)
                              .where(AuditEntry.action == "parked.replay")) == {
            "status": "answered", "replies": 1}
    # It now counts as delivered: Telegram re-sending it changes nothing.
    with transaction(desk.sessions) as session:
        assert not inbound.first_delivery(session, "telegram", "601", desk.clock.now())
    assert [r.processed_at is not None for r in parked_rows(desk.sessions)] == [True]
    assert "(no parked updates)" in run("parked", "list").stdout
    assert "601" in run("parked", "list", "--all").stdout

    again = run("parked", "replay", "601")
    assert again.exit_code == 2 and "already settled" in again.stderr
    assert count(desk.sessions, Case) == 1 and count(desk.sessions, CaseMessage) == 1


def test_replay_of_an_update_handled_meanwhile_only_settles_it(
        run: Run, desk: DeskContext, partner: int) -> None:
    park(desk, 602, message_update(user(PARTNER), PARTNER, "Media uploads fail"))
    with transaction(desk.sessions) as session:  # Telegram redelivered it and it went through
        inbound.first_delivery(session, "telegram", "602", desk.clock.now())
    result = run("parked", "replay", "602")
    assert result.exit_code == 0 and "handled meanwhile" in result.stdout
    assert count(desk.sessions, Case) == 0 and count(desk.sessions, OutboxMessage) == 0
    assert parked_rows(desk.sessions)[0].processed_at is not None


def test_replay_that_fails_again_stays_parked(run: Run, desk: DeskContext, partner: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    park(desk, 603, message_update(user(PARTNER), PARTNER, "Still broken"))

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the bug is not fixed yet")

    monkeypatch.setattr("handlers.partner_commands.handle_partner_text", broken)
    monkeypatch.setattr("handlers.desk.handle_partner_text", broken)
    result = run("parked", "replay", "603")
    assert result.exit_code == 2 and "stays parked" in result.stderr
    assert [r.processed_at for r in parked_rows(desk.sessions)] == [None]
    assert count(desk.sessions, Case) == 0 and count(desk.sessions, OutboxMessage) == 0


def test_drop_settles_without_processing(run: Run, desk: DeskContext, partner: int) -> None:
    park(desk, 604, message_update(user(PARTNER), PARTNER, "spam spam spam"))
    result = run("parked", "drop", "604")
    assert result.exit_code == 0 and "dropped telegram update 604" in result.stdout
    assert count(desk.sessions, Case) == 0 and count(desk.sessions, OutboxMessage) == 0
    assert parked_rows(desk.sessions)[0].processed_at is not None
    again = run("parked", "drop", "604")
    assert again.exit_code == 2 and "already settled" in again.stderr


def test_drop_json_says_what_was_settled(run: Run, desk: DeskContext, partner: int) -> None:
    import json

    park(desk, 605, message_update(user(PARTNER), PARTNER, "please ignore"))
    result = run("parked", "drop", "605", "--channel", "Telegram", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["status"], doc["channel"], doc["update_id"], doc["sender"], doc["text"]) == (
        "dropped", "telegram", "605", PARTNER, "please ignore")
    assert doc["settled_at"] == desk.clock.now().isoformat()
    assert parked_rows(desk.sessions)[0].processed_at is not None


@pytest.mark.parametrize("args", [("replay", "999"), ("drop", "999"),
                                  ("replay", "601", "--channel", "slack"),
                                  ("replay", "601", "--channel", "whatsapp")])
def test_unknown_update_or_channel_is_one_clear_line(run: Run, desk: DeskContext,
                                                     args: tuple[str, ...]) -> None:
    result = run("parked", *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("supportdesk:"), result.stderr


# -- Slack ----------------------------------------------------------------------------------
SLACK_PARTNER = "U0PARTNER"


@pytest.fixture
def slack_partner(desk: DeskContext) -> int:
    return add_partner(desk, "Beta", "slack", SLACK_PARTNER)


def park_slack(desk: DeskContext, key: str, payload: dict[str, Any]) -> None:
    with transaction(desk.sessions) as session:
        inbound.park(session, "slack", key, payload, desk.clock.now())


def test_slack_event_replay_answers_in_its_dm(run: Run, desk: DeskContext,
                                             slack_partner: int) -> None:
    event = {"type": "message", "channel_type": "im", "user": SLACK_PARTNER, "channel": "D0DM",
             "text": "Webhook deliveries fail since 9:00", "ts": "1.000001"}
    park_slack(desk, "Ev0PARKED", slack_replay.parking_payload(
        "event", {"event_id": "Ev0PARKED", "event": event}, "U0BOT"))
    listed = run("parked", "list").stdout
    assert "Ev0PARKED" in listed and "Webhook deliveries fail" in listed and "D0DM" in listed
    result = run("parked", "replay", "Ev0PARKED", "--channel", "slack")
    assert result.exit_code == 0, result.stderr
    with desk.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert case.opened_by_id == slack_partner
        answers = session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == "D0DM"))
        assert [(m.channel, m.key) for m in answers] == [("slack", "case.opened")]
    with transaction(desk.sessions) as session:  # Slack's own retry is now a duplicate
        assert not inbound.first_delivery(session, "slack", "Ev0PARKED", desk.clock.now())


def test_slack_command_replay_answers_the_sender_directly(run: Run, desk: DeskContext,
                                                         slack_partner: int) -> None:
    body = {"command": "/support", "text": "cases", "user_id": SLACK_PARTNER,
            "channel_id": "C0GENERAL", "trigger_id": "trig-9"}
    park_slack(desk, "cmd:trig-9", slack_replay.parking_payload("command", body, "U0BOT"))
    assert "/support cases" in run("parked", "list").stdout
    result = run("parked", "replay", "cmd:trig-9", "--channel", "slack")
    assert result.exit_code == 0, result.stderr
    with desk.sessions() as session:
        answers = session.scalars(select(OutboxMessage)).all()
        assert [(m.channel, m.chat_id) for m in answers] == [("slack", SLACK_PARTNER)]
    with desk.sessions() as session:
        assert inbound.parked(session) == []  # settled
        assert [r.update_id for r in inbound.parked(session, include_settled=True)] == [
            "cmd:trig-9"]
