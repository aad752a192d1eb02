"""The scheduler: month close at 00:05 on the 1st (billing tz), catch-up at start, periodic jobs."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Connection, Engine, text

from billing.months import BillingMonth
from bot.settings import Settings
from desk import beta_deadlines
from desk.context import DeskContext
from escalation.delivery import send_summaries
from escalation.month_close import CloseReport, close_month, unclosed_months
from sla.alerts import run_due_alerts
from store.db import is_postgres, transaction

log = logging.getLogger("supportdesk.scheduler")

LOCK_KEY = 0x5D5C_4E01  # pg advisory lock key of "the deployment's scheduler"
RETRY_AFTER = timedelta(minutes=5)
MONTH_END_JOB = "month-end"
SLA_JOB = "sla-alerts"
SLA_CHECK_SECONDS = 60  # without settings (tests, embedding): Settings.sla_check_seconds' default

PeriodicFunc = Callable[[DeskContext], Any]
# name -> (function of the desk, interval in seconds); see register_periodic
PERIODIC: dict[str, tuple[PeriodicFunc, float]] = {}
_RUNNING: list[SchedulerHandle] = []


@dataclass
class MonthEndReport:
    closed: list[CloseReport] = field(default_factory=list)
    summaries_sent: dict[str, int] = field(default_factory=dict)


def _engine(desk: DeskContext) -> Engine:
    bind = desk.sessions.kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def run_month_end(desk: DeskContext) -> MonthEndReport:
    """Close every ended month that is not closed (one transaction each), then send summaries.

    Summaries go out for every closed month up to the last ended one; each manager gets each
    month once (summary_deliveries), so running this again sends nothing new.
    """
    now = desk.clock.now()
    tz = desk.billing_tz
    report = MonthEndReport()
    with transaction(desk.sessions) as session:
        months = unclosed_months(session, now, tz)
    for month in months:
        result = close_month(desk.sessions, month, now, tz, grace_days=desk.invoice_grace_days)
        log.info("closed %s: %d organizations, %d lines, %d invoices", month, result.closed,
                 result.lines, result.invoices)
        report.closed.append(result)
    last_ended = BillingMonth.of(now, tz).prev()
    with transaction(desk.sessions) as session:
        closed_months = {m for m in map(str, months)}
        has_close = session.execute(
            text("SELECT 1 FROM month_closes WHERE month = :m LIMIT 1"), {"m": str(last_ended)}
        ).first()
        if has_close is not None:
            closed_months.add(str(last_ended))
    for month_text in sorted(closed_months):
        report.summaries_sent[month_text] = send_summaries(
            desk, BillingMonth.parse(month_text), now, tz)
    return report


class LeaderLock:
    """The deployment-wide scheduler lock: a PostgreSQL session advisory lock on its own
    connection, held from the first successful try until release. SQLite: always the leader
    (one process per SQLite file)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None
        self.held = not is_postgres(engine)

    def acquire(self) -> bool:
        if self.held and self.connection is None:
            return True  # SQLite
        if self.held and self._alive():
            return True
        self.held = False
        try:
            if self.connection is None:
                self.connection = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT")
            got = self.connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar_one()
        except Exception:
            log.exception("scheduler lock: connection failed; will try again")
            self._drop()
            return False
        self.held = bool(got)
        return self.held

    def _alive(self) -> bool:
        """Whether the lock's connection still works (a lost connection lost the lock too)."""
        assert self.connection is not None
        try:
            self.connection.execute(text("SELECT 1"))
            return True
        except Exception:
            log.warning("scheduler lock: its connection was lost; trying to take it again")
            self._drop()
            return False

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:
                log.debug("closing a broken lock connection failed", exc_info=True)
        self.connection = None

    def release(self) -> None:
        if self.connection is not None and self.held:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                        {"key": LOCK_KEY})
            except Exception:
                log.debug("advisory unlock failed", exc_info=True)
        self._drop()
        self.held = not is_postgres(self.engine)


