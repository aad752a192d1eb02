"""/plan, /upgrade and /tam through Desk.handle as the console drives it, for partners and staff;
and escalation notices to the right TAMs (the dedicated one, or the community pool).

The desk's clock stands at 10 March 2026 (UTC); organizations are onboarded in March."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

import locales
from billing.months import BillingMonth
from desk import orgs, plans, users
from messages.types import Outcome
from store.db import transaction
from store.models import AuditEntry, Escalation, OutboxMessage, User
from tests.conversation.conftest import Harness, Person, World, keys, number_of

TEXT = "Hello, our messages to customers are delayed since this morning, can you check?"
MARCH = BillingMonth(2026, 3)


def text_of(outcome: Outcome, index: int = 0) -> str:
    reply = outcome.replies[index]
    rendered = locales.render(reply.key, reply.params, outcome.language)
    assert rendered != reply.key and "{" not in rendered, rendered
    return rendered


def plain(text: str) -> str:
    """Babel's no-break and narrow no-break spaces as plain spaces, for readable expectations."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def set_fees(h: Harness, org_id: int, month: BillingMonth, amount: str) -> None:
    with transaction(h.desk.sessions) as s:
        org = s.get(orgs.Organization, org_id)
        orgs.set_license_fees(s, org, month, Decimal(amount), now=h.clock.now(), tz=UTC)


def assign(h: Harness, org_id: int, plan: str, month: BillingMonth, reason: str = "admin",
           cycle: str | None = None) -> None:
    with transaction(h.desk.sessions) as s:
        org = s.get(orgs.Organization, org_id)
        plans.assign(s, org, plans.get_plan(s, plan), month, reason, h.clock.now(), tz=UTC,
                     cycle=cycle)


def rows(h: Harness, org_id: int) -> list[tuple[str, str, str, str]]:
    """(month, plan, reason, cycle) of every assignment of the organization."""
    with transaction(h.desk.sessions) as s:
        return [(a.effective_month, p.name, a.reason, a.billing_cycle)
                for a, p in plans.assignments(s, org_id)]


def buttons(outcome: Outcome, index: int = 0) -> list[str]:
    return [b.action for b in outcome.replies[index].buttons]


# --- /plan -----------------------------------------------------------------------------------

def test_partner_sees_plan_benefits_limits_numbers_and_next_month(world: World) -> None:
    h, w = world.h, world
    outcome = h.send(w.pat, "/plan")
    assert keys(outcome) == ["plan_chat.plan"]
    assert text_of(outcome) == (
        "Acme Messaging — plan in March 2026: Growth.\n"
        "Plan fee: €500.00 per month.\n"
        "Free escalations per month: 2; each further escalation: €25.00.\n"
        "Technical Account Manager: the community TAM pool. Support queue: normal. "
        "Beta programmes: on request.\n"
        "Limits — messages: no limit; WhatsApp conversations: no limit; team members: no limit.\n"
        "Escalations in March 2026 — included: 2; counted: 0; free left: 2.\n"
        "Next month (April 2026): Growth, no change.")
    other = text_of(h.send(w.olga, "/plan"))
    assert other.startswith("Other Corp — plan in March 2026: Premium.\nPlan fee: $1,000.00 "
                            "per month.\nFree escalations per month: 5; each further "
                            "escalation: $25.00.\nTechnical Account Manager: dedicated. "
                            "Support queue: priority. Beta programmes: invited.")


def test_next_month_upgrade_from_license_fees_says_why(world: World) -> None:
    h, w = world.h, world
    set_fees(h, w.org, MARCH, "500.00")  # not strictly above: no change
    assert text_of(h.send(w.pat, "/plan")).endswith("Next month (April 2026): Growth, no change.")
    set_fees(h, w.org, MARCH, "500.01")
    assert text_of(h.send(w.pat, "/plan")).endswith(
        "Next month: Premium from April 2026 (€1,000.00 per month): your license fees of "
        "March 2026 were above €500.00.")
    staff = text_of(h.send(w.alex, "/plan acme messaging"))  # any case, as in the CLI
    assert staff.startswith("Acme Messaging — plan in March 2026: Growth.")
    assert staff.endswith("Next month: Premium from April 2026 (€1,000.00 per month): the "
                          "license fees of March 2026 were above €500.00.")
    set_fees(h, w.org, MARCH, "120.00")  # a correction takes the upgrade back
    assert text_of(h.send(w.pat, "/plan")).endswith("Next month (April 2026): Growth, no change.")


