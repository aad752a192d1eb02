"""Language detection on realistic partner messages; short texts, hints, determinism, threads."""

from __future__ import annotations

import threading

import pytest

import locales
from locales import LANGUAGES, detect_language, warm_up
from locales.detect import judgeable_text, probabilities
from locales.pt_es import tie_break

MESSAGES: dict[str, list[str]] = {
    "en": [
        "Hi team, our WhatsApp messages are not being delivered to any of our clients since 9am.",
        "The API is down for all our clients, we get 503 on every request",
        "Can you check why template messages are stuck in pending for hours?",
        "Our webhook stopped receiving delivery receipts yesterday evening",
        "Please raise the priority, this is blocking our launch tomorrow morning",
        "The dashboard is slow but it works, no rush on this one",
        "We were charged twice for March, could you look at the invoice?",
        "Thanks a lot, everything is working again on our side",
        "O webhook returns error 500 when we send media messages from our server",
    ],
    "pt-BR": [
        "Olá, as mensagens do WhatsApp não estão sendo entregues para nenhum cliente desde as 9h.",
        "A API caiu para todos os nossos clientes, recebemos erro 503 em todas as requisições",
        "Vocês podem verificar por que os templates ficam pendentes por horas?",
        "Nosso webhook parou de receber as confirmações de entrega ontem à noite",
        "Por favor, aumentem a prioridade, isso está bloqueando nosso lançamento amanhã",
        "O painel está lento mas funciona, sem pressa",
        "Fomos cobrados duas vezes em março, podem olhar a fatura?",
        "Muito obrigado, voltou a funcionar tudo aqui",
        "O webhook está retornando erro 500 quando enviamos mídia, o status code vem sempre igual",
    ],
    "de": [
        "Hallo, seit 9 Uhr werden unsere WhatsApp-Nachrichten bei keinem Kunden mehr zugestellt.",
        "Die API ist für alle unsere Kunden ausgefallen, wir bekommen bei jeder Anfrage 503",
        "Können Sie prüfen, warum die Vorlagen seit Stunden im Status ausstehend hängen?",
        "Unser Webhook empfängt seit gestern Abend keine Zustellbestätigungen mehr",
        "Nachrichten werden bei einigen Kunden nicht zugestellt",
        "Das Dashboard ist langsam, funktioniert aber, keine Eile",
        "Uns wurde der März doppelt berechnet, können Sie sich die Rechnung ansehen?",
        "Vielen Dank, bei uns funktioniert jetzt alles wieder",
        "Der Webhook liefert Error 500 beim Senden von Media, bitte dringend prüfen",
    ],
    "es": [
        "Hola, desde las 9 los mensajes de WhatsApp no se entregan a ninguno de nuestros clientes.",
        "La API está caída para todos nuestros clientes, recibimos 503 en cada petición",
        "¿Pueden revisar por qué las plantillas quedan pendientes durante horas?",
        "Nuestro webhook dejó de recibir las confirmaciones de entrega ayer por la tarde",
        "Por favor suban la prioridad, esto bloquea nuestro lanzamiento de mañana",
        "el panel va lento pero funciona",
        "Nos cobraron dos veces marzo, ¿pueden mirar la factura?",
        "Muchas gracias, ya funciona todo de nuevo",
        "El webhook devuelve error 500 cuando enviamos media desde nuestro servidor",
    ],
    "ru": [
        "Здравствуйте, с 9 утра наши сообщения WhatsApp не доставляются ни одному клиенту.",
        "API не работает для всех наших клиентов, на каждый запрос получаем 503",
        "Проверьте, пожалуйста, почему шаблоны часами висят в статусе ожидания?",
        "Наш webhook со вчерашнего вечера не получает подтверждения доставки",
        "все клиенты не получают сообщения",
        "Панель работает медленно, но работает, не срочно",
        "С нас дважды списали оплату за март, посмотрите счёт, пожалуйста",
        "Большое спасибо, у нас всё снова работает",
        "Webhook возвращает error 500 при отправке media с нашего сервера",
    ],
}

SHORT = {
    "en": ["ok thanks", "Hi!", "urgent!!", "any news?", "is it ok?"],
    "pt-BR": ["obrigado!", "Oi", "bom dia", "tudo certo?", "e aí, tudo?"],
    "de": ["Danke!", "Hallo", "alles klar", "dringend!"],
    "es": ["gracias!", "Hola", "buenos días", "¿novedades?"],
    "ru": ["спасибо", "Привет", "всё ок", "срочно!", "да, всё ок"],
}
NOISE = [
    "👍",
    "🙏🙏🙏",
    "12345",
    "+55 11 98765-4321",
    "#42",
    "   ",
    "",
    "?!",
    "https://example.com/x",
]


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up()


@pytest.mark.parametrize(
    ("expected", "message"),
    [(lang, msg) for lang, msgs in MESSAGES.items() for msg in msgs],
)
def test_partner_messages_are_detected_whatever_was_known(expected: str, message: str) -> None:
    assert detect_language(message) == expected
    for known in LANGUAGES:
        assert detect_language(message, known=known) == expected, f"known={known}"
    assert detect_language(message, hint="fr") == expected


@pytest.mark.parametrize(
    ("lang", "message"), [(lang, msg) for lang, msgs in SHORT.items() for msg in msgs]
)
def test_short_messages_keep_the_known_language(lang: str, message: str) -> None:
    for known in LANGUAGES:
        assert detect_language(message, known=known) == known
    assert detect_language(message, known=lang, hint="de") == lang


