"""The month's SLA compliance: shares per plan and severity, worst overdue cases, JSON/CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

import locales
from sla.report import as_csv, as_dict, report, summary_replies, summary_text
from store.db import transaction
from store.models import Case
from tests.sla.helpers import add_org, open_case

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _respond(desk, case_id: int, after: timedelta, *, resolve: bool = False) -> None:
    with transaction(desk.sessions) as s:
        case = s.get(Case, case_id)
        at = case.opened_at + after
        if resolve:
            case.status, case.resolved_at = "resolved", at
        else:
            case.first_response_at = at


@pytest.fixture
def month(desk, clock):
    """March: premium S1 (30 min) x3, growth S3 (24 h) x2, plus cases of other months."""
    prime = add_org(desk, "Prime", "premium")
    grow = add_org(desk, "Grow", "growth")
    ids = {
        "p_fast": open_case(desk, prime, 1, at=T0),
        "p_late": open_case(desk, prime, 1, at=T0 + timedelta(hours=1)),
        "p_never": open_case(desk, prime, 1, at=T0 + timedelta(hours=2)),
        "g_resolved": open_case(desk, grow, 3, at=T0),
        "g_pending": open_case(desk, grow, 3, at=datetime(2026, 3, 31, 23, 0, tzinfo=UTC)),
        "feb": open_case(desk, grow, 1, at=datetime(2026, 2, 28, 23, 0, tzinfo=UTC)),
        "apr": open_case(desk, prime, 1, at=datetime(2026, 4, 1, 0, 0, tzinfo=UTC)),
    }
    _respond(desk, ids["p_fast"], timedelta(minutes=10))
    _respond(desk, ids["p_late"], timedelta(minutes=75))  # 45 min late
    _respond(desk, ids["g_resolved"], timedelta(hours=3), resolve=True)  # resolved, no reply
    return ids


def test_shares_per_plan_and_severity(desk, month):
    now = datetime(2026, 4, 1, 0, 5, tzinfo=UTC)
    with transaction(desk.sessions) as s:
        result = report(s, "2026-03", UTC, now)
    rows = {(r.plan, r.severity): r for r in result.rows}
    assert list(rows) == [("premium", 1), ("growth", 3)]
    p = rows[("premium", 1)]
    assert (p.cases, p.within_target, p.late, p.missed, p.pending) == (3, 1, 1, 1, 0)
    assert p.share_percent == Decimal("33.3") and p.target_minutes == 30
    g = rows[("growth", 3)]
    assert (g.cases, g.within_target, g.late, g.missed, g.pending) == (2, 1, 0, 0, 1)
    assert g.share_percent == Decimal("100.0")
    assert [w.case for w in result.worst] == [month["p_never"], month["p_late"]]
    never = result.worst[0]
    assert never.responded_at is None
    assert never.overdue == now - (T0 + timedelta(hours=2, minutes=30))
    assert result.worst[1].overdue == timedelta(minutes=45)
    total = result.total
    assert (total.cases, total.within_target, total.decided) == (5, 2, 4)


def test_billing_time_zone_decides_the_month(desk, month):
    """In Sao Paulo (UTC-3) the 23:00 UTC case of Feb 28 belongs to February still."""
    now = datetime(2026, 4, 2, tzinfo=UTC)
    with transaction(desk.sessions) as s:
        feb = report(s, "2026-02", ZoneInfo("America/Sao_Paulo"), now)
        mar = report(s, "2026-03", ZoneInfo("Europe/Berlin"), now)
    assert sum(r.cases for r in feb.rows) == 1
    # Berlin: Feb 28 23:00 UTC is March 1 00:00 (in); Mar 31 23:00 UTC is April 1 01:00 (out)
    assert sum(r.cases for r in mar.rows) == 5
    assert {(r.plan, r.severity): r.cases for r in mar.rows} == {
        ("premium", 1): 3, ("growth", 1): 1, ("growth", 3): 1}


def test_json_and_csv(desk, month):
    with transaction(desk.sessions) as s:
        result = report(s, "2026-03", UTC, datetime(2026, 4, 1, 0, 5, tzinfo=UTC))
    doc = as_dict(result)
    assert doc["month"] == "2026-03"
    assert doc["rows"][0]["share_percent"] == "33.3" and doc["rows"][0]["missed"] == 1
    assert doc["total"]["cases"] == 5
    assert doc["worst_overdue"][1]["overdue_minutes"] == 45
    assert doc["worst_overdue"][0]["responded_at"] is None
    rows = list(csv.DictReader(io.StringIO(as_csv(result))))
    assert [(r["plan"], r["severity"], r["share_percent"]) for r in rows] == [
        ("premium", "1", "33.3"), ("growth", "3", "100.0")]


@pytest.mark.parametrize("lang", locales.LANGUAGES)
def test_summary_section_renders_in_every_language(desk, month, lang):
    with transaction(desk.sessions) as s:
        result = report(s, "2026-03", UTC, datetime(2026, 4, 1, 0, 5, tzinfo=UTC))
    replies = summary_replies(result, lang)
    assert [r.key for r in replies] == [
        "sla.summary.title", "sla.summary.row", "sla.summary.row", "sla.summary.worst_title",
        "sla.summary.worst_open", "sla.summary.worst_row"]
    text = summary_text(result, lang)
    assert "{" not in text and f"#{month['p_late']}" in text
    decimal_sign = "," if lang in {"de", "es", "pt-BR", "ru"} else "."
    assert f"33{decimal_sign}3" in text


def test_empty_month(desk):
    with transaction(desk.sessions) as s:
        result = report(s, "2025-12", UTC, T0)
    assert result.rows == [] and result.worst == []
    assert [r.key for r in summary_replies(result, "en")] == ["sla.summary.empty"]
    assert as_dict(result)["total"]["share_percent"] is None


def test_the_monthly_manager_summary_carries_the_sla_section(desk, month):
    from sqlalchemy import select

    from billing.months import BillingMonth
    from escalation.delivery import send_summaries
    from store.models import OutboxMessage
    from tests.sla.helpers import add_staff

    staff = add_staff(desk)  # two managers: English and Russian
    now = datetime(2026, 4, 1, 0, 6, tzinfo=UTC)
    assert send_summaries(desk, BillingMonth(2026, 3), now) == 2
    with transaction(desk.sessions) as s:
        sent = {m.recipient_user_id: m for m in s.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "summary"))}
    english = sent[staff.manager_ids[0]]
    text = locales.render(english.key, english.params, english.language)
    assert "First-response SLA, March 2026" in text
    assert "Premium, severity 1: 33.3% answered within target (1 of 3)" in text
    assert f"#{month['p_never']} Prime (Premium, severity 1): still unanswered" in text
    russian = sent[staff.manager_ids[1]]
    text = locales.render(russian.key, russian.params, "ru")
    assert "SLA первого ответа" in text and "33,3%" in text


def test_summary_on_demand_has_the_sla_section(desk, clock, month):
    from handlers.desk import Desk
    from messages.types import Incoming
    from tests.sla.helpers import add_staff

    staff = add_staff(desk)
    clock.set(datetime(2026, 4, 2, 10, 0, tzinfo=UTC))
    outcome = Desk(desk).handle(Incoming(
        channel="console", user_id=f"manager-{staff.manager_ids[0]}",
        chat_id=f"manager-{staff.manager_ids[0]}", text="/summary 2026-03", update_id="s-1"))
    message = next(r for r in outcome.replies if r.key == "escalation.summary.message")
    text = locales.render(message.key, message.params, outcome.language)
    assert "First-response SLA, March 2026" in text
    # seen on April 2: the case of March 31 23:00 (24 h target) has become overdue meanwhile
    assert "Growth, severity 3: 50% answered within target (1 of 2)" in text
    assert f"#{month['g_pending']} Grow (Growth, severity 3): still unanswered, 11 h 0 min" in text
