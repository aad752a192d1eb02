"""Telegram or Slack failing with 5xx, then 429, for a while: the outbox delivers every
message exactly once, in order per conversation, once the service recovers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bench.processes import DeskProcess, free_port, wait_until
from desk.context import DeskContext, Room
from handlers.desk import Desk
from messages.types import Incoming
from store.db import make_session_factory
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI
from tests.faults.harness import (
    AGENT_CHAT,
    SLACK_AGENTS,
    count_unsent,
    outbox_rows,
    seed,
    slack_env,
    telegram_env,
)

pytestmark = pytest.mark.timeout(150)


@dataclass
class Service:
    """One channel's fake service, seen the same way by the test."""

    channel: str
    partners: list[str]
    agent: str
    agents_chat: str
    env: Callable[[str, Path], dict[str, str]]
    dm: Callable[[str], str]
    fail: Callable[[int, int], None]  # (count, HTTP status): failures queued after earlier ones
    failed: Callable[[], int]  # how many sends were refused so far
    delivered: Callable[[], list[tuple[str, str, str]]]  # (chat, native id, text) in order


def telegram_service(fake: FakeTelegramAPI) -> Service:
    def fail(count: int, status: int) -> None:
        fake.fail_next("sendMessage", count=count, status=status, retry_after=1, then=True)

    return Service(
        channel="telegram", partners=["1001", "1002", "1003"], agent="2001",
        agents_chat=AGENT_CHAT,
        env=lambda url, _tmp: telegram_env(url, fake.base_url, TOKEN),
        dm=lambda partner: partner, fail=fail,
        failed=lambda: sum(1 for c in fake.calls_of("sendMessage", ok_only=False)
                           if c.status != 200),
        delivered=lambda: [(str(c.params["chat_id"]), str(c.result["message_id"]),
                            str(c.params["text"])) for c in fake.calls_of("sendMessage")],
    )


def slack_service(fake: FakeSlackApi) -> Service:
    port = free_port()

    def fail(count: int, status: int) -> None:
        if status == 429:
            fake.fail_next("chat.postMessage", times=count, error="ratelimited", retry_after=1)
        else:
            fake.fail_next("chat.postMessage", times=count, error="internal_error",
                           status=status)

    return Service(
        channel="slack", partners=["U1001", "U1002", "U1003"], agent="U2001",
        agents_chat=SLACK_AGENTS,
        env=lambda url, _tmp: slack_env(url, fake.api_url, port),
        dm=lambda partner: "D" + partner.lstrip("U"), fail=fail,
        failed=lambda: sum(1 for c in fake.calls("chat.postMessage") if not c.ok),
        delivered=lambda: [(str(c.params["channel"]), str(c.answer["ts"]),
                            str(c.params.get("text"))) for c in fake.calls("chat.postMessage")
                           if c.ok and c.answer],
    )


@pytest.fixture(params=["telegram", "slack"])
def service(request: pytest.FixtureRequest) -> Iterator[Service]:
    if request.param == "telegram":
        with FakeTelegramAPI() as fake:
            yield telegram_service(fake)
    else:
        with FakeSlackApi() as slack:
            yield slack_service(slack)


def fill_outbox(engine: Engine, service: Service) -> None:
    """Cases opened and answered while the bot process is down: notices wait in the outbox."""
    context = DeskContext(sessions=make_session_factory(engine),
                          agent_rooms=(Room(service.channel, service.agents_chat),),
                          rate_limit_per_minute=100_000)
    desk = Desk(context)

    def say(user: str, chat: str, text: str, private: bool = True) -> list[str]:
        outcome = desk.handle(Incoming(channel=service.channel, user_id=user, chat_id=chat,
                                       text=text, is_private=private))
        return [r.key for r in outcome.replies]

    numbers = []
    for partner in service.partners:
        assert say(partner, service.dm(partner),
                   "Our webhook deliveries stopped an hour ago")[0].startswith("case.opened")
        assert say(partner, service.dm(partner), "Still failing, any news?") == ["case.added"]
    for row in outbox_rows(engine):
        if row.purpose == "new_case" and row.case_id not in numbers:
            numbers.append(row.case_id)
    for number in numbers:
        for k in range(1, 4):
            keys = say(service.agent, service.agents_chat, f"/reply {number} answer {k}",
                       private=False)
            assert keys == ["case.reply_sent"], keys


def test_outbox_survives_5xx_then_429_and_delivers_once_in_order(
        db_url: str, desk_db: Engine, service: Service, tmp_path: Path) -> None:
    seed(desk_db, service.channel, service.partners, [service.agent])
    fill_outbox(desk_db, service)
    queued = outbox_rows(desk_db)
    assert len(queued) >= 15 and {r.channel for r in queued} == {service.channel}
    service.fail(6, 502)
    service.fail(4, 429)  # armed now, so the desk cannot drain the outbox between the two
    desk = DeskProcess(tmp_path, service.env(db_url, tmp_path)).start()
    try:
        wait_until(lambda: desk.check_alive() and service.failed() >= 6, "the 5xx answers")
        wait_until(lambda: desk.check_alive() and service.failed() >= 10, "the 429 answers")
        wait_until(lambda: desk.check_alive() and count_unsent(desk_db, service.channel) == 0,
                   "the outbox to drain")
    finally:
        code = desk.stop()
    assert code == 0, desk.log()

    rows = outbox_rows(desk_db)
    assert [r.status for r in rows] == ["sent"] * len(queued)
    by_native = {(r.chat_id, r.external_id): r for r in rows}
    delivered = service.delivered()
    seen: dict[str, list[int]] = defaultdict(list)
    for chat, native_id, _text in delivered:
        row = by_native.get((chat, native_id))
        assert row is not None, f"a message nobody queued went to {chat}"
        seen[chat].append(row.id)
    expected: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        expected[r.chat_id].append(r.id)
    assert dict(seen) == dict(expected), "a message was lost, repeated or reordered"
    for partner in service.partners:
        answers = [text for chat, _, text in delivered
                   if chat == service.dm(partner) and "answer" in text]
        assert [a.split("answer ")[1][:1] for a in answers] == ["1", "2", "3"], answers


