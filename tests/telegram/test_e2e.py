"""End to end: the real `supportdesk run` process against the fake Bot API, in two languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

import locales
from bench.processes import DeskProcess, desk_env
from store.db import make_engine, make_session_factory
from store.models import Case, CaseMessage, Escalation, InboundUpdate
from tests.fakes.telegram_api import (
    TOKEN,
    Call,
    FakeTelegramAPI,
    callback_update,
    message_update,
    sent_message,
    user,
)
from tests.telegram.helpers import free_port

AGENTS = "-1009876543210"
PARTNER = 501
AGENT = 900
MARKUP = " <b>*_[]` 🚀"  # must reach the agents exactly as typed

SCRIPTS = {
    "pt-BR": {
        "code": "pt-br",
        "first": "Olá, a API do WhatsApp parou de enviar mensagens para todos os nossos "
                 "clientes desde hoje de manhã, precisamos de ajuda urgente" + MARKUP,
        "second": "/new Também não recebemos os webhooks de status das mensagens enviadas "
                  "ontem à noite",
        "third": "/new Outra pergunta: como alterar o nome de exibição do número comercial?",
        "answer": "Estamos verificando com a Meta, <i>aguarde</i> *por favor* 🙏",
    },
    "ru": {
        "code": "ru",
        "first": "Здравствуйте, API WhatsApp перестал отправлять сообщения всем нашим "
                 "клиентам с самого утра, нужна срочная помощь" + MARKUP,
        "second": "/new Также мы не получаем вебхуки о статусе сообщений, отправленных "
                  "вчера вечером",
        "third": "/new Ещё вопрос: как изменить отображаемое имя бизнес-номера?",
        "answer": "Проверяем вместе с Meta, <i>подождите</i> *пожалуйста* 🙏",
    },
}


def prefix(key: str, lang: str) -> str:
    """The fixed start of a catalog text, before its first placeholder."""
    template = locales.DEFAULT_CATALOGS.lookup(key, lang)
    assert template is not None, key
    return template.split("{", 1)[0]


def sent_to(api: FakeTelegramAPI, chat_id: int | str, start: str = "",
            contains: str = "") -> list[Call]:
    return [c for c in api.calls_of("sendMessage")
            if str(c.params["chat_id"]) == str(chat_id)
            and str(c.params["text"]).startswith(start) and contains in str(c.params["text"])]


def opened_cases(api: FakeTelegramAPI, lang: str) -> list[int]:
    """Numbers of the cases the partner was told were opened (0 when none yet)."""
    starts = (prefix("case.opened", lang), prefix("case.opened_plain", lang))
    return [0] + [int(re.findall(r"#(\d+)", str(c.params["text"]))[0])
                  for c in sent_to(api, PARTNER) if str(c.params["text"]).startswith(starts)]


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def edits(api: FakeTelegramAPI, message_id: int) -> list[Call]:
    return [c for c in api.calls_of("editMessageText")
            if int(c.params["message_id"]) == message_id]


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN) as fake:
        yield fake


def onboard(desk: DeskProcess) -> None:
    desk.cli("org", "add", "Acme", "--plan", "growth", "--currency", "EUR",
             "--billing-model", "partner-paid")
    desk.cli("user", "add", "--channel", "telegram", "--id", str(PARTNER), "--role", "partner",
             "--org", "Acme", "--name", "Paula")
    desk.cli("user", "add", "--channel", "telegram", "--id", str(AGENT), "--role", "agent",
             "--name", "Anna", "--language", "en")


@pytest.fixture
def desk_factory(tmp_path: Path, db_url: str, api: FakeTelegramAPI) -> Iterator[Any]:
    started: list[DeskProcess] = []

    def make(**settings: str) -> DeskProcess:
        found = DeskProcess(tmp_path, desk_env(
            db_url, telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
            telegram_agent_chat_id=AGENTS, outbox_poll_seconds="0.2", log_level="INFO",
            **settings))
        started.append(found)
        return found

    yield make
    for found in started:
        if found.alive():
            found.stop()


def database(url: str):  # type: ignore[no-untyped-def]
    return make_session_factory(make_engine(url))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("lang", ["pt-BR", "ru"])
def test_partner_and_agent_walk_a_case_to_resolution_and_a_billable_escalation(
        lang: str, api: FakeTelegramAPI, desk_factory: Any, db_url: str) -> None:
    script = SCRIPTS[lang]
    desk: DeskProcess = desk_factory()
    onboard(desk)
    desk.start()
    partner = user(PARTNER, "Paula", script["code"])
    agent = user(AGENT, "Anna", "en")
    try:
        api.wait_for(lambda: api.calls_of("getUpdates") or not desk.alive(), timeout=120,
                     what="polling to start")
        assert desk.alive(), desk.log()
        # The menus: one per language, partner commands by default, staff in the agents' group.
        menus = api.calls_of("setMyCommands")
        codes = {m.params.get("language_code") for m in menus}
        assert {"en", "pt", "de", "es", "ru"} <= codes
        pt_menu = next(m for m in menus if m.params.get("language_code") == "pt"
                       and m.params["scope"]["type"] == "default")
        assert {"escalate", "new", "help"} <= {c["command"] for c in pt_menu.params["commands"]}
        assert any(m.params["scope"] == {"type": "chat", "chat_id": int(AGENTS)}
                   and "take" in {c["command"] for c in m.params["commands"]} for m in menus)

        # 1. The partner's first message opens a case; the same update delivered twice counts once.
        first = message_update(partner, PARTNER, script["first"])
        uid = api.push_update(first)
        opened = api.wait_for(lambda: sent_to(api, PARTNER, prefix("case.opened", lang))
                              or sent_to(api, PARTNER, prefix("case.opened_plain", lang)),
                              what="the case to open")
        number = int(re.findall(r"#(\d+)", opened[0].params["text"])[0])
        api.wait_for(lambda: api.confirmed_offset > uid, what="the acknowledgement")
        api.push_update(first, update_id=uid, redelivery=True)
        api.wait_for(lambda: api.confirmed_offset > uid and not api.pending_updates(),
                     what="the redelivery to be taken")

        # 2. The agents' group gets the new-case notice, partner text intact, with buttons.
        notice_call = api.wait_for(lambda: sent_to(api, AGENTS, contains=script["first"]),
                                   what="the new-case notice")[0]
        assert f"take:{number}" in buttons(notice_call)
        assert "parse_mode" not in notice_call.params
        notice = sent_message(notice_call)

        # 3. The agent takes the case with the button; the press is answered, the notice edited.
        api.push_update(callback_update(agent, notice, f"take:{number}"))
        api.wait_for(lambda: edits(api, notice["message_id"]), what="the notice to show 'taken'")
        assert api.calls_of("answerCallbackQuery")
        taken = locales.render("case.taken_notice", {"agent": "Anna", "number": number}, lang)
        api.wait_for(lambda: sent_to(api, PARTNER, taken), what="the partner to hear who took it")

        # 4. The agent answers by replying to the notice; a 429 on the way changes nothing.
        api.fail_next("sendMessage", 1, status=429, retry_after=1)
        api.push_update(message_update(agent, int(AGENTS), script["answer"], reply_to=notice))
        relayed = locales.render("case.agent_reply",
                                 {"number": number, "agent": "Anna", "text": script["answer"]},
                                 lang)
        api.wait_for(lambda: sent_to(api, PARTNER, relayed), what="the relayed answer")
        sent_confirmation = locales.render("case.reply_sent", {"number": number}, "en")
        api.wait_for(lambda: sent_to(api, AGENTS, sent_confirmation), what="the agent's receipt")
        assert len(api.calls_of("sendMessage", ok_only=False)) > len(api.calls_of("sendMessage"))

        # 5. Two escalations use up Growth's allowance of two: by buttons, then by command.
        api.push_update(message_update(partner, PARTNER, f"/escalate {number}"))
        choose = api.wait_for(lambda: sent_to(api, PARTNER, prefix("escalation.choose", lang)),
                              what="the category choice")[0]
        category = buttons(choose)[0]
        assert category.startswith(f"esc:{number}:")
        api.push_update(callback_update(partner, sent_message(choose), category))
        registered = prefix("escalation.registered", lang)
        api.wait_for(lambda: any(registered in c.params["text"]
                                 for c in edits(api, choose.result["message_id"])),
                     what="the first escalation")
        code = category.split(":")[2]
        api.push_update(message_update(partner, PARTNER, script["second"]))
        second_number = api.wait_for(lambda: max(opened_cases(api, lang)) > number
                                     and max(opened_cases(api, lang)), what="the second case")
        api.push_update(message_update(partner, PARTNER, f"/escalate {second_number} {code}"))
        api.wait_for(lambda: sent_to(api, PARTNER, registered, contains=f"#{second_number}"),
                     what="the second escalation")

        # 6. The third costs money: the bot asks first, the partner confirms with the button.
        api.push_update(message_update(partner, PARTNER, script["third"]))
        third_number = api.wait_for(lambda: max(opened_cases(api, lang)) > second_number
                                    and max(opened_cases(api, lang)), what="the third case")
        api.push_update(message_update(partner, PARTNER, f"/escalate {third_number} {code}"))
        ask = api.wait_for(lambda: sent_to(api, PARTNER, prefix("escalation.confirm", lang)),
                           what="the price warning")[0]
        assert "25" in ask.params["text"] and "€" in ask.params["text"]
        confirm = buttons(ask)
        assert confirm == [f"esc:{third_number}:{code}:confirm"]
        api.push_update(callback_update(partner, sent_message(ask), confirm[0]))
        api.wait_for(lambda: any(registered in c.params["text"]
                                 for c in edits(api, ask.result["message_id"])),
                     what="the confirmed escalation")

        # A second press of the same button meets a changed case: a clear answer, no error.
        api.push_update(callback_update(partner, sent_message(ask), confirm[0]))
        already = locales.render("escalation.already", {"number": third_number}, lang)
        api.wait_for(lambda: any(already in c.params["text"]
                                 for c in edits(api, ask.result["message_id"])),
                     what="the 'already escalated' answer")

        # 7. The agent resolves the first case with the notice's button; the partner is told.
        assert f"res:{number}" in buttons(notice_call)
        api.push_update(callback_update(agent, notice, f"res:{number}"))
        resolved = locales.render("case.resolved_notice", {"number": number}, lang)
        api.wait_for(lambda: sent_to(api, PARTNER, resolved), what="the resolution notice")
    finally:
        code_ = desk.stop()
    assert code_ == 0, desk.log()

    with database(db_url)() as session:
        case = session.get(Case, number)
        assert case is not None and case.status == "resolved" and case.language == lang
        rows = {e.case_id: e for e in session.scalars(select(Escalation))}
        assert set(rows) == {number, second_number, third_number}
        assert rows[third_number].billable_confirmed is True
        assert rows[number].counted_month is not None  # requested and resolved this month
        messages = session.scalar(select(func.count()).select_from(CaseMessage).where(
            CaseMessage.case_id == number, CaseMessage.kind == "partner"))
        assert messages == 1  # the redelivered update was not stored twice
        assert session.scalar(select(CaseMessage.text).where(
            CaseMessage.case_id == number, CaseMessage.kind == "partner")) == script["first"]
    assert len(sent_to(api, PARTNER, relayed)) == 1  # 429 then success: delivered once
    assert len(sent_to(api, PARTNER, opened[0].params["text"])) == 1  # answered once


@pytest.mark.timeout(300)
def test_webhook_mode_refuses_a_wrong_secret_and_stores_before_answering(
        api: FakeTelegramAPI, desk_factory: Any, db_url: str) -> None:
    port = free_port()
    desk: DeskProcess = desk_factory(
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        telegram_webhook_secret="right-secret_1", telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=str(port))
    onboard(desk)
    desk.start()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    body = {"update_id": 4242, **message_update(user(PARTNER, "Paula", "ru"), PARTNER,
                                                SCRIPTS["ru"]["first"])}
    sessions = database(db_url)

    def stored() -> int:
        with sessions() as session:
            return int(session.scalar(select(func.count()).select_from(InboundUpdate)) or 0)

    try:
        api.wait_for(lambda: api.calls_of("setWebhook") or not desk.alive(), timeout=120,
                     what="setWebhook")
        assert desk.alive(), desk.log()
        hook = api.calls_of("setWebhook")[0].params
        assert hook["secret_token"] == "right-secret_1" and hook["url"] == url

        def post(headers: dict[str, str]) -> httpx.Response | None:
            try:
                return httpx.post(url, json=body, headers=headers, timeout=60)
            except httpx.TransportError:
                return None

        wrong = api.wait_for(lambda: post({"X-Telegram-Bot-Api-Secret-Token": "wrong"}),
                             what="the webhook server")
        assert wrong.status_code == 403
        missing = post({})
        assert missing is not None and missing.status_code == 403
        assert stored() == 0
        good = post({"X-Telegram-Bot-Api-Secret-Token": "right-secret_1"})
        assert good is not None and good.status_code == 200
        assert stored() == 1  # handled and committed before the 200
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Case)) == 1
        again = post({"X-Telegram-Bot-Api-Secret-Token": "right-secret_1"})
        assert again is not None and again.status_code == 200
        api.wait_for(lambda: sent_to(api, PARTNER, prefix("case.opened", "ru"))
                     or sent_to(api, PARTNER, prefix("case.opened_plain", "ru")),
                     what="the answer")
        assert not api.calls_of("getUpdates")
    finally:
        code = desk.stop()
    assert code == 0, desk.log()
    assert stored() == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
    assert len(sent_to(api, PARTNER)) == 1  # the redelivery was not answered again


@pytest.mark.timeout(120)
def test_webhook_mode_without_a_secret_refuses_to_start(
        api: FakeTelegramAPI, desk_factory: Any) -> None:
    desk: DeskProcess = desk_factory(telegram_webhook_url="https://desk.example.com/hook")
    desk.start()
    assert desk.process is not None
    code = desk.process.wait(120)
    assert code == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in desk.log()
    assert not api.calls