class SchedulerHandle:
    """A running scheduler: month end, catch-up at start and registered periodic jobs."""

    def __init__(self, desk: DeskContext, *, retry_after: timedelta = RETRY_AFTER,
                 start_paused: bool = False) -> None:
        self.desk = desk
        self.retry_after = retry_after
        self.lock = LeaderLock(_engine(desk))
        self.scheduler = BackgroundScheduler(timezone=desk.billing_tz)
        self.runs: list[MonthEndReport] = []
        self.skipped = 0
        self.failures = 0
        self._guard = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()

    def month_end_job(self) -> MonthEndReport | None:
        """Run the month end if this process is the leader; a failure is retried later."""
        with self._guard:
            self.idle.clear()
            try:
                if not self.lock.acquire():
                    self.skipped += 1
                    log.info("month end skipped: another scheduler holds the lock")
                    return None
                try:
                    report = run_month_end(self.desk)
                except Exception as exc:
                    self.failures += 1
                    log.exception("month end failed (%s: %s); retrying in %s",
                                  type(exc).__name__, exc, self.retry_after)
                    self._schedule_retry()
                    return None
                self.runs.append(report)
                return report
            finally:
                self.idle.set()

    def _schedule_retry(self) -> None:
        if not self.scheduler.running:
            return
        # APScheduler fires on the wall clock, so the retry is placed on it too.
        when = datetime.now(UTC) + self.retry_after
        self.scheduler.add_job(self.month_end_job, DateTrigger(run_date=when),
                               id=f"{MONTH_END_JOB}-retry", replace_existing=True,
                               misfire_grace_time=None)

    def add_periodic(self, name: str, func: PeriodicFunc, seconds: float) -> None:
        def job() -> None:
            try:
                func(self.desk)
            except Exception:
                log.exception("periodic job %s failed; it runs again in %ss", name, seconds)

        self.scheduler.add_job(job, "interval", seconds=seconds, id=f"periodic-{name}",
                               replace_existing=True, coalesce=True, max_instances=1)

    def start(self) -> SchedulerHandle:
        self.scheduler.add_job(
            self.month_end_job, CronTrigger(day=1, hour=0, minute=5,
                                            timezone=self.desk.billing_tz),
            id=MONTH_END_JOB, coalesce=True, max_instances=1, misfire_grace_time=3600,
        )
        # Catch-up now: months that ended while the desk was down are closed from the
        # database's state, never from the (in-memory) job store's memory of missed runs.
        self.scheduler.add_job(self.month_end_job, id=f"{MONTH_END_JOB}-catch-up",
                               misfire_grace_time=None)
        for name, (func, seconds) in PERIODIC.items():
            self.add_periodic(name, func, seconds)
        self.scheduler.start()
        _RUNNING.append(self)
        return self

    def shutdown(self, wait: bool = True) -> None:
        if self in _RUNNING:
            _RUNNING.remove(self)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self.lock.release()


def register_periodic(name: str, func: PeriodicFunc, seconds: float) -> None:
    """Run `func(desk)` every `seconds` in the scheduler (e.g. the SLA check).

    Register before start_scheduler (e.g. at import of the module that owns the job); a
    scheduler already running picks it up too. Failures are logged, the job keeps running.
    Periodic jobs run in every scheduler process and must be safe to run concurrently.
    """
    if seconds <= 0:
        raise ValueError("a periodic job needs a positive interval")
    PERIODIC[name] = (func, seconds)
    for handle in list(_RUNNING):
        handle.add_periodic(name, func, seconds)


def start_scheduler(settings: Settings | None, desk: DeskContext) -> SchedulerHandle:
    """Start the background scheduler (with the SLA alert and beta launch-date jobs); returns a
    handle with .shutdown().

    The desk carries the billing time zone and the clock; settings give the SLA check interval.
    """
    seconds = settings.sla_check_seconds if settings is not None else SLA_CHECK_SECONDS
    register_periodic(SLA_JOB, run_due_alerts, seconds)
    register_periodic(beta_deadlines.JOB_NAME, beta_deadlines.run_beta_deadlines,
                      beta_deadlines.CHECK_SECONDS)
    return SchedulerHandle(desk).start()


def run_scheduler_forever(settings: Settings | None, desk: DeskContext) -> None:
    """Run the scheduler until SIGINT or SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    handle = start_scheduler(settings, desk)
    log.info("scheduler running (month end at 00:05 on the 1st, %s)", desk.billing_tz)
    try:
        stop.wait()
    finally:
        handle.shutdown()
        log.info("scheduler stopped")
