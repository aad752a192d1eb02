"""Drive a real `supportdesk run` in Slack HTTP mode: signed requests in, fake Web API out."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import locales
from bench.processes import wait_until
from bot.channels.slack.render import escape
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, Call, FakeSlackApi

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
AGENTS = "C_AGENTS"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    """The X-Slack-Signature Slack computes: v0=HMAC-SHA256(secret, 'v0:ts:body')."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def prefix(key: str, lang: str) -> str:
    """The catalog text of key up to its first placeholder, escaped as the adapter sends it."""
    return escape(locales.text(key, lang).split("{", 1)[0])


@dataclass
class Response:
    status: int
    body: str


def desk_env(db_url: str, api_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "DATABASE_URL"))}
    env.update({
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "SLACK_HTTP_PORT": str(port),
        "SLACK_AGENT_CHANNEL": AGENTS,
        "OUTBOX_POLL_SECONDS": "0.1",
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": str(REPO),
    })
    env.update(extra)
    return env


def start_desk(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """`supportdesk run --no-scheduler` as a child process (cwd without a .env file)."""
    log = open(cwd / "desk.log", "wb")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "run", "--no-scheduler"],
        env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
    )


class SlackDesk:
    """The running desk plus the fake Web API, with helpers that act as Slack would."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, fake: FakeSlackApi,
                 engine: Engine, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.fake = fake
        self.engine = engine
        self.log_path = log_path
        self._ids = itertools.count(1)

    # -- raw HTTP ---------------------------------------------------------------------------
    def post(self, body: str, *, content_type: str, timestamp: int | None = None,
             signature: str | None = None, headers: dict[str, str] | None = None) -> Response:
        ts = int(time.time()) if timestamp is None else timestamp
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/slack/events", data=body.encode("utf-8"),
            method="POST",
            headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
                     "X-Slack-Signature": signature or sign(body, ts), **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return Response(resp.status, resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode("utf-8"))

    def wait_ready(self) -> None:
        def up() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"desk exited with {self.process.returncode}:\n{self.log()}")
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0

        wait_until(up, "the desk to listen")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    # -- what Slack sends -------------------------------------------------------------------
    def next_ts(self) -> str:
        return f"1768000000.{next(self._ids):06d}"

    def event(self, event: dict[str, Any], *, event_id: str | None = None,
              retry_num: int | None = None, **kw: Any) -> Response:
        payload = {
            "token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0SUPPORT",
            "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}", "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(payload), content_type="application/json",
                         headers=headers, **kw)

    def dm(self, user: str, text: str, *, event_id: str | None = None,
           thread_ts: str | None = None, retry_num: int | None = None, **kw: Any) -> Response:
        event = {"type": "message", "channel_type": "im", "channel": dm_channel(user),
                 "user": user, "text": text, "ts": self.next_ts(), "team": TEAM_ID}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, event_id=event_id, retry_num=retry_num, **kw)

    def channel_message(self, user: str, channel: str, text: str, *,
                        thread_ts: str | None = None, ts: str | None = None,
                        extra: dict[str, Any] | None = None) -> Response:
        event = {"type": "message", "channel_type": "channel", "channel": channel,
                 "user": user, "text": text, "ts": ts or self.next_ts(), "team": TEAM_ID,
                 **(extra or {})}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event)

    def mention(self, user: str, channel: str, text: str, *, ts: str | None = None,
                thread_ts: str | None = None) -> Response:
        event = {"type": "app_mention", "channel": channel, "user": user,
                 "text": f"<@{BOT_USER_ID}> {text}", "ts": ts or self.next_ts(), "team": TEAM_ID}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event)

    def command(self, user: str, text: str, *, channel: str | None = None) -> str:
        """`/support TEXT`; returns the response_url name its answers are posted to."""
        name = f"cmd{next(self._ids)}"
        body = urlencode({
            "token": "legacy", "team_id": TEAM_ID, "team_domain": "test",
            "channel_id": channel or dm_channel(user), "channel_name": "directmessage",
            "user_id": user, "user_name": user.lower(), "command": "/support", "text": text,
            "api_app_id": "A0SUPPORT", "response_url": self.fake.response_url(name),
            "trigger_id": f"trig.{name}",
        })
        response = self.post(body, content_type="application/x-www-form-urlencoded")
        assert response.status == 200, response
        return name

    def press(self, user: str, message: Call, action: dict[str, Any],
              channel: str | None = None) -> str:
        """Press a button of a posted message or of an ephemeral answer (then give `channel`);
        returns the response_url name its answers are posted to."""
        name = f"act{next(self._ids)}"
        ephemeral = message.method == "respond"
        channel = channel or message.params["channel"]
        ts = self.next_ts() if ephemeral else posted_ts(message)
        payload = {
            "type": "block_actions", "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0SUPPORT", "token": "legacy",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel,
                          "is_ephemeral": ephemeral},
            "trigger_id": f"trig.{name}", "channel": {"id": channel, "name": "x"},
            "message": {"type": "message", "ts": ts, "text": message.params.get("text"),
                        "blocks": message.params.get("blocks"), "user": BOT_USER_ID,
                        **({"thread_ts": message.params["thread_ts"]}
                           if message.params.get("thread_ts") else {})},
            "response_url": self.fake.response_url(name),
            "actions": [{**action, "block_id": "b1", "type": "button",
                         "action_ts": f"{time.time():.6f}"}],
        }
        body = urlencode({"payload": json.dumps(payload)})
        response = self.post(body, content_type="application/x-www-form-urlencoded")
        assert response.status == 200, response
        return name

    # -- what the desk sent -----------------------------------------------------------------
    def posts(self, channel: str, starting: str | None = None) -> list[Call]:
        return [c for c in self.fake.calls("chat.postMessage")
                if c.ok and c.params.get("channel") == channel
                and (starting is None or str(c.params.get("text", "")).startswith(starting))]

    def wait_post(self, channel: str, starting: str, count: int = 1) -> Call:
        found = wait_until(lambda: len(self.posts(channel, starting)) >= count and
                           self.posts(channel, starting),
                           f"a post to {channel} starting {starting!r}")
        return found[count - 1]

    def responses(self, name: str) -> list[Call]:
        return [c for c in self.fake.calls("respond") if c.path.endswith("/" + name)]

    def wait_response(self, name: str, starting: str) -> Call:
        def found() -> Call | None:
            for call in self.responses(name):
                if str(call.params.get("text", "")).startswith(starting):
                    return call
            return None

        return wait_until(found, f"a response to {name} starting {starting!r} "
                                 f"(got {[c.params.get('text') for c in self.responses(name)]})")

    # -- the database -----------------------------------------------------------------------
    def count(self, model: type, *where: Any) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where))
                       or 0)

    def scalar(self, statement: Any) -> Any:
        with Session(self.engine) as session:
            return session.scalar(statement)

    def scalar_all(self, statement: Any) -> list[Any]:
        with Session(self.engine) as session:
            return list(session.scalars(statement))


def dm_channel(user: str) -> str:
    return "D" + user.lstrip("U")


def posted_ts(call: Call) -> str:
    """The ts the fake answered a chat.postMessage with."""
    assert call.answer is not None and call.answer.get("ok"), call
    return str(call.answer["ts"])


def buttons(call: Call) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return [e for b in blocks if b.get("type") == "actions" for e in b["elements"]]


def button(call: Call, verb_prefix: str) -> dict[str, Any]:
    for element in buttons(call):
        if str(element["value"]).startswith(verb_prefix):
            return {"action_id": element["action_id"], "value": element["value"]}
    raise AssertionError(f"no button {verb_prefix!r} in {buttons(call)}")
