"""HTTP mode guards: signatures, stale timestamps, retried events, url_verification, settings."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from store.models import Case, CaseMessage, InboundUpdate
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import PEOPLE, stop_process
from tests.slack.harness import (
    AGENTS,
    SlackDesk,
    desk_env,
    dm_channel,
    free_port,
    prefix,
    sign,
    start_desk,
    wait_until,
)

pytestmark = pytest.mark.e2e

GERMAN_OUTAGE = "Hallo, die API ist für alle unsere Kunden ausgefallen, keine Nachricht geht raus."


def test_forged_signature_is_refused_and_changes_nothing(slack: SlackDesk) -> None:
    ts = int(time.time())
    body = json.dumps({"type": "event_callback", "event_id": "EvForged", "team_id": "T0TEST",
                       "event": {"type": "message", "channel_type": "im", "user": PEOPLE.hans,
                                 "channel": dm_channel(PEOPLE.hans), "text": GERMAN_OUTAGE,
                                 "ts": "1.1"}})
    forged = sign(body, ts, secret="not-the-signing-secret")
    response = slack.post(body, content_type="application/json", timestamp=ts, signature=forged)
    assert response.status == 401
    unsigned = slack.post(body, content_type="application/json", timestamp=ts,
                          signature="v0=" + "0" * 64)
    assert unsigned.status == 401
    # A genuine request afterwards is processed, so the refusals above were not a dead server.
    assert slack.dm(PEOPLE.lucia, "Hola, el panel va lento pero funciona.").status == 200
    wait_until(lambda: slack.count(Case) == 1, "the genuine message to open a case")
    assert slack.count(InboundUpdate, InboundUpdate.update_id == "EvForged") == 0
    assert slack.count(Case, Case.subject.contains("Kunden")) == 0
    assert not slack.posts(dm_channel(PEOPLE.hans))


def test_stale_timestamp_is_refused(slack: SlackDesk) -> None:
    stale = int(time.time()) - 10 * 60  # Slack's window is five minutes
    response = slack.dm(PEOPLE.hans, GERMAN_OUTAGE, timestamp=stale)
    assert response.status == 401
    assert slack.dm(PEOPLE.lucia, "Hola, el panel va lento pero funciona.").status == 200
    wait_until(lambda: slack.count(Case) == 1, "the fresh message to open a case")
    assert slack.count(Case, Case.subject.contains("Kunden")) == 0


def test_url_verification_answers_the_challenge(slack: SlackDesk) -> None:
    body = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"})
    response = slack.post(body, content_type="application/json")
    assert response.status == 200
    assert "c-123" in response.body


def test_retried_event_is_processed_once(slack: SlackDesk) -> None:
    first = slack.dm(PEOPLE.hans, GERMAN_OUTAGE, event_id="Ev0RETRY1")
    assert first.status == 200
    # Slack did not see the ack in time and sends the same event again, twice.
    for attempt in (1, 2):
        again = slack.dm(PEOPLE.hans, GERMAN_OUTAGE, event_id="Ev0RETRY1", retry_num=attempt)
        assert again.status == 200
    # And a redelivery racing with the original, at the same moment.
    with ThreadPoolExecutor(max_workers=3) as pool:
        statuses = list(pool.map(
            lambda n: slack.dm(PEOPLE.hans, "Die Webhooks kommen bei einigen Kunden nicht an.",
                               event_id="Ev0RACE", retry_num=n or None).status, range(3)))
    assert statuses == [200, 200, 200]
    slack.wait_post(dm_channel(PEOPLE.hans), prefix("case.opened", "de"))
    slack.wait_post(AGENTS, "New case #")
    # A later, different message is a sync point: everything before it has been handled.
    slack.dm(PEOPLE.hans, "Außerdem fehlen die Zustellberichte seit heute Morgen.")
    partner_messages = (CaseMessage.kind == "partner",)
    wait_until(lambda: slack.count(CaseMessage, *partner_messages) >= 3, "the follow-up")
    slack.wait_post(dm_channel(PEOPLE.hans), prefix("case.added", "de"), count=2)
    assert slack.count(Case) == 1
    # Whichever of the racing messages came first opened the case; each is stored once.
    assert slack.count(CaseMessage, *partner_messages) == 3
    assert slack.count(InboundUpdate, InboundUpdate.update_id == "Ev0RETRY1") == 1
    assert slack.count(InboundUpdate, InboundUpdate.update_id == "Ev0RACE") == 1
    assert len(slack.posts(dm_channel(PEOPLE.hans), prefix("case.opened", "de"))) == 1
    assert len(slack.posts(dm_channel(PEOPLE.hans), prefix("case.added", "de"))) == 2
    assert len(slack.posts(AGENTS, "New case #")) == 1


def test_unknown_user_gets_an_explanation_and_nothing_is_stored(slack: SlackDesk) -> None:
    slack.dm(PEOPLE.stranger, "Hello, our WhatsApp API is down for all customers!")
    slack.wait_post(dm_channel(PEOPLE.stranger), prefix("error.no_access", "en"))
    assert slack.count(Case) == 0
    assert slack.scalar(select(CaseMessage.id)) is None


def test_http_mode_refuses_to_start_without_signing_secret(
        db_url: str, fake_slack: FakeSlackApi, tmp_path: Path) -> None:
    env = desk_env(db_url, fake_slack.api_url, free_port())
    del env["SLACK_SIGNING_SECRET"]
    process = start_desk(env, tmp_path)
    try:
        code = process.wait(timeout=60)
    finally:
        stop_process(process)
    output = (tmp_path / "desk.log").read_text()
    assert code == 2, output
    assert "SLACK_SIGNING_SECRET" in output
    assert "Traceback" not in output
    assert not fake_slack.calls("chat.postMessage")


def test_a_command_or_message_saying_payload_is_handled(slack: SlackDesk) -> None:
    # slack-bolt alone answers any form body containing "payload" with 404 (issue #12).
    answer = slack.command(PEOPLE.hans, "new our webhook payload is rejected with error 400")
    slack.wait_response(answer, prefix("case.opened", "en")[:12])
    slack.dm(PEOPLE.hans, "the payload of every webhook is empty since the deploy")
    wait_until(lambda: slack.count(CaseMessage) >= 2, "both messages stored")
    texts = slack.scalar_all(select(CaseMessage.text))
    assert any("payload is rejected" in t for t in texts)
    assert any("payload of every webhook" in t for t in texts)
