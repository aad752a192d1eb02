"""The SLA alert job walked with a fixed clock: reminder at 75%, breach at the target, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import locales
from desk import cases
from desk.context import DeskContext
from desk.first_response import refresh_due
from desk.outbox import to_reply
from sla.alerts import find_due, run_due_alerts
from store.db import transaction
from store.models import Case, CaseMessage, User
from tests.sla.helpers import (
    add_org,
    add_staff,
    alerts,
    get_case,
    messages,
    open_case,
    recipients,
)

TARGETS = [("premium", 1, 30), ("premium", 2, 120), ("premium", 3, 480),
           ("growth", 1, 60), ("growth", 2, 240), ("growth", 3, 1440)]


def _answer(desk: DeskContext, case_id: int, agent_id: int) -> None:
    """An agent's first reply through the case service: the clock stops."""
    with transaction(desk.sessions) as s:
        cases.reply(s, case=s.get(Case, case_id), agent=s.get(User, agent_id), text="on it",
                    now=desk.clock.now())


def _rate(desk: DeskContext, case_id: int, agent_id: int, severity: int) -> None:
    """An agent's /severity through the case service."""
    with transaction(desk.sessions) as s:
        cases.set_severity(s, case=s.get(Case, case_id), agent=s.get(User, agent_id),
                           value=severity, now=desk.clock.now(), tz=desk.billing_tz)


@pytest.mark.parametrize(("plan", "severity", "minutes"), TARGETS)
def test_reminder_then_breach_once_each(desk, clock, plan, severity, minutes):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", plan)
    opened = clock.now()
    case_id = open_case(desk, org, severity, assignee_id=staff.agent_id)
    case = get_case(desk, case_id)
    assert case.sla_due_at == opened + timedelta(minutes=minutes)
    assert case.sla_reminder_at == opened + timedelta(seconds=minutes * 45)

    clock.set(case.sla_reminder_at - timedelta(seconds=1))
    assert run_due_alerts(desk) == 0
    clock.set(case.sla_reminder_at)
    assert run_due_alerts(desk) == 1
    assert alerts(desk) == [(case_id, "reminder")]
    # the agents' room and the agent who took the case, nobody else
    assert recipients(desk, case_id, "sla.reminder") == sorted(
        [("agents", None), (f"agent-{staff.agent_id}", staff.agent_id)],
        key=lambda x: (x[0], x[1] or 0))
    assert run_due_alerts(desk) == 0

    clock.set(case.sla_due_at - timedelta(seconds=1))
    assert run_due_alerts(desk) == 0
    clock.set(case.sla_due_at)
    assert run_due_alerts(desk) == 1
    breach = recipients(desk, case_id, "sla.breach")
    expected = [(f"manager-{m}", m) for m in staff.manager_ids]
    if plan == "premium":  # the organization's dedicated TAM too
        expected.append((f"tam-{org.tam_id}", org.tam_id))
    assert sorted(breach) == sorted(expected)

    clock.advance(hours=48)
    assert run_due_alerts(desk) == 0
    assert alerts(desk) == [(case_id, "breach"), (case_id, "reminder")]
    assert len(messages(desk, case_id)) == 2 + len(expected)


