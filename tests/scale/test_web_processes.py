"""Three `supportdesk run --no-scheduler` processes on one PostgreSQL database, Slack in HTTP
mode and Telegram in webhook mode, each update delivered to two of them (as retries behind a
load balancer land): everything processed once, every notice delivered once, in order."""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.processes import DeskProcess, free_port, listening, wait_until
from desk import orgs, users
from store.db import transaction
from store.models import Case, InboundUpdate, OutboxMessage
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI, message_update, user
from tests.faults.harness import (
    AGENT_CHAT,
    SIGNING_SECRET,
    SLACK_AGENTS,
    base_env,
    count_unsent,
    outbox_rows,
    partner_texts,
    slack_dm,
)
from tests.scale.harness import Database, postgres_database

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

PROCESSES = 3
SLACK_PARTNERS = ["U1001", "U1002", "U1003"]
TELEGRAM_PARTNERS = [4001, 4002, 4003]
SECRET = "webhook-secret-0123"
MESSAGES = 20  # per channel


@pytest.fixture
def db() -> Iterator[Database]:
    yield from postgres_database()


def seed(db: Database) -> None:
    now = datetime.now(UTC)
    with transaction(db.sessions) as s:
        org = orgs.create_org(s, name="Scaled Out BV", plan_name="premium", currency="EUR",
                              billing_model="partner-paid", now=now, tz=ZoneInfo("UTC"))
        for external_id in SLACK_PARTNERS:
            users.add_user(s, channel="slack", external_id=external_id, role="partner",
                           org=org, language="en", now=now)
        for uid in TELEGRAM_PARTNERS:
            users.add_user(s, channel="telegram", external_id=str(uid), role="partner",
                           org=org, language="en", now=now)


def telegram_post(port: int, update: dict[str, object]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/tg", data=json.dumps(update).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "X-Telegram-Bot-Api-Secret-Token": SECRET})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_three_web_processes_process_each_update_once_and_deliver_each_notice_once(
        db: Database, tmp_path: Path) -> None:
    seed(db)
    with FakeSlackApi() as slack, FakeTelegramAPI() as telegram:
        ports = [(free_port(), free_port()) for _ in range(PROCESSES)]
        desks = []
        for index, (slack_port, telegram_port) in enumerate(ports):
            home = tmp_path / f"web{index}"
            home.mkdir()
            env = base_env(
                db.url, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                SLACK_API_URL=slack.api_url, SLACK_HTTP_PORT=str(slack_port),
                SLACK_AGENT_CHANNEL=SLACK_AGENTS, TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=telegram.base_url, TELEGRAM_AGENT_CHAT_ID=AGENT_CHAT,
                TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{telegram_port}/tg",
                TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
                TELEGRAM_WEBHOOK_PORT=str(telegram_port))
            desks.append(DeskProcess(home, env).start())
        try:
            for desk, (slack_port, telegram_port) in zip(desks, ports, strict=True):
                wait_until(lambda d=desk, s=slack_port, t=telegram_port: d.check_alive()
                           and listening(s) and listening(t), "a web process to listen",
                           timeout=90)
            rng = random.Random(5)
            jobs = []
            texts = []
            for i in range(MESSAGES):
                partner = SLACK_PARTNERS[i % len(SLACK_PARTNERS)]
                text = f"Slack message {i}: the onboarding of number {i} is stuck"
                texts.append(text)
                first, second = rng.sample(range(PROCESSES), 2)
                for retry, target in ((None, first), (1, second)):
                    jobs.append(lambda p=ports[target][0], u=partner, t=text, e=f"Ev{i:04d}",
                                r=retry: slack_dm(p, u, t, e, retry_num=r, timeout=30))
            for i in range(MESSAGES):
                uid = TELEGRAM_PARTNERS[i % len(TELEGRAM_PARTNERS)]
                text = f"Telegram message {i}: display name review is pending"
                texts.append(text)
                update = {"update_id": 700_000 + i, **message_update(user(uid), uid, text)}
                for target in rng.sample(range(PROCESSES), 2):
                    jobs.append(lambda p=ports[target][1], u=update: telegram_post(p, u))
            rng.shuffle(jobs)
            with ThreadPoolExecutor(max_workers=12) as pool:
                statuses = list(pool.map(lambda job: job(), jobs))
            assert statuses == [200] * len(jobs)
            wait_until(lambda: all(d.check_alive() for d in desks)
                       and count_unsent(db.engine, "slack") == 0
                       and count_unsent(db.engine, "telegram") == 0,
                       "every process's outbox to drain", timeout=90)
        finally:
            codes = [desk.stop() for desk in desks]
        assert codes == [0] * PROCESSES, [d.log() for d in desks]

        assert sorted(partner_texts(db.engine)) == sorted(texts)
        with Session(db.engine) as s:
            assert s.scalar(select(func.count()).select_from(InboundUpdate)) == 2 * MESSAGES
            assert s.scalar(select(func.count()).select_from(Case)) == (
                len(SLACK_PARTNERS) + len(TELEGRAM_PARTNERS))
            assert s.scalar(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.status != "sent")) == 0
        rows = outbox_rows(db.engine)
        by_native = {(r.channel, r.chat_id, r.external_id): r.id for r in rows}
        delivered: dict[tuple[str, str], list[int]] = defaultdict(list)
        for call in slack.calls("chat.postMessage"):
            key = ("slack", str(call.params.get("channel")), str((call.answer or {}).get("ts")))
            if call.ok and (key in by_native or key[1] == SLACK_AGENTS):
                delivered[key[:2]].append(by_native.get(key, -1))  # -1: sent, never queued
        for call in telegram.calls_of("sendMessage"):
            key = ("telegram", str(call.params.get("chat_id")),
                   str((call.result or {}).get("message_id")))
            if key in by_native or key[1] == AGENT_CHAT:
                delivered[key[:2]].append(by_native.get(key, -1))
        expected: dict[tuple[str, str], list[int]] = defaultdict(list)
        for r in rows:
            expected[(r.channel, r.chat_id)].append(r.id)
        # Each queued message was sent once, by exactly one process.
        assert {k: sorted(v) for k, v in delivered.items()} == dict(expected)
        # In order wherever the order is defined: notices of one case were written one after
        # the other (the conversation row lock), so they arrive in that order. Notices written
        # at the same instant by different processes arrive in commit order.
        case_of = {r.id: r.case_id for r in rows}
        for conversation, sent in delivered.items():
            per_case: dict[int | None, list[int]] = defaultdict(list)
            for row_id in sent:
                per_case[case_of[row_id]].append(row_id)
            for case_id, ids in per_case.items():
                assert ids == sorted(ids), (conversation, case_id, ids)
        assert expected[("slack", SLACK_AGENTS)] and expected[("telegram", AGENT_CHAT)]
