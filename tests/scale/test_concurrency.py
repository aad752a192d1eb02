"""Several real processes on one PostgreSQL database: nothing double-counted, billed or lost."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from escalation import service
from store.db import transaction
from store.models import (
    AuditEntry,
    Case,
    CaseMessage,
    Conversation,
    Escalation,
    InboundUpdate,
    Invoice,
    InvoiceLine,
    MonthClose,
)
from tests.scale.harness import (
    Database,
    add_org,
    add_user,
    desk_at,
    errors,
    postgres_database,
    run_workers,
    say,
    split,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]

OPENED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ESCALATED = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
RESOLVED = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
CLOSING = datetime(2026, 4, 1, 0, 10, tzinfo=UTC)
PROCESSES = 3
ALLOWANCE = {"growth": 2, "premium": 5}  # the seeded plans, restated independently
OVERFLOW_CENTS = 2500
FEE_CENTS = {"growth": 50000, "premium": 100000}
ORG_PLANS = ("growth", "premium", "growth", "premium", "growth")
CASES_PER_ORG = 20


@pytest.fixture
def db() -> Iterator[Database]:
    yield from postgres_database()


def open_cases(db: Database, per_org: int = CASES_PER_ORG) -> dict[int, tuple[int, str]]:
    """Organizations with a partner each and `per_org` cases; case id -> (org id, plan)."""
    found: dict[int, tuple[int, str]] = {}
    desk = desk_at(db, OPENED)
    for index, plan in enumerate(ORG_PLANS):
        org_id = add_org(db, f"Org {index}", plan)
        add_user(db, f"partner{index}", "partner", org_id)
        for k in range(per_org):
            keys = say(desk, f"partner{index}", f"org{index}-chat{k}",
                       f"Our webhook deliveries stopped for number {k}, please check")
            assert keys[0] in {"case.opened", "case.opened_plain"}, keys
    for agent in range(PROCESSES):
        add_user(db, f"agent{agent}", "agent")
    with transaction(db.sessions) as s:
        rows = s.execute(select(Case.id, Case.org_id)).all()
    plans = {org_id: ORG_PLANS[i] for i, org_id in enumerate(sorted({r.org_id for r in rows}))}
    for case_id, org_id in rows:
        found[case_id] = (org_id, plans[org_id])
    assert len(found) == len(ORG_PLANS) * per_org
    return found




def test_200_concurrent_escalation_requests_escalate_each_case_once(
        db: Database, tmp_path: Path) -> None:
    cases = open_cases(db)
    org_ids = sorted({org for org, _ in cases.values()})
    partner = {org_id: f"partner{i}" for i, org_id in enumerate(org_ids)}
    rng = random.Random(7)
    tasks = []
    for case_id, (org_id, _) in cases.items():
        # Each case: its partner and an agent on the partner's behalf, both confirming.
        tasks.append({"kind": "handle", "user": partner[org_id], "chat": f"dm-{org_id}",
                      "text": f"/escalate {case_id} bv", "confirm": True})
        tasks.append({"kind": "handle", "user": f"agent{rng.randrange(PROCESSES)}",
                      "chat": "agents", "text": f"/escalate {case_id} tech", "confirm": True})
    rng.shuffle(tasks)
    assert len(tasks) == 200
    results = run_workers(tmp_path, db.url, ESCALATED, split(tasks, PROCESSES))
    assert errors(results) == []

    registered: Counter[int] = Counter()
    for share_tasks, share in zip(split(tasks, PROCESSES), results, strict=True):
        for task, result in zip(share_tasks, share, strict=True):
            keys = result["keys"]
            case_id = int(task["text"].split()[1])
            assert keys[0] in {"escalation.registered", "escalation.registered_behalf",
                               "escalation.confirm", "escalation.already"}, keys
            if any(k.startswith("escalation.registered") for k in keys):
                registered[case_id] += 1
            else:
                assert "escalation.already" in keys, keys
    assert set(registered) == set(cases)
    assert set(registered.values()) == {1}

    with transaction(db.sessions) as s:
        per_case = Counter(s.scalars(select(Escalation.case_id)).all())
        assert per_case == Counter({case_id: 1 for case_id in cases})
        for org_id in org_ids:
            plan = next(p for o, p in cases.values() if o == org_id)
            expected_pending = sum(1 for o, _ in cases.values() if o == org_id)
            got = service.numbers(s, org_id, "2026-03")
            assert (got.allowance, got.counted, got.pending) == (
                ALLOWANCE[plan], 0, expected_pending)
            # Serialised per organization: exactly the requests beyond the allowance were
            # confirmed as billable, and they are the later ones.
            flags = s.scalars(select(Escalation.billable_confirmed)
                              .where(Escalation.org_id == org_id)
                              .order_by(Escalation.id)).all()
            free = ALLOWANCE[plan]
            assert flags == [False] * free + [True] * (expected_pending - free)
        audits = s.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "escalation.request"))
        assert audits == len(cases)


def test_concurrent_month_close_from_three_processes_bills_once(
        db: Database, tmp_path: Path) -> None:
    cases = open_cases(db, per_org=8)
    org_ids = sorted({org for org, _ in cases.values()})
    desk = desk_at(db, ESCALATED)
    resolved_by_org: Counter[int] = Counter()
    for i, (case_id, (org_id, _)) in enumerate(sorted(cases.items())):
        keys = say(desk, "agent0", "agents", f"/escalate {case_id} bv confirm")
        assert keys[0] == "escalation.registered_behalf", keys
        if i % 3 != 0:  # two thirds are resolved in March, so they count
            assert say(desk_at(db, RESOLVED), "agent1", "agents",
                       f"/resolve {case_id}")[0] == "case.resolved"
            resolved_by_org[org_id] += 1
    tasks = [{"kind": "close_month", "month": "2026-03"} for _ in range(3)]
    results = run_workers(tmp_path, db.url, CLOSING, [tasks] * PROCESSES, threads=3)
    assert errors(results) == []
    reports = [r["report"] for share in results for r in share]
    assert sum(r["closed"] for r in reports) == len(org_ids)
    assert sum(r["lines"] for r in reports) == 3 * len(org_ids)
    assert sum(r["invoices"] for r in reports) == len(org_ids)

    with transaction(db.sessions) as s:
        closes = {c.org_id: c for c in s.scalars(
            select(MonthClose).where(MonthClose.month == "2026-03"))}
        assert set(closes) == set(org_ids)
        lines = s.scalars(select(InvoiceLine).where(InvoiceLine.month == "2026-03")).all()
        by_org: dict[int, dict[str, int]] = defaultdict(dict)
        for line in lines:
            assert line.kind not in by_org[line.org_id], "an invoice line was written twice"
            by_org[line.org_id][line.kind] = line.amount_cents
        for index, org_id in enumerate(org_ids):
            plan = ORG_PLANS[index]
            counted = resolved_by_org[org_id]
            overflow = max(0, counted - ALLOWANCE[plan])
            assert closes[org_id].counted == counted
            assert by_org[org_id] == {"plan_fee": FEE_CENTS[plan],
                                      "escalation_overflow": overflow * OVERFLOW_CENTS,
                                      "escalations": 0}
        invoices = s.scalars(select(Invoice).where(Invoice.month == "2026-03")).all()
        assert sorted(i.org_id for i in invoices) == sorted(org_ids)
        assert all(i.total_cents == sum(by_org[i.org_id].values()) for i in invoices)
        audits = s.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "billing.close_month"))
        assert audits == 1


def test_concurrent_messages_to_one_conversation_open_one_case_and_lose_none(
        db: Database, tmp_path: Path) -> None:
    org_id = add_org(db, "Chatty", "growth")
    add_user(db, "chatty", "partner", org_id)
    count = 60
    texts = [f"Delivery report {i}: template messages are delayed again" for i in range(count)]
    tasks = [{"kind": "handle", "user": "chatty", "chat": "group-1", "text": text,
              "update_id": f"u{i}"} for i, text in enumerate(texts)]
    redelivered = [dict(t) for t in tasks]  # every update arrives twice, at another process
    all_tasks = tasks + redelivered
    random.Random(3).shuffle(all_tasks)
    results = run_workers(tmp_path, db.url, OPENED, split(all_tasks, PROCESSES))
    assert errors(results) == []
    keys = [r["keys"][0] for share in results for r in share]
    answered = Counter(keys)
    assert answered["duplicate"] == count
    assert answered["case.opened"] + answered["case.opened_plain"] == 1
    assert sum(v for k, v in answered.items() if k.startswith("case.added")) == count - 1

    with transaction(db.sessions) as s:
        conversation = s.scalars(select(Conversation)
                                 .where(Conversation.chat_id == "group-1")).one()
        opened = s.scalars(select(Case).where(Case.conversation_id == conversation.id)).all()
        assert len(opened) == 1
        stored = s.scalars(select(CaseMessage.text).where(
            CaseMessage.case_id == opened[0].id, CaseMessage.kind == "partner")).all()
        assert sorted(stored) == sorted(texts)
        assert s.scalar(select(func.count()).select_from(InboundUpdate)) == count


def test_concurrent_take_reply_and_resolve_lose_no_write(db: Database, tmp_path: Path) -> None:
    cases = open_cases(db, per_org=2)
    rng = random.Random(11)
    tasks = []
    for case_id in cases:
        for agent in range(PROCESSES):
            for _ in range(2):
                tasks.append({"kind": "handle", "user": f"agent{agent}", "chat": "agents",
                              "text": f"/take {case_id}"})
            tasks.append({"kind": "handle", "user": f"agent{agent}", "chat": "agents",
                          "text": f"/reply {case_id} answer from agent{agent}"})
        for agent in (0, 1):
            tasks.append({"kind": "handle", "user": f"agent{agent}", "chat": "agents",
                          "text": f"/resolve {case_id} fixed"})
    rng.shuffle(tasks)
    results = run_workers(tmp_path, db.url, OPENED, split(tasks, PROCESSES))
    assert errors(results) == []

    takes: Counter[int] = Counter()
    replies: Counter[int] = Counter()
    resolves: Counter[int] = Counter()
    allowed = {"take": {"case.taken", "case.taken_over", "case.already_yours", "case.not_open"},
               "reply": {"case.reply_sent", "case.not_open"},
               "resolve": {"case.resolved", "case.already_resolved"}}
    for share_tasks, share in zip(split(tasks, PROCESSES), results, strict=True):
        for task, result in zip(share_tasks, share, strict=True):
            verb, number = task["text"].split()[:2]
            key = result["keys"][0]
            assert key in allowed[verb[1:]], (task, key)
            case_id = int(number)
            if key in {"case.taken", "case.taken_over"}:
                takes[case_id] += 1
            elif key == "case.reply_sent":
                replies[case_id] += 1
            elif key == "case.resolved":
                resolves[case_id] += 1
    assert resolves == Counter({case_id: 1 for case_id in cases})

    with transaction(db.sessions) as s:
        for case_id in cases:
            case = s.get(Case, case_id)
            assert case is not None and case.status == "resolved"
            take_audits = s.scalars(select(AuditEntry).where(
                AuditEntry.action == "case.take", AuditEntry.entity_id == str(case_id))
                .order_by(AuditEntry.id)).all()
            assert len(take_audits) == takes[case_id]
            assert s.scalar(select(func.count()).select_from(CaseMessage).where(
                CaseMessage.case_id == case_id, CaseMessage.kind == "reply")) == replies[case_id]
            assert s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "case.resolve",
                AuditEntry.entity_id == str(case_id))) == 1
            if take_audits:  # the last successful take is the one that stayed
                assert f"user:{case.assignee_id}" == take_audits[-1].actor
