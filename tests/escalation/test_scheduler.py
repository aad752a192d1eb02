"""The scheduler: catch-up at start, summaries once, the leader lock, retries, periodic jobs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

import bot.scheduler as scheduler
from desk.clock import FixedClock
from desk.context import DeskContext, Room
from store.db import make_engine, make_session_factory, transaction
from store.models import MonthClose, OutboxMessage, SummaryDelivery

from .conftest import World


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def closes(desk: DeskContext) -> dict[str, int]:
    with transaction(desk.sessions) as s:
        return dict(s.execute(select(MonthClose.month, func.count())
                              .group_by(MonthClose.month)).all())


@pytest.fixture
def march_desk(sessions) -> DeskContext:  # type: ignore[no-untyped-def]
    return DeskContext(sessions=sessions, clock=FixedClock(datetime(2026, 3, 10, tzinfo=UTC)),
                       agent_rooms=(Room("console", "agents"),))


@pytest.mark.timeout(60)
def test_start_catches_up_and_sends_summaries_once(world: World, march_desk: DeskContext) -> None:
    world.org("A", since="2026-01")
    world.org("B", plan="premium", since="2026-02")
    boss = world.user("boss", "manager")
    handle = scheduler.start_scheduler(None, march_desk)
    try:
        assert wait_until(lambda: len(handle.runs) == 1)
        assert handle.scheduler.get_job(scheduler.MONTH_END_JOB) is not None
    finally:
        handle.shutdown()
    assert closes(march_desk) == {"2026-01": 1, "2026-02": 2}
    report = handle.runs[0]
    assert [r.month for r in report.closed] == ["2026-01", "2026-02"]
    assert report.summaries_sent == {"2026-01": 1, "2026-02": 1}
    again = scheduler.run_month_end(march_desk)  # a restart: nothing new
    assert again.closed == [] and again.summaries_sent == {"2026-02": 0}
    with transaction(march_desk.sessions) as s:
        assert s.scalar(select(func.count()).select_from(SummaryDelivery)) == 2
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient_user_id == boss.id)) == 2


def test_month_end_at_the_turn_of_the_month(world: World, march_desk: DeskContext) -> None:
    world.org("Turn", since="2026-03")
    clock = march_desk.clock
    assert isinstance(clock, FixedClock)
    clock.set(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
    assert scheduler.run_month_end(march_desk).closed == []
    clock.set(datetime(2026, 4, 1, 0, 5, tzinfo=UTC))
    assert [r.month for r in scheduler.run_month_end(march_desk).closed] == ["2026-03"]


@pytest.mark.timeout(60)
def test_second_scheduler_skips_while_the_first_holds_the_lock(
        world: World, march_desk: DeskContext, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's; SQLite runs one process per file")
    world.org("Locked", since="2026-01")
    engine = make_engine(db_url)
    other_desk = DeskContext(sessions=make_session_factory(engine), clock=march_desk.clock)
    first = scheduler.SchedulerHandle(march_desk)
    second = scheduler.SchedulerHandle(other_desk)
    try:
        assert first.month_end_job() is not None
        assert second.month_end_job() is None
        assert second.skipped == 1
        first.lock.release()  # the leader went away: the other takes over
        assert second.month_end_job() is not None
    finally:
        first.lock.release()
        second.lock.release()
        engine.dispose()
    assert closes(march_desk) == {"2026-01": 1, "2026-02": 1}


@pytest.mark.timeout(60)
def test_leader_whose_connection_died_loses_the_lock(world: World, march_desk: DeskContext,
                                                     db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's")
    world.org("Lost", since="2026-02")
    engine = make_engine(db_url)
    other_desk = DeskContext(sessions=make_session_factory(engine), clock=march_desk.clock)
    first = scheduler.SchedulerHandle(march_desk)
    second = scheduler.SchedulerHandle(other_desk)
    try:
        assert first.lock.acquire()
        assert first.lock.connection is not None
        pid = first.lock.connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert second.month_end_job() is not None  # the lock was freed with the connection
        assert first.month_end_job() is None and first.skipped == 1
    finally:
        first.lock.release()
        second.lock.release()
        engine.dispose()
    assert closes(march_desk) == {"2026-02": 1}


@pytest.mark.timeout(60)
def test_failed_run_is_logged_and_retried(world: World, march_desk: DeskContext,
                                          monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    world.org("Retry", since="2026-02")
    real = scheduler.run_month_end
    calls = {"n": 0}

    def flaky(desk: DeskContext) -> scheduler.MonthEndReport:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database went away")
        return real(desk)

    monkeypatch.setattr(scheduler, "run_month_end", flaky)
    handle = scheduler.SchedulerHandle(march_desk, retry_after=timedelta(milliseconds=200))
    handle.start()
    try:
        assert wait_until(lambda: len(handle.runs) == 1)
    finally:
        handle.shutdown()
    assert handle.failures == 1
    assert "database went away" in caplog.text
    assert closes(march_desk) == {"2026-02": 1}


@pytest.mark.timeout(60)
def test_register_periodic_runs_with_the_desk(world: World, march_desk: DeskContext) -> None:
    seen: list[DeskContext] = []
    ran = threading.Event()

    def job(desk: DeskContext) -> None:
        seen.append(desk)
        ran.set()

    scheduler.register_periodic("test-job", job, 0.1)
    handle = scheduler.start_scheduler(None, march_desk)
    try:
        assert ran.wait(30)
    finally:
        handle.shutdown()
        scheduler.PERIODIC.pop("test-job", None)
    assert seen[0] is march_desk
    with pytest.raises(ValueError):
        scheduler.register_periodic("bad", job, 0)
