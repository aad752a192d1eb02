"""Satisfaction through the real handlers: the question after a resolution, /rate and its
buttons, once per resolution, a new round after a reopening, refusals that change nothing."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import locales
from bot.channels.console import ConsoleChat
from desk import demo, satisfaction
from desk.context import DeskContext
from store.db import transaction
from store.models import AuditEntry, Case, SatisfactionRating, User
from tests.conversation.conftest import Delivered, Harness, Person, World, keys, number_of
from tests.conversation.test_concurrency import at_once

OUTAGE = "Our template messages are rejected since this morning, please check"


def rows(h: Harness, number: int) -> list[tuple[int, int | None, str | None, int | None]]:
    with h.session() as s:
        return [(r.round, r.rating, r.comment, r.agent_id) for r in s.scalars(
            select(SatisfactionRating).where(SatisfactionRating.case_id == number)
            .order_by(SatisfactionRating.round))]


def resolved_case(w: World, text: str = OUTAGE) -> int:
    """Pat opens a case, Alex takes and resolves it; the outbox is delivered."""
    h = w.h
    number = number_of(h.send(w.pat, text))
    assert keys(h.send(w.alex, f"/take {number}")) == ["case.taken"]
    assert keys(h.send(w.alex, f"/resolve {number} Fixed")) == ["case.resolved"]
    return number


def questions(delivered: list[Delivered], person: Person) -> list[Delivered]:
    return [d for d in delivered if d.recipient_user_id == person.id
            and d.key in {"satisfaction.ask", "satisfaction.earlier_round"}]


def test_the_partner_is_asked_once_after_the_notice_and_rates_with_a_button(
        world: World) -> None:
    w, h = world, world.h
    number = resolved_case(w)
    to_pat = [d for d in h.deliver() if d.recipient_user_id == w.pat.id]
    assert [d.key for d in to_pat][-2:] == ["case.resolved_notice_note", "satisfaction.ask"]
    question = to_pat[-1]
    assert question.chat_id == w.pat.external_id  # the partner's direct chat
    assert question.actions == [f"rate:{number}:0:{s}" for s in (1, 2, 3, 4, 5)]
    assert f"#{number}" in question.text and "“Our template messages" in question.text
    assert f"/rate {number} SCORE" in question.text
    assert rows(h, number) == [(0, None, None, w.alex.id)]

    pressed = h.send(w.pat, action=question.actions[3])
    assert keys(pressed) == ["satisfaction.thanks"]
    assert f"/rate {number} 4" in locales.render(pressed.replies[0].key,
                                                 pressed.replies[0].params, "en")
    assert rows(h, number) == [(0, 4, None, w.alex.id)]
    with h.session() as s:
        row = s.scalars(select(SatisfactionRating)).one()
        assert (row.rated_by_id, row.rated_at) == (w.pat.id, h.clock.now())
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.rate")).one()
        assert (entry.actor, entry.entity_id) == (f"user:{w.pat.id}", str(number))
        assert entry.details == {"round": 0, "rating": 4, "comment": None,
                                 "agent": w.alex.id}

    # a second rating of the same resolution is refused politely and changes nothing
    for again in (h.send(w.pat, action=question.actions[0]), h.send(w.pat, f"/rate {number} 2")):
        assert keys(again) == ["satisfaction.already_rated"]
        assert again.replies[0].params == {"number": number, "score": 4}
    assert rows(h, number) == [(0, 4, None, w.alex.id)]

    # a comment may follow once, with the same score, from whoever rated
    kim = h.add_person("Kim", "partner", w.org)
    assert keys(h.send(kim, f"/rate {number} 4 me too")) == ["satisfaction.already_rated"]
    added = h.send(w.pat, f"/rate {number} 4 Quick and clear, thanks")
    assert keys(added) == ["satisfaction.comment_added"]
    assert rows(h, number) == [(0, 4, "Quick and clear, thanks", w.alex.id)]
    assert keys(h.send(w.pat, f"/rate {number} 4 changed my mind")) == [
        "satisfaction.already_rated"]
    assert rows(h, number)[0][2] == "Quick and clear, thanks"
    assert not questions(h.deliver(), w.pat)  # never asked twice


def test_a_typed_rating_with_a_comment_and_the_reply_language(world: World) -> None:
    w, h = world, world.h
    number = resolved_case(w)
    assert keys(h.send(w.pat, "/language de")) == ["language.set"]
    rated = h.send(w.pat, f"/rate #{number} 5 Sehr schnelle Hilfe,\nvielen Dank!")
    assert keys(rated) == ["satisfaction.thanks_comment"] and rated.language == "de"
    text = locales.render(rated.replies[0].key, rated.replies[0].params, "de")
    assert text.startswith("Vielen Dank!") and "5/5" in text
    assert rows(h, number) == [(0, 5, "Sehr schnelle Hilfe,\nvielen Dank!", w.alex.id)]


@pytest.mark.parametrize("lang", ["en", "pt-BR", "de", "es", "ru"])
def test_the_question_is_in_the_partners_language(harness: Harness, lang: str) -> None:
    h = harness
    org = h.add_org("Acme Messaging")
    pat = h.add_person("Pat", "partner", org, language=lang)
    alex = h.add_person("Alex", "agent", language="en")
    with transaction(h.desk.sessions) as s:
        s.get(User, pat.id).language_chosen = True
    number = number_of(h.send(pat, OUTAGE))
    h.send(alex, f"/resolve {number}")
    [question] = questions(h.deliver(), pat)
    assert question.language == lang and "{" not in question.text
    assert question.text.startswith(locales.text("satisfaction.ask", lang).split("{")[0])
    assert f"/rate {number}" in question.text
    thanks = h.send(pat, f"/rate {number} 3")
    assert thanks.language == lang
    assert "3/5" in locales.render(thanks.replies[0].key, thanks.replies[0].params, lang)


def test_a_reopened_case_is_asked_again_and_its_latest_rating_counts(world: World) -> None:
    w, h = world, world.h
    number = resolved_case(w)
    [first] = questions(h.deliver(), w.pat)
    assert keys(h.send(w.pat, action=first.actions[1])) == ["satisfaction.thanks"]  # 2

    assert keys(h.send(w.alex, f"/reopen {number}")) == ["case.reopened"]
    # while open again, the case cannot be rated
    assert keys(h.send(w.pat, f"/rate {number} 5")) == ["satisfaction.not_resolved"]
    assert keys(h.send(w.pat, action=first.actions[4])) == ["satisfaction.not_resolved"]
    h.clock.advance(timedelta(hours=2))
    assert keys(h.send(w.bea, f"/resolve {number}")) == ["case.resolved"]  # Alex holds it
    [second] = questions(h.deliver(), w.pat)
    assert second.actions == [f"rate:{number}:1:{s}" for s in (1, 2, 3, 4, 5)]
    assert rows(h, number) == [(0, 2, None, w.alex.id), (1, None, None, w.alex.id)]

    # an old question's button answers with the question about the latest resolution
    stale = h.send(w.pat, action=first.actions[4])
    assert keys(stale) == ["satisfaction.earlier_round"]
    assert [b.action for b in stale.replies[0].buttons] == second.actions
    assert rows(h, number)[1][1] is None

    assert keys(h.send(w.pat, action=second.actions[4])) == ["satisfaction.thanks"]
    assert rows(h, number) == [(0, 2, None, w.alex.id), (1, 5, None, w.alex.id)]
    with h.session() as s:
        assert satisfaction.case_ratings(s, [number])[number].rating == 5
    # and now the old button meets a rated resolution
    assert keys(h.send(w.pat, action=first.actions[0])) == ["satisfaction.already_rated"]


def test_the_resolving_agent_is_credited_when_nobody_took_the_case(world: World) -> None:
    w, h = world, world.h
    number = number_of(h.send(w.pat, OUTAGE))
    h.send(w.bea, f"/resolve {number}")
    assert rows(h, number) == [(0, None, None, w.bea.id)]


def test_another_organizations_case_is_answered_like_a_missing_one(world: World) -> None:
    w, h = world, world.h
    number = resolved_case(w)
    missing = 99_999
    for theirs, nothing in (
            (f"/rate {number} 5 great", f"/rate {missing} 5 great"),
            (f"rate:{number}:0:5", f"rate:{missing}:0:5")):
        if theirs.startswith("/"):
            a, b = h.send(w.olga, theirs), h.send(w.olga, nothing)
        else:
            a, b = h.send(w.olga, action=theirs), h.send(w.olga, action=nothing)
        assert keys(a) == keys(b) == ["error.case_not_found"]
        assert dict(a.replies[0].params) == {"number": number}
        assert dict(b.replies[0].params) == {"number": missing}
    assert rows(h, number) == [(0, None, None, w.alex.id)]
    with h.session() as s:
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "case.rate")).all()


@pytest.mark.parametrize("text", ["/rate", "/rate 5", "/rate abc 4", "/rate {n} 0",
                                  "/rate {n} 6", "/rate {n} four", "/rate {n} 4.5",
                                  "/rate {n} ４", "/rate -{n} 4"])
def test_malformed_ratings_get_the_usage_line(world: World, text: str) -> None:
    w, h = world, world.h
    number = resolved_case(w)
    h.send(w.pat, "/language es")
    answer = h.send(w.pat, text.format(n=number))
    assert keys(answer) == ["error.bad_arguments"] and answer.language == "es"
    shown = locales.render("error.bad_arguments", answer.replies[0].params, "es")
    assert "/rate NÚMERO NOTA" in shown and "\n" not in shown
    assert rows(h, number) == [(0, None, None, w.alex.id)]


@pytest.mark.parametrize("data", ["rate:{n}:0", "rate:{n}:x:4", "rate:{n}:0:9", "rate:{n}:0:4:5",
                                  "rate:x:0:4"])
def test_malformed_button_data_changes_nothing(world: World, data: str) -> None:
    w, h = world, world.h
    number = resolved_case(w)
    answer = h.send(w.pat, action=data.format(n=number))
    assert keys(answer) == ["error.bad_arguments"]
    assert rows(h, number) == [(0, None, None, w.alex.id)]


def test_staff_cannot_rate(world: World) -> None:
    w, h = world, world.h
    number = resolved_case(w)
    for person in (w.alex, w.root, w.tina, w.morgan):
        assert keys(h.send(person, f"/rate {number} 5")) == ["error.not_allowed"]
    assert rows(h, number)[0][1] is None


def test_a_colleague_may_rate_and_an_unreachable_opener_is_not_asked(world: World) -> None:
    w, h = world, world.h
    number = number_of(h.send(w.pat, OUTAGE))
    with transaction(h.desk.sessions) as s:  # Pat leaves the organization's team
        s.get(User, w.pat.id).removed_at = h.clock.now()
    h.clock.advance(timedelta(minutes=30))
    resolved_at = h.clock.now()
    h.send(w.alex, f"/resolve {number}")
    assert not questions(h.deliver(), w.pat)
    assert rows(h, number) == []  # nobody was asked
    kim = h.add_person("Kim", "partner", w.org)
    h.clock.advance(timedelta(days=1))
    assert keys(h.send(kim, f"/rate {number} 3")) == ["satisfaction.thanks"]
    with h.session() as s:
        row = s.scalars(select(SatisfactionRating)).one()
        assert (row.rating, row.rated_by_id, row.asked_at, row.agent_id) == (
            3, kim.id, resolved_at, w.alex.id)  # nobody took it: Alex resolved it


def test_the_question_is_not_asked_twice_for_one_resolution(world: World) -> None:
    w, h = world, world.h
    number = resolved_case(w)
    with transaction(h.desk.sessions) as s:
        case = s.get(Case, number)
        resolver = s.get(User, w.alex.id)
        assert satisfaction.ask(s, h.desk, case, resolver, h.clock.now()) is None
    assert len(questions(h.deliver(), w.pat)) == 1


def test_the_console_shows_the_question_and_its_buttons_press(desk: DeskContext,
                                                               tmp_path: Path) -> None:
    with transaction(desk.sessions) as session:
        demo.create_demo(session, now=desk.clock.now(), tz=desk.billing_tz)
    out = io.StringIO()
    chat = ConsoleChat(desk, io.StringIO(""), out, tmp_path)

    def typed(line: str) -> str:
        start = len(out.getvalue())
        assert chat.command(line) is True
        return out.getvalue()[start:]

    typed(":as Pat")
    typed("Our webhooks fail for all clients since this morning, please check")
    typed(":as Alex")
    shown = typed("/resolve 1 Fixed")
    assert "[to Pat] How did we do on case #1" in shown
    presses = dict(re.findall(r"\[(\d) → :press (\d+)\]", shown))
    assert sorted(presses) == ["1", "2", "3", "4", "5"]
    typed(":as Pat")
    pressed = typed(f":press {presses['5']}")
    assert "(Pat presses '5')" in pressed and "You rated case #1 5/5" in pressed
    again = typed(f":press {presses['3']}")
    assert "You have already rated this resolution of case #1: 5/5" in again
    with desk.sessions() as s:
        assert s.scalar(select(SatisfactionRating.rating)) == 5


def test_two_ratings_at_once_store_one(world: World) -> None:
    """Pat's button and a colleague's typed rating at the same moment: one wins, one is told."""
    w, h = world, world.h
    number = resolved_case(w)
    [question] = questions(h.deliver(), w.pat)
    kim = h.add_person("Kim", "partner", w.org)
    results = at_once(lambda: h.send(w.pat, action=question.actions[4]),
                      lambda: h.send(kim, f"/rate {number} 1 slow"))
    pat_keys, kim_keys = keys(results[0]), keys(results[1])
    if pat_keys == ["satisfaction.thanks"]:
        assert kim_keys == ["satisfaction.already_rated"]
        assert rows(h, number) == [(0, 5, None, w.alex.id)]
    else:
        assert (pat_keys, kim_keys) == (["satisfaction.already_rated"],
                                        ["satisfaction.thanks_comment"])
        assert rows(h, number) == [(0, 1, "slow", w.alex.id)]
