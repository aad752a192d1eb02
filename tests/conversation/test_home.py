"""The dashboard (handlers.home) per role, built from what the conversation did: a partner's
cases, plan, escalations and unpaid invoices; the agents' queue with time left and Take
buttons; the manager's month so far; caps with 'and N more'; the reader's language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers import home
from handlers.home_sections import Dashboard, Section
from tests.conversation.conftest import Harness, Person, World, number_of
from tests.conversation.test_invoices import add_invoice, direct_paid

OUTAGE = "Hello, the API is down for all our customers, no message goes out since this morning."
QUESTION = "Hello, how can we change the display name of one of our numbers? Thanks a lot."


def board(h: Harness, who: Person, hint: str | None = None) -> Dashboard:
    return home.dashboard(h.desk, who.channel, who.external_id, hint)


def section(dashboard: Dashboard, title_start: str) -> Section:
    found = [s for s in dashboard.sections if s.title.startswith(title_start)]
    assert len(found) == 1, [s.title for s in dashboard.sections]
    return found[0]


def lines(s: Section) -> list[str]:
    return [line.text for line in s.lines]


def open_case(h: Harness, who: Person, text: str = OUTAGE) -> int:
    return number_of(h.send(who, text))


def test_partner_sees_open_cases_plan_escalations_and_no_invoices(world: World) -> None:
    h, w = world.h, world
    first = open_case(h, w.pat)
    h.send(w.alex, f"/take {first}")
    second = open_case(h, w.pat, "/new " + QUESTION)
    resolved = open_case(h, w.pat, "/new " + QUESTION)
    h.send(w.alex, f"/resolve {resolved}")
    h.send(w.pat, f"/escalate {first} tech")
    theirs = open_case(h, w.olga)  # another organization's case is never shown

    board_ = board(h, w.pat)
    assert board_.role == "partner" and board_.language == "en"
    assert board_.title == "Support desk · Acme Messaging"
    assert [s.title for s in board_.sections] == [
        "Open cases of Acme Messaging", "Plan", "Escalations this month", "Unpaid invoices"]
    cases = lines(section(board_, "Open cases"))
    assert len(cases) == 2
    assert cases[0].startswith(f"#{second} · severity 3 · ")
    assert cases[0].endswith("waiting for an agent")
    assert cases[1].startswith(f"#{first} · severity 1 · ") and cases[1].endswith("with Alex")
    assert "opened Mar 10, 2026, 9:00\u202fAM UTC" in cases[1]
    text = board_.text()
    assert f"#{resolved} " not in text and f"#{theirs} " not in text
    assert lines(section(board_, "Plan")) == [
        "March 2026: Growth, €500.00 per month; escalations included: 2; each further one: "
        "€25.00.",
        "Next month (April 2026): Growth, no change."]
    assert lines(section(board_, "Escalations")) == [
        "Escalations in March 2026 — included: 2; counted: 0; pending (not resolved yet): 1; "
        "free left now: 2.",
        "If all pending requests are resolved this month — free escalations left: 1; billed: "
        "none."]
    assert lines(section(board_, "Unpaid")) == ["No unpaid invoices."]
    assert board_.buttons() == []  # a partner's home acts on nothing


def test_partner_sees_unpaid_invoices_with_totals_and_the_onboarding_block(world: World) -> None:
    h, w = world.h, world
    direct_paid(h, w.org)
    add_invoice(h, w.org, "2026-01", 52500, paid_cents=52500)  # paid: not shown
    add_invoice(h, w.org, "2026-02", 50000, paid_cents=10000)  # overdue since 2 March
    board_ = board(h, w.pat)
    assert board_.sections[0].title == "Onboarding of new clients is blocked"
    feb = f"INV-2026-02-{w.org:04d}"
    assert lines(board_.sections[0])[0].startswith(
        f"Onboarding of new clients is blocked until invoice {feb} (February 2026) is paid")
    assert lines(section(board_, "Unpaid")) == [
        "To pay in total: €400.00; of it overdue: €400.00",
        f"{feb} (February 2026): €400.00 to pay, overdue since Mar 2, 2026"]


def test_open_invoice_not_yet_due_counts_as_unpaid_not_overdue(world: World) -> None:
    h, w = world.h, world
    add_invoice(h, w.org, "2026-02", 50000, grace_days=30)  # due 31 March
    board_ = board(h, w.pat)
    assert board_.sections[0].title == "Open cases of Acme Messaging"  # no block
    assert lines(section(board_, "Unpaid")) == [
        "To pay in total: €500.00; of it overdue: €0.00",
        f"INV-2026-02-{w.org:04d} (February 2026): €500.00 to pay, open, due Mar 31, 2026"]


def test_agent_sees_the_queue_with_time_left_and_take_buttons(world: World) -> None:
    h, w = world.h, world
    minor = open_case(h, w.pat, QUESTION)
    critical = open_case(h, w.olga, OUTAGE)
    mine = open_case(h, w.pat, "/new " + QUESTION)
    h.send(w.alex, f"/take {mine}")
    h.send(w.bea, f"/take {minor}")
    h.clock.advance(timedelta(hours=2))

    board_ = board(h, w.alex)
    assert board_.title == "Support desk · Alex" and board_.role == "agent"
    assert [s.title for s in board_.sections] == ["Queue · open cases: 3"]
    queue = section(board_, "Queue").lines
    assert [line.text.split(" · ")[0] for line in queue] == [
        f"#{critical}", f"#{minor}", f"#{mine}"]  # severity first, then age
    assert queue[0].text.startswith(f"#{critical} · S1 · Other Corp (Premium) · ")
    assert queue[0].text.endswith("overdue by 1 h 30 min")  # Premium S1: 30 min target
    assert queue[1].text.endswith("with Bea · 22 h left")
    assert " · yours · " in queue[2].text
    assert [line.button.action if line.button else None for line in queue] == [
        f"take:{critical}", None, None]
    assert queue[0].button is not None and queue[0].button.label_key == "button.take"


def test_manager_sees_the_month_so_far_and_an_empty_month_in_one_line(world: World) -> None:
    h, w = world.h, world
    empty = board(h, w.morgan)
    assert [s.title for s in empty.sections] == [
        "March 2026 so far (preliminary: not billed yet)"]
    assert lines(empty.sections[0]) == [
        "March 2026: nothing to summarize — no cases, escalations or satisfaction ratings."]

    first = open_case(h, w.pat)
    h.send(w.pat, f"/escalate {first} tech")
    other = open_case(h, w.olga)
    h.send(w.alex, f"/reply {other} Looking into it now.")
    h.send(w.olga, f"/escalate {other} tech")
    h.send(w.alex, f"/resolve {other} Fixed.")
    board_ = board(h, w.morgan)
    assert board_.role == "manager" and board_.buttons() == []
    month = lines(section(board_, "March 2026 so far"))
    assert month[:2] == [
        "Cases opened: 2",
        "Escalations · counted: 1; pending (not resolved yet): 1; over the allowance: 0"]
    assert any(line.startswith("EUR") or "€" in line for line in month)  # totals per currency
    assert any("$" in line for line in month)
    orgs = lines(section(board_, "Organizations with escalations"))
    assert orgs == [
        "Acme Messaging (Growth) · counted: 0; included: 2; pending: 1; over the allowance: 0",
        "Other Corp (Premium) · counted: 1; included: 5; pending: 0; over the allowance: 0"]


def test_admin_sees_the_queue_and_the_month(world: World) -> None:
    h, w = world.h, world
    number = open_case(h, w.pat)
    board_ = board(h, w.root)
    assert [s.title for s in board_.sections] == [
        "Queue · open cases: 1", "March 2026 so far (preliminary: not billed yet)"]
    assert [b.action for b in board_.buttons()] == [f"take:{number}"]


def test_unknown_and_removed_people_see_why_there_is_nothing(world: World) -> None:
    h = world.h
    stranger = Person(0, "Nobody", "partner", "tg-nobody")
    board_ = board(h, stranger, hint="de-DE")
    assert board_.role is None and board_.language == "de"
    assert [s.title for s in board_.sections] == ["Noch kein Zugang"]
    assert lines(board_.sections[0])[0].startswith("Hallo! Sie haben noch keinen Zugang")


def test_tams_see_their_organization_or_the_cases_they_were_told_of(world: World) -> None:
    h, w = world.h, world
    number = open_case(h, w.pat)
    tina = board(h, w.tina)
    assert [s.title for s in tina.sections] == [
        "Open cases of Acme Messaging", "Plan", "Escalations this month"]  # no invoices
    pool = h.add_person("Pia", "tam", language="en")
    assert lines(board(h, pool).sections[0]) == ["No open escalated case you were told of."]
    h.send(w.pat, f"/escalate {number} tech")  # Growth: the community pool is told
    told = board(h, pool)
    assert [line.startswith(f"#{number} ") for line in lines(told.sections[0])] == [True]


def test_lists_are_capped_with_and_n_more(world: World) -> None:
    h, w = world.h, world
    for i in range(24):
        open_case(h, w.pat, f"/new Question number {i}: how do we change a display name?")
        h.clock.advance(timedelta(seconds=5))  # below the rate limit
    queue = section(board(h, w.alex), "Queue")
    assert len(queue.lines) == 20
    assert queue.more == "… and 4 more open cases (the queue command lists them all)"
    cases = section(board(h, w.pat), "Open cases")
    assert len(cases.lines) == 10 and cases.more == "… and 14 more open cases"


@pytest.mark.parametrize(("lang", "titles"), [
    ("de", ["Offene Fälle von Acme Messaging", "Tarif", "Eskalationen in diesem Monat",
            "Unbezahlte Rechnungen"]),
    ("es", ["Casos abiertos de Acme Messaging", "Plan", "Escalamientos de este mes",
            "Facturas pendientes de pago"]),
    ("pt-BR", ["Casos abertos de Acme Messaging", "Plano", "Escalonamentos deste mês",
               "Faturas não pagas"]),
    ("ru", ["Открытые обращения Acme Messaging", "Тариф", "Эскалации в этом месяце",
            "Неоплаченные счета"]),
])
def test_the_partner_reads_it_in_their_language(world: World, lang: str,
                                                titles: list[str]) -> None:
    h, w = world.h, world
    h.send(w.pat, f"/language {lang}")
    board_ = board(h, w.pat)
    assert board_.language == lang
    assert [s.title for s in board_.sections] == titles
    assert "{" not in board_.text()


def test_queue_signature_changes_with_the_queue_only(world: World) -> None:
    h, w = world.h, world
    before = home.queue_signature(h.desk)
    number = open_case(h, w.pat)
    opened = home.queue_signature(h.desk)
    assert opened != before
    h.send(w.morgan, "/summary")  # reading changes nothing
    assert home.queue_signature(h.desk) == opened
    h.send(w.alex, f"/take {number}")
    assert home.queue_signature(h.desk) != opened
