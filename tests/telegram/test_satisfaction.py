"""Satisfaction in Telegram: the real desk and channel against the fake Bot API. After the
resolution the partner gets the question with 1-5 buttons on one row, presses one, and the
question shows the thanks; a second press is refused politely and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import locales
from bot.channels.telegram.channel import TelegramChannel
from desk import orgs, users
from desk.clock import SystemClock
from desk.context import DeskContext, Room
from handlers.desk import Desk
from store.db import transaction
from store.models import SatisfactionRating
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
from tests.telegram.test_channel import settings_for

AGENTS = "-100777"
PARTNER, AGENT = 501, 900


def start_of(key: str, lang: str) -> str:
    return locales.text(key, lang).split("{", 1)[0]


def sent_to(api: FakeTelegramAPI, chat_id: int | str, start: str) -> list[Call]:
    return [c for c in api.calls_of("sendMessage")
            if str(c.params["chat_id"]) == str(chat_id) and str(c.params["text"]).startswith(start)]


@pytest.fixture
def telegram_desk(sessions: sessionmaker[Session]) -> Iterator[tuple[FakeTelegramAPI, DeskContext]]:
    desk = DeskContext(sessions=sessions, clock=SystemClock(),
                       agent_rooms=(Room("telegram", AGENTS),))
    now = desk.clock.now()
    with transaction(sessions) as s:
        org = orgs.create_org(s, name="Acme Messaging", plan_name="growth", currency="EUR",
                              billing_model="partner-paid", now=now, tz=desk.billing_tz)
        users.add_user(s, channel="telegram", external_id=str(PARTNER), role="partner", org=org,
                       name="Ana", language="pt-BR", now=now)
        users.add_user(s, channel="telegram", external_id=str(AGENT), role="agent",
                       name="Alex", language="en", now=now)
    with FakeTelegramAPI(TOKEN) as api:
        channel = TelegramChannel(settings_for(api), desk, Desk(desk), poll_timeout=2)
        run = Running(channel).start()
        try:
            yield api, desk
        finally:
            run.stop()


def test_the_partner_rates_a_resolved_case_with_a_button(
        telegram_desk: tuple[FakeTelegramAPI, DeskContext]) -> None:
    api, desk = telegram_desk
    partner, agent = user(PARTNER, "Ana", "pt-br"), user(AGENT, "Alex", "en")
    api.push_update(message_update(partner, PARTNER, "Olá, os nossos modelos de mensagem estão "
                                                     "sendo rejeitados desde hoje de manhã"))
    opened = api.wait_for(lambda: sent_to(api, PARTNER, start_of("case.opened", "pt-BR"))
                          or sent_to(api, PARTNER, start_of("case.opened_plain", "pt-BR")),
                          what="the case to open")[0]
    number = int(re.findall(r"#(\d+)", str(opened.params["text"]))[0])

    api.push_update(message_update(agent, int(AGENTS), f"/resolve {number}"))
    ask = api.wait_for(lambda: sent_to(api, PARTNER, start_of("satisfaction.ask", "pt-BR")),
                       what="the satisfaction question")[0]
    notice = sent_to(api, PARTNER, start_of("case.resolved_notice", "pt-BR"))
    assert notice and notice[0].result["message_id"] < ask.result["message_id"]  # in order
    rows = ask.params["reply_markup"]["inline_keyboard"]
    assert len(rows) == 1  # the scale on one row
    assert [(b["text"], b["callback_data"]) for b in rows[0]] == [
        (str(s), f"rate:{number}:0:{s}") for s in (1, 2, 3, 4, 5)]
    assert f"/rate {number}" in ask.params["text"]

    api.push_update(callback_update(partner, sent_message(ask), f"rate:{number}:0:4"))
    thanks = locales.render("satisfaction.thanks", {"number": number, "score": 4}, "pt-BR")
    edit = api.wait_for(lambda: [c for c in api.calls_of("editMessageText")
                                 if thanks in str(c.params["text"])], what="the thanks")[0]
    assert edit.params["message_id"] == ask.result["message_id"]
    assert not (edit.params.get("reply_markup") or {}).get("inline_keyboard")  # buttons gone
    with desk.sessions() as s:
        row = s.scalars(select(SatisfactionRating)).one()
        assert (row.case_id, row.round, row.rating) == (number, 0, 4)

    # the same question pressed again (an old client still showing it): refused, unchanged
    api.push_update(callback_update(partner, sent_message(ask), f"rate:{number}:0:1"))
    already = locales.render("satisfaction.already_rated", {"number": number, "score": 4},
                             "pt-BR")
    api.wait_for(lambda: [c for c in api.calls_of("editMessageText")
                          if already in str(c.params["text"])], what="the polite refusal")
    with desk.sessions() as s:
        assert s.scalars(select(SatisfactionRating.rating)).all() == [4]
