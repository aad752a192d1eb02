"""AI assistance end to end through the real handlers with the fake OpenAI-compatible model:
the triage second opinion, translations both ways, fallbacks, the excluded organization, and
only message text sent to the model."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ai import triage
from ai.client import AiConfig, ChatClient
from desk.ai import Assistant
from handlers import ai_assist
from handlers.escalation_commands import VERB
from messages import actions
from store.db import transaction
from store.models import AuditEntry, Organization
from tests.conversation.conftest import World, keys, number_of
from tests.fakes.openai_api import FakeOpenAiApi

QUIET = "Hello, a question about how template categories work in the dashboard please."
GERMAN = ("Guten Tag, wir haben eine Frage zu den Vorlagen und wie die Kategorien im "
          "Dashboard funktionieren. Vielen Dank für Ihre Hilfe.")


@pytest.fixture
def fake() -> Iterator[FakeOpenAiApi]:
    with FakeOpenAiApi() as api:
        api.hang_seconds = 3.0
        yield api


def assistant(fake: FakeOpenAiApi, *, inline: bool = True, timeout: float = 1.0,
              triage_on: bool = True, translate_on: bool = True) -> Assistant:
    client = ChatClient(AiConfig(fake.base_url, "fake-model", "sk-SECRET", timeout),
                        max_wait=0.01)
    return Assistant(client, triage_on=triage_on, translate_on=translate_on, inline=inline)


@pytest.fixture
def ai_world(world: World, fake: FakeOpenAiApi) -> Iterator[World]:
    world.h.desk.ai = assistant(fake)
    yield world
    world.h.desk.ai.close()


def agent_notices(world: World, key: str) -> list[dict[str, object]]:
    return [d.params for d in world.h.delivered if d.key == key and d.chat_id == "agents"]


def test_without_ai_nothing_is_sent_to_a_model(world: World, fake: FakeOpenAiApi) -> None:
    assert world.h.desk.ai is None
    outcome = world.h.send(world.pat, QUIET)
    assert keys(outcome)[0].startswith("case.opened")
    world.h.deliver()
    assert fake.calls == [] and not [d for d in world.h.delivered if d.key.startswith("ai.")]


def test_a_confident_opinion_raises_the_severity_and_the_agents_see_both(
        ai_world: World, fake: FakeOpenAiApi) -> None:
    w = ai_world
    outcome = w.h.send(w.pat, QUIET)
    number = number_of(outcome)
    assert outcome.replies[0].params["severity"] == 3  # the partner's answer: the rules'
    assert w.h.case(number).severity == 1
    w.h.deliver()
    [notice] = agent_notices(w, "ai.opinion_raised")
    assert (notice["rules"], notice["model"], notice["confidence"]) == (3, 1, "0.86")
    text = next(d.text for d in w.h.delivered if d.key == "ai.opinion_raised")
    assert "rules: 3; model: 1, 0.86: all messages are failing" in text
    # only the message text went out: no names, ids, organization or case number
    [call] = fake.calls
    assert call.user_text == QUIET
    assert call.system == triage.system_prompt(ai_assist.NAMES)  # fixed: nothing of the case
    assert set(call.body) == {"model", "temperature", "messages", "response_format"}
    sent = str(call.body)
    for private in ("Pat", "Acme", w.pat.external_id, f"#{number}"):
        assert private not in sent


def test_an_unsure_or_lower_opinion_never_lowers_and_is_only_shown(
        ai_world: World, fake: FakeOpenAiApi) -> None:
    w = ai_world
    fake.triage = {**fake.triage, "confidence": triage.CONFIDENT - 0.1}
    number = number_of(w.h.send(w.pat, QUIET))
    assert w.h.case(number).severity == 3
    w.h.deliver()
    assert agent_notices(w, "ai.opinion")[0]["model"] == 1
    fake.triage = {**fake.triage, "severity": 3, "confidence": 0.99}
    urgent = number_of(w.h.send(w.olga, "URGENT: production outage, all messages failing "
                                         "since 10:00, nothing is delivered!"))
    before = w.h.case(urgent).severity
    assert before < 3 and w.h.case(urgent).severity == before


@pytest.mark.parametrize("mode", ["invented", "malformed", "500", "429", "hang"])
def test_a_bad_answer_is_no_opinion_and_the_case_is_as_before(
        ai_world: World, fake: FakeOpenAiApi, mode: str) -> None:
    w = ai_world
    fake.mode = mode
    outcome = w.h.send(w.pat, QUIET)
    number = number_of(outcome)
    assert keys(outcome)[0].startswith("case.opened")
    assert w.h.case(number).severity == 3
    w.h.deliver()
    assert not [d for d in w.h.delivered if d.key.startswith("ai.opinion")]
    with w.h.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "ai.triage")).one()
    assert entry.details["opinion"] is None
    assert w.h.desk.ai is not None and w.h.desk.ai.client.counters.as_dict()["fallbacks"] == 1


def test_an_agent_set_severity_is_never_touched(ai_world: World) -> None:
    w = ai_world
    number = number_of(w.h.send(w.pat, QUIET))
    w.h.send(w.alex, f"/severity {number} 3")
    ai_assist.second_opinion(w.h.desk, number, QUIET)
    assert w.h.case(number).severity == 3


def test_an_excluded_organization_is_never_sent_to_the_model(
        ai_world: World, fake: FakeOpenAiApi) -> None:
    w = ai_world
    with transaction(w.h.desk.sessions) as s:
        s.get(Organization, w.org).ai_enabled = False
    number = number_of(w.h.send(w.pat, GERMAN))
    w.h.send(w.pat, "URGENT: outage now, all messages failing!")
    w.h.send(w.alex, f"/reply {number} Hello, we are looking into it.")
    assert fake.calls == []
    assert [d.key for d in w.h.deliver() if d.key.startswith("ai.")] == []


def test_the_model_category_is_the_default_when_the_partner_escalates_without_one(
        ai_world: World, fake: FakeOpenAiApi) -> None:
    w = ai_world
    fake.triage = {**fake.triage, "category": "policy_violation_appeal"}
    number = number_of(w.h.send(w.pat, QUIET))
    outcome = w.h.send(w.pat, f"/escalate {number}")
    assert outcome.replies[0].key == "escalation.choose"
    assert outcome.replies[0].buttons[0].action == actions.encode(VERB, number, "pv")


def test_a_german_partner_and_an_english_agent(ai_world: World, fake: FakeOpenAiApi) -> None:
    w = ai_world
    number = number_of(w.h.send(w.pat, GERMAN))
    w.h.deliver()
    [translation] = agent_notices(w, "ai.translation")
    assert translation["text"] == f"[English] {GERMAN}"
    status = w.h.send(w.alex, f"/status {number}")
    assert "ai.translation" in keys(status)
    # the agent's reply reaches the partner in German with the original below
    w.h.send(w.alex, f"/reply {number} We are looking into it.")
    new = w.h.deliver()
    [to_partner] = [d for d in new if d.recipient_user_id == w.pat.id]
    assert to_partner.key == "ai.agent_reply_translated"
    assert to_partner.params["text"] == "[German] We are looking into it."
    assert to_partner.params["original"] == "We are looking into it."
    assert "Maschinelle Übersetzung" in to_partner.text
    [told] = [d for d in new if d.recipient_user_id == w.alex.id]
    assert told.key == "ai.reply_translated"
    assert told.params["text"] == "[German] We are looking into it."
    # --as-is: untranslated; notes: never translated nor sent
    calls = len(fake.calls)
    w.h.send(w.alex, f"/reply {number} --as-is Danke!")
    w.h.send(w.alex, f"/note {number} partner seems upset")
    new = w.h.deliver()
    assert [(d.key, d.params["text"]) for d in new if d.recipient_user_id == w.pat.id] == \
        [("case.agent_reply", "Danke!")]
    assert len(fake.calls) == calls
    assert not any("upset" in c.user_text for c in fake.calls)


def test_a_failed_translation_sends_the_original_once_and_tells_the_agent(
        ai_world: World, fake: FakeOpenAiApi) -> None:
    w = ai_world
    number = number_of(w.h.send(w.pat, GERMAN))
    w.h.deliver()
    fake.mode = "500"
    w.h.send(w.alex, f"/reply {number} We are looking into it.")
    new = w.h.deliver()
    assert [(d.key, d.params["text"]) for d in new if d.recipient_user_id == w.pat.id] == \
        [("case.agent_reply", "We are looking into it.")]
    assert [d.key for d in new if d.recipient_user_id == w.alex.id] == \
        ["ai.reply_untranslated"]


def test_a_held_reply_goes_out_untranslated_if_the_job_never_runs(
        ai_world: World, fake: FakeOpenAiApi) -> None:
    w = ai_world
    number = number_of(w.h.send(w.pat, GERMAN))
    w.h.deliver()
    assert w.h.desk.ai is not None
    w.h.desk.ai.submit = lambda job: None  # type: ignore[method-assign]  # the process died
    w.h.send(w.alex, f"/reply {number} We are looking into it.")
    assert [d for d in w.h.deliver() if d.recipient_user_id == w.pat.id] == []
    w.h.clock.advance(seconds=ai_assist.HOLD_FACTOR * 1.0 + 6)
    [sent] = [d for d in w.h.deliver() if d.recipient_user_id == w.pat.id]
    assert sent.params["text"] == "We are looking into it."


def test_a_hanging_model_does_not_delay_the_partner(world: World, fake: FakeOpenAiApi) -> None:
    fake.mode = "hang"
    world.h.desk.ai = assistant(fake, inline=False, timeout=2.0)
    started = time.monotonic()
    outcome = world.h.send(world.pat, QUIET)
    took = time.monotonic() - started
    assert keys(outcome)[0].startswith("case.opened")
    assert took < 1.5  # the model (hanging for 3 s, timeout 2 s) is asked in the background
    world.h.desk.ai.drain()
    assert world.h.case(number_of(outcome)).severity == 3
    world.h.desk.ai.close()


def test_only_a_raising_follow_up_asks_for_another_opinion(
        ai_world: World, fake: FakeOpenAiApi) -> None:
    w = ai_world
    fake.triage = {**fake.triage, "severity": 3}
    number = number_of(w.h.send(w.pat, QUIET))
    w.h.send(w.pat, "Thanks, one more detail: it is the marketing templates.")
    assert len(fake.calls) == 1  # a follow-up that changes nothing is not sent
    w.h.send(w.pat, "URGENT: production outage now, all messages failing, nothing delivered!")
    assert w.h.case(number).severity < 3
    assert [c.user_text for c in fake.calls][1:] == [
        "URGENT: production outage now, all messages failing, nothing delivered!"]
