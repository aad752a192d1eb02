"""The summary's service quality: first-response compliance and satisfaction per organization
and per agent, in the text, JSON, CSV, agents CSV and chat; preliminary until the month closes."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import locales
from billing.months import BillingMonth
from desk.context import DeskContext
from escalation import summary as summaries
from escalation.delivery import send_summaries, summary_reply
from escalation.month_close import close_month
from handlers.desk import Desk
from sla import report as sla_report
from store.db import transaction
from store.models import Case, OutboxAttachment, OutboxMessage, SatisfactionRating, User

from .conftest import World
from .test_commands import keys, say

UTC_TZ = ZoneInfo("UTC")
MARCH = BillingMonth(2026, 3)
OPENED = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 1, 0, 6, tzinfo=UTC)  # March has ended, not closed yet
TARGET = timedelta(hours=1)


def plain(text: str) -> str:
    """Babel's no-break and narrow no-break spaces as plain ones, to compare with."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _case(world: World, org: int, partner: User, *, answered_after: timedelta | None = None,
          resolved: bool = False, opened: datetime = OPENED) -> int:
    """A case of March with a one-hour first-response target."""
    number = world.case(org, partner, opened)
    with transaction(world.sessions) as s:
        case = s.get(Case, number)
        assert case is not None
        case.sla_due_at = opened + TARGET
        if answered_after is not None:
            case.first_response_at = opened + answered_after
        if resolved:
            case.status, case.resolved_at = "resolved", opened + timedelta(hours=3)
    return number


def _rating(world: World, case: int, org: int, agent: User, score: int | None,
            round_: int = 0) -> None:
    asked = OPENED + timedelta(days=1, hours=round_)
    with transaction(world.sessions) as s:
        s.add(SatisfactionRating(case_id=case, round=round_, org_id=org, agent_id=agent.id,
                                 asked_at=asked, rating=score,
                                 rated_at=asked + timedelta(minutes=5) if score else None))


def _march(world: World) -> dict[str, int]:
    """Euro Org: within, late, missed, resolved without a response (share 1 of 3), ratings 5
    (after a 2 on the first round) and 2 of 3 asked. Dollar Org: two within and one pending
    at APRIL (share 2 of 2), a 3 of 1 asked. Ana resolved 5, 3 and an unrated case; Bo a 2."""
    eur = world.org("Euro Org")
    usd = world.org("Dollar Org", plan="premium", currency="USD")
    p = world.user("p", "partner", eur)
    q = world.user("q", "partner", usd)
    ana = world.user("Ana", "agent")
    bo = world.user("Bo", "agent")
    c1 = _case(world, eur, p, answered_after=timedelta(minutes=30))
    c2 = _case(world, eur, p, answered_after=timedelta(hours=2))
    _case(world, eur, p)  # unanswered, past due at APRIL: missed
    c4 = _case(world, eur, p, resolved=True)  # a bare resolution: left out of the share
    c5 = _case(world, usd, q, answered_after=timedelta(minutes=10))
    _case(world, usd, q, answered_after=timedelta(minutes=59))
    _case(world, usd, q, opened=datetime(2026, 3, 31, 23, 50, tzinfo=UTC))  # due after APRIL
    world.escalation(eur, c1, p, OPENED, "2026-03", "2026-03", OPENED)
    _rating(world, c1, eur, ana, 2, round_=0)
    _rating(world, c1, eur, ana, 5, round_=1)  # reopened and re-rated: the latest counts
    _rating(world, c2, eur, bo, 2)
    _rating(world, c4, eur, ana, None)  # asked, never answered
    _rating(world, c5, usd, ana, 3)
    return {"eur": eur, "usd": usd, "ana": ana.id, "bo": bo.id}


