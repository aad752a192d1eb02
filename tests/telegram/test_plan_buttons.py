"""/upgrade in Telegram, in-process: the real desk behind the channel and the fake Bot API; the
partner confirms with the button (the pressed message shows the outcome), a second press says
the upgrade is already planned, another partner is told; /plan and /tam answer in the chat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import locales
from bot.channels.telegram.channel import TelegramChannel
from bot.settings import load_settings
from desk import orgs, plans, users
from desk.clock import FixedClock
from desk.context import DeskContext, Room
from handlers.desk import Desk
from store.db import transaction
from store.models import PlanAssignment
from tests.fakes.telegram_api import (
    TOKEN,
    Call,
    FakeTelegramAPI,
    callback_update,
    message_update,
    sent_message,
    user,
)
from tests.telegram.helpers import Running

AGENTS = "-100555"
PAULA, PEDRO = 601, 602  # partners of Acme (pt-BR and English)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def prefix(key: str, lang: str) -> str:
    template = locales.DEFAULT_CATALOGS.lookup(key, lang)
    assert template is not None, key
    return template.split("{", 1)[0]


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN) as fake:
        yield fake


@pytest.fixture
def desk(sessions: sessionmaker[Session]) -> DeskContext:
    context = DeskContext(sessions=sessions, clock=FixedClock(NOW),
                          agent_rooms=(Room("telegram", AGENTS),))
    with transaction(sessions) as s:
        org = orgs.create_org(s, name="Acme", plan_name="growth", currency="EUR",
                              billing_model="partner-paid", now=NOW, tz=UTC)
        users.add_user(s, channel="telegram", external_id=str(PAULA), role="partner", org=org,
                       name="Paula", language="pt-BR", now=NOW)
        users.add_user(s, channel="telegram", external_id=str(PEDRO), role="partner", org=org,
                       name="Pedro", language="en", now=NOW)
    return context


@pytest.fixture
def running(api: FakeTelegramAPI, desk: DeskContext) -> Iterator[Running]:
    settings = load_settings(telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
                             telegram_agent_chat_id=AGENTS, outbox_poll_seconds=0.1)
    run = Running(TelegramChannel(settings, desk, Desk(desk), poll_timeout=2)).start()
    api.wait_for(lambda: api.calls_of("getUpdates"), what="polling to start")
    yield run
    run.stop()


def sent(api: FakeTelegramAPI, chat_id: int, start: str) -> list[Call]:
    return [c for c in api.calls_of("sendMessage") if str(c.params["chat_id"]) == str(chat_id)
            and str(c.params["text"]).startswith(start)]


def keyboard(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", [])
            for b in row]


def rows(desk: DeskContext) -> list[tuple[str, str]]:
    with transaction(desk.sessions) as s:
        return [(a.effective_month, a.reason) for a in s.scalars(
            select(PlanAssignment).order_by(PlanAssignment.effective_month))]


@pytest.mark.timeout(300)
def test_partner_upgrades_with_the_telegram_buttons(api: FakeTelegramAPI, running: Running,
                                                    desk: DeskContext) -> None:
    paula = user(PAULA, "Paula", "pt-br")
    api.push_update(message_update(paula, PAULA, "/upgrade"))
    start = prefix("plan_chat.upgrade.confirm", "pt-BR")
    api.wait_for(lambda: sent(api, PAULA, start), what="the confirmation")
    question = sent(api, PAULA, start)[0]
    text = str(question.params["text"])
    assert "Mudar Acme de Growth para Premium a partir de abril de 2026?" in text
    assert "1.000,00" in text and "por mês" in text
    with transaction(desk.sessions) as s:
        org_id = orgs.get_org(s, "Acme").id
        premium_id = plans.get_plan(s, "premium").id
    data = f"upg:{org_id}:{premium_id}:2026-04"
    assert keyboard(question) == [("Mudar para Premium", f"{data}:confirm"),
                                  ("Cancelar", f"{data}:cancel")]
    assert rows(desk) == [("2026-03", "onboarding")]

    uid = api.push_update(callback_update(paula, sent_message(question), f"{data}:confirm"))
    api.wait_for(lambda: api.confirmed_offset > uid, what="the press")
    edits = [c for c in api.calls_of("editMessageText")
             if c.params["message_id"] == question.result["message_id"]]
    assert edits, "the pressed message shows the outcome"
    done = prefix("plan_chat.upgrade.done", "pt-BR")
    assert done in str(edits[-1].params["text"])
    assert rows(desk) == [("2026-03", "onboarding"), ("2026-04", "partner")]

    # Pedro, the other partner, is told in his language through the outbox.
    notice = prefix("plan_chat.upgrade.notice", "en")
    api.wait_for(lambda: [c for c in sent(api, PEDRO, notice)
                          if "Paula upgraded Acme to Premium from April 2026" in
                          str(c.params["text"])], what="Pedro's notice")

    # Pressing the button again does nothing new: the upgrade is already planned.
    uid = api.push_update(callback_update(paula, sent_message(question), f"{data}:confirm"))
    api.wait_for(lambda: api.confirmed_offset > uid, what="the second press")
    again = prefix("plan_chat.upgrade.already_planned", "pt-BR")
    assert any(again in str(c.params.get("text", "")) for c in
               api.calls_of("editMessageText") + api.calls_of("answerCallbackQuery")
               + api.calls_of("sendMessage"))
    assert rows(desk) == [("2026-03", "onboarding"), ("2026-04", "partner")]

    # /plan and /tam in the same chat.
    pedro = user(PEDRO, "Pedro", "en")
    api.push_update(message_update(pedro, PEDRO, "/plan"))
    api.wait_for(lambda: sent(api, PEDRO, "Acme — plan in March 2026: Growth."), what="/plan")
    plan_text = str(sent(api, PEDRO, "Acme — plan in March 2026: Growth.")[0].params["text"])
    assert plan_text.endswith("Next month: Premium from April 2026 (€1,000.00 per month): "
                              "your upgrade request.")
    api.push_update(message_update(pedro, PEDRO, "/tam"))
    api.wait_for(lambda: sent(api, PEDRO, "Acme (Growth) is served by the community TAM pool"),
                 what="/tam")


@pytest.mark.timeout(300)
def test_cancel_changes_nothing(api: FakeTelegramAPI, running: Running,
                                desk: DeskContext) -> None:
    pedro = user(PEDRO, "Pedro", "en")
    api.push_update(message_update(pedro, PEDRO, "/upgrade premium"))
    start = prefix("plan_chat.upgrade.confirm", "en")
    api.wait_for(lambda: sent(api, PEDRO, start), what="the confirmation")
    question = sent(api, PEDRO, start)[0]
    cancel = keyboard(question)[1][1]
    assert cancel.endswith(":cancel")
    uid = api.push_update(callback_update(pedro, sent_message(question), cancel))
    api.wait_for(lambda: api.confirmed_offset > uid, what="the press")
    assert any("Nothing changed: Acme stays on Growth." in str(c.params.get("text", ""))
               for c in api.calls_of("editMessageText") + api.calls_of("sendMessage"))
    assert rows(desk) == [("2026-03", "onboarding")]
