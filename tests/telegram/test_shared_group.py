"""Telegram groups linked to an organization, end to end with `supportdesk run` and the fake
Bot API: forum topics are one case each, a plain group keeps each partner's case and follows
reply chains, agents answer in the group, strangers join the team, others are ignored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import locales
from bench.processes import DeskProcess, desk_env
from store.db import make_engine, make_session_factory
from store.models import Case, Identity, User
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
FORUM = -1005550001
PLAIN = -1005550002
AGENT = 700
OTHER_ORG_PARTNER = 790

pytestmark = pytest.mark.e2e


def prefix(key: str, lang: str) -> str:
    template = locales.DEFAULT_CATALOGS.lookup(key, lang)
    assert template is not None, key
    return template.split("{", 1)[0]


def sent_to(api: FakeTelegramAPI, chat_id: int, start: str) -> list[Call]:
    return [c for c in api.calls_of("sendMessage")
            if str(c.params["chat_id"]) == str(chat_id) and str(c.params["text"]).startswith(start)]


def in_topic(sender: dict[str, Any], text: str, topic: int) -> dict[str, Any]:
    data = message_update(sender, FORUM, text)
    data["message"]["chat"]["is_forum"] = True
    data["message"].update(message_thread_id=topic, is_topic_message=True,
                           reply_to_message={"message_id": topic, "date": 1,
                                             "chat": {"id": FORUM, "type": "supergroup"},
                                             "forum_topic_created": {"name": f"t{topic}",
                                                                     "icon_color": 1}})
    return data


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN) as fake:
        yield fake


@pytest.fixture
def desk(tmp_path: Path, db_url: str, api: FakeTelegramAPI) -> Iterator[DeskProcess]:
    process = DeskProcess(tmp_path, desk_env(
        db_url, telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
        telegram_agent_chat_id=AGENTS, outbox_poll_seconds="0.2", log_level="INFO"))
    process.cli("org", "add", "Acme", "--currency", "EUR", "--billing-model", "partner-paid")
    process.cli("org", "add", "Other", "--currency", "EUR", "--billing-model", "partner-paid")
    process.cli("user", "add", "--channel", "telegram", "--id", str(AGENT), "--role", "agent",
                "--name", "Alex", "--language", "en")
    process.cli("user", "add", "--channel", "telegram", "--id", str(OTHER_ORG_PARTNER),
                "--role", "partner", "--org", "Other", "--name", "Olga")
    process.cli("org", "channel", "add", "Acme", "--telegram", str(FORUM))
    process.cli("org", "channel", "add", "Acme", "--telegram", str(PLAIN))
    yield process
    if process.alive():
        process.stop()


def _cases(db_url: str) -> list[Case]:
    with make_session_factory(make_engine(db_url))() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def _partners(db_url: str) -> dict[str, int | None]:
    with make_session_factory(make_engine(db_url))() as session:
        rows = session.execute(select(Identity.external_id, User.org_id).join(User)
                               .where(User.role == "partner"))
        return {external: org for external, org in rows}


@pytest.mark.timeout(600)
def test_forum_topics_and_a_plain_group(api: FakeTelegramAPI, desk: DeskProcess,
                                        db_url: str) -> None:
    desk.start()
    ana, ben, alex = user(801, "Ana"), user(802, "Ben"), user(AGENT, "Alex")
    opened = prefix("case.opened", "en")
    try:
        api.wait_for(lambda: api.calls_of("getUpdates") or not desk.alive(), timeout=120,
                     what="polling to start")
        # Forum: two topics are two cases; Ana is registered on her first message.
        api.push_update(in_topic(ana, "Our webhook stopped delivering messages today", 11))
        first = api.wait_for(lambda: sent_to(api, FORUM, opened), what="the first case")[0]
        assert first.params.get("message_thread_id") == 11
        # The agents' notice links to the topic.
        notice = api.wait_for(lambda: sent_to(api, int(AGENTS), prefix("notice.new_case", "en")),
                              what="the agents' notice")[0]
        assert str(notice.params["text"]).endswith(
            f"{locales.text('shared.thread_link', 'en')}: https://t.me/c/5550001/11")
        api.push_update(in_topic(ana, "Templates are rejected with an unknown error", 12))
        second = api.wait_for(lambda: sent_to(api, FORUM, opened)[1:], what="the second")[0]
        assert second.params.get("message_thread_id") == 12
        # The agent answers in topic 11: the first response of the first case.
        api.push_update(in_topic(alex, "We are looking at it right now", 11))
        api.wait_for(lambda: _cases(db_url)[0].first_response_at is not None,
                     what="the first response")
        assert _cases(db_url)[1].first_response_at is None

        # Plain group: Ana and Ben each get their own case; a reply chain joins it.
        ana_message = api.push_update(message_update(ana, PLAIN, "The API returns 500 for us"))
        ana_ack = api.wait_for(lambda: sent_to(api, PLAIN, opened), what="Ana's case")[0]
        ben_update = message_update(ben, PLAIN, "Our number was blocked yesterday evening")
        api.push_update(ben_update)
        api.wait_for(lambda: sent_to(api, PLAIN, opened)[1:], what="Ben's case")
        api.push_update(message_update(ana, PLAIN, "still failing"))
        added = api.wait_for(lambda: sent_to(api, PLAIN, prefix("case.added", "en")),
                             what="Ana's follow-up")[0]
        cases = _cases(db_url)
        assert len(cases) == 4 and f"#{cases[2].id}" in added.params["text"]
        # Ben's colleague Dora answers the desk's acknowledgement to Ana: it joins Ana's case.
        added_before = len(sent_to(api, PLAIN, prefix("case.added", "en")))
        api.push_update(message_update(user(804, "Dora"), PLAIN, "Same here, since 9:00",
                                       reply_to=ana_ack.result))
        joined = api.wait_for(
            lambda: sent_to(api, PLAIN, prefix("case.added", "en"))[added_before:],
            what="Dora's message joining Ana's case")[0]
        assert f"#{cases[2].id}" in joined.params["text"] and len(_cases(db_url)) == 4
        # Ana asks to escalate her case: the category buttons are hers only; Ben's press is
        # answered with an alert and changes nothing, Ana's goes on.
        api.push_update(message_update(ana, PLAIN, f"/escalate {cases[2].id}"))
        choose = api.wait_for(lambda: sent_to(api, PLAIN, prefix("escalation.choose", "en")),
                              what="the category choice")[0]
        first_button = choose.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        assert first_button.endswith("~801")
        api.push_update(callback_update(ben, sent_message(choose), first_button))
        alert = api.wait_for(lambda: api.calls_of("answerCallbackQuery"), what="Ben's press")[0]
        assert alert.params["show_alert"] is True
        assert alert.params["text"].startswith(prefix("shared.not_your_button", "en"))
        assert not api.calls_of("editMessageText")
        api.push_update(callback_update(ana, sent_message(choose), first_button))
        api.wait_for(lambda: api.calls_of("editMessageText"), what="Ana's press answered")
        # The agent replies to Ben's message: Ben's case has its first response.
        api.push_update(message_update(alex, PLAIN, "Checking the number now",
                                       reply_to=ben_update["message"]))
        api.wait_for(lambda: _cases(db_url)[3].first_response_at is not None,
                     what="Ben's first response")
        assert _cases(db_url)[2].first_response_at is None

        # Ignored: a bot, a partner of another organization; a redelivery opens nothing.
        bot = {"id": 999, "is_bot": True, "first_name": "Other bot"}
        api.push_update(message_update(bot, PLAIN, "beep"))
        api.push_update(message_update(user(OTHER_ORG_PARTNER, "Olga"), PLAIN, "help us too"))
        again = message_update(user(803, "Cleo"), PLAIN, "Hello, the dashboard is empty")
        api.push_update(again, update_id=ana_message + 1000)
        api.push_update(again, update_id=ana_message + 1000, redelivery=True)
        api.wait_for(lambda: len(_cases(db_url)) == 5, what="Cleo's case")
        time.sleep(1.5)
        assert len(_cases(db_url)) == 5
    finally:
        code = desk.stop()
    assert code == 0, desk.log()
    assert "privacy mode is on" in desk.log()  # the fake's getMe: privacy on, told at start
    partners = _partners(db_url)
    acme = _cases(db_url)[0].org_id
    assert {k: v for k, v in partners.items() if v == acme}.keys() == {"801", "802", "803",
                                                                       "804"}
    assert "999" not in partners
    assert all(c.org_id == acme for c in _cases(db_url))


@pytest.mark.timeout(600)
def test_a_linked_group_that_becomes_a_supergroup_keeps_its_cases(
        api: FakeTelegramAPI, desk: DeskProcess, db_url: str) -> None:
    """Enabling topics (or some admin settings) turns a group into a supergroup with a new
    chat id; Telegram says so in both chats, and the link and open cases follow."""
    new_id = -1005550099
    desk.start()
    ana = user(801, "Ana")
    try:
        api.wait_for(lambda: api.calls_of("getUpdates") or not desk.alive(), timeout=120,
                     what="polling to start")
        api.push_update(message_update(ana, PLAIN, "The API returns 500 for us"))
        api.wait_for(lambda: sent_to(api, PLAIN, prefix("case.opened", "en")), what="the case")
        old_side = message_update(ana, PLAIN, "")
        del old_side["message"]["text"]
        old_side["message"]["migrate_to_chat_id"] = new_id
        new_side = message_update(ana, new_id, "")
        del new_side["message"]["text"]
        new_side["message"]["migrate_from_chat_id"] = PLAIN
        api.push_update(old_side)
        last = api.push_update(new_side)
        api.wait_for(lambda: api.confirmed_offset > last, what="the migration")
        api.push_update(message_update(ana, new_id, "still failing in the new group"))
        added = api.wait_for(lambda: sent_to(api, new_id, prefix("case.added", "en")),
                             what="the follow-up in the supergroup")[0]
        number = _cases(db_url)[0].id
        assert f"#{number}" in added.params["text"] and len(_cases(db_url)) == 1
    finally:
        code = desk.stop()
    assert code == 0, desk.log()
    listed = desk.cli("org", "channel", "list")
    assert str(new_id) in listed and str(PLAIN) not in listed
    assert "moved from" in desk.log()
