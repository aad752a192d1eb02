"""Slack in HTTP mode: an event answered 200 is stored; a retried event is processed once,
also across a SIGKILL of the desk."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bench.processes import DeskProcess, free_port, listening, wait_until
from tests.fakes.slack_api import FakeSlackApi
from tests.faults.harness import partner_texts, seed, slack_dm, slack_env, stored_updates

pytestmark = pytest.mark.timeout(120)

PARTNER = "U1001"
SLACK_DEADLINE = 3.0  # seconds Slack waits for the acknowledgement before it retries


@contextmanager
def writes_blocked(db_url: str, engine: Engine) -> Iterator[None]:
    """Hold the database's write lock (SQLite) or inbound_updates' (PostgreSQL)."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE inbound_updates IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()


def test_acknowledged_event_is_stored_and_retries_are_processed_once(
        db_url: str, desk_db: Engine, tmp_path: Path) -> None:
    seed(desk_db, "slack", [PARTNER])
    port = free_port()
    with FakeSlackApi() as fake:
        desk = DeskProcess(tmp_path, slack_env(db_url, fake.api_url, port)).start()
        try:
            wait_until(lambda: desk.check_alive() and listening(port), "the desk to listen")
            assert slack_dm(port, PARTNER, "Warm-up: our number cannot send", "EvWARM") == 200
            wait_until(lambda: "EvWARM" in stored_updates(desk_db, "slack"), "the warm-up")

            answer: dict[str, object] = {}

            def post() -> None:
                try:
                    answer["status"] = slack_dm(port, PARTNER, "Locked: templates rejected",
                                                "EvLOCKED", timeout=30)
                except OSError as exc:  # the desk died before answering: Slack retries
                    answer["error"] = exc

            with writes_blocked(db_url, desk_db):
                poster = threading.Thread(target=post, daemon=True)
                poster.start()
                poster.join(SLACK_DEADLINE)  # whatever Slack got by its deadline
                desk.kill()
            poster.join(30)
            assert not poster.is_alive()
            if answer.get("status") == 200:
                assert "EvLOCKED" in stored_updates(desk_db, "slack"), \
                    "Slack got 200 for an event the desk had not stored (lost at the kill)"

            desk.start()
            wait_until(lambda: desk.check_alive() and listening(port), "the desk to listen")
            for retry in (1, 2):  # Slack's retries of the unacknowledged event
                assert slack_dm(port, PARTNER, "Locked: templates rejected", "EvLOCKED",
                                retry_num=retry) == 200
            wait_until(lambda: "EvLOCKED" in stored_updates(desk_db, "slack"),
                       "the retried event to be stored")
            assert slack_dm(port, PARTNER, "Warm-up: our number cannot send", "EvWARM",
                            retry_num=1) == 200
        finally:
            code = desk.stop()
        assert code == 0, desk.log()
    texts = partner_texts(desk_db)
    assert sorted(texts) == ["Locked: templates rejected", "Warm-up: our number cannot send"]
