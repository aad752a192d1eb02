"""AI settings and `supportdesk org set NAME --ai on|off`."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ai.client import AiConfig, ChatClient
from bot.settings import SettingsError, load_settings
from desk import audit
from desk.ai import Assistant
from desk.context import DeskContext
from store.db import transaction
from store.models import Organization
from tests.cli.conftest import Run


def test_ai_is_off_unless_configured() -> None:
    settings = load_settings(_env_file=None)
    assert (settings.ai_triage, settings.ai_translate, settings.ai_timeout_seconds) == \
        (False, False, 3.0)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"ai_triage": "on"}, "AI_BASE_URL: is required"),
    ({"ai_translate": "on", "ai_base_url": "http://127.0.0.1:1/v1"}, "AI_MODEL: is required"),
    ({"ai_base_url": "ftp://x"}, "AI_BASE_URL: must be an http"),
    ({"ai_timeout_seconds": "0"}, "AI_TIMEOUT_SECONDS"),
    ({"ai_triage": "maybe"}, "AI_TRIAGE"),
])
def test_bad_ai_settings_are_refused_at_start(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(_env_file=None, **overrides)


def test_the_key_is_not_in_the_settings_repr() -> None:
    settings = load_settings(_env_file=None, ai_triage="on", ai_base_url="http://h/v1",
                             ai_model="m", ai_api_key="sk-SECRET")
    assert "sk-SECRET" not in repr(settings) and "sk-SECRET" not in str(settings)
    assert settings.ai_api_key is not None
    assert settings.ai_api_key.get_secret_value() == "sk-SECRET"


def test_org_set_ai_off_and_on(run: Run, run_json: Any,
                               sessions: sessionmaker[Session]) -> None:
    run_json("org", "add", "Acme", "--currency", "EUR", "--billing-model", "direct-paid")
    assert run_json("org", "set", "Acme", "--ai", "off") == \
        {"organization": "Acme", "ai": "off", "changed": True}
    with sessions() as session:
        assert session.query(Organization).one().ai_enabled is False
    assert "unchanged" in run("org", "set", "Acme", "--ai", "OFF").stdout
    assert run_json("org", "set", "Acme", "--ai", "on")["changed"] is True


@pytest.mark.parametrize("args", [("--ai", "maybe"), ("--ai", "on", "--cycle", "yearly"), ()])
def test_org_set_refuses_in_one_line(run: Run, run_json: Any, args: tuple[str, ...]) -> None:
    run_json("org", "add", "Acme", "--currency", "EUR", "--billing-model", "direct-paid")
    result = run("org", "set", "Acme", *args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_ai_status_off_with_no_calls(run: Run, run_json: Any) -> None:
    doc = run_json("ai", "status")
    assert doc["enabled"] is False and doc["counters"]["all"]["calls"] == 0
    assert run("ai", "status").stdout.startswith("AI assistance: off")


def test_ai_status_counts_the_audited_calls_and_never_shows_the_key(
        run: Run, run_json: Any, desk: DeskContext, sessions: sessionmaker[Session]) -> None:
    desk.ai = Assistant(ChatClient(AiConfig("http://127.0.0.1:9/v1", "m", "sk-SECRET")),
                        triage_on=True, translate_on=False)
    now = desk.clock.now()
    with transaction(sessions) as session:
        for action, details in [
            ("ai.triage", {"ok": True, "latency_ms": 100, "opinion": {"severity": 1}}),
            ("ai.triage", {"ok": False, "latency_ms": 300, "opinion": None}),
            ("ai.translate", {"ok": True, "latency_ms": 200, "fallback": True}),
        ]:
            audit.record(session, actor="ai", action=action, entity="case", entity_id=1,
                         details=details, now=now)
    doc = run_json("ai", "status")
    assert doc["enabled"] is True and doc["config"]["api_key"] == "set"
    assert doc["counters"]["all"] == {"calls": 3, "failures": 1, "fallbacks": 2,
                                      "mean_latency_ms": 200.0}
    assert doc["counters"]["triage"]["calls"] == 2
    text = run("ai", "status").stdout
    assert "sk-SECRET" not in text and "triage on" in text
    assert run("ai", "status", "--days", "0").exit_code == 2
    assert run("ai", "status", "--help").exit_code == 0
