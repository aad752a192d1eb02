"""`supportdesk classify`: language, severity and reasons, as text and as JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["classify", *args], input=stdin)


def test_text_output_names_language_severity_and_reasons() -> None:
    result = run("The API is down for all our clients and nobody can send messages")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "language: en"
    assert lines[1] == "severity: 1"
    assert lines[2].startswith("reasons: ") and "down" in lines[2]


def test_json_has_exactly_the_three_keys() -> None:
    result = run("--json", "Mensagens não são entregues para alguns clientes desde ontem")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"language", "severity", "reasons"}
    assert document["language"] == "pt-BR"
    assert document["severity"] == 2
    assert "alguns" in document["reasons"]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Утечка данных у нескольких клиентов", "ru", 1),
        ("Nachrichten werden bei einigen Kunden nicht zugestellt", "de", 2),
        ("el panel va lento pero funciona, ¿es normal?", "es", 3),
    ],
)
def test_detected_language_selects_the_rules(text: str, language: str, expected: int) -> None:
    document = json.loads(run("--json", text).stdout)
    assert (document["language"], document["severity"]) == (language, expected)


def test_several_words_without_quotes_are_one_text() -> None:
    document = json.loads(run("--json", "the", "API", "is", "down", "for", "all").stdout)
    assert document["severity"] == 1


def test_language_option_overrides_detection_and_is_normalized() -> None:
    document = json.loads(run("--json", "--language", "pt_BR", "API down").stdout)
    assert document["language"] == "pt-BR"
    assert document["severity"] == 1


def test_too_short_to_detect_uses_every_rule_table() -> None:
    document = json.loads(run("--json", "vazamento").stdout)
    assert document["severity"] == 1


def test_text_from_standard_input() -> None:
    result = run("--json", "-", stdin="все клиенты не получают сообщения\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "language": "ru",
        "severity": 1,
        "reasons": ["не получают", "все"],
    }


@pytest.mark.parametrize("args", [(), ("",), ("   ",), ("--json", "\n")])
def test_empty_text_is_a_clear_error_with_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "nothing to classify" in result.stderr
    assert result.stdout == ""


def test_unknown_language_is_a_clear_error_with_exit_2() -> None:
    result = run("--language", "klingon", "API is down")
    assert result.exit_code == 2
    assert "unknown language 'klingon'" in result.stderr
    assert "en, pt-BR, de, es, ru" in result.stderr