@pytest.mark.parametrize("message", NOISE)
def test_emoji_digits_and_links_fall_back(message: str) -> None:
    assert probabilities(message) == []
    assert detect_language(message, known="es") == "es"
    assert detect_language(message, hint="pt-br") == "pt-BR"
    assert detect_language(message) == "en"


def test_hint_is_normalized_and_used_only_when_nothing_is_known() -> None:
    assert detect_language("ok", hint="de-AT") == "de"
    assert detect_language("ok", hint="ru_RU") == "ru"
    assert detect_language("ok", hint="es-419") == "es"
    assert detect_language("ok", known="pt-BR", hint="de") == "pt-BR"
    assert detect_language("ok", hint="fr") == "en"
    assert detect_language("ok", known="xx", hint="zz") == "en"
    assert detect_language(None, known="ru") == "ru"


def test_clear_text_overrides_known_and_hint() -> None:
    message = "Die Zustellberichte fehlen seit gestern bei allen unseren Kunden"
    assert detect_language(message, known="es", hint="pt-BR") == "de"


def test_confident_language_is_none_when_unsure() -> None:
    assert locales.confident_language("ok thanks") is None
    assert locales.confident_language("👍👍") is None
    assert locales.confident_language(None) is None
    assert locales.confident_language(MESSAGES["es"][0]) == "es"
    assert locales.confident_language("O painel está lento mas funciona, sem pressa") == "pt-BR"


def test_unsure_detection_keeps_known_then_hint_then_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import locales.detect as detect

    message = "Die Lieferung klappt nicht so richtig"
    monkeypatch.setattr(detect, "probabilities", lambda text: [("de", 0.6), ("en", 0.4)])
    assert detect_language(message, known="ru", hint="es") == "ru"
    assert detect_language(message, hint="es") == "es"
    assert detect_language(message) == "en"
    monkeypatch.setattr(detect, "probabilities", lambda text: [("de", 0.8)])
    assert detect_language(message, known="ru") == "de"


def test_short_cyrillic_without_anything_known_is_russian() -> None:
    assert detect_language("спасибо") == "ru"
    assert detect_language("спасибо", known="de") == "de"


def test_mixed_language_messages_follow_the_main_language() -> None:
    assert detect_language("Bom dia! The API is down since 8am for all our customers") == "en"
    assert detect_language("Hi! Bom dia, tudo bem? A API está fora do ar desde ontem") == "pt-BR"
    assert detect_language("FYI: seit dem Update kommen keine Webhooks mehr an, error 500") == "de"
    assert detect_language("Hola team, no llegan los mensajes desde el deploy de ayer") == "es"
    assert detect_language("Привет, after the update у нас не доходят сообщения клиентам") == "ru"


def test_links_and_mentions_do_not_count_as_words() -> None:
    assert judgeable_text("<@U123ABC> https://example.com/very/long/path/here ok") is None
    message = "<@U123ABC> os templates não aparecem em https://example.com/templates"
    assert detect_language(message, known="en") == "pt-BR"


def test_portuguese_and_spanish_are_told_apart() -> None:
    assert detect_language("todo está parado aquí") == "es"
    assert detect_language("ok obrigado pela ajuda") == "pt-BR"
    assert detect_language("O painel está lento mas funciona, sem pressa") == "pt-BR"
    assert tie_break("the API is down") is None
    assert tie_break("não funciona") == "pt-BR"
    assert tie_break("¿funciona?") == "es"


def test_detection_is_deterministic() -> None:
    borderline = "O painel está lento mas funciona, sem pressa"
    first = [probabilities(m) for msgs in MESSAGES.values() for m in msgs] + [
        probabilities(borderline)
    ]
    second = [probabilities(m) for msgs in MESSAGES.values() for m in msgs] + [
        probabilities(borderline)
    ]
    assert first == second
    assert detect_language(borderline) == detect_language(borderline)


def test_only_our_five_profiles_are_loaded() -> None:
    factory = locales.detect._get_factory()
    assert sorted(factory.get_lang_list()) == ["de", "en", "es", "pt", "ru"]
    assert detect_language("Bonjour, nos messages ne sont pas livrés depuis ce matin") in LANGUAGES


def test_detect_from_eight_threads_after_warm_up() -> None:
    warm_up()
    expected = {msg: lang for lang, msgs in MESSAGES.items() for msg in msgs}
    errors: list[BaseException] = []
    wrong: list[tuple[str, str]] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                for message, lang in expected.items():
                    got = detect_language(message)
                    if got != lang:
                        wrong.append((message, got))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert wrong == []


def test_cold_warm_up_from_eight_threads_builds_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting cold, eight threads racing into warm_up and detection build one factory."""
    import locales.detect as detect

    built: list[object] = []
    real_build = detect._build_factory

    def counting_build() -> object:
        factory = real_build()
        built.append(factory)
        return factory

    monkeypatch.setattr(detect, "_factory", None)
    monkeypatch.setattr(detect, "_build_factory", counting_build)
    locales.DEFAULT_CATALOGS.reload()
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []
    results: list[str] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            if index % 2:
                warm_up()
            results.append(detect_language(MESSAGES["de"][0]))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == ["de"] * 8
    assert len(built) == 1
    assert detect._get_factory() is built[0]
