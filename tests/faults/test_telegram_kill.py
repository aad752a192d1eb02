"""SIGKILL a polling Telegram desk mid-traffic: every update is processed exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from bench.processes import DeskProcess, wait_until
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI, message_update, user
from tests.faults.harness import partner_texts, push_messages, seed, stored_updates, telegram_env

pytestmark = pytest.mark.timeout(120)

PARTNERS = [1001, 1002, 1003, 1004, 1005]


def push(fake: FakeTelegramAPI, start: int, count: int) -> dict[int, str]:
    return push_messages(fake, PARTNERS, start, count,
                         "Our template sends fail with error 131026, message")


def test_sigkill_mid_traffic_loses_nothing_and_processes_nothing_twice(
        db_url: str, desk_db: Engine, tmp_path: Path) -> None:
    seed(desk_db, "telegram", [str(uid) for uid in PARTNERS])
    with FakeTelegramAPI() as fake:
        desk = DeskProcess(tmp_path, telegram_env(db_url, fake.base_url, TOKEN)).start()
        try:
            # After ten answers every answer fails with 500: the poller is caught holding an
            # update it has stored but not yet acknowledged (it retries the answer before moving
            # on). Arming the fault before the traffic means the desk cannot outrun it.
            fake.fail_next("sendMessage", count=1_000_000, status=500, after=10)
            pushed = push(fake, 0, 50)
            wait_until(lambda: desk.check_alive()
                       and any(c.status == 500 and int(c.params.get("chat_id", 0)) > 0
                               for c in fake.calls_of("sendMessage", ok_only=False)),
                       "an answer to a partner to fail")
            desk.kill()
            stored = stored_updates(desk_db, "telegram")
            acknowledged = {uid for uid in pushed if uid < fake.confirmed_offset}
            assert acknowledged <= {int(u) for u in stored}, "acknowledged but never stored"
            assert {int(u) for u in stored} - acknowledged, \
                "expected an update stored but not yet acknowledged at the kill"
            assert len(stored) < len(pushed), "the kill came after all traffic"

            # While the desk is down: more traffic, and Telegram re-sends stored updates.
            pushed.update(push(fake, 50, 10))
            for uid in sorted(int(u) for u in stored)[:3]:
                fake.push_update(message_update(user(PARTNERS[0]), PARTNERS[0], pushed[uid]),
                                 update_id=uid, redelivery=True)
            fake.fail_next("sendMessage", count=0)
            desk.start()
            wait_until(lambda: desk.check_alive()
                       and {int(u) for u in stored_updates(desk_db, "telegram")}
                       >= set(pushed) and fake.pending_updates() == 0,
                       "every update to be stored and acknowledged", timeout=60)
        finally:
            code = desk.stop()
        assert code == 0, desk.log()
    assert {int(u) for u in stored_updates(desk_db, "telegram")} == set(pushed)
    texts = partner_texts(desk_db)
    assert sorted(texts) == sorted(pushed.values()), "a message was lost or stored twice"
