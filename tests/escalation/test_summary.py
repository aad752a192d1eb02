"""The monthly summary: figures, medians, per-currency totals, outputs, delivery once."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import locales
from billing.money import Money
from billing.months import BillingMonth
from desk.context import DeskContext
from escalation import summary as summaries
from escalation.chart import render_png
from escalation.delivery import send_summaries, summary_reply
from escalation.month_close import close_month
from store.db import transaction
from store.models import Case, OutboxAttachment, OutboxMessage, SummaryDelivery

from .conftest import World

UTC_TZ = ZoneInfo("UTC")
MARCH = BillingMonth(2026, 3)
APRIL = datetime(2026, 4, 1, 0, 6, tzinfo=UTC)  # March has ended


def _build_month(world: World, sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    eur = world.org("Euro Org")
    usd = world.org("Dollar Org", plan="premium", currency="USD")
    p = world.user("p", "partner", eur)
    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    for i in range(3):  # Euro Org: 3 counted of 2 -> 1 over
        case = world.case(eur, p, at, severity=1 + i % 3)
        world.escalation(eur, case, p, at, "2026-03", "2026-03", at, category="platform_issue")
    expired = world.case(usd, p, at, severity=2)
    world.escalation(usd, expired, p, at, "2026-03", None, None, category="oba_appeal")
    with transaction(sessions) as s:  # response and resolution times of March cases
        for n, case in enumerate(s.scalars(select(Case).order_by(Case.id))):
            case.first_response_at = case.opened_at + timedelta(hours=n + 1)
            if n < 2:
                case.resolved_at = case.opened_at + timedelta(hours=10 * (n + 1))
    return {"eur": eur, "usd": usd}


def test_summary_figures_and_currency_totals(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    ids = _build_month(world, sessions)
    with transaction(sessions) as s:
        live = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
    close_month(sessions, MARCH, datetime(2026, 4, 1, 0, 5, tzinfo=UTC), UTC_TZ)
    with transaction(sessions) as s:
        closed = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
    assert [(o.org, o.counted, o.overflow, o.closed) for o in live.orgs] == [
        ("Dollar Org", 0, 0, False), ("Euro Org", 3, 1, False)]
    by_org = {o.org_id: o for o in closed.orgs}
    eur, usd = by_org[ids["eur"]], by_org[ids["usd"]]
    assert (eur.plan, eur.allowance, eur.counted, eur.overflow, eur.charge_cents) == (
        "Growth", 2, 3, 1, 2500)
    assert (usd.plan, usd.allowance, usd.pending_expired, usd.charge_cents) == (
        "Premium", 5, 1, 0)
    assert eur.closed and usd.closed
    assert closed.by_severity == {1: 1, 2: 2, 3: 1}
    assert closed.by_category == {"plat": 3, "oba": 1}
    assert closed.cases_opened == 4
    assert closed.median_first_response_s == int(2.5 * 3600)
    assert closed.median_resolution_s == 15 * 3600
    assert closed.totals == {"EUR": Money.from_cents(52500, "EUR"),
                             "USD": Money.from_cents(100000, "USD")}


def test_outputs_text_json_csv_png(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    _build_month(world, sessions)
    with transaction(sessions) as s:
        built = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
    text = summaries.to_text(built)
    assert "Euro Org" in text and "Total EUR" in text and "Total USD" in text
    doc = json.loads(summaries.to_json(built))
    assert doc["totals"]["EUR"]["total"] == {"amount": "525.00", "currency": "EUR"}
    assert doc["totals"]["USD"]["overflow_charges"]["amount"] == "0.00"
    rows = list(csv.DictReader(io.StringIO(summaries.to_csv(built))))
    assert [(r["organization"], r["overflow"], r["overflow_charge"], r["total"]) for r in rows] \
        == [("Dollar Org", "0", "0.00", "1000.00"), ("Euro Org", "1", "25.00", "525.00")]
    png = render_png(built)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_managers_get_the_summary_once(world: World, desk: DeskContext) -> None:
    _build_month(world, desk.sessions)
    boss = world.user("boss", "manager", channel="telegram", language="pt-BR")
    other = world.user("chief", "manager", channel="slack", language="ru")
    world.user("noone", "agent")
    close_month(desk.sessions, MARCH, datetime(2026, 4, 1, 0, 5, tzinfo=UTC), UTC_TZ)
    now = datetime(2026, 4, 1, 0, 6, tzinfo=UTC)
    assert send_summaries(desk, MARCH, now) == 2
    assert send_summaries(desk, MARCH, now) == 0
    with transaction(desk.sessions) as s:
        messages = s.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "summary").order_by(OutboxMessage.id)).all()
        assert [(m.recipient_user_id, m.language) for m in messages] == [
            (boss.id, "pt-BR"), (other.id, "ru")]
        files = s.scalars(select(OutboxAttachment.filename).where(
            OutboxAttachment.outbox_id == messages[0].id).order_by(OutboxAttachment.id)).all()
        assert files == ["escalations-2026-03.csv", "escalations-2026-03.png"]
        assert "Mensalidades" in messages[0].params["totals"]
        assert len(s.scalars(select(SummaryDelivery)).all()) == 2


def test_names_and_durations_in_the_readers_language(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    """Category names, not codes; the medians as the language writes a duration, no zero
    part (2.5 h and 15 h here), never '2h 30m' in every language."""
    _build_month(world, sessions)
    with transaction(sessions) as s:
        built = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
    text = summaries.to_text(built)
    assert "By category: OBA appeal: 1, Platform issue: 3" in text
    assert "median first response 2 h 30 min, median resolution 15 h" in text
    doc = json.loads(summaries.to_json(built))
    assert doc["by_category"] == {"oba": 1, "plat": 3}  # the codes stay for machines
    assert doc["by_category_name"] == {"OBA appeal": 1, "Platform issue": 3}
    german = summary_reply(built, "de")
    rendered = locales.render(german.key, german.params, "de")
    assert "Median bis zur ersten Antwort: 2 Std. 30 Min.; Median bis zur Lösung: 15 Std." \
        in rendered
    assert f"{locales.text('escalation.category.plat', 'de')}: 3" in rendered
    assert " plat" not in rendered and "oba:" not in rendered
    russian = summary_reply(built, "ru")
    assert "2 ч 30 мин" in locales.render(russian.key, russian.params, "ru")


# ---- pending while the month runs, expired once it has ended (issue #13) ---------------------

MID_MARCH = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def test_a_month_that_has_not_ended_has_pending_requests_not_expired_ones(
        world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    ids = _build_month(world, sessions)
    with transaction(sessions) as s:
        running = summaries.build(s, MARCH, UTC_TZ, now=MID_MARCH)
        ended = summaries.build(s, MARCH, UTC_TZ, now=APRIL)  # ended, not closed yet
    usd = {o.org_id: o for o in running.orgs}[ids["usd"]]
    assert (running.ended, usd.pending, usd.pending_expired) == (False, 1, 0)
    assert (running.pending, running.expired) == (1, 0)
    usd = {o.org_id: o for o in ended.orgs}[ids["usd"]]
    assert (ended.ended, usd.pending, usd.pending_expired) == (True, 0, 1)
    assert (ended.pending, ended.expired) == (0, 1)

    text = summaries.to_text(running)
    assert text.startswith("Escalation summary 2026-03 so far (the month has not ended; "
                           "pending requests may still count)")
    assert " pend " in text and "expir" not in text
    ended_text = summaries.to_text(ended)
    assert " expir " in ended_text and "pend" not in ended_text and "so far" not in ended_text

    doc = json.loads(summaries.to_json(running))
    assert (doc["ended"], doc["pending"], doc["pending_expired"]) == (False, 1, 0)
    by_org = {o["org"]: o for o in doc["organizations"]}
    assert (by_org["Dollar Org"]["pending"], by_org["Dollar Org"]["pending_expired"]) == (1, 0)
    doc = json.loads(summaries.to_json(ended))
    assert (doc["ended"], doc["pending"], doc["pending_expired"]) == (True, 0, 1)

    rows = {r["organization"]: r for r in csv.DictReader(io.StringIO(summaries.to_csv(running)))}
    assert (rows["Dollar Org"]["pending"], rows["Dollar Org"]["pending_expired"]) == ("1", "0")
    rows = {r["organization"]: r for r in csv.DictReader(io.StringIO(summaries.to_csv(ended)))}
    assert (rows["Dollar Org"]["pending"], rows["Dollar Org"]["pending_expired"]) == ("0", "1")

    from escalation.chart import chart_title

    assert chart_title(running) == ("Escalations in March 2026 so far — preliminary (the month "
                                    "has not ended)")
    assert chart_title(ended) == "Escalations in March 2026 — preliminary (not closed yet)"


@pytest.mark.parametrize(("lang", "pending", "expired"), [
    ("en", "Pending (not resolved yet): 1.", "Expired unresolved: 1."),
    ("de", "Ausstehend (noch nicht gelöst): 1.", "Ungelöst verfallen: 1."),
    ("es", "Pendientes (aún sin resolver): 1.", "Caducados sin resolver: 1."),
    ("pt-BR", "Pendentes (ainda não resolvidos): 1.", "Expirados sem solução: 1."),
    ("ru", "В работе (ещё не решены): 1.", "Истекло без решения: 1."),
])
def test_the_chat_summary_says_pending_before_the_month_ends(
        world: World, sessions, lang: str, pending: str, expired: str) -> None:  # type: ignore[no-untyped-def]
    _build_month(world, sessions)
    with transaction(sessions) as s:
        running = summaries.build(s, MARCH, UTC_TZ, now=MID_MARCH)
        ended = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
    so_far = summary_reply(running, lang)
    text = locales.render(so_far.key, so_far.params, lang)
    assert so_far.key == "escalation.summary.message_so_far"
    assert pending in text and expired not in text and "{" not in text
    final = summary_reply(ended, lang)
    text = locales.render(final.key, final.params, lang)
    assert final.key == "escalation.summary.message"
    assert expired in text and pending not in text and "{" not in text
