"""Negations and questions do not trip severity 1 by themselves; impact statements still do."""

from __future__ import annotations

import pytest

import severity

NEGATED = [
    ("en", "The API is not down"),
    ("en", "The hub isn't down, we only have a billing question"),
    ("en", "No data was leaked, we just want to confirm that"),
    ("pt-BR", "A API não está fora do ar"),
    ("pt-BR", "Não houve vazamento de dados"),
    ("de", "Die API ist nicht ausgefallen"),
    ("de", "Es gab kein Datenleck"),
    ("de", "Ein Datenleck gibt es nicht"),
    ("es", "La API no está caída"),
    ("es", "No hubo ninguna fuga de datos"),
    ("ru", "API не упал"),
    ("ru", "Ничего не упало"),
    ("ru", "Утечки данных не было"),
]

QUESTIONS = [
    ("en", "Is the API down?"),
    ("en", "is the api down"),
    ("en", "Was there a data leak?"),
    ("pt-BR", "A API está fora do ar?"),
    ("pt-BR", "Houve vazamento de dados?"),
    ("de", "Ist die API ausgefallen?"),
    ("de", "Ist die API ausgefallen"),
    ("es", "¿Está caída la API?"),
    ("es", "¿Hubo una fuga de datos?"),
    ("ru", "API упал?"),
    ("ru", "Упал ли API"),
]

QUESTION_THEN_IMPACT = [
    ("en", "Is the API down? None of our clients can send anything."),
    ("pt-BR", "A API está fora do ar? Nenhum cliente consegue enviar."),
    ("de", "Ist die API ausgefallen? Kein Kunde kann Nachrichten senden."),
    ("es", "¿Está caída la API? Ningún cliente puede enviar mensajes."),
    ("ru", "API упал? Все клиенты не получают сообщения."),
]

PRESUPPOSING = [
    ("en", "Why is the API down for all our clients?"),
    ("pt-BR", "Por que a API está fora do ar para todos os clientes?"),
    ("de", "Warum ist die API für alle Kunden ausgefallen?"),
    ("es", "¿Por qué la API está caída para todos los clientes?"),
    ("ru", "Почему API упал у всех клиентов?"),
]


@pytest.mark.parametrize(("language", "text"), NEGATED)
def test_negation_alone_is_minor(language: str, text: str) -> None:
    assert severity.classify(text, language).severity == 3


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The API is not down, but sending to some customers fails"),
        ("pt-BR", "A API não está fora do ar, mas o envio para alguns clientes falha"),
        ("de", "Die API ist nicht ausgefallen, aber der Versand an einige Kunden schlägt fehl"),
        ("es", "La API no está caída, pero el envío a algunos clientes falla"),
        ("ru", "API не упал, но отправка некоторым клиентам не проходит"),
    ],
)
def test_negated_outage_with_partial_failure_is_major(language: str, text: str) -> None:
    result = severity.classify(text, language)
    assert result.severity == 2
    assert not any(
        r.lower() in ("down", "fora do ar", "ausgefallen", "caída", "упал") for r in result.reasons
    )


@pytest.mark.parametrize(("language", "text"), QUESTIONS)
def test_question_alone_is_minor(language: str, text: str) -> None:
    result = severity.classify(text, language)
    assert result.severity == 3
    assert result.reasons, "the question itself is named as the reason"


@pytest.mark.parametrize(("language", "text"), QUESTION_THEN_IMPACT)
def test_question_with_impact_statement_is_critical(language: str, text: str) -> None:
    assert severity.classify(text, language).severity == 1


@pytest.mark.parametrize(("language", "text"), PRESUPPOSING)
def test_why_question_reports_the_outage(language: str, text: str) -> None:
    assert severity.classify(text, language).severity == 1


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Yesterday sending failed for all clients, now everything is fine again"),
        ("pt-BR", "Ontem o envio falhou para todos, agora está tudo normal"),
        ("de", "Gestern schlug der Versand bei allen fehl, jetzt geht wieder alles"),
        ("es", "Ayer fallaron los envíos a todos, ya funciona todo"),
        ("ru", "Вчера был сбой у всех, сейчас всё нормально"),
    ],
)
def test_resolved_problem_is_minor(language: str, text: str) -> None:
    assert severity.classify(text, language).severity == 3


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "Ahora no funciona nada"),
        ("ru", "Сейчас не работает ничего"),
        ("en", "Nothing works, it is not back to normal"),
    ],
)
def test_negated_recovery_is_no_recovery(language: str, text: str) -> None:
    assert severity.classify(text, language).severity == 1


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "What a mess, the API is down for all our clients"),
        ("ru", "Вряд ли это связано с нами, но API упал у всех клиентов"),
        ("de", "Alle Kunden sind betroffen, der Versand ist komplett ausgefallen!"),
    ],
)
def test_exclamations_and_idioms_are_no_questions(language: str, text: str) -> None:
    assert severity.classify(text, language).severity == 1


def test_a_leak_in_a_resolved_sentence_stays_critical() -> None:
    text = "There was a data leak yesterday, everything is fine now"
    assert severity.classify(text, "en").severity == 1


def test_scope_of_one_clause_does_not_leak_into_the_contrasting_clause() -> None:
    text = "Templates fail for one client, but everything else works for all"
    assert severity.classify(text, "en").severity == 2
