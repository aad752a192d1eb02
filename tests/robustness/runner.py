"""Drive a World with generated operations and check every answer and the database after."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import locales
from billing.months import BillingMonth
from escalation.month_close import close_month
from handlers.text import MAX_LENGTH, clean
from messages import actions
from messages.types import Incoming, Outcome, Reply
from store.models import OutboxMessage
from tests.robustness.inputs import Op, render_tokens
from tests.robustness.world import LogCapture, World, invariant_violations

WATCHED_LOGGERS = ("locales", "handlers", "desk", "escalation", "sla")
ENGLISH_KEYS = frozenset(locales.keys("en"))


@contextmanager
def watching_logs() -> Iterator[LogCapture]:
    """Collect warnings and errors of the desk's loggers (a swallowed exception is an ERROR)."""
    capture = LogCapture()
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    for logger in loggers:
        logger.addHandler(capture)
    try:
        yield capture
    finally:
        for logger in loggers:
            logger.removeHandler(capture)


def reply_problems(reply: Reply) -> list[str]:
    """Why a reply cannot be shown cleanly in every language (empty when it can)."""
    problems: list[str] = []
    if reply.key not in ENGLISH_KEYS:
        return [f"reply key {reply.key!r} is not in the English catalog"]
    for lang in locales.LANGUAGES:
        missing = locales.placeholders(reply.key, lang) - set(reply.params)
        if missing:
            problems.append(f"{reply.key} in {lang}: no value for {sorted(missing)}")
        rendered = locales.render(reply.key, reply.params, lang)
        if not rendered.strip():
            problems.append(f"{reply.key} renders empty in {lang}")
    for button in reply.buttons:
        if button.label_key not in ENGLISH_KEYS:
            problems.append(f"button label {button.label_key!r} is not in the catalog")
        if actions.decode(button.action) is None:
            problems.append(f"button data {button.action!r} would be refused on arrival")
    return problems


def outcome_problems(outcome: Outcome) -> list[str]:
    problems = [p for r in outcome.replies for p in reply_problems(r)]
    if outcome.language not in locales.LANGUAGES:
        problems.append(f"answer language {outcome.language!r} is not supported")
    if any(r.key == "error.internal" for r in outcome.replies):
        problems.append("the desk hit an internal error (an exception was swallowed)")
    return problems


def outbox_problems(world: World) -> list[str]:
    """Every queued message must render in its own language from the catalog."""
    problems: list[str] = []
    with world.sessions() as s:
        for row in s.query(OutboxMessage).order_by(OutboxMessage.id):
            if row.language not in locales.LANGUAGES:
                problems.append(f"outbox {row.id}: language {row.language!r}")
            reply = Reply(row.key, dict(row.params or {}))
            problems += [f"outbox {row.id}: {p}" for p in reply_problems(reply)]
    return problems


class Runner:
    """Sends each operation through Desk.handle and asserts the per-answer rules."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.last: Incoming | None = None
        self.log: list[str] = []

    def incoming(self, op: Op) -> Incoming:
        actor = self.world.actors[op.actor]
        text = render_tokens(list(op.tokens), self.world) if op.kind == "command" else op.text
        action = op.action.render(self.world) if op.action is not None else None
        return self.world.incoming(actor, text, action=action, chat=op.chat, hint=op.hint,
                                   thread_id=op.thread_id)

    def run(self, ops: Iterable[Op]) -> None:
        with watching_logs() as capture:
            for op in ops:
                self.step(op)
                logged = capture.take()
                assert not logged, f"{self.trail()}\nlogged: {logged}"
                self.world.clock.advance(timedelta(seconds=13))
            problems = invariant_violations_now(self.world) + outbox_problems(self.world)
            assert not problems, f"{self.trail()}\n" + "\n".join(problems)
            assert not capture.take()

    def trail(self) -> str:
        return "operations:\n" + "\n".join(self.log)

    def step(self, op: Op) -> Outcome | None:
        world = self.world
        if op.kind == "month_end":
            now = world.clock.now()
            ended = BillingMonth.of(now, world.ctx.billing_tz)
            world.clock.set(ended.end(world.ctx.billing_tz) + timedelta(minutes=5))
            close_month(world.sessions, ended, world.clock.now(), world.ctx.billing_tz)
            self.log.append(f"month end: closed {ended}")
            return None
        if op.kind == "redeliver":
            if self.last is None:
                return None
            outcome = world.desk.handle(self.last)
            self.log.append(f"redeliver {self.last.update_id} -> {outcome}")
            assert outcome.duplicate and outcome.replies == (), self.trail()
            return outcome
        incoming = self.incoming(op)
        outcome = world.desk.handle(incoming)
        self.last = incoming
        self.log.append(f"{op.actor} {op.kind} text={incoming.text[:120]!r} "
                        f"action={incoming.action!r} chat={incoming.chat_id} -> "
                        f"{[(r.key, dict(r.params)) for r in outcome.replies]}"[:600])
        self.check(op, incoming, outcome)
        return outcome

    def check(self, op: Op, incoming: Incoming, outcome: Outcome) -> None:
        actor = self.world.actors[op.actor]
        keys = [r.key for r in outcome.replies]
        assert not outcome.duplicate, self.trail()
        assert keys, f"{self.trail()}\nno answer at all"
        problems = outcome_problems(outcome)
        assert not problems, f"{self.trail()}\n" + "\n".join(problems)
        if actor.user_id is None:
            assert keys == ["error.no_access"], self.trail()
            return
        if incoming.action is not None:
            return
        cleaned = clean(incoming.text)
        if not cleaned:
            assert keys == ["error.empty_message"], self.trail()
        elif len(cleaned) > MAX_LENGTH:
            assert keys == ["error.too_long"], self.trail()
            assert outcome.replies[0].params["limit"] == MAX_LENGTH


def invariant_violations_now(world: World) -> list[str]:
    with world.sessions() as s:
        return invariant_violations(s)
