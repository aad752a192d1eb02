"""A partner and an agent work a case from first message to resolution, in German and Spanish."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

import locales
from store.models import Case, CaseMessage, Conversation
from tests.slack.conftest import PEOPLE
from tests.slack.harness import (
    AGENTS,
    SlackDesk,
    button,
    buttons,
    dm_channel,
    posted_ts,
    prefix,
    wait_until,
)

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Script:
    lang: str
    partner: str
    org: str
    outage: str
    follow_up: str
    agent_answer: str
    other: str  # the partner of the other organization (not allowed to act on the case)
    other_lang: str


GERMAN = Script("de", PEOPLE.hans, "Müller Messaging GmbH",
                "Hallo, die API ist für alle unsere Kunden ausgefallen, keine Nachricht geht raus.",
                "Die Zustellberichte fehlen auch, bitte schnell prüfen.",
                "Wir sehen uns das sofort an.", PEOPLE.lucia, "es")
SPANISH = Script("es", PEOPLE.lucia, "Mensajes Rápidos SA",
                 "Hola, la API de WhatsApp está caída para todos nuestros clientes, nada funciona.",
                 "Tampoco llegan los informes de entrega, por favor revisen pronto.",
                 "Lo estamos revisando ahora mismo.", PEOPLE.hans, "de")


@pytest.mark.parametrize("script", [GERMAN, SPANISH], ids=["de", "es"])
def test_partner_and_agent_work_a_case(slack: SlackDesk, script: Script) -> None:
    dm = dm_channel(script.partner)
    # 1. The partner writes to the bot; the case opens and the partner is answered in German.
    assert slack.dm(script.partner, script.outage).status == 200
    opened = slack.wait_post(dm, prefix("case.opened", script.lang))
    case_id = wait_until(lambda: slack.scalar(select(Case.id)), "the case row")
    assert f"#{case_id}" in opened.params["text"]
    assert slack.scalar(select(Case.language).where(Case.id == case_id)) == script.lang
    # Slack's locale was asked once for the new user, as a hint.
    assert [c.params["user"] for c in slack.fake.calls("users.info")].count(script.partner) == 1

    # 2. The agents' room gets the notice with details and buttons take / resolve / severity.
    notice = slack.wait_post(AGENTS, f"New case #{case_id}")
    assert script.org in notice.params["text"]
    values = [b["value"] for b in buttons(notice)]
    assert values == [f"take:{case_id}", f"res:{case_id}", f"sev:{case_id}:1",
                      f"sev:{case_id}:2", f"sev:{case_id}:3"]
    assert all(len(v.encode()) <= 64 for v in values)
    assert len({b["action_id"] for b in buttons(notice)}) == len(values)

    # 3. The partner of another organization cannot press the agents' button.
    denied = slack.press(script.other, notice, button(notice, "take:"))
    slack.wait_response(denied, prefix("error.not_allowed", script.other_lang))
    assert slack.scalar(select(Case.assignee_id).where(Case.id == case_id)) is None

    # 4. The agent takes it with the button: an ephemeral answer, the partner is told.
    taken = slack.press(PEOPLE.alex, notice, button(notice, "take:"))
    answer = slack.wait_response(taken, prefix("case.taken", "en"))
    assert answer.params["response_type"] == "ephemeral"
    assert answer.params["replace_original"] is False
    taken_text = locales.render("case.taken_notice",
                                {"number": case_id, "agent": "Alex Agent"}, script.lang)
    slack.wait_post(dm, taken_text)
    assert slack.scalar(select(Case.assignee_id).where(Case.id == case_id)) is not None

    # 5. The agent answers in the notice's thread; it reaches the partner like /reply.
    notice_ts = posted_ts(notice)
    slack.channel_message(PEOPLE.alex, AGENTS, script.agent_answer, thread_ts=notice_ts)
    wait_until(lambda: [c for c in slack.posts(dm)
                        if script.agent_answer in c.params["text"]], "the relayed answer")
    confirmation = slack.wait_post(AGENTS, prefix("case.reply_sent", "en"))
    assert confirmation.params["thread_ts"] == notice_ts
    assert slack.scalar(select(Case.first_response_at).where(Case.id == case_id)) is not None

    # 6. The partner's next DM joins the same case; the agent who took it hears of it.
    slack.dm(script.partner, script.follow_up)
    slack.wait_post(dm, prefix("case.added", script.lang))
    wait_until(lambda: [c for c in slack.fake.calls("chat.postMessage")
                        if c.params.get("channel") == PEOPLE.alex and c.ok], "the agent's notice")
    assert slack.count(Case) == 1
    assert slack.count(CaseMessage, CaseMessage.case_id == case_id,
                       CaseMessage.kind == "partner") == 2

    # 7. The agent sets severity 2 with a button: final, the bot stops re-classifying.
    severity = slack.press(PEOPLE.alex, notice, button(notice, f"sev:{case_id}:2"))
    slack.wait_response(severity, prefix("case.severity_set", "en"))
    row = slack.scalar(select(Case).where(Case.id == case_id))
    assert (row.severity, row.severity_source) == (2, "agent")

    # 8. The agent resolves it with /support; the partner is told in their language.
    resolved = slack.command(PEOPLE.alex, f"resolve {case_id}", channel=AGENTS)
    slack.wait_response(resolved, prefix("case.resolved", "en"))
    slack.wait_post(dm, prefix("case.resolved_notice", script.lang))
    row = slack.scalar(select(Case).where(Case.id == case_id))
    assert row.status == "resolved" and row.resolved_at is not None

    # 9. The stale "resolve" button on the old notice gets a clear answer and changes nothing.
    again = slack.press(PEOPLE.alex, notice, button(notice, "res:"))
    slack.wait_response(again, prefix("case.already_resolved", "en"))
    assert slack.scalar(select(Case.resolved_at).where(Case.id == case_id)) == row.resolved_at


def test_mention_in_a_channel_opens_a_case_in_its_thread(slack: SlackDesk) -> None:
    shared = "C0SHARED"
    root = slack.next_ts()
    slack.mention(PEOPLE.lucia, shared, "la API está caída para todos nuestros clientes",
                  ts=root)
    opened = slack.wait_post(shared, prefix("case.opened", "es"))
    assert opened.params["thread_ts"] == root
    case_id = wait_until(lambda: slack.scalar(select(Case.id)), "the case")
    # The mention itself is not part of the stored text.
    stored = slack.scalar(select(CaseMessage.text).where(CaseMessage.case_id == case_id))
    assert "<@" not in stored and stored.startswith("la API")
    conversation = slack.scalar(select(Conversation).where(Conversation.chat_id == shared))
    assert conversation.thread_key == root

    # Follow-up in the thread without a mention joins the case.
    slack.channel_message(PEOPLE.lucia, shared, "También fallan los webhooks desde esta mañana.",
                          thread_ts=root)
    added = slack.wait_post(shared, prefix("case.added", "es"))
    assert added.params["thread_ts"] == root
    # Ordinary channel chatter, a stranger thread, a bot's message and an edit are ignored.
    slack.channel_message(PEOPLE.lucia, shared, "¿Alguien quiere café?")
    slack.channel_message(PEOPLE.lucia, shared, "hilo ajeno", thread_ts=slack.next_ts())
    slack.channel_message(PEOPLE.lucia, shared, "bot echo", thread_ts=root,
                          extra={"bot_id": "B0OTHER"})
    slack.channel_message(PEOPLE.lucia, shared, "editado", thread_ts=root,
                          extra={"subtype": "message_changed"})
    # Sync point: a later message is answered, so the ignored ones were handled before it.
    slack.channel_message(PEOPLE.lucia, shared, "Y el panel tampoco carga.", thread_ts=root)
    slack.wait_post(shared, prefix("case.added", "es"), count=2)
    assert slack.count(Case) == 1
    assert slack.count(CaseMessage, CaseMessage.case_id == case_id) == 3
    assert len(slack.posts(shared)) == 3


def test_slack_locale_is_the_hint_for_a_text_too_short_to_judge(slack: SlackDesk) -> None:
    slack.fake.set_locale(PEOPLE.lucia, "pt-BR")
    slack.dm(PEOPLE.lucia, "API 500 ???")
    slack.wait_post(dm_channel(PEOPLE.lucia), prefix("case.opened", "pt-BR"))
    assert [c.params.get("include_locale") for c in slack.fake.calls("users.info")] == ["1"]


def test_answering_the_bot_in_a_dm_thread_stays_on_the_case(slack: SlackDesk) -> None:
    dm = dm_channel(PEOPLE.hans)
    slack.dm(PEOPLE.hans, GERMAN.outage)
    opened = slack.wait_post(dm, prefix("case.opened", "de"))
    slack.dm(PEOPLE.hans, GERMAN.follow_up, thread_ts=posted_ts(opened))
    added = slack.wait_post(dm, prefix("case.added", "de"))
    assert added.params["thread_ts"] == posted_ts(opened)
    assert slack.count(Case) == 1


def test_support_command_alone_shows_help_and_subcommands_work(slack: SlackDesk) -> None:
    helped = slack.command(PEOPLE.hans, "")
    answer = slack.wait_response(helped, "")
    assert "/new" in answer.params["text"]
    assert answer.params["response_type"] == "ephemeral"
    opened = slack.command(PEOPLE.hans, "new Die Webhooks kommen bei einigen Kunden nicht an")
    slack.wait_response(opened, prefix("case.opened", "de"))
    case_id = wait_until(lambda: slack.scalar(select(Case.id)), "the case")
    status = slack.command(PEOPLE.hans, f"status {case_id}")
    reply = wait_until(lambda: slack.responses(status), "the status answer")[0]
    assert f"#{case_id}" in reply.params["text"]
    # Replies to slash commands are never posted into the channel.
    assert not slack.posts(dm_channel(PEOPLE.hans))