def test_late_fees_upgrade_the_running_month_and_it_says_since_when_and_why(
        world: World) -> None:
    h, w = world.h, world
    h.clock.set(datetime(2026, 4, 2, 9, 0, tzinfo=UTC))  # April has begun, March is not closed
    set_fees(h, w.org, MARCH, "730.00")
    text = text_of(h.send(w.pat, "/plan"))
    assert text.startswith("Acme Messaging — plan in April 2026: Premium. Since April 2026: "
                           "your license fees of March 2026 were above €500.00.\n"
                           "Plan fee: €1,000.00 per month.")
    assert "Escalations in April 2026 — included: 5;" in text
    assert text.endswith("Next month (May 2026): Premium, no change.")


def test_an_admins_planned_change_and_a_later_one(world: World) -> None:
    h, w = world.h, world
    assign(h, w.org, "premium", BillingMonth(2026, 4))
    assert text_of(h.send(w.pat, "/plan")).endswith(
        "Next month: Premium from April 2026 (€1,000.00 per month): assigned by your account "
        "team.")
    assign(h, w.org, "growth", BillingMonth(2026, 4))
    assign(h, w.org, "premium", BillingMonth(2026, 6))
    assert text_of(h.send(w.pat, "/plan")).endswith(
        "Next month (April 2026): Growth, no change. Planned: Premium from June 2026 "
        "(€1,000.00 per month): assigned by your account team.")
    assert text_of(h.send(w.root, "/plan Acme Messaging")).endswith(
        "Planned: Premium from June 2026 (€1,000.00 per month): assigned by an admin or agent.")


def test_catalogue_terms_revenue_share_gst_limits_and_a_quarterly_fee(harness: Harness) -> None:
    h = harness
    with transaction(h.desk.sessions) as s:
        plans.add_plan(s, name="share", display_name="Revenue Share", free_escalations=3,
                       overflow_price=Decimal("20"),
                       prices={("quarterly", "EUR"): Decimal("1350")}, now=h.clock.now(),
                       plan_type="revenue-sharing", revenue_share=Decimal("12.5"),
                       gst_rate=Decimal("18"), limit_messages=100000, limit_conversations=2500,
                       limit_team_members=4, queue_priority=2, tam_kind="dedicated",
                       beta_access="invited")
        orgs.create_org(s, name="Quarterly Co", plan_name="share", currency="EUR",
                        billing_model="direct-paid", now=h.clock.now(), tz=UTC,
                        cycle="quarterly")
        org_id = orgs.get_org(s, "Quarterly Co").id
    qa = h.add_person("Quinn", "partner", org_id)
    for lang, lines in {
        "en": ["Quarterly Co — plan in March 2026: Revenue Share.",
               "Plan fee: €1,350.00 per quarter. Revenue share: 12.5%. GST: 18%.",
               "Free escalations per month: 3; each further escalation: €20.00.",
               "Technical Account Manager: dedicated. Support queue: priority. Beta programmes: "
               "invited.",
               "Limits — messages: 100000; WhatsApp conversations: 2500; team members: 4."],
        "de": ["Quarterly Co – Tarif im März 2026: Revenue Share.",
               "Tarifgebühr: 1.350,00 € pro Quartal. Umsatzbeteiligung: 12,5 %. GST: 18 %.",
               "Limits – Nachrichten: 100000; WhatsApp-Konversationen: 2500; Teammitglieder: 4."],
        "ru": ["Quarterly Co — тариф за период март 2026 г.: Revenue Share.",
               "Абонентская плата: 1 350,00 € в квартал. Доля выручки: 12,5 %. GST: 18 %."],
    }.items():
        h.send(qa, f"/language {lang}")
        text = plain(text_of(h.send(qa, "/plan")))
        for line in lines:
            assert line in text.split("\n"), (lang, line, text)


