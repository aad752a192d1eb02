"""The Slack adapter's pieces in-process: translation, rendering, error mapping, settings."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.channels.base import PermanentFailure, RetryLater
from bot.channels.slack import channel as slack_channel
from bot.channels.slack import translate
from bot.channels.slack.render import (
    BUTTON_LABEL_LIMIT,
    SECTION_LIMIT,
    escape,
    render_text,
)
from bot.channels.slack.send import SlackSender, classify_error
from bot.settings import Settings, SettingsError
from desk import inbound, outbox
from desk.context import DeskContext
from handlers.notices import case_buttons, severity_buttons
from messages.types import INTERNAL, UNAVAILABLE, Button, Outcome, Reply
from store.db import transaction
from store.models import Case
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.harness import SIGNING_SECRET, sign


def api_error(error: str, status: int = 200,
              headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="https://x/api/chat",
                             req_args={}, data={"ok": False, "error": error},
                             headers=headers or {}, status_code=status)
    return SlackApiError("failed", response)


# -- translation --------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("", "/help"), ("   ", "/help"), (None, "/help"), ("escalate 42", "/escalate 42"),
    ("queue", "/queue"), ("/take 7", "/take 7"), ("reply 7 Hallo Welt", "/reply 7 Hallo Welt"),
])
def test_support_command_text(text: str | None, expected: str) -> None:
    assert translate.command_text(text) == expected


def test_bot_mention_is_stripped() -> None:
    assert translate.strip_bot_mention("<@UBOT> la API está caída", "UBOT") == "la API está caída"
    assert translate.strip_bot_mention("hey <@UBOT|desk>: help", "UBOT") == "hey help"
    assert translate.strip_bot_mention("<@UBOT> ping <@U0ALEX>", None) == "ping <@U0ALEX>"


@pytest.mark.parametrize(("event", "person"), [
    ({"user": "U1", "text": "hi"}, True),
    ({"user": "U1", "text": "hi", "subtype": "file_share"}, True),
    ({"user": "U1", "text": "hi", "subtype": "message_changed"}, False),
    ({"user": "U1", "text": "hi", "subtype": "channel_join"}, False),
    ({"user": "U1", "text": "hi", "bot_id": "B1"}, False),
    ({"text": "hi", "subtype": "bot_message"}, False),
    ({"user": "UBOT", "text": "my own"}, False),
])
def test_only_people_are_heard(event: dict[str, Any], person: bool) -> None:
    assert translate.is_person_message(event, "UBOT") is person


def test_agent_reply_in_a_notice_thread_points_at_the_notice() -> None:
    incoming = translate.from_message(
        {"user": "U0ALEX", "channel": "C_AGENTS", "channel_type": "channel", "text": "ok",
         "ts": "2.000002", "thread_ts": "1.000001"}, event_id="Ev1")
    assert (incoming.chat_id, incoming.thread_id, incoming.reply_to_message_id) == (
        "C_AGENTS", "1.000001", "1.000001")
    assert incoming.update_id == "Ev1" and incoming.is_private is False


def test_a_dm_is_one_conversation_threads_included() -> None:
    for thread in ({}, {"thread_ts": "2.2"}):
        incoming = translate.from_message(
            {"user": "U1", "channel": "D1", "channel_type": "im", "text": "hi", "ts": "3.1",
             **thread}, event_id="Ev2", locale_hint="de")
        assert incoming.thread_id is None and incoming.is_private
        assert incoming.locale_hint == "de"


def test_mention_starts_a_thread() -> None:
    incoming = translate.from_mention(
        {"user": "U1", "channel": "C1", "text": "<@UBOT> down", "ts": "5.5"},
        event_id="Ev3", bot_user_id="UBOT")
    assert (incoming.text, incoming.thread_id, incoming.reply_to_message_id) == ("down", "5.5",
                                                                                   None)


def test_button_press_carries_the_action_and_the_message() -> None:
    body = {"user": {"id": "U0ALEX"}, "channel": {"id": "C_AGENTS"},
            "container": {"message_ts": "9.9", "channel_id": "C_AGENTS"},
            "message": {"ts": "9.9"}, "trigger_id": "t1"}
    incoming = translate.from_action(body, {"value": "take:4", "action_ts": "10.1"})
    assert incoming.action == "take:4" and incoming.reply_to_message_id == "9.9"
    assert incoming.update_id == "act:U0ALEX:10.1" and incoming.chat_id == "C_AGENTS"


# -- rendering ----------------------------------------------------------------------------
def test_escape_only_slack_control_characters() -> None:
    assert escape("a & b < c > d 'e' \"f\"") == "a &amp; b &lt; c &gt; d 'e' \"f\""


def test_long_text_is_split_into_sections_and_buttons_into_rows() -> None:
    buttons = tuple(Button("button.take", f"take:{i}", style="weird" if i else "primary")
                    for i in range(7))
    rendered = render_text("x" * (SECTION_LIMIT * 2 + 10), buttons, "en")
    sections = [b for b in rendered.blocks if b["type"] == "section"]
    rows = [b for b in rendered.blocks if b["type"] == "actions"]
    assert [len(s["text"]["text"]) for s in sections] == [SECTION_LIMIT, SECTION_LIMIT, 10]
    assert [len(r["elements"]) for r in rows] == [5, 2]
    elements = [e for r in rows for e in r["elements"]]
    assert len({e["action_id"] for e in elements}) == 7
    assert elements[0]["style"] == "primary" and "style" not in elements[1]
    assert all(len(e["text"]["text"]) <= BUTTON_LABEL_LIMIT for e in elements)


def test_severity_buttons_are_labelled_in_the_readers_language() -> None:
    case = Case(id=3)
    rendered = render_text("x", case_buttons(case) + severity_buttons(case), "de")
    labels = [e["text"]["text"] for b in rendered.blocks if b["type"] == "actions"
              for e in b["elements"]]
    assert labels[2:] == ["Schweregrad 1", "Schweregrad 2", "Schweregrad 3"]


# -- delivery errors ----------------------------------------------------------------------
def test_rate_limit_honours_retry_after() -> None:
    mapped = classify_error(api_error("ratelimited", 429, {"Retry-After": "7"}))
    assert isinstance(mapped, RetryLater) and mapped.after_seconds == 7.0


@pytest.mark.parametrize("error", ["internal_error", "fatal_error", "service_unavailable"])
def test_slack_side_trouble_is_retried(error: str) -> None:
    mapped = classify_error(api_error(error, 200))
    assert isinstance(mapped, RetryLater) and mapped.after_seconds is None
    assert isinstance(classify_error(api_error("whatever", 503)), RetryLater)


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived",
                                   "account_inactive"])
def test_permanent_errors_are_not_retried(error: str) -> None:
    mapped = classify_error(api_error(error))
    assert isinstance(mapped, PermanentFailure) and error in str(mapped)


def test_sender_maps_network_errors_and_posts_in_threads(desk: DeskContext) -> None:
    with FakeSlackApi() as fake:
        from slack_sdk import WebClient

        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        sender = SlackSender(client, desk)
        with transaction(desk.sessions) as session:
            message = outbox.enqueue(session, channel="slack", chat_id="C1", thread_id="1.5",
                                     reply=Reply("case.added", {"number": 9}), language="es",
                                     purpose="notice", now=desk.clock.now())
        ts = asyncio.run(sender(message))
        posted = fake.calls("chat.postMessage")[0]
        assert ts == posted.answer["ts"] and posted.params["thread_ts"] == "1.5"
        assert "#9" in posted.params["text"]
        dead = WebClient(token="xoxb-test", base_url=fake.api_url)
    dead.retry_handlers.clear()
    with pytest.raises(RetryLater):
        SlackSender(dead, desk).send_now(message)


# -- settings and modes -------------------------------------------------------------------
def settings(**values: Any) -> Settings:
    base = {"slack_bot_token": "xoxb-test", "slack_api_url": "http://127.0.0.1:9/api/",
            "slack_agent_channel": "C_AGENTS", "database_url": "sqlite:///x.db"}
    return Settings(**{**base, **values}, _env_file=None)  # type: ignore[call-arg]


def test_http_mode_needs_the_signing_secret(desk: DeskContext) -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        slack_channel.build(settings(), desk, handle=lambda incoming: None)  # type: ignore[arg-type,return-value]


def test_api_url_needs_its_trailing_slash(desk: DeskContext) -> None:
    with pytest.raises(SettingsError, match="SLACK_API_URL"):
        slack_channel.build(settings(slack_signing_secret="s", slack_api_url="http://x/api"),
                            desk, handle=lambda incoming: None)  # type: ignore[arg-type,return-value]


def test_socket_mode_connects_without_signing_secret_and_closes_on_stop(
        desk: DeskContext, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []

    class FakeHandler:
        def __init__(self, app: Any, app_token: str) -> None:
            events.append(f"init:{app_token}")

        def connect(self) -> None:
            events.append("connect")

        def close(self) -> None:
            events.append("close")

    import slack_bolt.adapter.socket_mode as socket_mode

    monkeypatch.setattr(socket_mode, "SocketModeHandler", FakeHandler)
    channel = slack_channel.build(settings(slack_app_token="xapp-1"), desk,
                                  handle=lambda incoming: None)  # type: ignore[arg-type,return-value]

    async def run_briefly() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(channel.run(stop))
        while "connect" not in events:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, timeout=30)

    asyncio.run(run_briefly())
    assert events == ["init:xapp-1", "connect", "close"]


# -- acknowledgement semantics (in-process bolt dispatch) ---------------------------------
def signed_request(body: str, content_type: str) -> BoltRequest:
    ts = int(time.time())
    return BoltRequest(body=body, headers={
        "content-type": [content_type], "x-slack-request-timestamp": [str(ts)],
        "x-slack-signature": [sign(body, ts)]})


def http_channel(desk: DeskContext, fake: FakeSlackApi, handle: Any) -> Any:
    """The Slack channel in HTTP mode against the fake Web API, with a stand-in desk."""
    return slack_channel.build(settings(slack_api_url=fake.api_url,
                                        slack_signing_secret=SIGNING_SECRET), desk, handle=handle)


def slash_command(fake: FakeSlackApi, text: str, channel_id: str, trigger: str) -> BoltRequest:
    body = urlencode({"command": "/support", "text": text, "user_id": "U1",
                      "channel_id": channel_id, "team_id": "T0TEST", "trigger_id": trigger,
                      "response_url": fake.response_url(trigger)})
    return signed_request(body, "application/x-www-form-urlencoded")


def dm_event_body(event_id: str) -> str:
    return json.dumps({"type": "event_callback", "event_id": event_id, "team_id": "T0TEST",
                       "token": "verification-token",
                       "event": {"type": "message", "channel_type": "im", "user": "U1",
                                 "channel": "D1", "text": "hi", "ts": "1.1"}})


def test_event_is_acked_only_after_the_desk_processed_it(desk: DeskContext) -> None:
    seen: list[str | None] = []

    def handle(incoming: Any) -> Outcome:
        seen.append(incoming.update_id)
        if incoming.update_id == "EvDOWN":
            return Outcome("en", (Reply("error.unavailable"),), failure=UNAVAILABLE)
        if incoming.update_id == "EvBROKEN":
            return Outcome("en", (Reply("error.internal"),), failure=INTERNAL)
        return Outcome("en")

    with FakeSlackApi() as fake:
        channel = http_channel(desk, fake, handle)
        ok = channel.app.dispatch(signed_request(dm_event_body("EvFINE"), "application/json"))
        assert ok.status == 200 and seen == ["EvFINE"]  # processed before the answer
        down = channel.app.dispatch(signed_request(dm_event_body("EvDOWN"), "application/json"))
        assert down.status == 500  # not acknowledged: Slack delivers it again
        assert parked(desk) == []
        # A failure of its own: parked for a replay, then acknowledged (Slack would give up).
        broken = channel.app.dispatch(signed_request(dm_event_body("EvBROKEN"),
                                                     "application/json"))
        assert broken.status == 200
        assert [(p.update_id, p.payload["kind"], p.payload["body"]["event"]["text"])
                for p in parked(desk)] == [("EvBROKEN", "event", "hi")]
        assert "token" not in parked(desk)[0].payload["body"]  # no secret kept
        fake.wait_for(lambda: fake.calls("chat.postMessage"), what="the apology")
        assert "went wrong" in fake.calls("chat.postMessage")[0].params["text"]
        channel.executor.shutdown(wait=True)


def parked(desk: DeskContext) -> list[Any]:
    with transaction(desk.sessions) as session:
        return inbound.parked(session)


def test_a_failing_slash_command_or_button_is_parked(desk: DeskContext) -> None:
    def broken(incoming: Any) -> Outcome:
        return Outcome("en", (Reply("error.internal"),), failure=INTERNAL)

    with FakeSlackApi() as fake:
        channel = http_channel(desk, fake, broken)
        assert channel.app.dispatch(slash_command(fake, "status 7", "C1", "trig-1")).status == 200
        press = {"type": "block_actions", "team": {"id": "T0TEST"}, "user": {"id": "U2"},
                 "channel": {"id": "C_AGENTS"}, "trigger_id": "trig-2",
                 "container": {"channel_id": "C_AGENTS", "message_ts": "5.5"},
                 "response_url": fake.response_url("act"),
                 "actions": [{"action_id": "sd:take", "value": "take:7",
                              "action_ts": "9.9", "type": "button"}]}
        assert channel.app.dispatch(signed_request(
            urlencode({"payload": json.dumps(press)}),
            "application/x-www-form-urlencoded")).status == 200
        fake.wait_for(lambda: len(fake.calls("respond")) >= 2, what="both apologies")
        channel.executor.shutdown(wait=True)
    rows = {p.update_id: p.payload for p in parked(desk)}
    assert set(rows) == {"cmd:trig-1", "act:U2:9.9"}
    assert rows["cmd:trig-1"]["kind"] == "command" and rows["cmd:trig-1"]["body"]["text"] == \
        "status 7"
    assert rows["act:U2:9.9"]["kind"] == "action"
    assert rows["act:U2:9.9"]["action"]["value"] == "take:7"


def test_slash_command_is_acked_before_the_work_is_done(desk: DeskContext) -> None:
    release = threading.Event()
    handled = threading.Event()

    def slow_handle(incoming: Any) -> Outcome:
        release.wait(timeout=30)
        handled.set()
        return Outcome("en", (Reply("case.added", {"number": 1}),))

    with FakeSlackApi() as fake:
        channel = http_channel(desk, fake, slow_handle)
        response = channel.app.dispatch(slash_command(fake, "status 1", "D1", "t"))
        assert response.status == 200 and not handled.is_set()  # acked while still working
        release.set()
        fake.wait_for(lambda: fake.calls("respond"), what="the answer after the ack")
        assert fake.calls("respond")[0].params["response_type"] == "ephemeral"
        channel.executor.shutdown(wait=True)
