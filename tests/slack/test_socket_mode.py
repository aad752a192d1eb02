"""Socket Mode end to end: the real `supportdesk run` connects out, gets envelopes, acks them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from store.models import Case
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlackApi
from tests.slack.conftest import PEOPLE, stop_process
from tests.slack.harness import (
    SlackDesk,
    desk_env,
    dm_channel,
    free_port,
    prefix,
    start_desk,
    wait_until,
)
from tests.slack.socket_fake import FakeSocketMode

pytestmark = pytest.mark.e2e


@pytest.fixture
def socket_mode() -> Iterator[FakeSocketMode]:
    fake = FakeSocketMode().start()
    yield fake
    fake.stop()


def test_socket_mode_without_signing_secret(db_url: str, desk_engine: Engine,
                                            fake_slack: FakeSlackApi,
                                            socket_mode: FakeSocketMode,
                                            tmp_path: Path) -> None:
    fake_slack.socket_mode_url = socket_mode.url
    env = desk_env(db_url, fake_slack.api_url, free_port(), SLACK_APP_TOKEN="xapp-1-test")
    del env["SLACK_SIGNING_SECRET"]
    process = start_desk(env, tmp_path)
    desk = SlackDesk(process, 0, fake_slack, desk_engine, tmp_path / "desk.log")
    try:
        wait_until(lambda: socket_mode.connected() or process.poll() is not None,
                   "the Socket Mode connection")
        assert process.poll() is None, desk.log()
        opened = fake_slack.calls("apps.connections.open")
        assert opened and opened[0].headers.get("authorization") == "Bearer xapp-1-test"

        event = {"type": "message", "channel_type": "im", "channel": dm_channel(PEOPLE.hans),
                 "user": PEOPLE.hans, "ts": "1769000000.000100", "team": TEAM_ID,
                 "text": "Hallo, die API ist für alle unsere Kunden ausgefallen, nichts geht."}
        envelope = socket_mode.send("events_api", {
            "token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0SUPPORT", "event": event,
            "type": "event_callback", "event_id": "Ev0SOCKET1", "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        })
        wait_until(lambda: socket_mode.acked(envelope), "the envelope's ack")
        desk.wait_post(dm_channel(PEOPLE.hans), prefix("case.opened", "de"))
        case_id = wait_until(lambda: desk.scalar(select(Case.id)), "the case")

        command = socket_mode.send("slash_commands", {
            "token": "legacy", "team_id": TEAM_ID, "channel_id": dm_channel(PEOPLE.hans),
            "user_id": PEOPLE.hans, "command": "/support", "text": f"status {case_id}",
            "api_app_id": "A0SUPPORT", "response_url": fake_slack.response_url("sock1"),
            "trigger_id": "trig.sock1",
        })
        wait_until(lambda: socket_mode.acked(command), "the command's ack")
        answer = wait_until(lambda: desk.responses("sock1"), "the status answer")[0]
        assert f"#{case_id}" in answer.params["text"]
    finally:
        code = stop_process(process)
    assert code == 0, desk.log()
