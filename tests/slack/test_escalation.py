"""Escalations from Slack: category buttons, the billable warning and its confirmation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import locales
from bot.channels.slack.render import escape
from store.models import Case, Escalation
from tests.slack.conftest import PEOPLE
from tests.slack.harness import AGENTS, SlackDesk, button, buttons, dm_channel, prefix, wait_until

pytestmark = pytest.mark.e2e

CASES = {
    "de": (PEOPLE.hans, ["Die Vorlagen werden seit gestern abgelehnt.",
                         "Unser Business-Verifizierung wurde abgelehnt, bitte helfen.",
                         "Die Rechnung dieses Monats stimmt nicht mit dem Guthaben überein."]),
    "es": (PEOPLE.lucia, ["Las plantillas se rechazan desde ayer.",
                          "Rechazaron la verificación de nuestro negocio, necesitamos ayuda.",
                          "La factura de este mes no coincide con el saldo de la cuenta."]),
}


def open_case(slack: SlackDesk, partner: str, lang: str, text: str) -> int:
    before = set(slack.scalar_all(select(Case.id)))
    answer = slack.command(partner, f"new {text}")
    slack.wait_response(answer, prefix("case.opened", lang))
    new = wait_until(lambda: set(slack.scalar_all(select(Case.id))) - before, "the new case")
    return new.pop()


def escalate_with_button(slack: SlackDesk, partner: str, lang: str, case_id: int) -> str:
    """/support escalate N, then the suggested category's button; returns the press's name."""
    asked = slack.command(partner, f"escalate {case_id}")
    choose = slack.wait_response(asked, prefix("escalation.choose", lang))
    categories = buttons(choose)
    assert len(categories) == 9 and all(b["value"].startswith(f"esc:{case_id}:")
                                        for b in categories)
    return slack.press(partner, choose, button(choose, f"esc:{case_id}:"),
                       channel=dm_channel(partner))


@pytest.mark.parametrize("lang", ["de", "es"])
def test_confirmed_billable_escalation(slack: SlackDesk, lang: str) -> None:
    partner, texts = CASES[lang]
    first, second, third = (open_case(slack, partner, lang, t) for t in texts)
    # Growth includes two escalations a month: the first two register at once.
    for case_id in (first, second):
        pressed = escalate_with_button(slack, partner, lang, case_id)
        slack.wait_response(pressed, prefix("escalation.registered", lang))
    assert slack.count(Escalation) == 2
    # The third would be charged: the partner is warned and nothing is registered yet.
    pressed = escalate_with_button(slack, partner, lang, third)
    warning = slack.wait_response(pressed, prefix("escalation.confirm", lang))
    assert slack.count(Escalation, Escalation.case_id == third) == 0
    confirm = button(warning, f"esc:{third}:")
    assert confirm["value"].endswith(":confirm")
    assert [b.get("style") for b in buttons(warning)] == ["danger"]
    confirmed = slack.press(partner, warning, confirm, channel=dm_channel(partner))
    slack.wait_response(confirmed, prefix("escalation.registered", lang))
    row = slack.scalar(select(Escalation).where(Escalation.case_id == third))
    assert row is not None and row.billable_confirmed is True
    # Pressing the confirm button again counts nothing new.
    again = slack.press(partner, warning, confirm, channel=dm_channel(partner))
    slack.wait_response(again, prefix("escalation.already", lang))
    assert slack.count(Escalation) == 3

    # The agent resolves the case this month: the escalation counts for this month.
    resolved = slack.command(PEOPLE.alex, f"resolve {third}", channel=AGENTS)
    slack.wait_response(resolved, prefix("case.resolved", "en"))
    month = datetime.now(UTC).strftime("%Y-%m")
    wait_until(lambda: slack.scalar(select(Escalation.counted_month)
                                    .where(Escalation.case_id == third)) == month,
               "the escalation to count")
    numbers = slack.command(partner, "escalations")
    org = "Müller Messaging GmbH" if lang == "de" else "Mensajes Rápidos SA"
    answer = slack.wait_response(numbers, org)
    assert answer.params["text"].startswith(
        escape(locales.render("escalation.org_numbers_pending", {
            "org": org, "month": locales.month_param(month), "allowance": 2, "counted": 1,
            "pending": 2, "remaining": 1, "outlook": ""}, lang)))
    # both pending ones resolved this month would leave none and bill one
    assert "0" in answer.params["text"].splitlines()[-1]
    assert "1 ×" in answer.params["text"].splitlines()[-1]
