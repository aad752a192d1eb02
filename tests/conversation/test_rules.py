"""Case rules through the seam: de-duplication, message hygiene, rate limit, severity, first
response, escalation qualification on resolve, buttons, agents'-room relay, queue order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from desk.context import DeskContext
from handlers import notices
from handlers.desk import Desk
from store.db import transaction
from store.models import AuditEntry, Case, CaseMessage, Escalation, InboundUpdate, OutboxMessage
from tests.conversation.conftest import Harness, World, keys, number_of

TEXT = "Hello, our messages to customers are delayed since this morning, can you check?"
MINOR = "How do I change the webhook URL in the dashboard?"
MAJOR = "Messages are not delivered to some of our customers since an hour"
CRITICAL = "The API is down for all our clients"


def messages(h: Harness, number: int) -> list[CaseMessage]:
    with h.session() as s:
        return list(s.scalars(select(CaseMessage).where(CaseMessage.case_id == number)
                              .order_by(CaseMessage.id)))


def test_same_update_is_processed_once(world: World) -> None:
    h = world.h
    first = h.send(world.pat, TEXT, update_id="777")
    again = h.send(world.pat, TEXT, update_id="777")
    assert not first.duplicate and again.duplicate and again.replies == ()
    assert h.count(Case) == 1 and len(messages(h, number_of(first))) == 1
    # the same id on another channel is a different update
    on_slack = h.add_person("Sam", "partner", world.org, channel="slack")
    assert not h.send(on_slack, TEXT, update_id="777").duplicate
    assert h.count(InboundUpdate) == 2 and h.count(Case) == 2


def test_empty_huge_and_control_character_messages(world: World) -> None:
    h = world.h
    assert keys(h.send(world.pat, "   \n\t ")) == ["error.empty_message"]
    assert keys(h.send(world.pat, "\x00\x07\x1b")) == ["error.empty_message"]
    huge = h.send(world.pat, "a" * 4097)
    assert keys(huge) == ["error.too_long"] and huge.replies[0].params["limit"] == 4096
    assert h.count(Case) == 0
    dirty = "Cafe\u0301 API\x00 is\x1b slow\u202e\r\nsecond\tline"
    number = number_of(h.send(world.pat, dirty))
    assert messages(h, number)[0].text == "Café API is slow\nsecond\tline"
    assert keys(h.send(world.pat, "a" * 4096))[0] == "case.added"


def test_rate_limit_answers_once_then_drops_until_the_window_passes(
    desk: DeskContext, harness: Harness
) -> None:
    org = harness.add_org("Acme Messaging")
    pat = harness.add_person("Pat", "partner", org)
    limited = Harness(DeskContext(sessions=desk.sessions, clock=desk.clock,
                                  agent_rooms=desk.agent_rooms, rate_limit_per_minute=3),
                      harness.clock, Desk(DeskContext(sessions=desk.sessions, clock=desk.clock,
                                                      agent_rooms=desk.agent_rooms,
                                                      rate_limit_per_minute=3)))
    for _ in range(3):
        assert keys(limited.send(pat, TEXT))[0].startswith("case.")
        limited.clock.advance(seconds=1)
    assert keys(limited.send(pat, TEXT)) == ["error.rate_limited"]
    assert keys(limited.send(pat, TEXT)) == []
    assert len(messages(limited, 1)) == 3
    limited.clock.advance(seconds=60)
    assert keys(limited.send(pat, TEXT)) == ["case.added"]


def test_severity_is_only_raised_and_agent_severity_is_final(world: World) -> None:
    h = world.h
    opened = h.send(world.pat, MINOR)
    number = number_of(opened)
    assert h.case(number).severity == 3
    raised = h.send(world.pat, MAJOR)
    assert keys(raised) == ["case.added_raised"] and raised.replies[0].params["severity"] == 2
    assert keys(h.send(world.pat, MINOR)) == ["case.added"]
    assert h.case(number).severity == 2
    h.send(world.pat, CRITICAL)
    assert h.case(number).severity == 1
    reasons = h.case(number).severity_reasons
    assert reasons and all(reason in CRITICAL for reason in reasons)
    notice = [d for d in h.deliver() if d.key == "notice.case_message_raised"]
    assert [(d.params["old"], d.params["severity"]) for d in notice] == [(3, 2), (2, 1)]

    assert keys(h.send(world.alex, f"/severity {number} 3")) == ["case.severity_set"]
    assert keys(h.send(world.pat, CRITICAL)) == ["case.added"]
    case = h.case(number)
    assert (case.severity, case.severity_source) == (3, "agent")
    with h.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id ==
                                                                 str(number))))
    assert actions.count("case.severity_raised") == 2 and "case.severity" in actions


def test_first_response_is_the_first_agent_reply(world: World) -> None:
    h = world.h
    number = number_of(h.send(world.pat, TEXT))
    h.clock.advance(minutes=5)
    h.send(world.alex, f"/note {number} internal only")
    h.send(world.alex, f"/take {number}")
    assert h.case(number).first_response_at is None
    h.clock.advance(minutes=10)
    first = h.clock.now()
    h.send(world.alex, f"/reply {number} We are on it.")
    h.clock.advance(minutes=10)
    h.send(world.bea, f"/reply {number} Still on it.")
    assert h.case(number).first_response_at == first
    notes = [d for d in h.deliver() if d.recipient_user_id == world.pat.id]
    assert "internal only" not in " ".join(d.text for d in notes)
    kinds = [m.kind for m in messages(h, number)]
    assert kinds.count("note") == 1 and kinds.count("reply") == 2


def _escalate(h: Harness, number: int, requested_at: datetime, by: int) -> None:
    with transaction(h.desk.sessions) as s:
        case = s.get(Case, number)
        s.add(Escalation(case_id=number, org_id=case.org_id, category="platform_issue",
                         requested_at=requested_at,
                         requested_month=requested_at.strftime("%Y-%m"),
                         requested_by_id=by))


def _escalation(h: Harness, number: int) -> Escalation:
    with h.session() as s:
        return s.scalars(select(Escalation).where(Escalation.case_id == number)).one()


def test_resolving_in_the_request_month_counts_the_escalation(world: World) -> None:
    h = world.h
    number = number_of(h.send(world.pat, TEXT))
    _escalate(h, number, h.clock.now(), world.pat.id)
    h.clock.advance(days=3)
    h.send(world.alex, f"/resolve {number}")
    escalation = _escalation(h, number)
    assert escalation.resolved_at == h.clock.now() and escalation.counted_month == "2026-03"
    # reopening never uncounts, and resolving again does not count twice or move the month
    h.send(world.alex, f"/reopen {number}")
    h.clock.set(datetime(2026, 4, 2, tzinfo=UTC))
    h.send(world.alex, f"/resolve {number}")
    again = _escalation(h, number)
    assert again.counted_month == "2026-03" and again.resolved_at == escalation.resolved_at


def test_resolving_in_a_later_month_never_counts(world: World) -> None:
    h = world.h
    h.clock.set(datetime(2026, 3, 31, 23, 0, tzinfo=UTC))
    number = number_of(h.send(world.pat, TEXT))
    _escalate(h, number, h.clock.now(), world.alex.id)
    h.clock.advance(hours=2)  # 1 April, 01:00 UTC
    h.send(world.alex, f"/resolve {number}")
    escalation = _escalation(h, number)
    assert escalation.resolved_at == h.clock.now() and escalation.counted_month is None


def test_buttons_and_a_case_that_changed_meanwhile(world: World) -> None:
    h = world.h
    number = number_of(h.send(world.pat, TEXT))
    notice = next(d for d in h.deliver() if d.chat_id == "agents")
    take, resolve, *severities = notice.actions
    assert severities == [f"sev:{number}:{level}" for level in (1, 2, 3)]
    assert keys(h.send(world.alex, action=take)) == ["case.taken"]
    late = h.send(world.bea, action=take)
    assert keys(late) == ["case.already_taken"] and late.replies[0].params["agent"] == "Alex"
    assert h.case(number).assignee_id == world.alex.id
    assert keys(h.send(world.bea, f"/take {number}")) == ["case.taken_over"]
    assert keys(h.send(world.alex, action=resolve)) == ["case.resolved"]
    assert keys(h.send(world.bea, action=resolve)) == ["case.already_resolved"]
    assert keys(h.send(world.bea, action=take)) == ["case.not_open"]
    for bad in ("zzz:1", "take:1:2:3:" + "x" * 70, "take:1;drop", ""):
        assert keys(h.send(world.alex, action=bad)) == ["error.bad_action"], bad


def test_reply_in_the_agents_room_relays_to_the_partner(world: World) -> None:
    h = world.h
    number = number_of(h.send(world.pat, TEXT))
    notice = next(d for d in h.deliver() if d.chat_id == "agents")
    alex_in_room = h.add_person("Cora", "agent", channel="console")  # the room is on console
    outcome = h.send(alex_in_room, "Can you send us a message id?", chat_id="agents",
                     private=False, reply_to=notice.native_id)
    assert keys(outcome) == ["case.reply_sent"] and number_of(outcome) == number
    to_pat = [d for d in h.deliver() if d.recipient_user_id == world.pat.id]
    assert [d.key for d in to_pat] == ["case.agent_reply"]
    assert to_pat[0].params["text"] == "Can you send us a message id?"
    assert h.case(number).first_response_at == h.clock.now()
    # a reply to something that is not a case notice is ordinary room chatter
    assert keys(h.send(alex_in_room, "lunch?", chat_id="agents", private=False,
                       reply_to="n999999")) == []
    # a Slack-style thread under the notice works the same way
    outcome = h.send(alex_in_room, "Thanks!", chat_id="agents", private=False,
                     thread_id=notice.native_id)
    assert keys(outcome) == ["case.reply_sent"]


def test_queue_orders_by_severity_then_plan_then_age(world: World) -> None:
    h = world.h
    growth_old = number_of(h.send(world.pat, MAJOR, chat_id="c1"))
    h.clock.advance(minutes=1)
    premium_new = number_of(h.send(world.olga, MAJOR, chat_id="c2"))
    h.clock.advance(minutes=1)
    minor = number_of(h.send(world.olga, MINOR, chat_id="c3"))
    h.clock.advance(minutes=1)
    critical = number_of(h.send(world.pat, CRITICAL, chat_id="c4"))
    growth_new = number_of(h.send(world.pat, MAJOR, chat_id="c5"))
    queue = h.send(world.alex, "/queue")
    assert queue.replies[0].params["numbers"] == [critical, premium_new, growth_old,
                                                  growth_new, minor]
    h.send(world.alex, f"/resolve {critical}")
    assert critical not in h.send(world.alex, "/queue").replies[0].params["numbers"]


def test_unexpected_error_answers_internal_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = world.h

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("agents' room exploded")

    audit_before = h.count(AuditEntry)
    monkeypatch.setattr(notices, "new_case", broken)
    outcome = h.send(world.pat, TEXT, update_id="boom")
    assert keys(outcome) == ["error.internal"]
    assert h.count(Case) == 0 and h.count(CaseMessage) == 0 and h.count(OutboxMessage) == 0
    assert h.count(InboundUpdate) == 0 and h.count(AuditEntry) == audit_before
    monkeypatch.undo()
    assert keys(h.send(world.pat, TEXT, update_id="boom"))[0].startswith("case.opened")


def test_case_messages_and_audit_for_every_change(world: World) -> None:
    h = world.h
    number = number_of(h.send(world.pat, TEXT))
    for line in (f"/take {number}", f"/reply {number} hi", f"/note {number} n",
                 f"/severity {number} 2", f"/resolve {number} done", f"/reopen {number}"):
        h.send(world.alex, line)
    with h.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "case", AuditEntry.entity_id == str(number))
            .order_by(AuditEntry.id)))
    assert actions == ["case.open", "case.take", "case.reply", "case.note", "case.severity",
                       "case.resolve", "case.reopen"]
    kinds = [m.kind for m in messages(h, number)]
    assert kinds == ["partner", "system", "reply", "note", "system", "system", "system"]
    assert h.case(number).updated_at == h.clock.now()
    assert h.case(number).opened_at <= h.clock.now() - timedelta(0)


def test_first_response_clock_starts_and_follows_severity(world: World) -> None:
    h = world.h
    opened = h.clock.now()
    growth_reply = h.send(world.pat, MINOR)
    premium_reply = h.send(world.olga, MINOR)
    growth, premium = number_of(growth_reply), number_of(premium_reply)
    # the partner is told the case's own first-response target
    assert growth_reply.replies[0].params["target"] == "1 d"
    assert premium_reply.replies[0].params["target"] == "8 h"
    assert h.case(growth).sla_due_at == opened + timedelta(hours=24)
    assert h.case(premium).sla_due_at == opened + timedelta(hours=8)
    h.clock.advance(minutes=10)
    h.send(world.pat, CRITICAL)  # raised to 1: Growth target 1 h, counted from the opening
    assert h.case(growth).sla_due_at == opened + timedelta(hours=1)
    h.send(world.alex, f"/severity {premium} 2")
    assert h.case(premium).sla_due_at == opened + timedelta(hours=2)
    h.send(world.alex, f"/reply {growth} on it")  # the clock stops at the first reply
    h.send(world.alex, f"/severity {growth} 3")
    assert h.case(growth).sla_due_at == opened + timedelta(hours=1)


def test_queue_puts_overdue_cases_first_within_a_severity_and_shows_time_left(
    world: World
) -> None:
    h = world.h
    growth = number_of(h.send(world.pat, MINOR))  # Growth, 24 h target
    h.clock.advance(hours=20)
    premium = number_of(h.send(world.olga, MINOR))  # Premium, 8 h target
    h.clock.advance(hours=5)  # Growth case overdue by 1 h, Premium case has 3 h left
    queue = h.send(world.alex, "/queue")
    assert queue.replies[0].params["numbers"] == [growth, premium]
    lines = queue.replies[0].params["lines"].splitlines()
    assert "overdue by 1 h" in lines[0] and "3 h" in lines[1] and "left" in lines[1]
    h.send(world.alex, f"/reply {growth} hello")  # answered: plan priority decides again
    queue = h.send(world.alex, "/queue")
    assert queue.replies[0].params["numbers"] == [premium, growth]
    assert "overdue" not in queue.replies[0].params["lines"]


def test_language_rules_for_partners_and_staff(world: World) -> None:
    h = world.h
    kim = h.add_person("Kim", "partner", world.org)
    short = h.send(kim, "hi", hint="de_DE")  # too short to judge: the channel's locale hint
    assert short.language == "de" and h.user(kim).language is None
    long = h.send(kim, "Olá, as mensagens para os nossos clientes estão atrasadas desde hoje")
    assert long.language == "pt-BR" and h.user(kim).language == "pt-BR"
    assert h.send(kim, "ok", hint="de").language == "pt-BR"  # remembered beats the hint
    # staff are not guessed from what they write; hint, else the agents' language
    agent = h.add_person("Ana", "agent")
    number = number_of(long)
    reply = h.send(agent, f"/reply {number} Olá, estamos verificando as mensagens atrasadas")
    assert reply.language == "en" and h.user(agent).language is None
    assert h.send(agent, "/queue", hint="es").language == "es"
