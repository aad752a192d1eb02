"""AI assistance in Slack: the real `supportdesk run` with AI_* settings pointing at the fake
OpenAI-compatible model and the fake Web API. A German partner's message reaches the agents'
channel with its translation and the model's second opinion; the agent's reply reaches the
partner in German with the original below; the excluded organization is never sent to the
model; the API key is in no log line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from store.db import make_session_factory, transaction
from store.models import Case, Organization
from tests.fakes.openai_api import FakeOpenAiApi
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import PEOPLE, stop_process
from tests.slack.harness import (
    AGENTS,
    SlackDesk,
    desk_env,
    dm_channel,
    free_port,
    prefix,
    start_desk,
    wait_until,
)

pytestmark = pytest.mark.e2e
KEY = "sk-slack-SECRET-key"
GERMAN = "Hallo, unsere Vorlagen werden seit heute Morgen alle abgelehnt."
SPANISH = "Hola, nuestras plantillas son rechazadas desde esta mañana, por favor ayuda."


@pytest.fixture
def slack_ai(db_url: str, desk_engine: Engine, fake_slack: FakeSlackApi,
             tmp_path: Path) -> Iterator[tuple[SlackDesk, FakeOpenAiApi]]:
    with transaction(make_session_factory(desk_engine)) as s:  # Lucía's organization opts out
        s.execute(update(Organization).where(Organization.name == "Mensajes Rápidos SA")
                  .values(ai_enabled=False))
    with FakeOpenAiApi() as model:
        port = free_port()
        env = desk_env(db_url, fake_slack.api_url, port, AI_BASE_URL=model.base_url,
                       AI_MODEL="fake", AI_API_KEY=KEY, AI_TRIAGE="on", AI_TRANSLATE="on",
                       AI_TIMEOUT_SECONDS="2", LOG_LEVEL="DEBUG")
        process = start_desk(env, tmp_path)
        desk = SlackDesk(process, port, fake_slack, desk_engine, tmp_path / "desk.log")
        try:
            desk.wait_ready()
            yield desk, model
        finally:
            code = stop_process(process)
            assert code == 0, f"desk exited with {code}:\n{desk.log()}"
            assert KEY not in desk.log()


def test_translations_and_second_opinion_in_slack(
        slack_ai: tuple[SlackDesk, FakeOpenAiApi]) -> None:
    slack, model = slack_ai
    slack.dm(PEOPLE.hans, GERMAN)
    slack.wait_post(dm_channel(PEOPLE.hans), prefix("case.opened", "de"))
    number = wait_until(lambda: slack.scalar(select(Case.id)), "the case row")
    translation = slack.wait_post(AGENTS, f"Case #{number}, machine translation")
    assert f"[English] {GERMAN}" in translation.params["text"]
    opinion = slack.wait_post(AGENTS, f"Case #{number}, severity raised")
    assert re.search(r"rules: [23]; model: 1, 0\.86", opinion.params["text"])

    slack.command(PEOPLE.alex, f"reply {number} We are on it.", channel=AGENTS)
    reply = slack.wait_post(dm_channel(PEOPLE.hans), f"Fall #{number} – Alex Agent")
    text = reply.params["text"]
    assert "[German] We are on it." in text and text.rstrip().endswith("We are on it.")
    slack.wait_post(PEOPLE.alex, f"Your reply on case #{number} was sent translated")

    slack.dm(PEOPLE.lucia, SPANISH)  # an excluded organization: never sent to the model
    slack.wait_post(dm_channel(PEOPLE.lucia), prefix("case.opened", "es"))
    assert {c.user_text for c in model.calls} == {GERMAN, "We are on it."}
    assert all(c.headers.get("Authorization") == f"Bearer {KEY}" for c in model.calls)