@pytest.mark.parametrize(("lang", "words"), [
    ("de", ["Acme Messaging – Tarif im März 2026: Growth.", "Tarifgebühr: 500,00 € pro Monat.",
            "der Community-TAM-Pool", "Nächster Monat: Premium ab April 2026 (1.000,00 € pro "
            "Monat): Ihre Lizenzgebühren für März 2026 lagen über 500,00 €."]),
    ("es", ["Acme Messaging — plan de marzo de 2026: Growth.", "500,00 € al mes",
            "Próximo mes: Premium desde abril de 2026 (1.000,00 € al mes): sus tarifas de "
            "licencia de marzo de 2026 superaron 500,00 €."]),
    ("pt-BR", ["Acme Messaging — plano em março de 2026: Growth.", "€ 500,00 por mês",
               "sem limite", "Próximo mês: Premium a partir de abril de 2026"]),
    ("ru", ["Acme Messaging — тариф за период март 2026 г.: Growth.", "500,00 € в месяц",
            "без ограничений", "Следующий месяц: Premium начиная с периода апрель 2026 г."]),
])
def test_plan_in_every_language(world: World, lang: str, words: list[str]) -> None:
    h, w = world.h, world
    set_fees(h, w.org, MARCH, "600")
    h.send(w.pat, f"/language {lang}")
    outcome = h.send(w.pat, "/plan")
    assert outcome.language == lang
    text = plain(text_of(outcome))
    for expected in words:
        assert expected in text, (lang, expected, text)


def test_plan_roles_and_refusals(world: World) -> None:
    h, w = world.h, world
    assert keys(h.send(w.pat, "/plan Acme Messaging")) == ["plan_chat.plan"]  # own name
    foreign, missing = h.send(w.pat, "/plan Other Corp"), h.send(w.pat, "/plan Nobody Inc")
    assert keys(foreign) == keys(missing) == ["escalation.unknown_org"]
    assert text_of(foreign) == "I don't know an organization called “Other Corp”."
    assert text_of(h.send(w.alex, "/plan")) == \
        "Which organization? Send /plan ORGANIZATION."
    assert keys(h.send(w.morgan, "/plan Other Corp")) == ["plan_chat.plan"]
    assert keys(h.send(w.tina, "/plan")) == ["plan_chat.plan"]  # the TAM's own organization
    assert keys(h.send(w.tina, "/plan Other Corp")) == ["escalation.unknown_org"]
    too_long = h.send(w.alex, "/plan " + "x" * 200)
    assert keys(too_long) == ["error.bad_arguments"]
    assert "/plan [ORGANIZATION]" in text_of(too_long)


# --- /upgrade --------------------------------------------------------------------------------

def test_partner_upgrades_with_the_button_once_audited_and_the_team_is_told(
        world: World) -> None:
    h, w = world.h, world
    pia = h.add_person("Pia", "partner", w.org, language="de")
    asked = h.send(w.pat, "/upgrade")
    assert keys(asked) == ["plan_chat.upgrade.confirm"]
    assert text_of(asked) == (
        "Upgrade Acme Messaging from Growth to Premium from April 2026? The plan fee will then "
        "be €1,000.00 per month; until then nothing changes. Confirm with the button or send "
        "/upgrade premium confirm.")
    with transaction(h.desk.sessions) as s:
        premium_id = plans.get_plan(s, "premium").id
    data = f"upg:{w.org}:{premium_id}:2026-04"
    assert buttons(asked) == [f"{data}:confirm", f"{data}:cancel"]
    assert rows(h, w.org) == [("2026-03", "growth", "onboarding", "monthly")]  # nothing yet

    done = h.send(w.pat, action=f"{data}:confirm")
    assert text_of(done) == ("Done: Acme Messaging moves to Premium from April 2026. The plan "
                             "fee from then on: €1,000.00 per month.")
    assert rows(h, w.org) == [("2026-03", "growth", "onboarding", "monthly"),
                              ("2026-04", "premium", "partner", "monthly")]
    with transaction(h.desk.sessions) as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "plan.assign")
                          .order_by(AuditEntry.id.desc())).first()
        assert audit is not None and audit.actor == f"user:{w.pat.id}"
        assert audit.details["after"] == {"plan": "premium", "cycle": "monthly",
                                          "reason": "partner"}
        assert audit.details["effective_month"] == "2026-04"
    told = [d for d in h.deliver() if d.key == "plan_chat.upgrade.notice"]
    assert [(d.recipient_user_id, plain(d.text)) for d in told] == [(
        pia.id, "Pat hat Acme Messaging ab April 2026 auf Premium umgestellt. Die Tarifgebühr "
                "ab dann: 1.000,00 € pro Monat.")]

    # A second request, typed or pressed, says it is already planned and changes nothing.
    for again in (h.send(w.pat, "/upgrade"), h.send(w.pat, action=f"{data}:confirm"),
                  h.send(pia, "/upgrade premium confirm")):
        assert keys(again) == ["plan_chat.upgrade.already_planned"]
    assert text_of(h.send(w.pat, "/upgrade")) == (
        "This upgrade is already planned for Acme Messaging: Premium from April 2026 "
        "(€1,000.00 per month): your upgrade request.")
    assert len(rows(h, w.org)) == 2
    assert text_of(h.send(w.pat, "/plan")).endswith(
        "Next month: Premium from April 2026 (€1,000.00 per month): your upgrade request.")


