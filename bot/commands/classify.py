"""`supportdesk classify TEXT`: the language and severity the desk would give a message."""

from __future__ import annotations

import sys

import click

import locales
import severity
from bot.commands._admin import AdminCommand
from bot.commands.common import emit_json, fail, handle_errors, json_option


def _message(words: tuple[str, ...]) -> str:
    if words == ("-",):
        return sys.stdin.read()
    return " ".join(words)


@click.command(cls=AdminCommand)
@click.argument("text", nargs=-1)
@json_option
@handle_errors
def classify(text: tuple[str, ...], as_json: bool) -> None:
    """Detect the language of TEXT and classify its severity (1 critical .. 3 minor).

    TEXT may be several words; "-" reads it from standard input. The severity does not depend
    on the language: every language's concepts and the same model read every message.
    """
    message = _message(text).strip()
    if not message:
        fail("nothing to classify: give the message text, e.g. supportdesk classify 'API is down'")
    found = locales.identify_language(message)
    language = found.language if found is not None else None
    answer = locales.reply_language(message).language
    result = severity.classify(message)
    if as_json:
        emit_json({
            "language": language, "language_confidence": round(found.confidence, 3)
            if found else None, "reply_language": answer, "severity": result.severity,
            "confidence": result.confidence, "needs_review": result.needs_review,
            "reasons": list(result.reasons), "concepts": list(result.concepts),
        })
        return
    click.echo(f"language: {language or '-'} (answered in {answer})")
    click.echo(f"severity: {result.severity} (confidence {result.confidence:.0%}"
               f"{', please check' if result.needs_review else ''})")
    click.echo(f"reasons: {'; '.join(result.reasons) if result.reasons else '-'}")
    click.echo(f"concepts: {'; '.join(result.concepts) if result.concepts else '-'}")
