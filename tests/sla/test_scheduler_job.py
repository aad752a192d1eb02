"""The scheduler runs the SLA alert job every sla_check_seconds (from the settings)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot import scheduler
from bot.settings import load_settings
from tests.sla.helpers import add_org, add_staff, alerts, open_case


@pytest.mark.timeout(60)
def test_start_scheduler_registers_the_sla_job(desk, clock):
    add_staff(desk)
    case_id = open_case(desk, add_org(desk, "Acme", "premium"), 1)
    clock.advance(timedelta(minutes=30))
    handle = scheduler.start_scheduler(load_settings(sla_check_seconds=15), desk)
    try:
        job = handle.scheduler.get_job(f"periodic-{scheduler.SLA_JOB}")
        assert job is not None
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(seconds=15)
        job.func()  # what the scheduler calls on each tick
        job.func()
    finally:
        handle.shutdown()
    assert alerts(desk) == [(case_id, "breach"), (case_id, "reminder")]
    assert scheduler.PERIODIC[scheduler.SLA_JOB][1] == 15


def test_without_settings_the_default_interval_applies(desk):
    handle = scheduler.start_scheduler(None, desk)
    try:
        job = handle.scheduler.get_job(f"periodic-{scheduler.SLA_JOB}")
        assert job.trigger.interval == timedelta(seconds=scheduler.SLA_CHECK_SECONDS)
    finally:
        handle.shutdown()
