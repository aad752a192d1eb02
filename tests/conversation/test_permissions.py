"""The permission rules, one by one: unknown users, other organizations, roles, /help."""

from __future__ import annotations

from store.models import (
    AuditEntry,
    Case,
    CaseMessage,
    Conversation,
    Identity,
    InboundUpdate,
    OutboxMessage,
    User,
)
from tests.conversation.conftest import Person, World, keys, number_of

TEXT = "Hello, our messages to customers are delayed since this morning, can you check?"
AGENT_COMMANDS = ["queue", "take", "reply", "note", "severity", "resolve", "reopen"]


def test_unknown_user_gets_explanation_and_nothing_is_stored(world: World) -> None:
    h = world.h
    before = {m: h.count(m) for m in (User, Identity, Case, CaseMessage, Conversation,
                                      OutboxMessage, AuditEntry)}
    stranger = Person(0, "Stranger", "partner", "tg-stranger")
    outcome = h.send(stranger, "Hola, los mensajes a nuestros clientes llegan con retraso "
                               "desde esta mañana, ¿pueden revisarlo?")
    assert keys(outcome) == ["error.no_access"]
    assert outcome.language == "es"  # answered in their language, though nothing is kept
    assert keys(h.send(stranger, "/help")) == ["error.no_access"]
    assert keys(h.send(stranger, action="take:1")) == ["error.no_access"]
    assert {m: h.count(m) for m in before} == before
    assert h.count(InboundUpdate) == 3  # only the de-duplication keys
    assert h.deliver() == []


def test_removed_user_is_unknown(world: World) -> None:
    h = world.h
    from desk import users
    from store.db import transaction

    with transaction(h.desk.sessions) as s:
        users.remove_user(s, s.get(User, world.pat.id), now=h.clock.now())
    assert keys(h.send(world.pat, TEXT)) == ["error.no_access"]


def test_partner_of_another_org_sees_no_case(world: World) -> None:
    h = world.h
    number = number_of(h.send(world.pat, TEXT))
    foreign = h.send(world.olga, f"/status {number}")
    missing = h.send(world.olga, "/status 99999")
    assert keys(foreign) == keys(missing) == ["error.case_not_found"]
    assert foreign.replies[0].params == {"number": number}
    assert set(missing.replies[0].params) == {"number"}
    own = h.send(world.pat, f"/status #{number}")
    assert keys(own) == ["case.status_open"]
    cases = h.send(world.olga, "/cases")
    assert keys(cases) == ["cases.none"]
    listed = h.send(world.pat, "/cases")
    assert keys(listed) == ["cases.list"] and listed.replies[0].params["numbers"] == [number]


def test_partner_cannot_use_agent_commands(world: World) -> None:
    h = world.h
    number = number_of(h.send(world.pat, TEXT))
    for name in AGENT_COMMANDS:
        outcome = h.send(world.pat, f"/{name} {number} text")
        assert keys(outcome) == ["error.not_allowed"], name
    assert keys(h.send(world.pat, action=f"res:{number}")) == ["error.not_allowed"]
    case = h.case(number)
    assert case.status == "open" and case.assignee_id is None and case.severity_source == "auto"


def test_agent_and_admin_may_use_agent_commands_others_not(world: World) -> None:
    h = world.h
    number = number_of(h.send(world.pat, TEXT))
    assert keys(h.send(world.alex, "/queue")) == ["queue.list"]
    assert keys(h.send(world.root, "/queue")) == ["queue.list"]
    for staff in (world.morgan, world.tina):
        assert keys(h.send(staff, "/queue")) == ["error.not_allowed"]
        assert keys(h.send(staff, f"/take {number}")) == ["error.not_allowed"]
    assert keys(h.send(world.alex, "/new something")) == ["error.not_allowed"]


def test_tam_sees_own_org_cases_only(world: World) -> None:
    h = world.h
    mine = number_of(h.send(world.pat, TEXT))
    theirs = number_of(h.send(world.olga, TEXT))
    assert keys(h.send(world.tina, f"/status {mine}")) == ["case.status_open"]
    assert keys(h.send(world.tina, f"/status {theirs}")) == ["error.case_not_found"]
    assert h.send(world.tina, "/cases").replies[0].params["numbers"] == [mine]
    assert keys(h.send(world.alex, f"/status {theirs}")) == ["case.status_open"]


def test_help_lists_only_allowed_commands(world: World) -> None:
    h = world.h

    def names(person: Person) -> list[str]:
        outcome = h.send(person, "/help")
        assert keys(outcome) == ["help.list"]
        return outcome.replies[0].params["names"]

    partner = names(world.pat)
    assert {"help", "new", "cases", "status", "language"} <= set(partner)
    assert not set(AGENT_COMMANDS) & set(partner)
    agent = names(world.alex)
    assert set(AGENT_COMMANDS) <= set(agent) and "new" not in agent and "cases" not in agent
    assert set(AGENT_COMMANDS) <= set(names(world.root))
    manager = names(world.morgan)
    assert not set(AGENT_COMMANDS) & set(manager) and "help" in manager
    text = h.send(world.pat, "/help")
    from locales import render

    rendered = render("help.list", text.replies[0].params, text.language)
    assert "/new" in rendered and "/queue" not in rendered


def test_unknown_command_and_bad_arguments(world: World) -> None:
    h = world.h
    assert keys(h.send(world.pat, "/frobnicate")) == ["error.unknown_command"]
    assert keys(h.send(world.pat, "/status")) == ["error.bad_arguments"]
    assert keys(h.send(world.pat, "/status abc")) == ["error.bad_arguments"]
    assert keys(h.send(world.alex, "/reply 5")) == ["error.bad_arguments"]
    assert keys(h.send(world.alex, "/severity 5 7")) == ["error.bad_arguments"]
    assert keys(h.send(world.pat, "/new")) == ["error.bad_arguments"]
    assert h.count(Case) == 0


def test_staff_plain_text_gets_a_hint(world: World) -> None:
    h = world.h
    assert keys(h.send(world.alex, "hello there, what should I do")) == ["hint.use_reply"]
    assert keys(h.send(world.morgan, "hello there")) == ["hint.use_help"]
    # in a group (e.g. the agents' room) staff chatter is left alone
    assert keys(h.send(world.alex, "coffee?", chat_id="agents", private=False)) == []
    assert h.count(Case) == 0


def test_bot_name_suffix_and_language_command(world: World) -> None:
    h = world.h
    assert keys(h.send(world.pat, "/help@SupportDeskBot")) == ["help.list"]
    assert keys(h.send(world.pat, "/start")) == ["help.list"]
    changed = h.send(world.pat, "/language pt_BR")
    assert keys(changed) == ["language.set"] and changed.language == "pt-BR"
    assert h.user(world.pat).language == "pt-BR"
    assert h.send(world.pat, TEXT).language == "pt-BR"  # explicit choice sticks
    assert keys(h.send(world.pat, "/language klingon")) == ["language.unknown"]
