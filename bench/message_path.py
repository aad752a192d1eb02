"""Part 1: one partner message through Desk.handle and the rendering of its replies (SQLite).

Reference: the irreducible work of the same message (bench/message_reference.py): language and
severity triage plus ONE raw DB-API transaction writing the same rows (inbound update id,
conversation, case, message, audit entry, outbox notice) on the same SQLite setup, with no ORM.
Each desk message is followed by its reference twin (another partner with the same text), so
both see the same moment of a shared machine. Target: median at most 2x the reference's median.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from sqlalchemy import event

import locales
import severity
from bench.common import Figure, Options, PartResult, median, percentile, texts_by_language
from bench.message_reference import ReferenceWriter
from bench.seed import seed_partners
from desk.context import DeskContext, Room
from handlers.desk import Desk
from messages.types import Incoming
from store.db import make_engine, make_session_factory
from store.migrate import upgrade

NAME = "message_path"
TARGET_RATIO = 2.0
MESSAGES_PER_PARTNER = 5  # 1st opens a case, 4th is "/new ...": the rest are follow-ups
WARM_UP = 20


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


def twin(partner_id: str) -> str:
    """The reference's partner for a desk partner: same organization spread, own chat."""
    return "R" + partner_id[1:]


def triage_only(texts: list[str]) -> list[float]:
    """Seconds of the reference's triage alone (language + severity) per text."""
    times = []
    for text in texts:
        started = time.perf_counter()
        locales.reply_language(text)
        severity.classify(text)
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
        plan = plan_messages(count)
        partner_ids = sorted({p for p, _, _ in plan})
        seed_partners(engine, "telegram",
                      [*partner_ids, *map(twin, partner_ids), "WARM", "REFWARM"])
        factory = make_session_factory(engine)
        ctx = DeskContext(sessions=factory, agent_rooms=(Room("telegram", "-100200300"),),
                          rate_limit_per_minute=10_000)
        desk = Desk(ctx)
        reference = ReferenceWriter(engine)
        locales.warm_up()

        def one(user_id: str, text: str, update: str) -> int:
            outcome = desk.handle(Incoming(channel="telegram", user_id=user_id,
                                           chat_id=user_id, text=text, update_id=update,
                                           locale_hint=None))
            for reply in outcome.replies:
                locales.render(reply.key, reply.params, outcome.language)
            return len(outcome.replies)

        def one_reference(user_id: str, text: str, update: str) -> None:
            body = text.removeprefix("/new ")
            reference.handle(user_id, update, body, force_new=body != text)

        warm_texts = texts_by_language()["en"]
        for i in range(WARM_UP):
            one("WARM", warm_texts[i % len(warm_texts)], f"warm-{i}")
            one_reference("REFWARM", warm_texts[i % len(warm_texts)], f"ref-warm-{i}")

        statements = [0]

        def count_statement(*_args: object) -> None:
            statements[0] += 1

        per_message: list[float] = []
        per_reference: list[float] = []
        replies = 0
        reference.statements = 0
        # the reference's raw DB-API cursor bypasses engine events: only the desk is counted
        event.listen(engine, "before_cursor_execute", count_statement)
        for n, (user_id, _lang, text) in enumerate(plan):
            started = time.perf_counter()
            replies += one(user_id, text, f"u{n}")
            per_message.append(time.perf_counter() - started)
            started = time.perf_counter()
            one_reference(twin(user_id), text, f"r{n}")
            per_reference.append(time.perf_counter() - started)
        event.remove(engine, "before_cursor_execute", count_statement)
        reference_statements = reference.statements
        reference.close()
        triage = triage_only([text.removeprefix("/new ") for _, _, text in plan])
    finally:
        engine.dispose()

    value = median(per_message)
    floor = median(per_reference)
    ratio = value / floor
    figure = Figure(
        name="message path: median per message", value=value * 1000, unit="ms",
        reference=floor * 1000,
        reference_label="median triage + one raw-SQL transaction writing the same rows",
        ratio=ratio, target=f"ratio <= {TARGET_RATIO:.1f}", met=ratio <= TARGET_RATIO,
        details={"messages": count, "replies": replies, "partners": len(partner_ids),
                 "p90_ms": percentile(per_message, 90) * 1000,
                 "p99_ms": percentile(per_message, 99) * 1000,
                 "sql_statements_per_message": statements[0] / count,
                 "reference_p90_ms": percentile(per_reference, 90) * 1000,
                 "reference_triage_median_ms": median(triage) * 1000,
                 "reference_sql_statements_per_message": reference_statements / count})
    return PartResult(NAME, "ran", [figure])
