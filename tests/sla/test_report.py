"""The month's SLA compliance: shares per plan and severity, worst overdue cases, JSON/CSV;
a closing note is a first response, a bare resolution is counted apart."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import locales
from desk import cases
from sla.report import as_csv, as_dict, report, summary_replies, summary_text
from store.db import transaction
from store.models import Case, User
from tests.sla.helpers import add_org, add_staff, open_case

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _respond(desk, case_id: int, after: timedelta) -> None:
    with transaction(desk.sessions) as s:
        case = s.get(Case, case_id)
        case.first_response_at = case.opened_at + after


def _resolve(desk, case_id: int, after: timedelta, note: str | None) -> datetime:
    """Resolve through the case service, as `/resolve N [note]` does; the resolution time."""
    with transaction(desk.sessions) as s:
        agent = s.scalar(select(User).where(User.role == "agent").order_by(User.id))
        case = s.get(Case, case_id)
        at = case.opened_at + after
        cases.resolve(s, desk, case=case, agent=agent, text=note, now=at)
        return at


def _first_response(desk, case_id: int) -> datetime | None:
    with transaction(desk.sessions) as s:
        return s.get(Case, case_id).first_response_at


@pytest.fixture
def staff(desk):
    """Agents, and two managers: English and Russian."""
    return add_staff(desk)


@pytest.fixture
def month(desk, clock, staff):
    """March: premium S1 (30 min) x3, growth S3 (24 h) x3, plus cases of other months."""
    prime = add_org(desk, "Prime", "premium")
    grow = add_org(desk, "Grow", "growth")
    ids = {
        "p_fast": open_case(desk, prime, 1, at=T0),
        "p_late": open_case(desk, prime, 1, at=T0 + timedelta(hours=1)),
        "p_never": open_case(desk, prime, 1, at=T0 + timedelta(hours=2)),
        "g_noted": open_case(desk, grow, 3, at=T0),
        "g_bare": open_case(desk, grow, 3, at=T0 + timedelta(hours=1)),
        "g_pending": open_case(desk, grow, 3, at=datetime(2026, 3, 31, 23, 0, tzinfo=UTC)),
        "feb": open_case(desk, grow, 1, at=datetime(2026, 2, 28, 23, 0, tzinfo=UTC)),
        "apr": open_case(desk, prime, 1, at=datetime(2026, 4, 1, 0, 0, tzinfo=UTC)),
    }
    _respond(desk, ids["p_fast"], timedelta(minutes=10))
    _respond(desk, ids["p_late"], timedelta(minutes=75))  # 45 min late
    _resolve(desk, ids["g_noted"], timedelta(hours=3), "Fixed: the certificate had expired.")
    _resolve(desk, ids["g_bare"], timedelta(hours=2), None)  # no reply, no closing note
    return ids


def test_a_closing_note_is_the_first_response_and_a_bare_resolution_is_none(desk, month):
    assert _first_response(desk, month["g_noted"]) == T0 + timedelta(hours=3)
    assert _first_response(desk, month["g_bare"]) is None


def test_an_earlier_reply_stays_the_first_response_when_resolved_with_a_note(desk, month):
    _resolve(desk, month["p_late"], timedelta(hours=5), "Done.")
    assert _first_response(desk, month["p_late"]) == T0 + timedelta(hours=1, minutes=75)


def test_a_note_after_a_bare_resolution_and_a_reopening_is_the_first_response(desk, month):
    case_id = month["g_bare"]
    with transaction(desk.sessions) as s:
        agent = s.scalar(select(User).where(User.role == "agent"))
        cases.reopen(s, case=s.get(Case, case_id), agent=agent, now=T0 + timedelta(hours=4))
    at = _resolve(desk, case_id, timedelta(hours=5), "Answered by mail meanwhile.")
    assert _first_response(desk, case_id) == at


def test_shares_per_plan_and_severity(desk, month):
    now = datetime(2026, 4, 1, 0, 5, tzinfo=UTC)
    with transaction(desk.sessions) as s:
        result = report(s, "2026-03", UTC, now)
    rows = {(r.plan, r.severity): r for r in result.rows}
    assert list(rows) == [("premium", 1), ("growth", 3)]
    p = rows[("premium", 1)]
    assert (p.cases, p.within_target, p.late, p.missed, p.pending) == (3, 1, 1, 1, 0)
    assert p.share_percent == Decimal("33.3") and p.target_minutes == 30
    assert p.resolved_without_response == 0
    g = rows[("growth", 3)]
    assert (g.cases, g.within_target, g.late, g.missed, g.pending) == (3, 1, 0, 0, 1)
    assert g.resolved_without_response == 1  # the bare resolution: neither within nor missed
    assert g.share_percent == Decimal("100.0") and g.decided == 1
    assert [w.case for w in result.worst] == [month["p_never"], month["p_late"]]
    never = result.worst[0]
    assert never.responded_at is None
    assert never.overdue == now - (T0 + timedelta(hours=2, minutes=30))
    assert result.worst[1].overdue == timedelta(minutes=45)
    total = result.total
    assert (total.cases, total.within_target, total.decided) == (6, 2, 4)
    assert total.resolved_without_response == 1


def test_a_bare_resolution_past_due_is_not_late_and_not_among_the_worst(desk, month):
    _resolve(desk, month["p_never"], timedelta(hours=6), None)
    now = datetime(2026, 4, 1, 0, 5, tzinfo=UTC)
    with transaction(desk.sessions) as s:
        result = report(s, "2026-03", UTC, now)
    p = {(r.plan, r.severity): r for r in result.rows}[("premium", 1)]
    assert (p.within_target, p.late, p.missed, p.resolved_without_response) == (1, 1, 0, 1)
    assert p.share_percent == Decimal("50.0")
    assert [w.case for w in result.worst] == [month["p_late"]]


def test_billing_time_zone_decides_the_month(desk, month):
    """In Sao Paulo (UTC-3) the 23:00 UTC case of Feb 28 belongs to February still."""
    now = datetime(2026, 4, 2, tzinfo=UTC)
    with transaction(desk.sessions) as s:
        feb = report(s, "2026-02", ZoneInfo("America/Sao_Paulo"), now)
        mar = report(s, "2026-03", ZoneInfo("Europe/Berlin"), now)
    assert sum(r.cases for r in feb.rows) == 1
    # Berlin: Feb 28 23:00 UTC is March 1 00:00 (in); Mar 31 23:00 UTC is April 1 01:00 (out)
    assert sum(r.cases for r in mar.rows) == 6
    assert {(r.plan, r.severity): r.cases for r in mar.rows} == {
        ("premium", 1): 3, ("growth", 1): 1, ("growth", 3): 2}


def test_json_and_csv(desk, month):
    with transaction(desk.sessions) as s:
        result = report(s, "2026-03", UTC, datetime(2026, 4, 1, 0, 5, tzinfo=UTC))
    doc = as_dict(result)
    assert doc["month"] == "2026-03"
    assert doc["rows"][0]["share_percent"] == "33.3" and doc["rows"][0]["missed"] == 1
    assert doc["total"]["cases"] == 6 and doc["total"]["resolved_without_response"] == 1
    assert [r["resolved_without_response"] for r in doc["rows"]] == [0, 1]
    assert doc["worst_overdue"][1]["overdue_minutes"] == 45
    assert doc["worst_overdue"][0]["responded_at"] is None
    rows = list(csv.DictReader(io.StringIO(as_csv(result))))
    assert [(r["plan"], r["severity"], r["resolved_without_response"], r["share_percent"])
            for r in rows] == [("premium", "1", "0", "33.3"), ("growth", "3", "1", "100.0")]


@pytest.mark.parametrize("lang", locales.LANGUAGES)
def test_summary_section_renders_in_every_language(desk, month, lang):
    with transaction(desk.sessions) as s:
        result = report(s, "2026-03", UTC, datetime(2026, 4, 1, 0, 5, tzinfo=UTC))
    replies = summary_replies(result, lang)
    assert [r.key for r in replies] == [
        "sla.summary.title", "sla.summary.row", "sla.summary.row",
        "sla.summary.resolved_without_response", "sla.summary.worst_title",
        "sla.summary.worst_open", "sla.summary.worst_row"]
    assert replies[3].params["count"] == 1
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


def test_a_month_of_bare_resolutions_only_still_says_so(desk, clock, staff):
    case_id = open_case(desk, add_org(desk, "Grow", "growth"), 3, at=T0)
    _resolve(desk, case_id, timedelta(minutes=5), None)
    with transaction(desk.sessions) as s:
        result = report(s, "2026-03", UTC, datetime(2026, 4, 1, tzinfo=UTC))
    assert [r.key for r in summary_replies(result, "en")] == [
        "sla.summary.title", "sla.summary.resolved_without_response"]
    assert ("Growth, severity 3: resolved without a response (not in the share): 1"
            in summary_text(result, "en"))


def test_the_monthly_manager_summary_carries_the_sla_section(desk, month, staff):
    from billing.months import BillingMonth
    from escalation.delivery import send_summaries
    from store.models import OutboxMessage

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
    assert "Growth, severity 3: resolved without a response (not in the share): 1" in text
    russian = sent[staff.manager_ids[1]]
    text = locales.render(russian.key, russian.params, "ru")
    assert "SLA первого ответа" in text and "33,3\xa0%" in text


def test_summary_on_demand_has_the_sla_section(desk, clock, month, staff):
    from handlers.desk import Desk
    from messages.types import Incoming

    clock.set(datetime(2026, 4, 2, 10, 0, tzinfo=UTC))
    outcome = Desk(desk).handle(Incoming(
        channel="console", user_id=f"manager-{staff.manager_ids[0]}",
        chat_id=f"manager-{staff.manager_ids[0]}", text="/summary 2026-03", update_id="s-1"))
    message = next(r for r in outcome.replies if r.key == "escalation.summary.message")
    text = locales.render(message.key, message.params, outcome.language)
    assert "First-response SLA, March 2026" in text
    # seen on April 2: the case of March 31 23:00 (24 h target) has become overdue meanwhile
    assert "Growth, severity 3: 50% answered within target (1 of 2)" in text
    assert (f"#{month['g_pending']} Grow (Growth, severity 3): still unanswered, 11 h overdue"
            in text)
