"""Numbers that cannot be misread (issue #13): with pending requests the chat and the CLI say
what is left, and billed, if every pending one is resolved this month."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result

import locales
from bot.cli import cli
from desk.clock import FixedClock
from desk.context import DeskContext
from handlers.desk import Desk
from messages.types import Reply
from store.models import User

from .conftest import World
from .test_commands import assert_renders, keys, say

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def text_of(reply: Reply, lang: str = "en") -> str:
    return locales.render(reply.key, reply.params, lang)


def growth_with_pending(world: World, pending: int, counted: int = 0,
                        name: str = "Pending Org", currency: str = "EUR",
                        language: str = "en") -> tuple[int, User]:
    """A Growth organization (2 free, 25 per further escalation) with escalations this month."""
    org = world.org(name, currency=currency)
    partner = world.user(f"p{name[:3].lower()}", "partner", org, language=language)
    for _ in range(counted):
        world.escalation(org, world.case(org, partner, MARCH), partner, MARCH, "2026-03",
                         "2026-03", MARCH)
    for _ in range(pending):
        world.escalation(org, world.case(org, partner, MARCH), partner, MARCH, "2026-03")
    return org, partner


def test_two_free_three_pending_says_what_is_left_and_billed(world: World,
                                                             desk: DeskContext) -> None:
    """The issue's example: 2 free and 3 pending no longer reads as '2 remaining'."""
    _, partner = growth_with_pending(world, pending=3)
    outcome = say(Desk(desk), partner, "/escalations")
    assert keys(outcome) == ["escalation.org_numbers_pending"]
    text = text_of(outcome.replies[0])
    assert text == (
        "Pending Org, escalations in March 2026 — included: 2; counted: 0; pending (not "
        "resolved yet): 3; free left now: 2.\nIf all pending requests are resolved this month "
        "— free escalations left: 0; billed: 1 × €25.00 = €25.00.")
    assert_renders(outcome)
    _, german = growth_with_pending(world, pending=3, name="Deutsch", language="de")
    reply = say(Desk(desk), german, "/escalations").replies[0]
    assert text_of(reply, "de").endswith(
        "jetzt noch frei: 2.\nFalls alle ausstehenden Anfragen noch in diesem Monat gelöst "
        "werden – dann noch frei: 0; berechnet: 1 × 25,00\xa0€ = 25,00\xa0€.")


@pytest.mark.parametrize(("lang", "words"), [
    ("en", "free escalations left: 1; billed: none."),
    ("es", "gratuitos restantes: 1; facturados: ninguno."),
    ("pt-BR", "gratuitos restantes: 1; cobrados: nenhum."),
    ("ru", "бесплатных останется — 1, к оплате — ничего."),
    ("de", "dann noch frei: 1; berechnet: keine."),
])
def test_pending_within_the_allowance_bills_nothing(world: World, desk: DeskContext, lang: str,
                                                    words: str) -> None:
    _, partner = growth_with_pending(world, pending=1, language=lang)
    outcome = say(Desk(desk), partner, "/escalations")
    assert outcome.language == lang
    assert text_of(outcome.replies[0], lang).endswith(words)


def test_without_pending_it_stays_short(world: World, desk: DeskContext) -> None:
    _, partner = growth_with_pending(world, pending=0, counted=1)
    outcome = say(Desk(desk), partner, "/escalations")
    assert keys(outcome) == ["escalation.org_numbers"]
    text = text_of(outcome.replies[0])
    assert text == ("Pending Org, escalations in March 2026 — included: 2; counted: 1; "
                    "free left: 1.")
    assert "pending" not in text and "If all" not in text
    assert_renders(outcome)


def test_usd_organization_is_told_in_dollars(world: World, desk: DeskContext) -> None:
    _, partner = growth_with_pending(world, pending=2, counted=2, currency="USD")
    outcome = say(Desk(desk), partner, "/escalations")
    assert "billed: 2 × $25.00 = $50.00" in text_of(outcome.replies[0])


def test_the_acknowledgement_tells_the_outlook(world: World, desk: DeskContext) -> None:
    org, partner = growth_with_pending(world, pending=1, counted=1)
    case = world.case(org, partner, MARCH)  # this one will be the third: billable if resolved
    warned = say(Desk(desk), partner, f"/escalate {case} tech")
    assert keys(warned) == ["escalation.confirm"]
    confirmed = say(Desk(desk), partner, f"/escalate {case} tech confirm")
    assert keys(confirmed) == ["escalation.registered", "escalation.numbers_pending"]
    assert text_of(confirmed.replies[1]) == (
        "Escalations in March 2026 — included: 2; counted: 1; pending (not resolved yet): 2; "
        "free left now: 1.\nIf all pending requests are resolved this month — free "
        "escalations left: 0; billed: 1 × €25.00 = €25.00.")
    assert_renders(confirmed)
    again = say(Desk(desk), partner, f"/escalate {case}")
    assert keys(again) == ["escalation.already", "escalation.numbers_pending"]


