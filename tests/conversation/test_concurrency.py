"""Two updates at the same moment: the conversation row and case row locks keep the rules."""

from __future__ import annotations

import threading
from collections.abc import Callable

from messages.types import Outcome
from store.models import Case, CaseMessage, Conversation
from tests.conversation.conftest import World, keys, number_of

TEXT = "Hello, our messages to customers are delayed since this morning, can you check?"


def at_once(*calls: Callable[[], Outcome]) -> list[Outcome]:
    barrier = threading.Barrier(len(calls))
    results: list[Outcome | None] = [None] * len(calls)

    def run(i: int, call: Callable[[], Outcome]) -> None:
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


def test_two_first_messages_in_a_new_conversation_open_one_case(world: World) -> None:
    h = world.h
    colleague = h.add_person("Kim", "partner", world.org)
    first, second = at_once(
        lambda: h.send(world.pat, TEXT, chat_id="group-1", private=False),
        lambda: h.send(colleague, TEXT, chat_id="group-1", private=False),
    )
    assert sorted(keys(first) + keys(second))[0].startswith("case.added")
    assert number_of(first) == number_of(second)
    assert h.count(Case) == 1 and h.count(CaseMessage) == 2 and h.count(Conversation) == 1


def test_two_agents_pressing_take_at_once(world: World) -> None:
    h = world.h
    number = number_of(h.send(world.pat, TEXT))
    results = at_once(lambda: h.send(world.alex, action=f"take:{number}"),
                      lambda: h.send(world.bea, action=f"take:{number}"))
    assert sorted(k for r in results for k in keys(r)) == ["case.already_taken", "case.taken"]
    winner = world.alex if keys(results[0]) == ["case.taken"] else world.bea
    assert h.case(number).assignee_id == winner.id
