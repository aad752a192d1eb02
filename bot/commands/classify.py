"""`supportdesk classify TEXT`: the language and severity the desk would give a message."""

from __future__ import annotations

import sys

import click

import locales
import severity
from bot.commands.common import emit_json, fail, handle_errors, json_option


def _message(words: tuple[str, ...]) -> str:
    if words == ("-",):
        return sys.stdin.read()
    return " ".join(words)


@click.command()
@click.argument("text", nargs=-1)
@click.option(
    "--language",
    "language_code",
    metavar="CODE",
    help="Language of the text (en, pt-BR, de, es, ru); detected when omitted.",
)
@json_option
@handle_errors
def classify(text: tuple[str, ...], language_code: str | None, as_json: bool) -> None:
    """Detect the language of TEXT and classify its severity (1 critical .. 3 minor).

    TEXT may be several words; "-" reads it from standard input.
    """
    message = _message(text).strip()
    if not message:
        fail("nothing to classify: give the message text, e.g. supportdesk classify 'API is down'")
    if language_code is not None:
        language = locales.normalize(language_code)
        if language is None:
            fail(f"unknown language {language_code!r}: use one of {', '.join(locales.LANGUAGES)}")
        rules_language: str | None = language
    else:
        language = locales.detect_language(message)
        # Too short or unclear to detect: every language's rules get a say.
        rules_language = locales.confident_language(message)
    result = severity.classify(message, rules_language)
    if as_json:
        emit_json(
            {"language": language, "severity": result.severity, "reasons": list(result.reasons)}
        )
        return
    click.echo(f"language: {language}")
    click.echo(f"severity: {result.severity}")
    click.echo(f"reasons: {'; '.join(result.reasons) if result.reasons else '-'}")
