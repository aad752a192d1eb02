"""Helpers of the fault tests: desk settings, people, traffic and signed Slack posts.

The desk process itself, its environment and the bounded waiting come from bench/processes.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.processes import desk_env
from desk import orgs, users
from store.db import make_session_factory, transaction
from store.models import CaseMessage, InboundUpdate, OutboxMessage
from tests.fakes.telegram_api import FakeTelegramAPI, message_update, user

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
AGENT_CHAT = "-100777"
SLACK_AGENTS = "C_AGENTS"


def base_env(db_url: str, **extra: str) -> dict[str, str]:
    """A desk's environment for fault tests: INFO logs, a fast outbox, no rate limit."""
    return desk_env(db_url, OUTBOX_POLL_SECONDS="0.1", LOG_LEVEL="INFO",
                    RATE_LIMIT_PER_MINUTE="100000", **extra)


def telegram_env(db_url: str, base_url: str, token: str) -> dict[str, str]:
    return base_env(db_url, TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=base_url,
                    TELEGRAM_AGENT_CHAT_ID=AGENT_CHAT)


def slack_env(db_url: str, api_url: str, port: int) -> dict[str, str]:
    return base_env(db_url, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                    SLACK_API_URL=api_url, SLACK_HTTP_PORT=str(port),
                    SLACK_AGENT_CHANNEL=SLACK_AGENTS)


def push_messages(fake: FakeTelegramAPI, partners: list[int], start: int, count: int,
                  text: str) -> dict[int, str]:
    """`count` partner messages ('<text> <n>'), round-robin over the partners' private chats;
    returns update id -> text."""
    pushed = {}
    for i in range(start, start + count):
        uid = partners[i % len(partners)]
        body = f"{text} {i}"
        pushed[fake.push_update(message_update(user(uid), uid, body))] = body
    return pushed


def seed(engine: Engine, channel: str, partners: list[str], agents: list[str] = ()) -> None:
    """One Growth organization with these partner ids and agents on `channel`."""
    now = datetime.now(UTC)
    with transaction(make_session_factory(engine)) as s:
        org = orgs.create_org(s, name="Fault Tolerant Ltd", plan_name="growth", currency="EUR",
                              billing_model="partner-paid", now=now, tz=ZoneInfo("UTC"))
        for external_id in partners:
            users.add_user(s, channel=channel, external_id=external_id, role="partner",
                           org=org, name=f"Partner {external_id}", language="en", now=now)
        for external_id in agents:
            users.add_user(s, channel=channel, external_id=external_id, role="agent",
                           name=f"Agent {external_id}", language="en", now=now)


def stored_updates(engine: Engine, channel: str) -> set[str]:
    with Session(engine) as s:
        return set(s.scalars(select(InboundUpdate.update_id)
                             .where(InboundUpdate.channel == channel)))


def partner_texts(engine: Engine) -> list[str]:
    """Every stored partner message text (with repetitions, if any were stored twice)."""
    with Session(engine) as s:
        return list(s.scalars(select(CaseMessage.text).where(CaseMessage.kind == "partner")))


def outbox_rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def count_unsent(engine: Engine, channel: str) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == channel, OutboxMessage.status != "sent")) or 0)


# -- Slack, as Slack would call the desk --------------------------------------------------------

def sign(body: str, timestamp: int) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


def slack_dm(port: int, user: str, text: str, event_id: str, retry_num: int | None = None,
             timeout: float = 10.0) -> int:
    """POST a signed message.im event; the HTTP status (an exception if no answer came)."""
    event = {"type": "message", "channel_type": "im", "channel": "D" + user.lstrip("U"),
             "user": user, "text": text, "ts": f"{time.time():.6f}", "team": "T0TEST"}
    body = json.dumps({"token": "legacy", "team_id": "T0TEST", "api_app_id": "A0SUPPORT",
                       "event": event, "type": "event_callback", "event_id": event_id,
                       "event_time": int(time.time()),
                       "authorizations": [{"team_id": "T0TEST", "user_id": "UBOT",
                                           "is_bot": True}]})
    ts = int(time.time())
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(ts),
               "X-Slack-Signature": sign(body, ts)}
    if retry_num is not None:
        headers.update({"X-Slack-Retry-Num": str(retry_num),
                        "X-Slack-Retry-Reason": "http_timeout"})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events",
                                     data=body.encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value
