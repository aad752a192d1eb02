"""AI assistance in Telegram: the real desk and channel against the fake Bot API and the fake
OpenAI-compatible model, in the background as in production: a Portuguese partner's message
reaches the agents' group with its translation and the model's second opinion; the agent's
/reply reaches the partner in Portuguese with the original below; the key is in no log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ai.client import AiConfig, ChatClient
from bot.channels.telegram.channel import TelegramChannel
from desk import orgs, users
from desk.ai import Assistant
from desk.clock import SystemClock
from desk.context import DeskContext, Room
from handlers.desk import Desk
from store.db import transaction
from tests.fakes.openai_api import FakeOpenAiApi
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI, message_update, user
from tests.telegram.helpers import Running
from tests.telegram.test_channel import settings_for
from tests.telegram.test_satisfaction import sent_to, start_of

AGENTS = "-100778"
PARTNER, AGENT = 511, 910
KEY = "sk-telegram-SECRET"
TEXT = "Olá, os nossos modelos de mensagem estão sendo rejeitados desde hoje de manhã"


@pytest.fixture
def ai_desk(sessions: sessionmaker[Session]
            ) -> Iterator[tuple[FakeTelegramAPI, FakeOpenAiApi, DeskContext]]:
    with FakeOpenAiApi() as model:
        client = ChatClient(AiConfig(model.base_url, "fake", KEY, 2.0), max_wait=0.01)
        desk = DeskContext(sessions=sessions, clock=SystemClock(),
                           agent_rooms=(Room("telegram", AGENTS),),
                           ai=Assistant(client, triage_on=True, translate_on=True))
        now = desk.clock.now()
        with transaction(sessions) as s:
            org = orgs.create_org(s, name="Acme Messaging", plan_name="growth", currency="EUR",
                                  billing_model="partner-paid", now=now, tz=desk.billing_tz)
            users.add_user(s, channel="telegram", external_id=str(PARTNER), role="partner",
                           org=org, name="Ana", language="pt-BR", now=now)
            users.add_user(s, channel="telegram", external_id=str(AGENT), role="agent",
                           name="Alex", language="en", now=now)
        with FakeTelegramAPI(TOKEN) as api:
            channel = TelegramChannel(settings_for(api), desk, Desk(desk), poll_timeout=2)
            run = Running(channel).start()
            try:
                yield api, model, desk
            finally:
                run.stop()
                assert desk.ai is not None
                desk.ai.close()


def test_translated_notices_and_replies_in_telegram(
        ai_desk: tuple[FakeTelegramAPI, FakeOpenAiApi, DeskContext],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api, model, _desk = ai_desk
    partner, agent = user(PARTNER, "Ana", "pt-br"), user(AGENT, "Alex", "en")
    api.push_update(message_update(partner, PARTNER, TEXT))
    opened = api.wait_for(lambda: sent_to(api, PARTNER, start_of("case.opened", "pt-BR"))
                          or sent_to(api, PARTNER, start_of("case.opened_plain", "pt-BR")),
                          what="the case to open")[0]
    number = int(re.findall(r"#(\d+)", str(opened.params["text"]))[0])
    api.wait_for(lambda: sent_to(api, AGENTS, f"Case #{number}, machine translation"),
                 what="the translation in the agents' group")
    raised = api.wait_for(lambda: sent_to(api, AGENTS, f"Case #{number}, severity raised"),
                          what="the second opinion")[0]
    assert re.search(r"rules: [23]; model: 1, 0\.86: all messages are failing",
                     str(raised.params["text"]))

    api.push_update(message_update(agent, int(AGENTS), f"/reply {number} We are on it."))
    reply = api.wait_for(lambda: sent_to(api, PARTNER, f"Caso #{number} — Alex"),
                         what="the translated reply")[0]
    text = str(reply.params["text"])
    assert "[Brazilian Portuguese] We are on it." in text
    assert text.index("[Brazilian Portuguese]") < text.index("\nWe are on it.")  # original below
    api.wait_for(lambda: sent_to(api, AGENT, f"Your reply on case #{number} was sent translated"),
                 what="the agent told what was sent")
    assert {c.user_text for c in model.calls} == {TEXT, "We are on it."}
    assert KEY not in caplog.text
