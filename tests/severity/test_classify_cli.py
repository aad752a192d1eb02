"""`supportdesk classify`: language, severity, confidence and reasons, as text and as JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["classify", *args], input=stdin)


def test_text_output_names_language_severity_confidence_and_reasons() -> None:
    result = run("The API is down for all our clients and nobody can send messages")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "language: en (answered in en)"
    assert lines[1].startswith("severity: 1 (confidence ")
    assert lines[2].startswith("reasons: ") and lines[2] != "reasons: -"


def test_json_has_the_verdict_its_confidence_and_reasons() -> None:
    result = run("--json", "Mensagens não são entregues para alguns clientes desde ontem")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"language", "language_confidence", "reply_language", "severity",
                             "confidence", "needs_review", "reasons", "concepts"}
    assert document["language"] == "pt-BR"
    assert document["severity"] == 2
    assert 0 < document["confidence"] <= 1
    assert all(reason in "Mensagens não são entregues para alguns clientes desde ontem"
               for reason in document["reasons"])


def test_a_russian_message_is_russian_whatever_anyone_stored() -> None:
    document = json.loads(run("--json", "Утечка: клиенты видят чужие переписки в хабе").stdout)
    assert (document["language"], document["severity"]) == ("ru", 1)


def test_an_italian_message_is_answered_in_english() -> None:
    document = json.loads(run("--json", "Buongiorno, da ieri sera nessuno dei nostri clienti "
                                        "riceve i messaggi").stdout)
    assert document["language"] == "other"
    assert document["reply_language"] == "en"


def test_several_words_without_quotes_are_one_text() -> None:
    document = json.loads(run("--json", "the", "API", "is", "down", "for", "all", "our",
                              "clients").stdout)
    assert document["severity"] == 1


def test_text_from_standard_input() -> None:
    result = run("--json", "-", stdin="Все шаблоны пропали из хаба\n")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["language"], document["severity"]) == ("ru", 1)
    assert "пропали" in " ".join(document["reasons"])


@pytest.mark.parametrize("args", [(), ("",), ("   ",), ("--json", "\n")])
def test_empty_text_is_a_clear_error_with_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "nothing to classify" in result.stderr
    assert result.stdout == ""


def test_the_removed_language_option_is_refused_clearly() -> None:
    result = run("--language", "de", "API is down")
    assert result.exit_code == 2
    assert "--language" in result.stderr
