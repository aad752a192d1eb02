"""The model client against the fake OpenAI-compatible API: answers, retries, timeouts, counters,
and the API key never in a log line or an error message."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from ai.client import AiConfig, ChatClient, ModelError
from tests.fakes.openai_api import FakeOpenAiApi

KEY = "sk-test-SECRET-never-shown"


@pytest.fixture
def fake() -> Iterator[FakeOpenAiApi]:
    with FakeOpenAiApi() as api:
        api.hang_seconds = 2.0
        yield api


def client(fake: FakeOpenAiApi, timeout: float = 2.0) -> ChatClient:
    return ChatClient(AiConfig(fake.base_url, "test-model", KEY, timeout), max_wait=0.01)


def test_a_good_answer_sends_the_text_model_key_and_json_mode(fake: FakeOpenAiApi) -> None:
    answer = client(fake).complete("sys", "hello", json_mode=True)
    assert '"severity": 1' in answer
    call = fake.calls[0]
    assert call.path == "/v1/chat/completions"
    assert call.body["model"] == "test-model"
    assert call.body["response_format"] == {"type": "json_object"}
    assert call.user_text == "hello"
    assert call.headers["Authorization"] == f"Bearer {KEY}"


def test_429_and_500_are_retried_then_answered(fake: FakeOpenAiApi) -> None:
    fake.queue("429", "500")
    ai = client(fake)
    assert "severity" in ai.complete("sys", "x")
    assert len(fake.calls) == 3
    assert ai.counters.as_dict()["calls"] == 1
    assert ai.counters.as_dict()["failures"] == 0


def test_persistent_500_gives_up_after_three_attempts(fake: FakeOpenAiApi) -> None:
    fake.mode = "500"
    ai = client(fake)
    with pytest.raises(ModelError, match="HTTP 500"):
        ai.complete("sys", "x")
    assert len(fake.calls) == 3
    assert ai.counters.as_dict()["failures"] == 1


def test_a_hanging_model_fails_within_the_timeout(fake: FakeOpenAiApi) -> None:
    fake.mode = "hang"
    ai = client(fake, timeout=0.3)
    with pytest.raises(ModelError, match="timed out"):
        ai.complete("sys", "x")
    stats = ai.counters.as_dict()
    assert stats["failures"] == 1 and stats["mean_latency_ms"] < 1500


def test_the_key_is_never_in_an_error_or_a_log_line(fake: FakeOpenAiApi,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for mode in ("500", "hang", "malformed"):
        fake.mode = mode
        try:
            client(fake, timeout=0.3).complete("sys", "x")
        except ModelError as exc:
            assert KEY not in str(exc) and KEY not in repr(exc)
    assert KEY not in caplog.text


def test_a_refused_connection_is_a_model_error() -> None:
    ai = ChatClient(AiConfig("http://127.0.0.1:9/v1", "m", KEY, 0.5))
    with pytest.raises(ModelError) as caught:
        ai.complete("sys", "x")
    assert KEY not in str(caught.value)
