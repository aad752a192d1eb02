"""Escalation chat commands driven through handlers.desk.Desk, as a channel would."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import locales
from desk.context import DeskContext
from handlers.desk import Desk
from messages.types import Incoming, Outcome
from store.db import transaction
from store.models import Escalation, OutboxAttachment, OutboxMessage, User

from .conftest import World

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
_updates = itertools.count(1)


def say(handler: Desk, who: User, text: str = "", *, channel: str = "console",
        action: str | None = None) -> Outcome:
    external = f"{who.name}-{who.id}"
    return handler.handle(Incoming(channel=channel, user_id=external, chat_id=external,
                                   text=text, update_id=f"esc{next(_updates)}", action=action))


def keys(outcome: Outcome) -> list[str]:
    return [r.key for r in outcome.replies]


def assert_renders(outcome: Outcome) -> None:
    for reply in outcome.replies:
        for lang in locales.LANGUAGES:
            assert locales.render(reply.key, reply.params, lang) != reply.key
            for button in reply.buttons:
                assert locales.text(button.label_key, lang) != button.label_key


def test_partner_picks_category_with_buttons_then_confirms(world: World,
                                                           desk: DeskContext) -> None:
    org = world.org("Chat")
    partner = world.user("tg", "partner", org, channel="telegram", language="es")
    handler = Desk(desk)
    cases = [world.case(org, partner, MARCH, subject="Die Rechnung ist falsch")
             for _ in range(3)]
    asked = say(handler, partner, f"/escalate {cases[0]}", channel="telegram")
    assert keys(asked) == ["escalation.choose"]
    buttons = asked.replies[0].buttons
    assert len(buttons) == 9 and buttons[0].action == f"esc:{cases[0]}:inv"
    assert_renders(asked)
    with transaction(desk.sessions) as s:
        assert s.scalars(select(Escalation)).all() == []
    pressed = say(handler, partner, channel="telegram", action=f"esc:{cases[0]}:bv")
    assert keys(pressed) == ["escalation.registered", "escalation.numbers_pending"]
    assert pressed.replies[1].params["remaining"] == 2
    assert pressed.replies[1].params["pending"] == 1
    assert_renders(pressed)
    say(handler, partner, f"/escalate {cases[1]} tech", channel="telegram")
    warned = say(handler, partner, f"/escalate #{cases[2]} plat", channel="telegram")
    assert keys(warned) == ["escalation.confirm"]
    assert [b.action for b in warned.replies[0].buttons] == [f"esc:{cases[2]}:plat:confirm"]
    assert "25,00" in locales.render(warned.replies[0].key, warned.replies[0].params, "es")
    assert_renders(warned)
    confirmed = say(handler, partner, channel="telegram",
                    action=warned.replies[0].buttons[0].action)
    assert keys(confirmed) == ["escalation.registered", "escalation.numbers_pending"]
    again = say(handler, partner, f"/escalate {cases[2]} confirm", channel="telegram")
    assert keys(again) == ["escalation.already", "escalation.numbers_pending"]
    with transaction(desk.sessions) as s:
        rows = s.scalars(select(Escalation).order_by(Escalation.id)).all()
    assert [r.category for r in rows] == [
        "business_verification_appeal", "technical_messaging_issue", "platform_issue"]
    assert [r.billable_confirmed for r in rows] == [False, False, True]


def test_console_without_buttons_infers_the_category(world: World, desk: DeskContext) -> None:
    org = world.org("Console")
    partner = world.user("con", "partner", org)
    case = world.case(org, partner, MARCH, subject="Mensagens não são entregues, erro no webhook")
    outcome = say(Desk(desk), partner, f"/escalate {case}")
    assert keys(outcome) == ["escalation.registered", "escalation.numbers_pending"]
    with transaction(desk.sessions) as s:
        assert s.scalars(select(Escalation.category)).one() == "technical_messaging_issue"


@pytest.mark.parametrize(("text", "key"), [
    ("/escalate", "escalation.usage"),
    ("/escalate abc", "escalation.usage"),
    ("/escalate 1 2 3 4", "escalation.usage"),
    ("/escalate 1 nonsense", "escalation.bad_category"),
    ("/escalate 99999", "escalation.not_found"),
])
def test_bad_input_gets_a_clear_answer(world: World, desk: DeskContext, text: str,
                                       key: str) -> None:
    org = world.org("Bad")
    partner = world.user("bad", "partner", org)
    outcome = say(Desk(desk), partner, text)
    assert keys(outcome) == [key]
    assert_renders(outcome)


def test_other_orgs_case_and_resolved_case(world: World, desk: DeskContext) -> None:
    mine = world.org("MineChat")
    theirs = world.org("TheirsChat")
    partner = world.user("me", "partner", mine)
    stranger = world.user("them", "partner", theirs)
    foreign = world.case(theirs, stranger, MARCH)
    done = world.case(mine, partner, MARCH, status="resolved")
    handler = Desk(desk)
    assert keys(say(handler, partner, f"/escalate {foreign} tech")) == ["escalation.not_found"]
    assert keys(say(handler, partner, f"/escalate {done}")) == ["escalation.not_open"]


def test_agent_escalates_on_behalf(world: World, desk: DeskContext) -> None:
    org = world.org("Behalf Org")
    partner = world.user("bp", "partner", org)
    agent = world.user("agent", "agent")
    case = world.case(org, partner, MARCH)
    outcome = say(Desk(desk), agent, f"/escalate {case} gov")
    assert keys(outcome) == ["escalation.registered_behalf", "escalation.numbers_pending"]
    assert outcome.replies[0].params["org"] == "Behalf Org"
    with transaction(desk.sessions) as s:
        assert s.scalars(select(Escalation.on_behalf)).one() is True


def test_escalations_numbers_for_partner_and_staff(world: World, desk: DeskContext) -> None:
    org = world.org("Numbers Org", plan="premium")
    partner = world.user("np", "partner", org)
    agent = world.user("na", "agent")
    manager = world.user("nm", "manager")
    world.escalation(org, world.case(org, partner, MARCH), partner, MARCH, "2026-03",
                     "2026-03", MARCH)
    handler = Desk(desk)
    own = say(handler, partner, "/escalations")
    assert keys(own) == ["escalation.org_numbers"]
    assert {k: own.replies[0].params[k] for k in ("allowance", "counted", "remaining")} == {
        "allowance": 5, "counted": 1, "remaining": 4}
    assert_renders(own)
    named = say(handler, agent, "/escalations numbers org")
    assert named.replies[0].params["org"] == "Numbers Org"  # any case
    assert keys(say(handler, manager, "/escalations Numbers Org")) == ["escalation.org_numbers"]
    assert keys(say(handler, agent, "/escalations")) == ["escalation.org_required"]
    assert keys(say(handler, agent, "/escalations Nope")) == ["escalation.unknown_org"]
    # names are matched in any case, as in the admin CLI; two that differ only by case are
    # named back rather than guessed
    world.org("NUMBERS ORG")
    assert keys(say(handler, agent, "/escalations Numbers Org")) == ["escalation.org_numbers"]
    ambiguous = say(handler, agent, "/escalations numbers org")
    assert keys(ambiguous) == ["escalation.ambiguous_org"]
    assert ambiguous.replies[0].params["names"] == "NUMBERS ORG, Numbers Org"
    assert_renders(ambiguous)


def test_summary_on_demand_for_managers_only(world: World, desk: DeskContext) -> None:
    org = world.org("Sum Org")
    partner = world.user("sp", "partner", org)
    manager = world.user("sm", "manager", channel="slack", language="de")
    world.escalation(org, world.case(org, partner, MARCH), partner, MARCH, "2026-03",
                     "2026-03", MARCH)
    world.escalation(org, world.case(org, partner, MARCH), partner, MARCH, "2026-03")
    handler = Desk(desk)
    # March has not ended (the clock stands at 10 March): the unresolved one is pending
    outcome = say(handler, manager, "/summary 2026-03", channel="slack")
    assert keys(outcome) == ["escalation.summary.message_so_far",
                             "escalation.summary.files_coming"]
    assert outcome.replies[0].params["counted"] == 1
    assert outcome.replies[0].params["pending"] == 1
    german = locales.render(outcome.replies[0].key, outcome.replies[0].params, "de")
    assert "bisher (der Monat ist noch nicht zu Ende)" in german
    assert "Ausstehend (noch nicht gelöst): 1." in german and "verfallen" not in german
    assert_renders(outcome)
    with transaction(desk.sessions) as s:
        message = s.scalars(select(OutboxMessage).where(
            OutboxMessage.key == "escalation.summary.files")).one()
        assert message.recipient_user_id == manager.id and message.language == "de"
        assert len(s.scalars(select(OutboxAttachment).where(
            OutboxAttachment.outbox_id == message.id)).all()) == 2
    ended = say(handler, manager, "/summary 2026-02", channel="slack")
    assert keys(ended) == ["summary.nothing"]  # nothing happened in February: one line
    assert locales.render(ended.replies[0].key, ended.replies[0].params, "de").startswith(
        "Februar 2026: nichts zusammenzufassen")
    assert keys(say(handler, manager, "/summary March", channel="slack")) == [
        "escalation.summary.bad_month"]
    assert keys(say(handler, manager, "/summary 2027-01", channel="slack")) == [
        "escalation.summary.future"]
    assert keys(say(handler, partner, "/summary")) == ["error.not_allowed"]


@pytest.mark.parametrize(("lang", "text", "line"), [
    ("en", "/escalate", "plat — Platform issue"),
    ("de", "/escalate 1 unsinn", "plat – "),
    ("es", "/escalate 1 tonterias", "plat — "),
    ("pt-BR", "/escalate", "plat — "),
    ("ru", "/escalate", "plat — "),
])
def test_the_category_list_names_each_code_in_the_readers_language(
        world: World, desk: DeskContext, lang: str, text: str, line: str) -> None:
    org = world.org(f"Names {lang}")
    partner = world.user(f"names-{lang}", "partner", org, language=lang)
    outcome = say(Desk(desk), partner, text)
    assert outcome.language == lang
    rendered = locales.render(outcome.replies[0].key, outcome.replies[0].params, lang)
    listed = rendered.split("\n")[1:]
    assert len(listed) == 9
    dash = line.split()[1]
    for code, row in zip(("bv", "pv", "oba", "gov", "meta", "inv", "tech", "plat", "oth"),
                         listed, strict=True):
        assert row == f"{code} {dash} " + locales.text(f"escalation.category.{code}", lang)
    assert line in rendered
