"""Each line of DOMAIN.md's severity definitions, in each of the five languages."""

from __future__ import annotations

import pytest

import severity

# (definition line, expected severity, message) per language. Phrases not in the eval set.
DEFINITIONS: dict[str, list[tuple[str, int, str]]] = {
    "en": [
        ("1 core service down for all", 1, "The WhatsApp API has been down for all of our users"),
        (
            "1 confidentiality breached",
            1,
            "Confidentiality breach: a customer got another customer's order details",
        ),
        (
            "1 customer data lost",
            1,
            "All customer data in our account was wiped after the migration",
        ),
        ("2 unavailable for a subset", 2, "The hub is unavailable for a group of our agents"),
        ("2 core function impaired", 2, "Template messages fail with error 132000"),
        (
            "3 workaround",
            3,
            "Exporting contacts breaks on large files, splitting the file is a workaround",
        ),
        ("3 degraded but usable", 3, "The hub is slower than usual today but usable"),
        ("3 question", 3, "How do I rotate my API key?"),
    ],
    "pt-BR": [
        ("1 core service down for all", 1, "A API do WhatsApp caiu para todos os usuários"),
        (
            "1 confidentiality breached",
            1,
            "Violação de privacidade: um cliente recebeu os dados de outro cliente",
        ),
        ("1 customer data lost", 1, "Perdemos os dados de todos os clientes na migração"),
        ("2 unavailable for a subset", 2, "O hub está indisponível para um grupo de atendentes"),
        ("2 core function impaired", 2, "As mensagens de template falham com erro 132000"),
        (
            "3 workaround",
            3,
            "A exportação de contatos dá erro em arquivos grandes, mas dá para "
            "contornar dividindo o arquivo",
        ),
        ("3 degraded but usable", 3, "O hub está mais lento que o normal hoje, mas dá para usar"),
        ("3 question", 3, "Como faço para trocar a chave da API?"),
    ],
    "de": [
        (
            "1 core service down for all",
            1,
            "Die WhatsApp API ist seit Mitternacht für alle Nutzer ausgefallen",
        ),
        (
            "1 confidentiality breached",
            1,
            "Datenschutzverletzung: ein Kunde hat die Bestelldaten eines anderen Kunden erhalten",
        ),
        (
            "1 customer data lost",
            1,
            "Alle Kundendaten in unserem Konto wurden nach der Migration gelöscht",
        ),
        (
            "2 unavailable for a subset",
            2,
            "Der Hub ist für eine Gruppe unserer Mitarbeiter nicht erreichbar",
        ),
        ("2 core function impaired", 2, "Vorlagennachrichten schlagen mit Fehler 132000 fehl"),
        (
            "3 workaround",
            3,
            "Der Kontaktexport bricht bei großen Dateien ab, mit kleineren "
            "Dateien klappt es als Workaround",
        ),
        ("3 degraded but usable", 3, "Der Hub ist heute langsamer als sonst, aber benutzbar"),
        ("3 question", 3, "Wie kann ich meinen API-Schlüssel erneuern?"),
    ],
    "es": [
        (
            "1 core service down for all",
            1,
            "La API de WhatsApp está caída para todos los usuarios desde medianoche",
        ),
        (
            "1 confidentiality breached",
            1,
            "Violación de confidencialidad: un cliente recibió los datos de otro cliente",
        ),
        ("1 customer data lost", 1, "Perdimos los datos de todos los clientes en la migración"),
        ("2 unavailable for a subset", 2, "El hub no está disponible para un grupo de agentes"),
        ("2 core function impaired", 2, "Los mensajes de plantilla fallan con el error 132000"),
        (
            "3 workaround",
            3,
            "La exportación de contactos da error con archivos grandes, pero "
            "dividiendo el archivo se soluciona",
        ),
        ("3 degraded but usable", 3, "El hub está más lento de lo normal hoy, pero se puede usar"),
        ("3 question", 3, "¿Cómo cambio la clave de la API?"),
    ],
    "ru": [
        ("1 core service down for all", 1, "WhatsApp API упал для всех пользователей с полуночи"),
        (
            "1 confidentiality breached",
            1,
            "Нарушение конфиденциальности: клиент получил данные другого клиента",
        ),
        ("1 customer data lost", 1, "После миграции удалены данные всех клиентов"),
        ("2 unavailable for a subset", 2, "Хаб недоступен для группы операторов"),
        ("2 core function impaired", 2, "Шаблонные сообщения падают с ошибкой 132000"),
        (
            "3 workaround",
            3,
            "Экспорт контактов падает на больших файлах, но если разбить файл, всё работает",
        ),
        (
            "3 degraded but usable",
            3,
            "Хаб сегодня работает медленнее обычного, но пользоваться можно",
        ),
        ("3 question", 3, "Как поменять ключ API?"),
    ],
}

CASES = [
    pytest.param(language, expected, text, id=f"{language}: {line}")
    for language, rows in DEFINITIONS.items()
    for line, expected, text in rows
]


@pytest.mark.parametrize(("language", "expected", "text"), CASES)
def test_definition_line(language: str, expected: int, text: str) -> None:
    result = severity.classify(text, language)
    assert result.severity == expected, (text, result)
    if expected < 3:
        assert result.reasons, "an urgent severity must say which words decided it"


def test_every_language_covers_every_definition_line() -> None:
    lines = {line for line, _, _ in DEFINITIONS["en"]}
    assert len(lines) == 8
    for language in severity.LANGUAGES:
        assert {line for line, _, _ in DEFINITIONS[language]} == lines


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "the API is down for all our clients", 1),
        ("pt-BR", "vazamento de dados", 1),
        ("de", "Nachrichten werden bei einigen Kunden nicht zugestellt", 2),
        ("es", "el panel va lento pero funciona", 3),
        ("ru", "все клиенты не получают сообщения", 1),
    ],
)
def test_issue_examples(language: str, text: str, expected: int) -> None:
    assert severity.classify(text, language).severity == expected
