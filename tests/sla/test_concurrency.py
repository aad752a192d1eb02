"""Several desk processes run the SLA job at the same moment: each alert is still sent once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from desk.context import DeskContext, Room
from sla.alerts import run_due_alerts
from store.db import make_engine, make_session_factory
from tests.sla.helpers import add_org, add_staff, alerts, messages, open_case

PROCESSES = 3


def test_processes_racing_send_each_alert_once(desk, clock, db_url):
    staff = add_staff(desk)
    premium = add_org(desk, "Prime", "premium")
    growth = add_org(desk, "Grow", "growth")
    cases = [open_case(desk, premium if i % 2 else growth, 1 + i % 3,
                       assignee_id=staff.agent_id) for i in range(12)]
    clock.advance(days=2)  # every reminder and every breach is due

    engines = [make_engine(db_url) for _ in range(PROCESSES)]
    contexts = [DeskContext(sessions=make_session_factory(e), clock=clock,
                            agent_rooms=(Room("console", "agents"),)) for e in engines]
    barrier = threading.Barrier(PROCESSES)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker(ctx: DeskContext) -> None:
        try:
            barrier.wait(timeout=30)
            counts.append(run_due_alerts(ctx))
        except BaseException as exc:  # surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(ctx,)) for ctx in contexts]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for e in engines:
            e.dispose()
    assert not errors
    assert sum(counts) == 2 * len(cases)
    assert alerts(desk) == sorted((c, level) for c in cases for level in ("breach", "reminder"))
    per_case = Counter((m.case_id, m.key, m.chat_id) for m in messages(desk))
    assert set(per_case.values()) == {1}  # no recipient got any alert twice
    for case_id in cases:
        keys = Counter(m.key for m in messages(desk, case_id))
        premium_case = cases.index(case_id) % 2 == 1
        assert keys["sla.reminder_overdue"] == 2  # the agents' room and the assignee
        assert keys["sla.breach"] == 2 + (1 if premium_case else 0)
    clock.advance(timedelta(hours=1))
    assert run_due_alerts(desk) == 0
