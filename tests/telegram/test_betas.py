"""Beta programmes from Telegram, end to end with the real `supportdesk run` and the fake Bot
API: the announcement with its button, the press registering the organization once, /betas,
and a TAM enrolling a client WABA (the partners are told its launch date)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import locales
from bench.processes import DeskProcess, desk_env
from store.db import make_engine, make_session_factory
from store.models import BetaEnrolment, BetaInterest
from tests.fakes.telegram_api import (
    TOKEN,
    Call,
    FakeTelegramAPI,
    callback_update,
    message_update,
    sent_message,
    user,
)

AGENTS = "-1009876543210"
PARTNER = 601  # partner of a Premium organization, Russian
TAM = 602  # its dedicated Technical Account Manager


def prefix(key: str, lang: str) -> str:
    template = locales.DEFAULT_CATALOGS.lookup(key, lang)
    assert template is not None, key
    return template.split("{", 1)[0]


def sent_to(api: FakeTelegramAPI, chat_id: int, start: str) -> list[Call]:
    return [c for c in api.calls_of("sendMessage")
            if str(c.params["chat_id"]) == str(chat_id) and str(c.params["text"]).startswith(start)]


def answered(api: FakeTelegramAPI, chat_id: int, start: str, message_id: int) -> bool:
    """The press was answered: the answer added under the pressed message, or a new message."""
    edits = [c for c in api.calls_of("editMessageText")
             if int(c.params["message_id"]) == message_id
             and f"\n\n{start}" in str(c.params["text"])]
    return bool(edits or sent_to(api, chat_id, start))


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN) as fake:
        yield fake


@pytest.fixture
def desk(tmp_path: Path, db_url: str, api: FakeTelegramAPI) -> Iterator[DeskProcess]:
    process = DeskProcess(tmp_path, desk_env(
        db_url, telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
        telegram_agent_chat_id=AGENTS, outbox_poll_seconds="0.2", log_level="INFO"))
    process.cli("org", "add", "Acme", "--plan", "premium", "--currency", "EUR",
                "--billing-model", "partner-paid")
    process.cli("user", "add", "--channel", "telegram", "--id", str(PARTNER), "--role",
                "partner", "--org", "Acme", "--name", "Pavel", "--language", "ru")
    process.cli("user", "add", "--channel", "telegram", "--id", str(TAM), "--role", "tam",
                "--org", "Acme", "--name", "Tanja", "--language", "en")
    yield process
    if process.alive():
        process.stop()


@pytest.mark.timeout(600)
def test_a_partner_joins_a_beta_from_telegram(api: FakeTelegramAPI, desk: DeskProcess,
                                              db_url: str) -> None:
    desk.start()
    partner, tam = user(PARTNER, "Pavel", "ru"), user(TAM, "Tanja", "en")
    try:
        api.wait_for(lambda: api.calls_of("getUpdates") or not desk.alive(), timeout=120,
                     what="polling to start")
        assert desk.alive(), desk.log()
        menu = next(m for m in api.calls_of("setMyCommands")
                    if m.params.get("language_code") == "ru"
                    and m.params["scope"]["type"] == "default")
        assert {"betas", "beta"} <= {c["command"] for c in menu.params["commands"]}

        # 1. An admin publishes a beta: the Premium partner is told, with a button.
        desk.cli("beta", "add", "flows-v3", "--description", "WhatsApp Flows v3")
        announced = api.wait_for(lambda: sent_to(api, PARTNER, prefix("betas.announced", "ru")),
                                 what="the announcement")[0]
        assert buttons(announced) == ["beta:flows-v3"]

        # 2. The press registers the organization's interest; a second press says so.
        message = sent_message(announced)
        api.push_update(callback_update(partner, message, "beta:flows-v3"))
        api.wait_for(lambda: answered(api, PARTNER, prefix("betas.registered", "ru"),
                                      message["message_id"]), what="the registration")
        api.push_update(callback_update(partner, message, "beta:flows-v3"))
        api.wait_for(lambda: answered(api, PARTNER, prefix("betas.already_registered", "ru"),
                                      message["message_id"]), what="'already registered'")

        # 3. /betas shows it registered, without a button for it.
        api.push_update(message_update(partner, PARTNER, "/betas"))
        listed = api.wait_for(lambda: sent_to(api, PARTNER, prefix("betas.list", "ru")),
                              what="the list")[0]
        assert "✓ интерес Acme зарегистрирован" in listed.params["text"]
        assert buttons(listed) == []

        # 4. The dedicated TAM enrols a client WABA; the partner is told the launch date.
        launch = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
        api.push_update(message_update(tam, TAM, f"/enrol flows-v3 Acme 100200300401 {launch}"))
        api.wait_for(lambda: sent_to(api, TAM, prefix("betas.enrolled", "en")),
                     what="the enrolment")
        api.wait_for(lambda: sent_to(api, PARTNER, prefix("betas.enrolled_notice", "ru")),
                     what="the partner's notice")
        api.push_update(message_update(tam, TAM, "/enrol flows-v3 Acme 100200300402 "
                                                 f"{launch} test"))
        api.wait_for(lambda: sent_to(api, TAM, prefix("betas.refused_test", "en")),
                     what="the refused test WABA")
    finally:
        code = desk.stop()
    assert code == 0, desk.log()
    with make_session_factory(make_engine(db_url))() as session:
        assert len(session.scalars(select(BetaInterest)).all()) == 1
        assert [e.waba_id for e in session.scalars(select(BetaEnrolment))] == ["100200300401"]

