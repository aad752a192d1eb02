"""Part 1: one partner message through Desk.handle and the rendering of its replies (SQLite).

Reference: one restricted langdetect call (locales.detect_language) on the same texts plus one
single-row commit in its own transaction on the same SQLite setup; target at most 2x the sum.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert

import locales
from bench.common import Figure, Options, PartResult, median, percentile, texts_by_language
from bench.seed import seed_partners
from desk.context import DeskContext, Room
from handlers.desk import Desk
from messages.types import Incoming
from store.db import make_engine, make_session_factory, transaction
from store.migrate import upgrade

NAME = "message_path"
TARGET_RATIO = 2.0
MESSAGES_PER_PARTNER = 5  # 1st opens a case, 4th is "/new ...": the rest are follow-ups
WARM_UP = 20

_commit_table = Table("bench_single_row", MetaData(),
                      Column("id", Integer, primary_key=True), Column("note", String(40)))


def plan_messages(count: int, seed: int = 11) -> list[tuple[str, str, str]]:
    """(partner id, language, text) in round-robin order, so new cases and follow-ups mix."""
    rng = random.Random(seed)
    texts = texts_by_language()
    partners = max(1, count // MESSAGES_PER_PARTNER)
    langs = list(texts)
    plan: list[tuple[str, str, str]] = []
    for round_no in range(MESSAGES_PER_PARTNER):
        for p in range(partners):
            lang = langs[p % len(langs)]
            text = rng.choice(texts[lang])
            if round_no == 3:
                text = f"/new {text}"
            plan.append((f"P{p:05d}", lang, text))
    return plan[:count]


def _single_row_commits(factory, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for i in range(count):
        started = time.perf_counter()
        with transaction(factory) as session:
            session.execute(insert(_commit_table).values(note=f"row {i}"))
        times.append(time.perf_counter() - started)
    return times


def run(opts: Options) -> PartResult:
    count = 100 if opts.quick else 500
    db_path = Path(opts.workdir) / "message_path.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        upgrade(engine)
        _commit_table.create(engine)
        plan = plan_messages(count)
        partner_ids = sorted({p for p, _, _ in plan})
        seed_partners(engine, "telegram", [*partner_ids, "WARM"])
        factory = make_session_factory(engine)
        ctx = DeskContext(sessions=factory, agent_rooms=(Room("telegram", "-100200300"),),
                          rate_limit_per_minute=10_000)
        desk = Desk(ctx)
        locales.warm_up()

        def one(user_id: str, text: str, update: str) -> int:
            outcome = desk.handle(Incoming(channel="telegram", user_id=user_id,
                                           chat_id=user_id, text=text, update_id=update,
                                           locale_hint=None))
            for reply in outcome.replies:
                locales.render(reply.key, reply.params, outcome.language)
            return len(outcome.replies)

        warm_texts = texts_by_language()["en"]
        for i in range(WARM_UP):
            one("WARM", warm_texts[i % len(warm_texts)], f"warm-{i}")

        statements = [0]

        def count_statement(*_args: object) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count_statement)
        per_message: list[float] = []
        replies = 0
        for n, (user_id, _lang, text) in enumerate(plan):
            started = time.perf_counter()
            replies += one(user_id, text, f"u{n}")
            per_message.append(time.perf_counter() - started)
        event.remove(engine, "before_cursor_execute", count_statement)

        detect = []
        for _user, _lang, text in plan:
            body = text.removeprefix("/new ")
            started = time.perf_counter()
            locales.detect_language(body)
            detect.append(time.perf_counter() - started)
        commits = _single_row_commits(factory, count)
    finally:
        engine.dispose()

    value = median(per_message)
    reference = median(detect) + median(commits)
    ratio = value / reference
    figure = Figure(
        name="message path: median per message", value=value * 1000, unit="ms",
        reference=reference * 1000,
        reference_label="median detect_language + median single-row commit",
        ratio=ratio, target=f"ratio <= {TARGET_RATIO:.1f}", met=ratio <= TARGET_RATIO,
        details={"messages": count, "replies": replies, "partners": len(partner_ids),
                 "p90_ms": percentile(per_message, 90) * 1000,
                 "p99_ms": percentile(per_message, 99) * 1000,
                 "detect_median_ms": median(detect) * 1000,
                 "commit_median_ms": median(commits) * 1000,
                 "sql_statements_per_message": statements[0] / count})
    return PartResult(NAME, "ran", [figure])