def test_typed_confirmation_and_cancel(world: World) -> None:
    h, w = world.h, world
    with transaction(h.desk.sessions) as s:
        premium_id = plans.get_plan(s, "premium").id
    cancelled = h.send(w.pat, action=f"upg:{w.org}:{premium_id}:2026-04:cancel")
    assert text_of(cancelled) == "Nothing changed: Acme Messaging stays on Growth."
    assert len(rows(h, w.org)) == 1
    done = h.send(w.pat, "/upgrade Premium confirm")
    assert keys(done) == ["plan_chat.upgrade.done"]
    assert rows(h, w.org)[-1] == ("2026-04", "premium", "partner", "monthly")


def test_an_upgrade_already_due_from_license_fees_is_already_planned(world: World) -> None:
    h, w = world.h, world
    set_fees(h, w.org, MARCH, "650")
    assert text_of(h.send(w.pat, "/upgrade")) == (
        "This upgrade is already planned for Acme Messaging: Premium from April 2026 "
        "(€1,000.00 per month): your license fees of March 2026 were above €500.00.")
    assert [r[2] for r in rows(h, w.org)] == ["onboarding", "auto-upgrade"]


def test_a_stale_confirmation_asks_again_for_the_new_month(world: World) -> None:
    h, w = world.h, world
    asked = h.send(w.pat, "/upgrade")
    h.clock.set(datetime(2026, 4, 1, 0, 1, tzinfo=UTC))  # April has begun: May is the next start
    again = h.send(w.pat, action=buttons(asked)[0])
    assert keys(again) == ["plan_chat.upgrade.confirm"]
    assert "from May 2026?" in text_of(again) and buttons(again)[0].endswith(":2026-05:confirm")
    assert len(rows(h, w.org)) == 1  # nothing assigned on a confirmation of another month
    h.send(w.pat, action=buttons(again)[0])
    assert rows(h, w.org)[-1] == ("2026-05", "premium", "partner", "monthly")


def test_agents_and_admins_upgrade_for_the_partner(world: World) -> None:
    h, w = world.h, world
    asked = h.send(w.alex, "/upgrade Acme Messaging")
    assert text_of(asked).endswith("send /upgrade Acme Messaging premium confirm.")
    h.send(w.alex, action=buttons(asked)[0])
    assert rows(h, w.org)[-1] == ("2026-04", "premium", "admin", "monthly")
    told = [d for d in h.deliver() if d.key == "plan_chat.upgrade.notice"]
    assert [d.recipient_user_id for d in told] == [w.pat.id]
    assert told[0].text.startswith("Alex upgraded Acme Messaging to Premium from April 2026.")
    assert text_of(h.send(w.root, "/upgrade acme messaging premium")).startswith(
        "This upgrade is already planned for Acme Messaging: Premium from April 2026 "
        "(€1,000.00 per month): assigned by an admin or agent.")