def test_the_warning_reads_unambiguously(world: World, desk: DeskContext) -> None:
    """'(0 counted, 2 pending, 2 remaining)' was the warning; it now says none is left."""
    org, partner = growth_with_pending(world, pending=2)
    case = world.case(org, partner, MARCH)
    warned = say(Desk(desk), partner, f"/escalate {case} plat")
    assert keys(warned) == ["escalation.confirm"]
    text = text_of(warned.replies[0])
    assert "remaining" not in text
    assert ("includes 2 escalations in March 2026, and all of them are counted or pending "
            "(counted: 0; pending: 2). If all pending requests are resolved this month — "
            "free escalations left: 0; billed: none. If case #") in text
    assert "will cost €25.00" in text
    assert_renders(warned)


def test_the_warning_when_already_over_and_with_nothing_pending(world: World,
                                                                 desk: DeskContext) -> None:
    org, partner = growth_with_pending(world, pending=2, counted=1)
    case = world.case(org, partner, MARCH)
    over = text_of(say(Desk(desk), partner, f"/escalate {case} plat").replies[0])
    assert "(counted: 1; pending: 2). If all pending requests are resolved this month — free " \
        "escalations left: 0; billed: 1 × €25.00 = €25.00. If case #" in over
    other, partner2 = growth_with_pending(world, pending=0, counted=2, name="Used Org")
    case2 = world.case(other, partner2, MARCH)
    used = say(Desk(desk), partner2, f"/escalate {case2} plat")
    assert "(counted: 2; pending: 0). No free escalation is left this month. If case #" \
        in text_of(used.replies[0])
    third, russian = growth_with_pending(world, pending=0, counted=2, name="Rus", language="ru")
    case3 = world.case(third, russian, MARCH)
    warned = say(Desk(desk), russian, f"/escalate {case3} plat").replies[0]
    assert "(засчитано — 2, в работе — 0). Бесплатных эскалаций в этом месяце больше не " \
        "осталось. Если обращение" in text_of(warned, "ru")


def test_every_numbers_text_renders_in_every_language_without_placeholders(
        world: World, desk: DeskContext) -> None:
    _, partner = growth_with_pending(world, pending=3, counted=1)
    replies: list[Reply] = list(say(Desk(desk), partner, "/escalations").replies)
    for reply in replies:
        for lang in locales.LANGUAGES:
            rendered = text_of(reply, lang)
            assert "{" not in rendered and rendered != reply.key, (lang, rendered)


# ---- the CLI ---------------------------------------------------------------------------------

@pytest.fixture
def run(desk: DeskContext):  # type: ignore[no-untyped-def]
    """`supportdesk` with the test desk (its fixed clock at 10 March 2026) as click's obj."""

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), obj=desk, catch_exceptions=False)

    return invoke


def test_cli_json_of_a_month_with_pending_requests(run, world: World) -> None:  # type: ignore[no-untyped-def]
    growth_with_pending(world, pending=3, counted=1, name="Acme Corp", currency="USD")
    result: Result = run("escalations", "--org", "acme corp", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc == {
        "organization": "Acme Corp", "month": "2026-03", "ended": False, "allowance": 2,
        "counted": 1, "pending": 3, "remaining": 1, "overflow": 0,
        "overflow_price": {"amount": "25.00", "currency": "USD"},
        "left_if_pending_resolved": 0, "billable_if_pending_resolved": 2,
        "charge_if_pending_resolved": {"amount": "50.00", "currency": "USD"}}
    text = run("escalations", "--org", "Acme Corp").stdout
    assert text == ("Acme Corp 2026-03: allowance 2, counted 1, pending 3 (not resolved yet), "
                    "remaining now 1, overflow now 0\n  if every pending one is resolved in "
                    "2026-03: remaining 0, billed 2 x 25.00 USD = 50.00 USD\n")


def test_cli_without_pending_is_one_short_line(run, world: World) -> None:  # type: ignore[no-untyped-def]
    growth_with_pending(world, pending=0, counted=3, name="Quiet")
    assert run("escalations", "--org", "Quiet").stdout == (
        "Quiet 2026-03: allowance 2, counted 3, remaining 0, overflow 1\n")


def test_cli_an_ended_month_has_expired_requests_not_pending_ones(
        run, world: World, desk: DeskContext) -> None:  # type: ignore[no-untyped-def]
    org, partner = growth_with_pending(world, pending=2, counted=1, name="Ended")
    resolved_late = world.case(org, partner, MARCH)  # requested in March, resolved in April
    world.escalation(org, resolved_late, partner, MARCH, "2026-03", None,
                     datetime(2026, 4, 2, tzinfo=UTC))
    assert isinstance(desk.clock, FixedClock)
    desk.clock.set(datetime(2026, 4, 3, tzinfo=UTC))
    doc = json.loads(run("escalations", "--org", "Ended", "--month", "2026-03", "--json").stdout)
    assert (doc["ended"], doc["pending"], doc["pending_expired"], doc["counted"]) == (
        True, 0, 3, 1)
    assert "left_if_pending_resolved" not in doc
    text = run("escalations", "--org", "Ended", "--month", "2026-03").stdout
    assert text == ("Ended 2026-03: allowance 2, counted 1, expired unresolved 3, overflow 0 "
                    "(the month has ended)\n")


def test_cli_bad_input_is_one_line(run) -> None:  # type: ignore[no-untyped-def]
    result: Result = run("escalations", "--org", "Nobody", "--month", "2026-3")
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


