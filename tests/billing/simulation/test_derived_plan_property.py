"""Property: no month ever has a plan other than the independent derivation, at any instant.

Hypothesis drives the real services (license fees recorded and corrected, admin assignments,
month closes at 00:05 Berlin or caught up late, time moving to any instant including the first
minutes of a month before its close) and, after every step, compares the plan in force that
the desk reads from plan_assignments for every month with tests/billing/simulation/reference.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billing.months import BillingMonth
from bot.scheduler import run_month_end
from desk import orgs, plans
from desk.clock import FixedClock
from desk.context import DeskContext
from store.db import make_engine, make_session_factory, transaction
from store.migrate import upgrade
from store.models import MonthClose, Plan
from tests.billing.simulation.reference import GROWTH, PREMIUM, Month, Org, Reference

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
EXAMPLES = count()
AMOUNTS = ("0", "499.99", "500", "500.01", "575", "1200")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every example (migrating each time is too slow)."""
    path = tmp_path_factory.mktemp("derived") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    assert not path.with_name(path.name + "-wal").exists()
    return path


@dataclass
class Run:
    desk: DeskContext
    clock: FixedClock
    ref: Reference
    org_id: int

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.desk.sessions

    def now(self) -> datetime:
        return self.clock.now()


@pytest.fixture
def fresh(template: Path, tmp_path: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    engines = []

    def make(n: int) -> Run:
        path = tmp_path / f"example-{n}.db"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        engines.append(engine)
        clock = FixedClock(START)
        desk = DeskContext(sessions=make_session_factory(engine), clock=clock, billing_tz=BERLIN)
        ref = Reference(plans={"growth": GROWTH, "premium": PREMIUM}, tz=BERLIN)
        with transaction(desk.sessions) as session:
            org = orgs.create_org(session, name="Keeper", plan_name="growth", currency="EUR",
                                  billing_model="direct-paid", now=START, tz=BERLIN)
            org_id = org.id
        ref.add_org(Org(org_id, "EUR", True))
        ref.assign(org_id, Month(2026, 1), "growth", "monthly", START)
        return Run(desk, clock, ref, org_id)

    yield make
    for engine in engines:
        engine.dispose()


def month(m: Month) -> BillingMonth:
    return BillingMonth(m.year, m.month)


def check(run: Run) -> None:
    """Every month from before the first assignment to well after today, as the desk reads it."""
    now = run.now()
    current = run.ref.month_of(now)
    with transaction(run.sessions) as session:
        m = Month(2025, 12)
        while m <= current + 4:
            stored = plans.plan_in_force(session, run.org_id, str(month(m)))
            expected = run.ref.plan_of(run.org_id, m, now)
            assert (None if stored is None else stored.name) == expected, (
                f"plan of {m} at {now.isoformat()}")
            m = m + 1
        rows = session.execute(select(MonthClose.month, Plan.name)
                               .join(Plan, Plan.id == MonthClose.plan_id)
                               .where(MonthClose.org_id == run.org_id)).all()
    assert {Month.parse(m): p for m, p in rows} == run.ref.closed_months(run.org_id, now)


STEP = st.one_of(
    # to the first minutes of the next month (checked there, before any close), then maybe the
    # scheduler's close at 00:05 Berlin; skipped closes are caught up by a later run
    st.tuples(st.just("next_month"), st.integers(0, 4), st.booleans()),
    st.tuples(st.just("advance"), st.integers(1, 24 * 20)),  # hours
    st.tuples(st.just("fees"), st.integers(-3, 0), st.sampled_from(AMOUNTS)),
    st.tuples(st.just("assign"), st.integers(1, 3), st.sampled_from(("growth", "premium"))),
    st.tuples(st.just("catch_up")),
)


def close_all(run: Run) -> None:
    """The scheduler's run: every ended month not yet closed, in the desk and the reference."""
    now = run.now()
    run_month_end(run.desk)
    m = Month(2026, 1)
    while m < run.ref.month_of(now):
        run.ref.close(m, now)  # exactly once: months already closed are skipped
        m = m + 1


def apply(run: Run, step: tuple) -> None:  # type: ignore[type-arg]
    kind = step[0]
    now = run.now()
    current = run.ref.month_of(now)
    if kind == "next_month":
        start = run.ref.first_instant(current + 1)
        run.clock.set(start + timedelta(minutes=step[1]))
        if step[2]:
            check(run)
            run.clock.set(start + timedelta(minutes=5))
            close_all(run)
    elif kind == "advance":
        run.clock.set(now + timedelta(hours=step[1]))
    elif kind == "fees":
        target = current + step[1]  # mostly past months: fees arrive after the month
        amount = Decimal(step[2])
        with transaction(run.sessions) as session:
            org = orgs.get_org(session, "Keeper")
            orgs.set_license_fees(session, org, month(target), amount, now=now, tz=BERLIN)
        run.ref.set_fees(run.org_id, target, int(amount * 100), now)
    elif kind == "assign":
        target = current + step[1]
        with transaction(run.sessions) as session:
            org = orgs.get_org(session, "Keeper")
            plans.assign(session, org, plans.get_plan(session, step[2]), month(target),
                         "admin", now, tz=BERLIN)
        run.ref.assign(run.org_id, target, step[2], "monthly", now)
    elif kind == "catch_up":
        close_all(run)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=8, max_size=40))
# late fees after the next month closed: the walk back through closed months upgrades March
@example(steps=[("next_month", 1, True), ("next_month", 1, True), ("fees", -2, "575")])
# a correction below the threshold takes the upgrade back from the month not yet closed
@example(steps=[("fees", 0, "1200"), ("next_month", 3, True), ("fees", -1, "499.99")])
# an admin's assignment stops the walk: February's fees count, January's do not
@example(steps=[("assign", 1, "growth"), ("next_month", 0, True), ("next_month", 0, True),
                ("fees", -2, "1200"), ("fees", -1, "500.01")])
def test_every_month_has_the_derived_plan_at_every_instant(fresh, steps) -> None:  # type: ignore[no-untyped-def]
    run = fresh(next(EXAMPLES))
    check(run)
    for step in steps:
        apply(run, step)
        check(run)
