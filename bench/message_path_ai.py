"""Part: the message path with the AI model on (the fake OpenAI-compatible model answering in
200 ms, triage and translation on) against the same path with AI off, on the same SQLite setup.

What it shows: the partner's acknowledgement (Desk.handle returning) does not wait for the
model, whose calls run in background jobs after the commit. Target: median acknowledgement with
the model at most 2x the median without it (the jobs share the CPUs and SQLite's one writer
with the acknowledgements) and below a quarter of the model's 200 ms; every call asked for has
left its audit entry once the jobs are drained.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select

import locales
from ai.client import AiConfig, ChatClient
from bench.common import Figure, Options, PartResult, median, percentile
from bench.message_path import plan_messages
from bench.seed import seed_partners
from desk.ai import Assistant
from desk.context import DeskContext, Room
from handlers.desk import Desk
from messages.types import Incoming
from store.db import make_engine, make_session_factory
from store.migrate import upgrade
from store.models import AuditEntry
from tests.fakes.openai_api import FakeOpenAiApi

NAME = "message_path_ai"
TARGET_RATIO = 2.0
MODEL_SECONDS = 0.2


def _measure(desk: Desk, plan: list[tuple[str, str, str]], prefix: str) -> list[float]:
    times = []
    for n, (user_id, _lang, text) in enumerate(plan):
        started = time.perf_counter()
        outcome = desk.handle(Incoming(channel="telegram", user_id=f"{prefix}{user_id}",
                                       chat_id=f"{prefix}{user_id}", text=text,
                                       update_id=f"{prefix}{n}", locale_hint=None))
        for reply in outcome.replies:
            locales.render(reply.key, reply.params, outcome.language)
        times.append(time.perf_counter() - started)
    return times


def run(opts: Options) -> PartResult:
    count = 60 if opts.quick else 300
    db_path = Path(opts.workdir) / "message_path_ai.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db_path}")
    plan = plan_messages(count)
    ids = sorted({p for p, _, _ in plan})
    with FakeOpenAiApi() as model:
        model.delay_seconds = MODEL_SECONDS
        assistant = Assistant(ChatClient(AiConfig(model.base_url, "bench", "sk-bench", 3.0)),
                              triage_on=True, translate_on=True, workers=4)
        try:
            upgrade(engine)
            seed_partners(engine, "telegram", [*(f"A{p}" for p in ids), *(f"B{p}" for p in ids)])
            factory = make_session_factory(engine)
            rooms = (Room("telegram", "-100200300"),)
            plain = Desk(DeskContext(sessions=factory, agent_rooms=rooms,
                                     rate_limit_per_minute=10_000))
            with_ai = Desk(DeskContext(sessions=factory, agent_rooms=rooms,
                                       rate_limit_per_minute=10_000, ai=assistant))
            locales.warm_up()
            without = _measure(plain, plan, "A")
            started = time.perf_counter()
            acks = _measure(with_ai, plan, "B")
            assistant.drain(timeout=120)
            drained = time.perf_counter() - started
            with factory() as session:
                calls = session.scalar(select(func.count()).select_from(AuditEntry)
                                       .where(AuditEntry.action.like("ai.%"))) or 0
        finally:
            assistant.close()
            engine.dispose()
    value, floor = median(acks), median(without)
    ratio = value / floor
    figure = Figure(
        name="message path with the AI model on: median acknowledgement", value=value * 1000,
        unit="ms", reference=floor * 1000,
        reference_label="the same messages with AI off (same database, same run)",
        ratio=ratio, target=f"ratio <= {TARGET_RATIO:.1f} (model answers in "
                            f"{MODEL_SECONDS * 1000:.0f} ms)",
        met=ratio <= TARGET_RATIO and value < MODEL_SECONDS / 4 and calls == len(model.calls),
        details={"messages": count, "p90_ms": percentile(acks, 90) * 1000,
                 "p99_ms": percentile(acks, 99) * 1000, "model_calls": len(model.calls),
                 "audited_calls": calls, "all_jobs_done_s": drained})
    return PartResult(NAME, "ran", [figure])
