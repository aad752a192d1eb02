"""Beta programmes from Slack: /support betas with its interest buttons, the press registering
the organization once, and the announcement a Premium partner gets with its own button."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from desk import betas, orgs, users
from desk.context import DeskContext
from store.db import make_session_factory, transaction
from store.models import BetaInterest, Organization
from tests.slack.conftest import PEOPLE
from tests.slack.harness import SlackDesk, button, buttons, dm_channel, prefix, wait_until

pytestmark = pytest.mark.e2e

PREMIUM_PARTNER = "U0ROSA"  # partner of a Premium organization, Portuguese


def add_beta(slack: SlackDesk, name: str, description: str) -> None:
    """An admin publishes a beta (the same service as `supportdesk beta add`)."""
    desk = DeskContext(sessions=make_session_factory(slack.engine))
    with transaction(desk.sessions) as session:
        betas.add_beta(session, desk, name=name, description=description,
                       now=datetime.now(UTC), actor="test")


def interests(slack: SlackDesk) -> list[str]:
    return slack.scalar_all(select(Organization.name).join(
        BetaInterest, BetaInterest.org_id == Organization.id).order_by(Organization.name))


def test_a_partner_joins_a_beta_with_the_button_of_betas(slack: SlackDesk) -> None:
    add_beta(slack, "flows-v3", "WhatsApp Flows v3")
    asked = slack.command(PEOPLE.hans, "betas")
    listed = slack.wait_response(asked, prefix("betas.list", "de"))
    assert "flows-v3 (Phase: manuell)" in listed.params["text"]
    assert [b["value"] for b in buttons(listed)] == ["beta:flows-v3"]
    pressed = slack.press(PEOPLE.hans, listed, button(listed, "beta:"),
                          channel=dm_channel(PEOPLE.hans))
    slack.wait_response(pressed, prefix("betas.registered", "de"))
    assert interests(slack) == ["Müller Messaging GmbH"]
    # The same button again, and the command typed: registered once, said so.
    again = slack.press(PEOPLE.hans, listed, button(listed, "beta:"),
                        channel=dm_channel(PEOPLE.hans))
    slack.wait_response(again, prefix("betas.already_registered", "de"))
    typed = slack.command(PEOPLE.lucia, "beta FLOWS-V3")
    slack.wait_response(typed, prefix("betas.registered", "es"))
    assert interests(slack) == ["Mensajes Rápidos SA", "Müller Messaging GmbH"]
    # An agent cannot register interest; staff see the counts instead.
    refused = slack.command(PEOPLE.alex, "beta flows-v3")
    slack.wait_response(refused, prefix("error.not_allowed", "en"))
    counts = slack.command(PEOPLE.alex, "betas")
    staff = slack.wait_response(counts, prefix("betas.list_staff", "en"))
    assert "interested: 2; enrolled: 0; live: 0" in staff.params["text"]


def test_a_premium_partner_is_told_of_a_new_beta_and_answers_with_its_button(
        slack: SlackDesk) -> None:
    now = datetime.now(UTC)
    with transaction(make_session_factory(slack.engine)) as session:
        org = orgs.create_org(session, name="Rosa Mensagens Ltda", plan_name="premium",
                              currency="USD", billing_model="partner-paid", now=now,
                              tz=ZoneInfo("UTC"))
        users.add_user(session, channel="slack", external_id=PREMIUM_PARTNER, role="partner",
                       org=org, name="Rosa", language="pt-BR", now=now)
    add_beta(slack, "mm-lite", "Marketing Messages Lite API")
    # Posted to the user (Slack opens the app's direct message with them).
    announced = slack.wait_post(PREMIUM_PARTNER, prefix("betas.announced", "pt-BR"))
    assert "Como parceiro Premium, Rosa Mensagens Ltda está convidada" in \
        announced.params["text"]
    assert [b["value"] for b in buttons(announced)] == ["beta:mm-lite"]
    # Growth partners are not told (they may still ask with /support betas).
    assert slack.posts(PEOPLE.hans) == []
    pressed = slack.press(PREMIUM_PARTNER, announced, button(announced, "beta:"),
                          channel=dm_channel(PREMIUM_PARTNER))
    slack.wait_response(pressed, prefix("betas.registered", "pt-BR"))
    wait_until(lambda: interests(slack) == ["Rosa Mensagens Ltda"], "the interest to be stored")