def test_compliance_and_satisfaction_in_json(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    ids = _march(world)
    with transaction(sessions) as s:
        built = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
        sla = sla_report.report(s, MARCH, UTC_TZ, APRIL)
    doc = json.loads(summaries.to_json(built))
    orgs = {o["org"]: o for o in doc["organizations"]}
    assert orgs["Euro Org"]["first_response"] == {
        "within_target": 1, "late": 1, "missed": 1, "pending": 0,
        "resolved_without_response": 1, "decided": 3, "share_percent": "33.3"}
    assert orgs["Dollar Org"]["first_response"]["share_percent"] == "100.0"
    assert orgs["Dollar Org"]["first_response"]["pending"] == 1
    assert orgs["Euro Org"]["satisfaction"] == {
        "average": "3.50", "ratings": 2, "asked": 3, "response_rate_percent": "66.7"}
    assert orgs["Dollar Org"]["satisfaction"] == {
        "average": "3.00", "ratings": 1, "asked": 1, "response_rate_percent": "100.0"}
    assert doc["first_response"]["share_percent"] == "60.0"
    assert (doc["first_response"]["within_target"], doc["first_response"]["decided"]) == (3, 5)
    # one rule with the SLA report: the same cases, the same share
    assert (sla.total.within_target, sla.total.decided) == (3, 5)
    assert doc["satisfaction"] == {"average": "3.33", "ratings": 3, "asked": 4,
                                   "response_rate_percent": "75.0"}
    assert [(a["agent_id"], a["agent"], a["average"], a["ratings"], a["asked"],
             a["response_rate_percent"]) for a in doc["satisfaction_by_agent"]] == [
        (ids["ana"], "Ana", "4.00", 2, 3, "66.7"), (ids["bo"], "Bo", "2.00", 1, 1, "100.0")]
    assert (doc["closed"], doc["preliminary"]) == (False, True)


def test_compliance_and_satisfaction_in_csv_and_text(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    _march(world)
    with transaction(sessions) as s:
        built = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
    rows = {r["organization"]: r for r in csv.DictReader(io.StringIO(summaries.to_csv(built)))}
    euro = rows["Euro Org"]
    assert (euro["first_response_within_target"], euro["first_response_decided"],
            euro["first_response_share_percent"]) == ("1", "3", "33.3")
    assert (euro["satisfaction_average"], euro["satisfaction_ratings"],
            euro["satisfaction_asked"], euro["satisfaction_response_rate_percent"]) == (
        "3.50", "2", "3", "66.7")
    assert rows["Dollar Org"]["satisfaction_average"] == "3.00"
    agents = list(csv.DictReader(io.StringIO(summaries.agents_csv(built))))
    assert [(a["agent"], a["satisfaction_average"], a["satisfaction_ratings"],
             a["satisfaction_asked"], a["satisfaction_response_rate_percent"])
            for a in agents] == [("Ana", "4.00", "2", "3", "66.7"),
                                 ("Bo", "2.00", "1", "1", "100.0")]
    text = summaries.to_text(built)
    assert "Preliminary: the month is not closed yet; nothing of it is billed." in text
    assert ("First response within target: 60.0% (3 of 5 within target; 1 pending, "
            "1 resolved without a response)") in text
    assert "Satisfaction: 3.33 average from 3 ratings, 75.0% of 4 asked" in text
    assert "  Ana                      4.00 average from 2 ratings, 66.7% of 3 asked" in text
    assert "  Bo                       2.00 average from 1 rating, 100.0% of 1 asked" in text
    euro_row = next(line for line in text.splitlines() if line.startswith("Euro Org"))
    assert euro_row.split()[-3:] == ["33.3%", "3.50", "2/3"]


def test_a_month_without_ratings_or_cases(world: World, sessions) -> None:  # type: ignore[no-untyped-def]
    world.org("Quiet Org")
    with transaction(sessions) as s:
        built = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
    assert built.is_empty
    doc = json.loads(summaries.to_json(built))
    assert doc["first_response"]["share_percent"] is None
    assert doc["satisfaction"] == {"average": None, "ratings": 0, "asked": 0,
                                   "response_rate_percent": None}
    row = next(csv.DictReader(io.StringIO(summaries.to_csv(built))))
    assert (row["first_response_share_percent"], row["satisfaction_average"]) == ("", "")
    text = summaries.to_text(built)
    assert "First response within target: no cases with a target" in text
    assert "Satisfaction: nobody was asked" in text


@pytest.mark.parametrize(("lang", "answered", "rated", "agents", "preliminary"), [
    ("en", "First response within target: 60% of 5 cases.",
     "Satisfaction: 3.33 out of 5 from 3 ratings; 75% of those asked answered.",
     "Satisfaction per agent, average (ratings): Ana 4.00 (2), Bo 2.00 (1)",
     "Preliminary: March 2026 is not closed yet, so nothing of it has been billed."),
    ("de", "Erste Antwort innerhalb der Zielzeit: 60 % von 5 Fällen.",
     "Zufriedenheit: 3,33 von 5 aus 3 Bewertungen; 75 % der Befragten haben geantwortet.",
     "Ana 4,00 (2), Bo 2,00 (1)", "Vorläufig: März 2026 ist noch nicht abgeschlossen"),
    ("es", "Primera respuesta dentro del plazo: 60 % de 5 casos.",
     "Satisfacción: 3,33 de 5 con 3 valoraciones; respondió el 75 % de los consultados.",
     "Ana 4,00 (2)", "Provisional: marzo de 2026 aún no está cerrado"),
    ("pt-BR", "Primeira resposta dentro da meta: 60% de 5 casos.",
     "Satisfação: 3,33 de 5 em 3 avaliações; 75% dos consultados responderam.",
     "Ana 4,00 (2)", "Preliminar: março de 2026 ainda não foi fechado"),
    ("ru", "Первый ответ в срок: 60 % из 5 обращений.",
     "Удовлетворённость: 3,33 из 5 по 3 оценкам; ответили 75 % опрошенных.",
     "Ana 4,00 (2)", "Предварительно: март 2026 г. ещё не закрыт"),
])
def test_the_chat_summary_in_each_language(world: World, sessions, lang: str, answered: str,  # type: ignore[no-untyped-def]
                                           rated: str, agents: str, preliminary: str) -> None:
    _march(world)
    with transaction(sessions) as s:
        built = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
    reply = summary_reply(built, lang)
    text = plain(locales.render(reply.key, reply.params, lang))
    for part in (answered, rated, agents, preliminary):
        assert part in text, f"{part!r} not in {text!r}"
    assert "{" not in text
    close_month(sessions, MARCH, datetime(2026, 4, 1, 0, 5, tzinfo=UTC), UTC_TZ)
    with transaction(sessions) as s:
        closed = summaries.build(s, MARCH, UTC_TZ, now=APRIL)
    assert closed.closed
    reply = summary_reply(closed, lang)
    text = plain(locales.render(reply.key, reply.params, lang))
    assert preliminary not in text and answered in text


@pytest.mark.parametrize(("lang", "n", "words"), [
    ("en", 1, "of 1 case."), ("de", 1, "von 1 Fall."), ("ru", 1, "из 1 обращения."),
    ("ru", 3, "из 3 обращений."), ("ru", 21, "из 21 обращения."), ("es", 1, "de 1 caso."),
    ("pt-BR", 1, "de 1 caso."), ("pt-BR", 2, "de 2 casos."),
])
def test_the_compliance_line_reads_right_for_every_count(lang: str, n: int, words: str) -> None:
    text = plain(locales.render("summary.first_response",
                                {"share": locales.percent_param(1), "decided": n}, lang))
    assert text.endswith(words)


@pytest.mark.parametrize(("lang", "n", "words"), [
    ("en", 1, "from 1 rating;"), ("de", 1, "aus 1 Bewertung;"), ("ru", 1, "по 1 оценке;"),
    ("ru", 2, "по 2 оценкам;"), ("es", 1, "con 1 valoración;"), ("pt-BR", 1, "em 1 avaliação;"),
])
def test_the_satisfaction_line_reads_right_for_every_count(lang: str, n: int, words: str) -> None:
    text = locales.render("summary.satisfaction", {"average": "4", "ratings": n,
                                                    "rate": locales.percent_param(1)}, lang)
    assert words in text


def test_managers_get_the_chart_in_their_language_and_the_agents_csv(  # type: ignore[no-untyped-def]
        world: World, desk: DeskContext) -> None:
    _march(world)
    world.user("boss", "manager", channel="telegram", language="pt-BR")
    world.user("chief", "manager", channel="slack", language="ru")
    world.user("head", "manager", channel="slack", language="ru")
    assert send_summaries(desk, MARCH, APRIL) == 3
    with transaction(desk.sessions) as s:
        messages = s.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "summary").order_by(OutboxMessage.id)).all()
        files = [{a.filename: a for a in s.scalars(select(OutboxAttachment).where(
            OutboxAttachment.outbox_id == m.id))} for m in messages]
        assert sorted(files[0]) == ["escalations-2026-03.csv", "escalations-2026-03.png",
                                    "satisfaction-agents-2026-03.csv"]
        charts = [f["escalations-2026-03.png"].data for f in files]
        assert charts[1] == charts[2] and charts[0] != charts[1]  # one chart per language
        assert b"Ana,4.00,2,3,66.7" in files[0]["satisfaction-agents-2026-03.csv"].data


def test_summary_in_chat_names_its_month_and_an_empty_one_in_one_line(  # type: ignore[no-untyped-def]
        world: World, desk: DeskContext) -> None:
    """The clock stands at 10 March: /summary shows February; nothing happened in January."""
    org = world.org("Feb Org")
    partner = world.user("fp", "partner", org)
    manager = world.user("fm", "manager", language="es")
    february = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
    world.escalation(org, world.case(org, partner, february), partner, february, "2026-02",
                     "2026-02", february)
    handler = Desk(desk)
    shown = say(handler, manager, "/summary")
    assert keys(shown) == ["escalation.summary.message", "escalation.summary.files_coming"]
    first = locales.render(shown.replies[0].key, shown.replies[0].params, "es").splitlines()[0]
    assert first == "Resumen de escalamientos de febrero de 2026"
    empty = say(handler, manager, "/summary 2026-01")
    assert keys(empty) == ["summary.nothing"]
    line = locales.render(empty.replies[0].key, empty.replies[0].params, "es")
    assert line == ("enero de 2026: nada que resumir — no hay casos, escalamientos ni "
                    "valoraciones de satisfacción.")
    assert "\n" not in line