def test_alert_texts_carry_the_case_and_time(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    case_id = open_case(desk, org, 1, assignee_id=staff.other_agent_id)  # a German agent
    clock.advance(minutes=23)  # 22.5 min is the reminder; 7 min left
    run_due_alerts(desk)
    by_chat = {m.chat_id: m for m in messages(desk, case_id)}
    room = by_chat["agents"]
    assert room.key == "sla.reminder" and room.language == "en"
    assert room.params["case"] == case_id and room.params["plan"] == "Premium"
    text = locales.render(room.key, room.params, room.language)
    assert f"#{case_id}" in text and "Acme" in text and "7 min left" in text
    german = by_chat[f"agent-{staff.other_agent_id}"]
    assert german.language == "de"
    assert "noch 7 Min." in locales.render(german.key, german.params, "de")
    clock.advance(minutes=7)
    run_due_alerts(desk)
    russian = next(m for m in messages(desk, case_id)
                   if m.key == "sla.breach" and m.recipient_user_id == staff.manager_ids[1])
    text = locales.render(russian.key, to_reply(russian).params, "ru")
    assert "Нарушение SLA" in text and "30 мин" in text


def test_answer_in_time_sends_nothing(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "growth")
    case_id = open_case(desk, org, 2)
    clock.advance(minutes=100)
    _answer(desk, case_id, staff.agent_id)
    clock.advance(days=3)
    assert run_due_alerts(desk) == 0
    assert alerts(desk) == [] and messages(desk) == []


def test_answer_after_reminder_stops_the_breach(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    case_id = open_case(desk, org, 1)
    clock.advance(minutes=25)
    assert run_due_alerts(desk) == 1
    _answer(desk, case_id, staff.agent_id)
    clock.advance(hours=2)
    assert run_due_alerts(desk) == 0
    assert alerts(desk) == [(case_id, "reminder")]


def test_resolved_case_is_never_alerted(desk, clock):
    add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    case_id = open_case(desk, org, 1)
    with transaction(desk.sessions) as s:
        case = s.get(Case, case_id)
        case.status, case.resolved_at = "resolved", clock.now()
    clock.advance(hours=5)
    assert run_due_alerts(desk) == 0


def test_internal_note_does_not_stop_the_clock(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "growth")
    case_id = open_case(desk, org, 1)
    clock.advance(minutes=10)
    with transaction(desk.sessions) as s:
        cases.note(s, case=s.get(Case, case_id), agent=s.get(User, staff.agent_id),
                   text="looking into it", now=clock.now())
        assert s.scalars(select(CaseMessage.kind).where(CaseMessage.case_id == case_id)).all() \
            == ["note"]
    clock.advance(minutes=50)
    assert run_due_alerts(desk) == 2  # reminder and breach, both still due
    assert alerts(desk) == [(case_id, "breach"), (case_id, "reminder")]


def test_severity_change_recomputes_from_the_opening_time(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "growth")
    opened = clock.now()
    case_id = open_case(desk, org, 3)  # 24 h target
    clock.advance(minutes=50)
    assert run_due_alerts(desk) == 0
    _rate(desk, case_id, staff.agent_id, 1)  # 1 h from the opening, not from now
    case = get_case(desk, case_id)
    assert case.sla_due_at == opened + timedelta(hours=1)
    assert case.sla_reminder_at == opened + timedelta(minutes=45)
    assert run_due_alerts(desk) == 1  # 45 min passed already: the reminder is due now
    assert [m.key for m in messages(desk, case_id)] == ["sla.reminder"]
    clock.set(opened + timedelta(hours=1))
    assert run_due_alerts(desk) == 1
    assert alerts(desk) == [(case_id, "breach"), (case_id, "reminder")]


def test_lowered_severity_moves_the_breach_later(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    opened = clock.now()
    case_id = open_case(desk, org, 1)
    clock.advance(minutes=25)
    assert run_due_alerts(desk) == 1  # reminder of the 30 min target
    _rate(desk, case_id, staff.agent_id, 3)  # 8 h from the opening
    clock.set(opened + timedelta(hours=7, minutes=59))
    assert run_due_alerts(desk) == 0  # the reminder was sent once already
    clock.set(opened + timedelta(hours=8))
    assert run_due_alerts(desk) == 1
    assert alerts(desk) == [(case_id, "breach"), (case_id, "reminder")]


def test_answered_case_keeps_its_due_time(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    case_id = open_case(desk, org, 3)
    before = get_case(desk, case_id).sla_due_at
    _answer(desk, case_id, staff.agent_id)
    with transaction(desk.sessions) as s:
        case = s.get(Case, case_id)
        case.severity = 1
        assert refresh_due(s, case, clock.now()) == before
    assert get_case(desk, case_id).sla_due_at == before


def test_down_past_the_due_time_sends_an_overdue_reminder_and_the_breach(desk, clock):
    add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    case_id = open_case(desk, org, 2)  # 2 h
    clock.advance(hours=3)
    assert run_due_alerts(desk) == 2
    keys = sorted({m.key for m in messages(desk, case_id)})
    assert keys == ["sla.breach", "sla.reminder_overdue"]
    room = next(m for m in messages(desk, case_id) if m.chat_id == "agents")
    assert "is overdue by 1 h (it was due at" in locales.render(room.key, room.params, "en")


def test_restart_between_reminder_and_breach(desk, clock, db_url):
    from desk.context import DeskContext, Room
    from store.db import make_engine, make_session_factory

    add_staff(desk)
    org = add_org(desk, "Acme", "growth")
    case_id = open_case(desk, org, 1)
    clock.advance(minutes=46)
    assert run_due_alerts(desk) == 1
    # a new process: new engine, new context, same database
    engine = make_engine(db_url)
    try:
        restarted = DeskContext(sessions=make_session_factory(engine), clock=clock,
                                agent_rooms=(Room("console", "agents"),))
        assert run_due_alerts(restarted) == 0  # no second reminder
        clock.advance(minutes=14)
        assert run_due_alerts(restarted) == 1  # the breach still goes out
        assert alerts(restarted) == [(case_id, "breach"), (case_id, "reminder")]
        assert [m.key for m in messages(restarted, case_id)].count("sla.reminder") == 1
    finally:
        engine.dispose()


def test_due_query_only_sees_cases_missing_an_alert(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    early = open_case(desk, org, 1)
    clock.advance(minutes=10)
    late = open_case(desk, org, 1)
    answered = open_case(desk, org, 1)
    _answer(desk, answered, staff.agent_id)
    clock.advance(minutes=15)  # early: reminder due; late: not yet
    with transaction(desk.sessions) as s:
        assert find_due(s, clock.now()) == [early]
    run_due_alerts(desk)
    with transaction(desk.sessions) as s:
        assert find_due(s, clock.now()) == []
    clock.advance(minutes=10)  # early: breach; late: reminder
    with transaction(desk.sessions) as s:
        assert find_due(s, clock.now()) == [early, late]


def test_no_identity_no_message_but_alert_recorded_once(desk, clock):
    org = add_org(desk, "Acme", "growth")  # no staff at all, no rooms
    lonely = DeskContext(sessions=desk.sessions, clock=clock)
    case_id = open_case(lonely, org, 1)
    clock.advance(hours=2)
    assert run_due_alerts(lonely) == 2
    assert messages(lonely, case_id) == []
    assert run_due_alerts(lonely) == 0


BULK_CASES = """
INSERT INTO cases (org_id, opened_by_id, conversation_id, status, severity, severity_source,
    severity_reasons, subject, language, opened_at, active_since, first_response_at,
    reopened_count, sla_due_at, sla_reminder_at, updated_at)
SELECT org_id, opened_by_id, conversation_id,
    CASE WHEN g % 10 = 0 THEN 'open' ELSE 'resolved' END, severity, severity_source,
    severity_reasons, subject, language, opened_at - g * interval '1 hour',
    opened_at - g * interval '1 hour',
    CASE WHEN g % 50 = 0 THEN NULL ELSE opened_at - g * interval '1 hour' + interval '5 min' END,
    0, opened_at - g * interval '1 hour' + interval '1 hour',
    opened_at - g * interval '1 hour' + interval '45 min', updated_at
FROM cases, generate_series(1, 20000) g WHERE cases.id = :id
"""


def test_the_due_query_is_one_indexed_range_scan(desk, clock):
    from sqlalchemy import text

    from sla.alerts import due_query
    from store.db import is_postgres

    org = add_org(desk, "Acme", "growth")
    case_id = open_case(desk, org, 1)
    with transaction(desk.sessions) as s:
        sql = str(due_query(clock.now()).compile(
            dialect=s.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        if is_postgres(s):
            # a year of history, mostly answered or resolved, with planner statistics
            s.execute(text(BULK_CASES), {"id": case_id})
            s.execute(text("ANALYZE cases"))
            plan = [str(row[0]) for row in s.execute(text("EXPLAIN " + sql))]
            assert any("Index Scan using ix_cases_sla_reminder on cases" in p for p in plan), plan
            assert not any("Seq Scan on cases" in p for p in plan), plan
            return
        plan = [str(row[-1]) for row in s.execute(text("EXPLAIN QUERY PLAN " + sql))]
    assert any(p.startswith("SEARCH cases USING INDEX ix_cases_sla_reminder") for p in plan), plan
    assert not any(p.startswith("SCAN cases") for p in plan), plan


def test_a_failure_while_enqueuing_rolls_the_alert_back_for_the_next_run(desk, clock,
                                                                        monkeypatch):
    import sla.alerts as job

    add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    broken = open_case(desk, org, 1)
    fine = open_case(desk, org, 1)
    clock.advance(minutes=23)
    real = job.enqueue_for_agent_rooms

    def flaky(session, desk_, reply, **kwargs):
        if kwargs.get("case_id") == broken:
            raise RuntimeError("outbox unavailable")
        return real(session, desk_, reply, **kwargs)

    monkeypatch.setattr(job, "enqueue_for_agent_rooms", flaky)
    assert run_due_alerts(desk) == 1  # the other case is not held back
    assert alerts(desk) == [(fine, "reminder")]
    assert messages(desk, broken) == []
    monkeypatch.setattr(job, "enqueue_for_agent_rooms", real)
    assert run_due_alerts(desk) == 1  # nothing half-done was left: sent now, once
    assert alerts(desk) == [(broken, "reminder"), (fine, "reminder")]
    assert [m.chat_id for m in messages(desk, broken)] == ["agents"]


def test_reopened_case_resolved_without_a_reply_is_not_overdue(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    case_id = open_case(desk, org, 1)
    clock.advance(minutes=5)
    with transaction(desk.sessions) as s:
        agent = s.get(User, staff.agent_id)
        cases.resolve(s, desk, case=s.get(Case, case_id), agent=agent, text="duplicate",
                      now=clock.now())
    clock.advance(days=2)
    with transaction(desk.sessions) as s:
        agent = s.get(User, staff.agent_id)
        cases.reopen(s, case=s.get(Case, case_id), agent=agent, now=clock.now())
    assert run_due_alerts(desk) == 0
    assert alerts(desk) == []
