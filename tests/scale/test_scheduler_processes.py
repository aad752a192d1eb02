"""Three `supportdesk scheduler` processes on one PostgreSQL database: one leader closes the
missed months once; after the leader is SIGKILLed a new scheduler takes the lock over."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.processes import wait_until
from billing.months import BillingMonth
from desk import orgs
from store.db import transaction
from store.models import AuditEntry, InvoiceLine, MonthClose
from tests.faults.harness import base_env
from tests.scale.harness import Database, postgres_database

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

CLOSED = "INFO supportdesk.scheduler: closed "
SKIPPED = "another scheduler holds the lock"


@pytest.fixture
def db() -> Iterator[Database]:
    yield from postgres_database()


class Scheduler:
    def __init__(self, db: Database, home: Path) -> None:
        home.mkdir()
        self.log_path = home / "scheduler.log"
        with open(self.log_path, "wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from bot.cli import main; main()", "scheduler"],
                env=base_env(db.url), cwd=home, stdout=sink, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def decided(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"scheduler exited:\n{self.log()}")
        return CLOSED in self.log() or SKIPPED in self.log()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return int(self.process.returncode)


def onboard(db: Database, name: str, month: BillingMonth) -> int:
    with transaction(db.sessions) as s:
        return orgs.create_org(s, name=name, plan_name="growth", currency="EUR",
                               billing_model="partner-paid",
                               now=month.start(UTC) + timedelta(days=2), tz=UTC).id


def test_one_leader_closes_missed_months_once_and_a_successor_takes_over(
        db: Database, tmp_path: Path) -> None:
    current = BillingMonth.of(datetime.now(UTC), UTC)
    first = current.prev().prev().prev()  # three ended months to catch up
    org_ids = [onboard(db, f"Scheduled {i}", first) for i in range(4)]
    schedulers = [Scheduler(db, tmp_path / f"s{i}") for i in range(3)]
    late: Scheduler | None = None
    try:
        wait_until(lambda: all(s.decided() for s in schedulers), "every scheduler's catch-up",
                   timeout=90)
        wait_until(lambda: any(s.log().count(CLOSED) == 3 for s in schedulers),
                   "the leader to close three months", timeout=60)
        leaders = [s for s in schedulers if CLOSED in s.log()]
        assert len(leaders) == 1, [s.log() for s in schedulers]
        assert all(SKIPPED in s.log() for s in schedulers if s is not leaders[0])
        with Session(db.engine) as s:
            assert s.scalar(select(func.count()).select_from(MonthClose)) == 3 * len(org_ids)
            assert s.scalar(select(func.count()).select_from(InvoiceLine)) == 9 * len(org_ids)
            assert s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "billing.close_month")) == 3

        leaders[0].process.kill()  # SIGKILL: the lock goes with its database session
        leaders[0].process.wait(timeout=20)
        newcomer = onboard(db, "Joined later", current.prev())
        late = Scheduler(db, tmp_path / "late")
        wait_until(lambda: CLOSED in late.log(), "the new scheduler to take the lock over",
                   timeout=90)
        with Session(db.engine) as s:
            closes = s.scalars(select(MonthClose.month).where(MonthClose.org_id == newcomer))
            assert list(closes) == [str(current.prev())]
            assert s.scalar(select(func.count()).select_from(MonthClose)) == (
                3 * len(org_ids) + 1)
    finally:
        codes = [s.stop() for s in schedulers if s.process.returncode is None]
        if late is not None:
            codes.append(late.stop())
    assert all(code == 0 for code in codes), codes
