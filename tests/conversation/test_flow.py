"""End to end through Desk.handle, in each of the five languages: open, reply, re-prioritise,
resolve, reopen — as a partner and as an agent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import locales
from messages.types import Outcome
from store.models import Case, CaseMessage, Conversation
from tests.conversation.conftest import Harness, keys, number_of


def rendered(outcome: Outcome) -> list[str]:
    """Every reply rendered in the outcome's language: from the catalog, all params filled."""
    texts = []
    for reply in outcome.replies:
        text = locales.render(reply.key, reply.params, outcome.language)
        assert text != reply.key and "{" not in text, (reply.key, text)
        texts.append(text)
    return texts

FIRST = {
    "en": "Hello, our messages to customers are delayed since this morning, can you check?",
    "pt-BR": "Olá, as mensagens para os nossos clientes estão atrasadas desde hoje de manhã, "
             "podem verificar?",
    "de": "Hallo, unsere Nachrichten an die Kunden kommen seit heute Morgen verspätet an, "
          "können Sie das prüfen?",
    "es": "Hola, los mensajes a nuestros clientes llegan con retraso desde esta mañana, "
          "¿pueden revisarlo?",
    "ru": "Здравствуйте, сообщения нашим клиентам приходят с задержкой с самого утра, "
          "проверьте, пожалуйста.",
}
SECOND = {
    "en": "Here is one more example of a delayed message from our side.",
    "pt-BR": "Aqui está mais um exemplo de uma mensagem atrasada do nosso lado.",
    "de": "Hier ist noch ein Beispiel für eine verspätete Nachricht von unserer Seite.",
    "es": "Aquí tienen otro ejemplo de un mensaje retrasado de nuestro lado.",
    "ru": "Вот ещё один пример задержанного сообщения с нашей стороны.",
}
LANGS = list(FIRST)


@pytest.mark.parametrize("lang", LANGS)
def test_partner_and_agent_in_each_language(harness: Harness, lang: str) -> None:
    h = harness
    org = h.add_org("Acme Messaging")
    pat = h.add_person("Pat", "partner", org)
    alex = h.add_person("Alex", "agent", language=lang)

    # the partner opens a case, answered in their language; the language is remembered
    opened = h.send(pat, FIRST[lang])
    assert opened.language == lang
    assert keys(opened)[0] in {"case.opened", "case.opened_plain"}
    number = number_of(opened)
    assert h.user(pat).language == lang
    case = h.case(number)
    assert case.status == "open" and case.language == lang and case.org_id == org

    # the agents' room gets the new-case notice with org, plan, severity and buttons
    room = h.deliver()
    notice = next(d for d in room if d.chat_id == "agents")
    assert notice.key in {"notice.new_case", "notice.new_case_plain", "notice.new_case_review"}
    assert notice.params["org"] == "Acme Messaging" and notice.params["plan"] == "Growth"
    assert notice.params["severity"] == case.severity
    assert notice.actions == [f"take:{number}", f"res:{number}", f"sev:{number}:1",
                              f"sev:{number}:2", f"sev:{number}:3"]

    # the agent works in their own language
    taken = h.send(alex, f"/take {number}")
    assert taken.language == lang and keys(taken) == ["case.taken"]
    answer = "Thanks, we are looking into it."
    replied = h.send(alex, f"/reply {number} {answer}")
    assert keys(replied) == ["case.reply_sent"] and replied.language == lang
    to_partner = [d for d in h.deliver() if d.recipient_user_id == pat.id]
    assert [d.key for d in to_partner] == ["case.taken_notice", "case.agent_reply"]
    assert all(d.language == lang and d.chat_id == pat.external_id for d in to_partner)
    assert to_partner[1].params["text"] == answer and answer in to_partner[1].text

    # the partner's next message joins the case and reaches the assignee
    added = h.send(pat, SECOND[lang])
    assert keys(added)[0] in {"case.added", "case.added_raised"} and number_of(added) == number
    to_alex = [d for d in h.deliver() if d.recipient_user_id == alex.id]
    assert to_alex and to_alex[0].key.startswith("notice.case_message")
    assert to_alex[0].language == lang

    # re-prioritise, resolve, reopen
    assert keys(h.send(alex, f"/severity {number} 1")) == ["case.severity_set"]
    assert (h.case(number).severity, h.case(number).severity_source) == (1, "agent")
    resolved = h.send(alex, f"/resolve {number} Fixed on our side.")
    assert keys(resolved) == ["case.resolved"]
    assert h.case(number).status == "resolved"
    assert h.case(number).resolved_at == h.clock.now()
    notices = [d for d in h.deliver() if d.recipient_user_id == pat.id]
    # the notice, then the one satisfaction question (tests/conversation/test_satisfaction.py)
    assert [d.key for d in notices] == ["case.resolved_notice_note", "satisfaction.ask"]
    assert notices[0].language == lang and "Fixed on our side." in notices[0].text

    status = h.send(pat, f"/status {number}")
    assert keys(status) == ["case.status_resolved"] and status.language == lang

    assert keys(h.send(alex, f"/reopen {number}")) == ["case.reopened"]
    case = h.case(number)
    assert case.status == "open" and case.reopened_count == 1
    assert [d.key for d in h.deliver()] == ["case.reopened_notice"]

    with h.session() as s:
        kinds = [m.kind for m in s.scalars(
            select(CaseMessage).where(CaseMessage.case_id == number).order_by(CaseMessage.id))]
    assert kinds.count("partner") == 2 and kinds.count("reply") == 1

    # everything anyone read came from the catalog of their language, fully filled in
    for outcome in (opened, taken, replied, added, resolved, status, h.send(pat, "/cases"),
                    h.send(pat, f"/status {number}"), h.send(alex, "/queue"),
                    h.send(pat, "/help"), h.send(alex, "/help")):
        rendered(outcome)
    for d in h.delivered:
        assert d.text != d.key and "{" not in d.text, (d.key, d.text)
    english = locales.render(opened.replies[0].key, opened.replies[0].params, "en")
    assert (rendered(opened)[0] == english) == (lang == "en")