def test_upgrade_refusals(world: World) -> None:
    h, w = world.h, world
    with transaction(h.desk.sessions) as s:
        now = h.clock.now()
        plans.duplicate_plan(s, "premium", "gold", now=now, fee=Decimal("2000"),
                             display_name="Gold")  # hidden until shown
        plans.add_plan(s, name="usd-only", display_name="Dollar", free_escalations=9,
                       overflow_price=Decimal("25"), prices={("monthly", "USD"): Decimal("3000")},
                       now=now)
        premium_id = plans.get_plan(s, "premium").id
    assert text_of(h.send(w.pat, "/upgrade gold")) == (
        "“gold” is not a plan Acme Messaging can upgrade to. Plans Acme Messaging can upgrade "
        "to: premium (Premium, €1,000.00 per month).")
    assert keys(h.send(w.pat, "/upgrade nosuch")) == ["plan_chat.upgrade.unknown_plan"]
    assert text_of(h.send(w.pat, "/upgrade usd-only")) == (
        "Dollar has no price in EUR for the billing cycle of Acme Messaging (monthly), so Acme "
        "Messaging cannot move to it.")
    assert text_of(h.send(w.pat, "/upgrade growth")) == "Acme Messaging is already on Growth."
    with transaction(h.desk.sessions) as s:  # a disabled plan is offered to nobody
        plans.set_enabled(s, "usd-only", False, now=h.clock.now())
    assert keys(h.send(w.olga, "/upgrade usd-only")) == ["plan_chat.upgrade.unknown_plan"]
    # Premium has no automatic upgrade and no higher visible plan: nothing to upgrade to.
    assert text_of(h.send(w.olga, "/upgrade")) == (
        "Other Corp is on Premium: there is no higher plan to upgrade to.")
    assert text_of(h.send(w.olga, "/upgrade growth")) == (
        "Growth does not cost more than Premium, so it is not an upgrade for Other Corp. Moving "
        "to a lower plan is done by an admin.")
    with transaction(h.desk.sessions) as s:
        plans.hide_plan(s, "gold", hidden=False, now=h.clock.now())
    assert text_of(h.send(w.olga, "/upgrade")) == (
        "Plans Other Corp can upgrade to: gold (Gold, $2,000.00 per month). Send /upgrade PLAN.")
    # Another organization: by name, or its button, answered like one that does not exist.
    assert keys(h.send(w.olga, "/upgrade Acme Messaging premium")) == ["escalation.unknown_org"]
    assert keys(h.send(w.olga, "/upgrade Nobody premium")) == ["escalation.unknown_org"]
    assert keys(h.send(w.olga, action=f"upg:{w.org}:{premium_id}:2026-04:confirm")) == \
        ["escalation.unknown_org"]
    assert keys(h.send(w.olga, action=f"upg:999999:{premium_id}:2026-04:confirm")) == \
        ["escalation.unknown_org"]
    assert keys(h.send(w.pat, action="upg:1:x:2026-04:confirm")) == ["error.bad_arguments"]
    assert keys(h.send(w.pat, action=f"upg:{w.org}:{premium_id}:2026-04")) == \
        ["error.bad_arguments"]
    assert keys(h.send(w.alex, "/upgrade")) == ["plan_chat.org_required"]
    assert keys(h.send(w.alex, "/upgrade premium")) == ["plan_chat.org_required"]
    assert keys(h.send(w.alex, "/upgrade " + "y " * 40)) == ["error.bad_arguments"]
    for role in (w.tina, w.morgan):
        assert keys(h.send(role, "/upgrade Acme Messaging")) == ["error.not_allowed"]
    assert len(rows(h, w.org)) == 1
    assert len(rows(h, w.other_org)) == 1


def test_quarterly_cycle_upgrades_at_the_next_cycle_start_at_the_quarterly_price(
        harness: Harness) -> None:
    h = harness
    with transaction(h.desk.sessions) as s:
        now = h.clock.now()
        quarterly = {("quarterly", "EUR"): Decimal("2700"), ("monthly", "EUR"): Decimal("1000")}
        plans.add_plan(s, name="pro", display_name="Pro", free_escalations=5,
                       overflow_price=Decimal("25"), prices=quarterly, now=now)
        plans.add_plan(s, name="starter", display_name="Starter", free_escalations=2,
                       overflow_price=Decimal("25"), prices={("quarterly", "EUR"): Decimal("1400")},
                       auto_upgrade_above=Decimal("500"), auto_upgrade_to="pro", now=now)
        org = orgs.create_org(s, name="Kwartaal BV", plan_name="starter", currency="EUR",
                              billing_model="partner-paid", now=now, tz=UTC, cycle="quarterly")
        org_id = org.id
    kim = h.add_person("Kim", "partner", org_id)
    asked = h.send(kim, "/upgrade")
    assert text_of(asked) == (
        "Upgrade Kwartaal BV from Starter to Pro from June 2026? The plan fee will then be "
        "€2,700.00 per quarter; until then nothing changes. Confirm with the button or send "
        "/upgrade pro confirm.")
    h.send(kim, action=buttons(asked)[0])
    assert rows(h, org_id) == [("2026-03", "starter", "onboarding", "quarterly"),
                               ("2026-06", "pro", "partner", "quarterly")]
    assert text_of(h.send(kim, "/plan")).endswith(
        "Next month (April 2026): Starter, no change. Planned: Pro from June 2026 (€2,700.00 "
        "per quarter): your upgrade request.")


