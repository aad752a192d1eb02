"""Helpers of the scale tests: a migrated PostgreSQL database, people, and worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from desk import orgs, users
from desk.clock import FixedClock
from desk.context import DeskContext, Room
from handlers.desk import Desk
from messages.types import Incoming
from store.db import make_engine, make_session_factory, transaction
from store.migrate import upgrade
from store.models import Organization
from tests.conftest import PG_URL, fresh_postgres_database

REPO = Path(__file__).resolve().parents[2]
ONBOARDED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WORKER_TIMEOUT = 120.0


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


def postgres_database() -> Iterator[Database]:
    """A fresh migrated PostgreSQL database (skips without TEST_DATABASE_URL)."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (the scale tests need PostgreSQL)")
    url, drop = fresh_postgres_database()
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield Database(url, engine, make_session_factory(engine))
    finally:
        engine.dispose()
        drop()


def desk_at(db: Database, now: datetime) -> Desk:
    """The conversation desk in this (test) process, with its clock fixed at `now`."""
    context = DeskContext(sessions=db.sessions, clock=FixedClock(now),
                          agent_rooms=(Room("console", "agents"),),
                          rate_limit_per_minute=1_000_000)
    return Desk(context)


def add_org(db: Database, name: str, plan: str) -> int:
    with transaction(db.sessions) as s:
        org = orgs.create_org(s, name=name, plan_name=plan, currency="EUR",
                              billing_model="partner-paid", now=ONBOARDED, tz=UTC)
        return org.id


def add_user(db: Database, external_id: str, role: str, org_id: int | None = None) -> int:
    with transaction(db.sessions) as s:
        org = s.get(Organization, org_id) if org_id is not None else None
        user = users.add_user(s, channel="console", external_id=external_id, role=role,
                              org=org, name=external_id, language="en", now=ONBOARDED)
        return user.id


def say(desk: Desk, user: str, chat: str, text: str) -> list[str]:
    """One message through the desk in this process; the reply keys."""
    outcome = desk.handle(Incoming(channel="console", user_id=user, chat_id=chat, text=text))
    return [r.key for r in outcome.replies]


def run_workers(tmp: Path, db_url: str, now: datetime, shares: Sequence[list[dict[str, Any]]],
                threads: int = 4) -> list[list[dict[str, Any]]]:
    """Run each share of tasks in its own `python -m tests.scale.driver` process, all at once.

    Every process loads the desk first and reports ready; then one 'go' file starts them
    together. Returns each process's results in task order.
    """
    go = tmp / "go"
    procs: list[tuple[subprocess.Popen[bytes], Path, Path]] = []
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for index, tasks in enumerate(shares):
        plan = tmp / f"plan{index}.json"
        out = tmp / f"out{index}.json"
        plan.write_text(json.dumps({"db_url": db_url, "now": now.isoformat(), "go": str(go),
                                    "threads": threads, "tasks": tasks}))
        log = tmp / f"worker{index}.log"
        with open(log, "wb") as sink:
            proc = subprocess.Popen([sys.executable, "-m", "tests.scale.driver", str(plan),
                                     str(out)], cwd=REPO, env=env, stdout=sink,
                                    stderr=subprocess.STDOUT)
        procs.append((proc, out, log))
    try:
        deadline = time.monotonic() + WORKER_TIMEOUT
        for proc, out, log in procs:
            ready = Path(str(out) + ".ready")
            while not ready.exists():
                if proc.poll() is not None:
                    raise AssertionError(f"worker exited early:\n{log.read_text()}")
                if time.monotonic() > deadline:
                    raise AssertionError("workers did not get ready")
                time.sleep(0.02)
        go.write_text("go")
        results = []
        for proc, out, log in procs:
            code = proc.wait(timeout=WORKER_TIMEOUT)
            assert code == 0, f"worker failed ({code}):\n{log.read_text()}"
            results.append(json.loads(out.read_text()))
        return results
    finally:
        for proc, _, _ in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def split(tasks: Sequence[dict[str, Any]], parts: int) -> list[list[dict[str, Any]]]:
    """Deal tasks round-robin to `parts` processes."""
    return [list(tasks[i::parts]) for i in range(parts)]


def errors(results: Sequence[Sequence[dict[str, Any]]]) -> list[str]:
    return [r.get("trace") or r["error"] for share in results for r in share if "error" in r]