def test_after_resolve_next_message_opens_a_new_case(harness: Harness) -> None:
    h = harness
    org = h.add_org("Acme Messaging")
    pat = h.add_person("Pat", "partner", org)
    alex = h.add_person("Alex", "agent")
    first = number_of(h.send(pat, FIRST["en"]))
    assert number_of(h.send(pat, SECOND["en"])) == first
    h.send(alex, f"/resolve {first}")
    second = h.send(pat, SECOND["en"])
    assert keys(second)[0].startswith("case.opened") and number_of(second) != first
    forced = h.send(pat, "/new A second, unrelated question about invoices please")
    assert keys(forced)[0].startswith("case.opened")
    assert number_of(forced) not in {first, number_of(second)}
    with h.session() as s:
        assert s.scalar(select(Case).where(Case.id == number_of(forced))).subject.startswith(
            "A second, unrelated question")


def test_after_reopen_the_next_message_goes_to_the_reopened_case(harness: Harness) -> None:
    """The reopen notice says "messages here go to this case": they do, even when a newer
    case is open in the same conversation."""
    h = harness
    org = h.add_org("Acme Messaging")
    pat = h.add_person("Pat", "partner", org)
    alex = h.add_person("Alex", "agent")
    first = number_of(h.send(pat, FIRST["en"]))
    h.send(alex, f"/resolve {first} Fixed.")
    newer = number_of(h.send(pat, "Another question: how do we add a second phone number?"))
    assert newer != first
    h.clock.advance(minutes=5)
    assert keys(h.send(alex, f"/reopen {first}")) == ["case.reopened"]
    notice = [d for d in h.deliver() if d.key == "case.reopened_notice"]
    assert notice and "go to this case" in notice[0].text
    h.clock.advance(minutes=1)
    follow_up = h.send(pat, "The delays are back since a minute ago, same numbers as before.")
    assert keys(follow_up)[0].startswith("case.added") and number_of(follow_up) == first
    # once the reopened case is resolved again, messages go to the newer open case
    h.send(alex, f"/resolve {first}")
    assert number_of(h.send(pat, "Any news on the phone number question?")) == newer


def test_threads_are_separate_conversations(harness: Harness) -> None:
    h = harness
    org = h.add_org("Acme Messaging")
    pat = h.add_person("Pat", "partner", org, channel="slack")
    a = number_of(h.send(pat, FIRST["en"], chat_id="C1", thread_id="1.1", private=False))
    b = number_of(h.send(pat, FIRST["en"], chat_id="C1", thread_id="2.2", private=False))
    assert a != b
    assert number_of(h.send(pat, SECOND["en"], chat_id="C1", thread_id="1.1")) == a
    assert h.count(Conversation) == 2
