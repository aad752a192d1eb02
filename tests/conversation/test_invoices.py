"""/invoices and the onboarding block in chat, through Desk.handle as a channel drives it:
the list with totals and status, the block of a direct-paid organization on /invoices, on the
partner's new case, on the agents' notice and /status, lifted by a payment; roles and refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import locales
from bot.channels.telegram.menu import menu
from desk import invoices
from messages.types import Outcome
from store.db import transaction
from store.models import Invoice, Organization
from tests.conversation.conftest import Harness, Person, World, keys, number_of

TEXT = "Hello, our messages to customers are delayed since this morning, can you check?"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def add_invoice(h: Harness, org_id: int, month: str, total_cents: int, *, paid_cents: int = 0,
                plan_fee: bool = True, currency: str = "EUR", grace_days: int = 0) -> str:
    """An invoice as the month close issues it: the 1st of the next month, due after grace."""
    year, number = int(month[:4]), int(month[5:])
    issued = date(year + number // 12, number % 12 + 1, 1)
    with transaction(h.desk.sessions) as s:
        invoice = Invoice(org_id=org_id, month=month, number=f"INV-{month}-{org_id:04d}",
                          issued_on=issued, due_on=date.fromordinal(issued.toordinal()
                                                                     + grace_days),
                          currency=currency, total_cents=total_cents, paid_cents=paid_cents,
                          has_plan_fee=plan_fee, escalations_processed=0, created_at=CREATED,
                          paid_at=CREATED if paid_cents >= total_cents else None)
        s.add(invoice)
        s.flush()
        return invoice.number


def direct_paid(h: Harness, org_id: int) -> None:
    with transaction(h.desk.sessions) as s:
        org = s.get(Organization, org_id)
        assert org is not None
        org.billing_model = "direct-paid"


def text_of(outcome: Outcome, index: int = 0) -> str:
    reply = outcome.replies[index]
    rendered = locales.render(reply.key, reply.params, outcome.language)
    assert rendered != reply.key and "{" not in rendered, rendered
    return rendered


@pytest.fixture
def blocked(world: World) -> World:
    """Acme Messaging is direct-paid; January is paid, February (500 EUR) overdue since 2 March
    (the desk's clock stands at 10 March 2026)."""
    h = world.h
    direct_paid(h, world.org)
    add_invoice(h, world.org, "2026-01", 52500, paid_cents=52500)
    add_invoice(h, world.org, "2026-02", 50000)
    return world


def test_partner_lists_invoices_with_totals_status_and_the_block(blocked: World) -> None:
    h, w = blocked.h, blocked
    outcome = h.send(w.pat, "/invoices")
    assert keys(outcome) == ["invoices.list"]
    feb, jan = f"INV-2026-02-{w.org:04d}", f"INV-2026-01-{w.org:04d}"
    assert outcome.replies[0].params["numbers"] == [feb, jan]  # newest first
    assert text_of(outcome) == (
        "Invoices of Acme Messaging, newest first:\n"
        f"{feb} · February 2026 · €500.00 · overdue since Mar 2, 2026\n"
        f"{jan} · January 2026 · €525.00 · paid\n"
        f"Onboarding of new clients is blocked until invoice {feb} (February 2026) is paid: it "
        "is overdue since Mar 2, 2026, €500.00 still to pay. Onboarding opens again as soon as "
        "the payment is recorded.\n"
        "Licence and usage invoices go to your clients directly: they find them in the "
        "“Invoices” section of the Client Hub (prepayments under “Funds”).")


@pytest.mark.parametrize(("lang", "words"), [
    ("de", ["500,00\xa0€ · überfällig seit 02.03.2026", "525,00\xa0€ · bezahlt",
            "Das Onboarding neuer Kunden ist gesperrt", "Client Hub unter „Invoices“"]),
    ("pt-BR", ["R$", "vencida desde", "paga", "O onboarding de novos clientes está bloqueado"]),
    ("es", ["vencida desde el", "pagada", "La incorporación de nuevos clientes está bloqueada"]),
    ("ru", ["просрочен с", "оплачен", "Подключение новых клиентов заблокировано"]),
])
def test_the_list_in_every_language(blocked: World, lang: str, words: list[str]) -> None:
    h, w = blocked.h, blocked
    h.send(w.pat, f"/language {lang}")
    outcome = h.send(w.pat, "/invoices")
    assert outcome.language == lang
    text = text_of(outcome)
    for expected in words:
        if expected == "R$":  # pt-BR writes euros as euros: never converted
            assert "R$" not in text and "€" in text
            continue
        assert expected in text, (lang, expected, text)


def test_partner_paid_organizations_see_overdue_invoices_without_a_block(world: World) -> None:
    h, w = world.h, world
    add_invoice(h, w.org, "2026-02", 50000)
    text = text_of(h.send(w.pat, "/invoices"))
    assert "overdue since Mar 2, 2026" in text
    assert "blocked" not in text
    assert text.endswith("Licence and usage invoices are not listed here: you find them in the "
                         "“Invoicing” section of the Partner Hub.")
    opened = h.send(w.pat, TEXT)
    assert keys(opened)[0] in {"case.opened", "case.opened_plain"} and len(opened.replies) == 1


def test_open_and_partly_paid_invoices(world: World) -> None:
    h, w = world.h, world
    add_invoice(h, w.org, "2026-02", 50000, paid_cents=20000, grace_days=14)
    text = text_of(h.send(w.pat, "/invoices"))
    assert f"INV-2026-02-{w.org:04d} · February 2026 · €500.00 (€200.00 paid) · open, due " \
        "Mar 15, 2026" in text


def test_only_the_latest_six_and_dollars_for_a_usd_organization(world: World) -> None:
    h, w = world.h, world
    for month in range(1, 9):
        add_invoice(h, w.other_org, f"2025-{month:02d}", 100000 + month, currency="USD",
                    paid_cents=100000 + month)
    outcome = h.send(w.olga, "/invoices")
    numbers = outcome.replies[0].params["numbers"]
    assert numbers == [f"INV-2025-{m:02d}-{w.other_org:04d}" for m in (8, 7, 6, 5, 4, 3)]
    assert "$1,000.08 · paid" in text_of(outcome)


def test_no_invoices_yet(world: World) -> None:
    outcome = world.h.send(world.pat, "/invoices")
    assert keys(outcome) == ["invoices.none"]
    assert text_of(outcome).startswith("Acme Messaging has no invoices yet: the first one is "
                                       "issued when a month is closed")


def test_opening_a_case_tells_the_partner_and_the_agents(blocked: World) -> None:
    h, w = blocked.h, blocked
    feb = f"INV-2026-02-{w.org:04d}"
    opened = h.send(w.pat, TEXT)
    number = number_of(opened)
    assert keys(opened)[1:] == ["onboarding.blocked_partner"]
    assert text_of(opened, 1) == (
        f"Please note: onboarding of new clients is blocked for Acme Messaging until invoice "
        f"{feb} (February 2026) is paid — it is overdue since Mar 2, 2026, €500.00 still to "
        "pay. Onboarding opens again as soon as the payment is recorded; /invoices lists your "
        "invoices.")
    room = [d for d in h.deliver() if d.chat_id == "agents"]
    assert [d.key for d in room][1:] == ["onboarding.blocked_staff"]
    assert room[0].key.startswith("notice.new_case")
    assert room[1].text == (f"Case #{number} · Acme Messaging: onboarding blocked — invoice "
                            f"{feb} (February 2026) overdue since Mar 2, 2026, €500.00 to pay.")
    # /status: agents and admins see the block; the partner's own /status stays as it was
    status = h.send(w.alex, f"/status {number}")
    assert keys(status) == ["case.status_open", "onboarding.blocked_staff"]
    assert text_of(status, 1) == room[1].text
    assert keys(h.send(w.root, f"/status {number}"))[1:] == ["onboarding.blocked_staff"]
    assert keys(h.send(w.pat, f"/status {number}")) == ["case.status_open"]


def test_a_german_partner_is_told_in_german(blocked: World) -> None:
    h, w = blocked.h, blocked
    h.send(w.pat, "/language de")
    opened = h.send(w.pat, "Hallo, unsere Nachrichten an die Kunden kommen seit heute Morgen "
                           "verspätet an, können Sie das prüfen?")
    assert opened.language == "de"
    assert text_of(opened, 1).startswith(
        "Bitte beachten Sie: Das Onboarding neuer Kunden ist für Acme Messaging gesperrt, bis "
        f"Rechnung INV-2026-02-{w.org:04d} (Februar 2026) bezahlt ist – sie ist seit "
        "02.03.2026 überfällig")


def test_the_payment_lifts_the_block_everywhere(blocked: World) -> None:
    h, w = blocked.h, blocked
    number = number_of(h.send(w.pat, TEXT))
    with transaction(h.desk.sessions) as s:
        invoice = invoices.get_invoice(s, f"inv-2026-02-{w.org:04d}")
        invoices.pay(s, h.desk, invoice, Decimal("500.00"), "transfer", now=h.clock.now(),
                     actor="test")
    assert "blocked" not in text_of(h.send(w.pat, "/invoices"))
    assert keys(h.send(w.alex, f"/status {number}")) == ["case.status_open"]
    again = h.send(w.pat, "/new The template was rejected again, please check.")
    assert len(again.replies) == 1
    room = [d for d in h.deliver() if d.chat_id == "agents"]
    assert [d.key for d in room].count("onboarding.blocked_staff") == 1  # the first case only


def test_an_invoice_without_plan_fee_does_not_block(world: World) -> None:
    h, w = world.h, world
    direct_paid(h, w.org)
    add_invoice(h, w.org, "2026-02", 2500, plan_fee=False)  # overflow only: not a plan invoice
    assert "blocked" not in text_of(h.send(w.pat, "/invoices"))
    assert len(h.send(w.pat, TEXT).replies) == 1


def test_not_yet_overdue_does_not_block(world: World) -> None:
    h, w = world.h, world
    direct_paid(h, w.org)
    add_invoice(h, w.org, "2026-02", 50000, grace_days=30)  # due 31 March
    text = text_of(h.send(w.pat, "/invoices"))
    assert "open, due Mar 31, 2026" in text and "blocked" not in text


def test_staff_name_the_organization(blocked: World) -> None:
    h, w = blocked.h, blocked
    for person in (w.alex, w.root):
        named = h.send(person, "/invoices acme messaging")  # any case, as in the admin CLI
        assert keys(named) == ["invoices.list"]
        assert named.replies[0].params["org"] == "Acme Messaging"
        assert "blocked until invoice" in text_of(named)
        assert keys(h.send(person, "/invoices")) == ["invoices.org_required"]
        assert keys(h.send(person, "/invoices Nobody Ltd")) == ["invoices.unknown_org"]
    with transaction(h.desk.sessions) as s:  # the CLI refuses such a twin; older data has one
        s.add(Organization(name="ACME MESSAGING", currency="EUR", billing_model="partner-paid",
                           created_at=CREATED))
    assert keys(h.send(w.alex, "/invoices Acme Messaging")) == ["invoices.list"]  # exact name
    ambiguous = h.send(w.alex, "/invoices acme messaging")
    assert keys(ambiguous) == ["escalation.ambiguous_org"]
    assert ambiguous.replies[0].params["names"] == "ACME MESSAGING, Acme Messaging"


def test_another_organizations_invoices_are_refused_like_missing_ones(blocked: World) -> None:
    h, w = blocked.h, blocked
    foreign = h.send(w.olga, "/invoices Acme Messaging")
    missing = h.send(w.olga, "/invoices Acme Messagin")
    assert keys(foreign) == keys(missing) == ["invoices.unknown_org"]
    assert set(foreign.replies[0].params) == set(missing.replies[0].params) == {"org"}
    assert text_of(foreign) == "I don't know an organization called “Acme Messaging”."
    # nothing of Acme's invoices leaks into the answer
    assert "INV" not in str(foreign.replies[0].params)
    own = h.send(w.olga, "/invoices other corp")  # their own name, in any case
    assert keys(own) == ["invoices.list"] or keys(own) == ["invoices.none"]
    assert own.replies[0].params["org"] == "Other Corp"


@pytest.mark.parametrize("person", ["morgan", "tina"])
def test_managers_and_tams_may_not(world: World, person: str) -> None:
    who: Person = getattr(world, person)
    assert keys(world.h.send(who, "/invoices Acme Messaging")) == ["error.not_allowed"]


@pytest.mark.parametrize("lang", locales.LANGUAGES)
def test_malformed_arguments_get_a_short_localized_line(world: World, lang: str) -> None:
    h, w = world.h, world
    h.send(w.pat, f"/language {lang}")
    outcome = h.send(w.pat, "/invoices " + "x" * 200)
    assert keys(outcome) == ["error.bad_arguments"]
    text = text_of(outcome)
    assert "/invoices" in text and len(text.splitlines()) == 1 and len(text) < 200
    assert outcome.language == lang


def test_help_and_menus_list_invoices(world: World) -> None:
    h, w = world.h, world
    for person in (w.pat, w.alex, w.root):
        assert "invoices" in h.send(person, "/help").replies[0].params["names"]
    assert "invoices" not in h.send(w.morgan, "/help").replies[0].params["names"]
    for lang in locales.LANGUAGES:
        commands = {c.command: c.description for c in menu("partner", lang)}
        assert "invoices" in commands and commands["invoices"].strip()
        assert not commands["invoices"].startswith("/invoices")
