"""The SLA clock through the real conversation: a partner writes, agents note, re-rate, reply."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

import locales
from handlers.desk import Desk
from messages.types import Incoming
from sla.alerts import run_due_alerts
from sla.display import duration_text, left_or_overdue
from store.db import transaction
from store.models import Case
from tests.sla.helpers import add_org, add_staff, alerts, get_case, messages


class Chat:
    def __init__(self, desk) -> None:
        self.handler = Desk(desk)
        self.n = 0

    def send(self, external_id: str, text: str) -> str:
        self.n += 1
        outcome = self.handler.handle(Incoming(channel="console", user_id=external_id,
                                               chat_id=external_id, text=text,
                                               update_id=f"sla-{self.n}"))
        return "\n".join(locales.render(r.key, r.params, outcome.language)
                         for r in outcome.replies)


def _newest_case(desk) -> int:
    with transaction(desk.sessions) as s:
        return s.scalar(select(func.max(Case.id)))


def _queue_line(chat: Chat, agent: str, case_id: int) -> str:
    listing = chat.send(agent, "/queue")
    return next(line for line in listing.splitlines() if line.startswith(f"#{case_id} "))


def test_note_severity_and_reply_through_the_desk(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    chat = Chat(desk)
    partner, agent = f"partner-{org.partner_id}", f"agent-{staff.agent_id}"
    opened = clock.now()
    chat.send(partner, "Our WhatsApp API is down for all our customers, nothing is delivered")
    case_id = _newest_case(desk)
    case = get_case(desk, case_id)
    assert case.opened_at == opened
    first_target = case.sla_due_at - opened
    assert first_target == {1: timedelta(minutes=30), 2: timedelta(hours=2),
                            3: timedelta(hours=8)}[case.severity]

    clock.advance(minutes=10)
    chat.send(agent, f"/note {case_id} checking the gateway logs")  # internal: clock runs on
    assert get_case(desk, case_id).first_response_at is None
    expected = left_or_overdue(first_target - timedelta(minutes=10), "en")
    assert expected.endswith(" left")
    assert _queue_line(chat, agent, case_id).endswith(expected)

    chat.send(agent, f"/take {case_id}")
    assert get_case(desk, case_id).first_response_at is None  # taking is not answering
    chat.send(agent, f"/severity {case_id} 1")  # recomputed from the opening: 30 min
    assert get_case(desk, case_id).sla_due_at == opened + timedelta(minutes=30)
    clock.set(opened + timedelta(minutes=25))
    assert run_due_alerts(desk) == 1
    assert alerts(desk) == [(case_id, "reminder")]

    chat.send(agent, f"/severity {case_id} 3")  # an agent lowers it: 8 h from the opening
    assert get_case(desk, case_id).sla_due_at == opened + timedelta(hours=8)
    clock.set(opened + timedelta(hours=1))
    assert run_due_alerts(desk) == 0
    assert _queue_line(chat, agent, case_id).endswith("7 h left")

    clock.set(opened + timedelta(hours=8, minutes=5))
    assert _queue_line(chat, agent, case_id).endswith("overdue by 5 min")
    chat.send(agent, f"/reply {case_id} we are on it")
    assert get_case(desk, case_id).first_response_at == clock.now()
    assert not _queue_line(chat, agent, case_id).endswith("overdue by 5 min")
    assert run_due_alerts(desk) == 0  # answered before the job saw the breach
    assert alerts(desk) == [(case_id, "reminder")]
    assert [m.key for m in messages(desk, case_id) if m.key.startswith("sla.")] == [
        "sla.reminder", "sla.reminder"]  # the agents' room and the agent who took it


def test_queue_puts_overdue_cases_of_the_same_severity_first(desk, clock):
    staff = add_staff(desk)
    premium = add_org(desk, "Prime", "premium")
    growth = add_org(desk, "Grow", "growth")
    chat = Chat(desk)
    agent = f"agent-{staff.agent_id}"
    text = "Our WhatsApp API is down for all our customers, nothing is delivered"
    chat.send(f"partner-{growth.partner_id}", text)  # #1: growth
    chat.send(agent, "/severity 1 2")  # growth S2: 4 h
    clock.advance(minutes=200)
    chat.send(f"partner-{premium.partner_id}", text)  # #2: premium
    chat.send(agent, "/severity 2 2")  # premium S2: 2 h
    clock.advance(minutes=50)  # growth: 10 min overdue; premium: 1 h 10 min left
    lines = chat.send(agent, "/queue").splitlines()[1:]
    # same severity: the overdue growth case goes before the premium one
    assert [line.split(" ")[0] for line in lines] == ["#1", "#2"]
    assert lines[0].endswith("overdue by 10 min") and lines[1].endswith("1 h 10 min left")
    for number in (1, 2):
        chat.send(agent, f"/reply {number} hello")
    # answered: the plan priority decides again (Premium first), no time shown
    lines = chat.send(agent, "/queue").splitlines()[1:]
    assert [line.split(" ")[0] for line in lines] == ["#2", "#1"]
    assert not any("left" in line or "overdue" in line for line in lines)


def test_room_reminder_of_an_untaken_case_has_a_take_button_that_works(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "premium")
    chat = Chat(desk)
    chat.send(f"partner-{org.partner_id}",
              "Our WhatsApp API is down for all our customers, nothing is delivered")
    case_id = _newest_case(desk)
    clock.set(get_case(desk, case_id).sla_reminder_at)
    assert run_due_alerts(desk) == 1
    room = next(m for m in messages(desk, case_id) if m.chat_id == "agents")
    assert [(b["label_key"], b["action"]) for b in room.buttons] == [
        ("button.take", f"take:{case_id}")]
    agent = f"agent-{staff.agent_id}"
    chat.handler.handle(Incoming(channel="console", user_id=agent, chat_id="agents",
                                 action=room.buttons[0]["action"], update_id="press-1",
                                 is_private=False))
    assert get_case(desk, case_id).assignee_id == staff.agent_id


def test_reminder_of_a_taken_case_has_no_button(desk, clock):
    staff = add_staff(desk)
    org = add_org(desk, "Acme", "growth")
    chat = Chat(desk)
    chat.send(f"partner-{org.partner_id}", "The dashboard is slow but it works")
    case_id = _newest_case(desk)
    chat.send(f"agent-{staff.agent_id}", f"/take {case_id}")
    clock.set(get_case(desk, case_id).sla_reminder_at)
    assert run_due_alerts(desk) == 1
    assert all(m.buttons == [] for m in messages(desk, case_id))


def test_without_any_target_configured_the_desk_promises_24_hours(desk, clock):
    """One fallback: the most lenient configured target, else DOMAIN.md's 24 hours; the
    partner is told the same target the clock runs on."""
    from store.models import SlaTarget

    with transaction(desk.sessions) as s:
        s.execute(SlaTarget.__table__.delete())
    add_staff(desk)
    org = add_org(desk, "Acme", "growth")
    chat = Chat(desk)
    answer = chat.send(f"partner-{org.partner_id}", "How do we add a second phone number?")
    case = get_case(desk, _newest_case(desk))
    assert case.sla_due_at - case.opened_at == timedelta(hours=24)
    assert duration_text(timedelta(hours=24), "en") in answer