# --- /tam ------------------------------------------------------------------------------------

def test_tam_names_the_dedicated_tam_or_the_community_pool(world: World) -> None:
    h, w = world.h, world
    assert text_of(h.send(w.pat, "/tam")) == (
        "Acme Messaging (Growth) is served by the community TAM pool. Nobody is in the pool at "
        "the moment, so escalations of Acme Messaging go to the support team.")
    h.add_person("Carla", "tam", language="en")
    h.add_person("Dmitri", "tam", language="ru")
    assert text_of(h.send(w.pat, "/tam")) == (
        "Acme Messaging (Growth) is served by the community TAM pool: Carla, Dmitri. The pool "
        "and the support team are told of every escalation of Acme Messaging.")
    assert text_of(h.send(w.olga, "/tam")) == (
        "Other Corp (Premium) gets a dedicated Technical Account Manager, but none is assigned "
        "yet. Until then escalations of Other Corp go to the support team.")
    h.add_person("Tom", "tam", w.other_org, language="en")
    assert text_of(h.send(w.olga, "/tam")) == (
        "Other Corp (Premium) has a dedicated Technical Account Manager: Tom. They are told of "
        "every escalation of Other Corp.")
    assert keys(h.send(w.alex, "/tam Other Corp")) == ["plan_chat.tam.dedicated"]
    assert keys(h.send(w.tina, "/tam")) == ["plan_chat.tam.pool"]  # her own organization
    assert keys(h.send(w.tina, "/tam Other Corp")) == ["escalation.unknown_org"]
    assert keys(h.send(w.pat, "/tam Other Corp")) == ["escalation.unknown_org"]
    assert keys(h.send(w.morgan, "/tam")) == ["plan_chat.org_required"]
    h.send(w.olga, "/language ru")
    assert text_of(h.send(w.olga, "/tam")).startswith(
        "У Other Corp (Premium) есть персональный технический менеджер аккаунта (TAM): Tom.")


# --- Escalation notices to the right TAMs ----------------------------------------------------

def notices(h: Harness, number: int) -> list[tuple[str, str, int | None]]:
    with transaction(h.desk.sessions) as s:
        return [(m.channel, m.chat_id, m.recipient_user_id) for m in s.scalars(
            select(OutboxMessage).where(OutboxMessage.key == "escalation.notify",
                                        OutboxMessage.case_id == number)
            .order_by(OutboxMessage.id))]


