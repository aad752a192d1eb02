"""Language identification and the reply-language rule; hints, determinism, threads."""

from __future__ import annotations

import threading

import pytest

import locales
from locales import LANGUAGES, detect_language, identify_language, reply_language, warm_up
from locales.detect import OTHER, judgeable_text

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
def test_partner_messages_are_identified(expected: str, message: str) -> None:
    found = identify_language(message)
    assert found is not None and found.language == expected and found.clear


@pytest.mark.parametrize(
    ("expected", "message"),
    [(lang, msg) for lang, msgs in MESSAGES.items() for msg in msgs],
)
def test_a_long_clear_message_sets_and_updates_the_reply_language(expected: str,
                                                                  message: str) -> None:
    for known in (None, *LANGUAGES):
        decided = reply_language(message, known=known, hint="de")
        assert decided == locales.ReplyLanguage(expected, remember=expected), known


@pytest.mark.parametrize(("lang", "message"),
                         [(lang, msg) for lang, msgs in SHORT.items() for msg in msgs])
def test_short_messages_keep_the_known_language(lang: str, message: str) -> None:
    for known in LANGUAGES:
        assert reply_language(message, known=known) == locales.ReplyLanguage(known)


CHAT = {
    "en": ["any update on this?", "still not working here", "thanks, works now"],
    "pt-BR": ["tudo certo agora?", "ainda não voltou", "valeu, funcionou"],
    "de": ["geht wieder, danke", "immer noch kaputt", "gibt es Neuigkeiten?"],
    "es": ["¿ya quedó?", "sigue sin funcionar", "gracias, ya va"],
    "ru": ["ок, жду", "всё ещё не работает", "есть новости?"],
}


@pytest.mark.parametrize(("lang", "message"),
                         [(lang, msg) for lang, msgs in CHAT.items() for msg in msgs])
def test_short_messages_of_an_unknown_user_get_the_best_guess(lang: str, message: str) -> None:
    assert reply_language(message).language == lang


def test_a_chosen_language_always_wins() -> None:
    for message in (*MESSAGES["ru"], *SHORT["es"], "Bonjour, nos messages ne partent plus"):
        assert reply_language(message, chosen="de", known="en") == locales.ReplyLanguage("de")


@pytest.mark.parametrize("message", [
    "Buongiorno, da ieri sera nessuno dei nostri clienti riceve i messaggi inviati",
    "Bonjour, depuis ce matin nos messages ne sont plus livrés à nos clients",
    "Salve, volevo sapere come cambiare il nome visualizzato del nostro numero",
])
def test_an_unsupported_language_is_answered_in_english_and_not_remembered(message: str) -> None:
    found = identify_language(message)
    assert found is not None and found.language == OTHER
    for known in (None, "es", "pt-BR"):
        assert reply_language(message, known=known) == locales.ReplyLanguage("en")


@pytest.mark.parametrize("message", NOISE)
def test_emoji_digits_and_links_fall_back(message: str) -> None:
    assert identify_language(message) is None
    assert reply_language(message, known="es") == locales.ReplyLanguage("es")
    assert detect_language(message, hint="pt-br") == "pt-BR"
    assert detect_language(message) == "en"


def test_hint_is_normalized_and_used_when_nothing_is_known() -> None:
    assert detect_language("ok", hint="de-AT") == "de"
    assert detect_language("ok", hint="ru_RU") == "ru"
    assert detect_language("ok", known="pt-BR", hint="de") == "pt-BR"
    assert detect_language("ok", known="xx", hint="zz") in LANGUAGES
    assert reply_language(None, known="ru") == locales.ReplyLanguage("ru")
    assert reply_language("ok", default="es") == locales.ReplyLanguage("es") or \
        reply_language("ok", default="es").language in LANGUAGES


def test_mixed_language_messages_follow_the_main_language() -> None:
    assert detect_language("Hi! Bom dia, tudo bem? A API está fora do ar desde ontem") == "pt-BR"
    assert detect_language("FYI: seit dem Update kommen keine Webhooks mehr an, error 500") == "de"
    assert detect_language("Hola team, no llegan los mensajes desde el deploy de ayer") == "es"
    assert detect_language("Привет, after the update у нас не доходят сообщения клиентам") == "ru"


def test_links_and_mentions_do_not_count_as_words() -> None:
    assert judgeable_text("<@U123ABC> https://example.com/very/long/path/here 42") is None
    message = "<@U123ABC> https://example.com/x o painel está lento mas funciona"
    assert detect_language(message, known="en") == "pt-BR"


def test_portuguese_and_spanish_are_told_apart() -> None:
    assert detect_language("todo está parado aquí") == "es"
    assert detect_language("ok obrigado pela ajuda") == "pt-BR"
    assert detect_language("tudo certo agora?") == "pt-BR"
    assert detect_language("¿ya quedó?") == "es"


def test_identification_is_deterministic() -> None:
    messages = [m for msgs in MESSAGES.values() for m in msgs] + ["ok", "gracias", "valeu"]
    first = [identify_language(m) for m in messages]
    assert first == [identify_language(m) for m in messages]


def test_identify_from_eight_threads_after_warm_up() -> None:
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


def test_cold_start_from_eight_threads_builds_each_detector_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import locales.detect as detect

    built: list[str] = []
    real = {"langdetect": detect._langdetect, "lingua": detect._lingua}

    def counting(name: str):  # type: ignore[no-untyped-def]
        def build():  # type: ignore[no-untyped-def]
            built.append(name)
            return real[name]()
        return build

    monkeypatch.setattr(detect, "_detectors", {})
    monkeypatch.setattr(detect, "_langdetect", counting("langdetect"))
    monkeypatch.setattr(detect, "_lingua", counting("lingua"))
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []
    results: list[str] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            if index % 2:
                detect.warm_up_detector()
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
    assert sorted(built) == ["langdetect", "lingua"]
