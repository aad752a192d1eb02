"""PostgreSQL restarting under a running desk: it reconnects, carries on, loses nothing and
applies no update twice or by halves. Uses a private cluster, never the shared server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.processes import DeskProcess, wait_until
from store.db import make_engine
from store.migrate import upgrade
from store.models import AuditEntry, Case, CaseMessage, InboundUpdate, OutboxMessage
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI
from tests.faults.harness import partner_texts, push_messages, seed, stored_updates, telegram_env
from tests.faults.private_pg import PrivateCluster, Unavailable

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

PARTNERS = [3001, 3002, 3003]
OUTAGE_WINDOW = 3.0  # seconds the desk gets, with the server down, to (wrongly) acknowledge


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    try:
        server = PrivateCluster().init()
        server.start()
    except (Unavailable, OSError) as exc:
        pytest.skip(f"a private PostgreSQL cluster cannot be started here: {exc}")
    try:
        yield server
    finally:
        server.destroy()


def database_on(server: PrivateCluster) -> str:
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "desk"'))
    admin.dispose()
    return make_url(server.url).set(database="desk").render_as_string(hide_password=False)


def push(fake: FakeTelegramAPI, start: int, count: int) -> dict[int, str]:
    return push_messages(fake, PARTNERS, start, count,
                         "Restart: the number shows as offline in the manager, message")


def all_stored(engine: Engine, pushed: dict[int, str]) -> bool:
    try:
        return {int(u) for u in stored_updates(engine, "telegram")} >= set(pushed)
    except Exception:  # the server may still be starting
        engine.dispose()
        return False


def test_desk_reconnects_after_postgres_restart_and_loses_nothing(
        cluster: PrivateCluster, tmp_path: Path) -> None:
    url = database_on(cluster)
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, "telegram", [str(uid) for uid in PARTNERS])
    with FakeTelegramAPI() as fake:
        desk = DeskProcess(tmp_path, telegram_env(url, fake.base_url, TOKEN)).start()
        try:
            pushed = push(fake, 0, 9)
            wait_until(lambda: desk.check_alive() and all_stored(engine, pushed)
                       and fake.pending_updates() == 0, "the first updates", timeout=60)
            engine.dispose()

            cluster.stop("fast")  # every open connection of the desk is cut
            during = push(fake, 9, 6)
            pushed.update(during)
            first_during = min(during)
            wait_until(lambda: any(u["update_id"] == first_during
                                   for c in fake.calls_of("getUpdates")
                                   for u in (c.result or [])),
                       "the desk to receive updates while the database is down")
            time.sleep(OUTAGE_WINDOW)  # room for a wrong acknowledgement to happen
            assert desk.alive(), f"the desk died with the database:\n{desk.log()}"
            assert fake.confirmed_offset <= first_during, \
                "updates were acknowledged to Telegram while the database was down"

            cluster.start()
            wait_until(lambda: desk.check_alive() and all_stored(engine, pushed)
                       and fake.pending_updates() == 0,
                       "the updates of the outage after the restart", timeout=90)
            after = push(fake, 15, 3)
            pushed.update(after)
            wait_until(lambda: desk.check_alive() and all_stored(engine, pushed),
                       "updates after the restart", timeout=60)
        finally:
            code = desk.stop()
        assert code == 0, desk.log()

    assert sorted(partner_texts(engine)) == sorted(pushed.values())
    with Session(engine) as s:
        # Nothing half-applied: every stored update has its message, every case its audit
        # entry and its new-case notice, and no update was recorded without its effects.
        assert s.scalar(select(func.count()).select_from(InboundUpdate)) == len(pushed)
        cases = s.scalars(select(Case.id)).all()
        assert len(cases) == len(PARTNERS)
        for case_id in cases:
            assert s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "case.open", AuditEntry.entity_id == str(case_id))) == 1
            assert s.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.case_id == case_id, OutboxMessage.purpose == "new_case")) == 1
        assert s.scalar(select(func.count()).select_from(CaseMessage)
                        .where(CaseMessage.kind == "partner")) == len(pushed)
    engine.dispose()