def test_growth_escalations_notify_the_pool_premium_ones_the_dedicated_tam(world: World) -> None:
    h, w = world.h, world
    carla = h.add_person("Carla", "tam", language="en")
    dmitri = h.add_person("Dmitri", "tam", language="ru", channel="slack")
    gone = h.add_person("Gone", "tam")
    with transaction(h.desk.sessions) as s:
        users.remove_user(s, s.get(User, gone.id), now=h.clock.now())
    tom = h.add_person("Tom", "tam", w.other_org, language="en")

    growth_case = number_of(h.send(w.pat, TEXT))
    assert keys(h.send(w.pat, f"/escalate {growth_case} tech"))[0] == "escalation.registered"
    assert notices(h, growth_case) == [
        ("telegram", carla.external_id, carla.id), ("slack", dmitri.external_id, dmitri.id),
        ("console", "agents", None)]
    premium_case = number_of(h.send(w.olga, TEXT))
    h.send(w.olga, f"/escalate {premium_case} tech")
    assert notices(h, premium_case) == [("telegram", tom.external_id, tom.id)]
    delivered = {d.recipient_user_id: d for d in h.deliver() if d.key == "escalation.notify"}
    assert delivered[dmitri.id].language == "ru"
    assert delivered[carla.id].text.startswith(
        f"Escalation: case #{growth_case} of Acme Messaging")

    # A pool TAM sees the escalated case it was told of, not other cases, and not Premium's.
    assert keys(h.send(carla, f"/status {growth_case}")) == ["case.status_open"]
    quiet_case = number_of(h.send(w.pat, "/new Another question about templates"))
    for number in (quiet_case, premium_case):
        refused, missing = h.send(carla, f"/status {number}"), h.send(carla, "/status 99999")
        assert keys(refused) == keys(missing) == ["error.case_not_found"]
    assert keys(h.send(carla, f"/escalate {quiet_case} tech")) == ["escalation.not_found"]
    assert keys(h.send(carla, f"/escalate {growth_case} tech"))[0] == "escalation.already"
    assert keys(h.send(tom, f"/status {premium_case}")) == ["case.status_open"]
    with transaction(h.desk.sessions) as s:
        assert len(s.scalars(select(Escalation)).all()) == 2


def test_a_premium_organization_without_a_reachable_tam_falls_back_to_the_agents_room(
        world: World) -> None:
    h, w = world.h, world
    h.add_person("Carla", "tam", language="en")  # the pool serves Growth, not Premium
    number = number_of(h.send(w.olga, TEXT))
    h.send(w.olga, f"/escalate {number} tech")
    assert notices(h, number) == [("console", "agents", None)]


def test_an_upgraded_month_routes_to_the_dedicated_tam(world: World) -> None:
    h, w = world.h, world
    carla = h.add_person("Carla", "tam", language="en")
    set_fees(h, w.org, MARCH, "900")
    h.clock.set(datetime(2026, 4, 3, 8, 0, tzinfo=UTC))  # April: Acme is on Premium
    number = number_of(h.send(w.pat, TEXT))
    h.send(w.pat, f"/escalate {number} tech")
    assert notices(h, number) == [("telegram", w.tina.external_id, w.tina.id)]
    assert keys(h.send(carla, f"/status {number}")) == ["error.case_not_found"]
    assert text_of(h.send(w.pat, "/tam")).startswith(
        "Acme Messaging (Premium) has a dedicated Technical Account Manager: Tina.")


def test_every_plan_text_exists_in_every_language() -> None:
    english = set(locales.keys("en"))
    ours = {k for k in english if k.startswith("plan_chat.")}
    assert len(ours) > 50
    for lang in locales.LANGUAGES:
        assert ours <= set(locales.keys(lang)), lang


@pytest.mark.parametrize("person", ["pat", "alex", "tina", "morgan", "root"])
def test_help_lists_the_commands_each_role_may_use(world: World, person: str) -> None:
    who: Person = getattr(world, person)
    names = world.h.send(who, "/help").replies[0].params["names"]
    expected = {"pat": {"plan", "upgrade", "tam"}, "alex": {"plan", "upgrade", "tam"},
                "tina": {"plan", "tam"}, "morgan": {"plan", "tam"},
                "root": {"plan", "upgrade", "tam"}}[person]
    assert {"plan", "upgrade", "tam"} & set(names) == expected


def test_two_partners_confirming_at_once_assign_once(world: World) -> None:
    from tests.conversation.test_concurrency import at_once

    h, w = world.h, world
    kim = h.add_person("Kim", "partner", w.org)
    press = buttons(h.send(w.pat, "/upgrade"))[0]
    results = at_once(lambda: h.send(w.pat, action=press),
                      lambda: h.send(kim, "/upgrade premium confirm"))
    assert sorted(k for r in results for k in keys(r)) == [
        "plan_chat.upgrade.already_planned", "plan_chat.upgrade.done"]
    assert rows(h, w.org)[-1] == ("2026-04", "premium", "partner", "monthly")
    with transaction(h.desk.sessions) as s:
        assigned = s.scalars(select(AuditEntry).where(AuditEntry.action == "plan.assign",
                                                      AuditEntry.actor.like("user:%"))).all()
    assert len(assigned) == 1
