"""Part 4: Telegram updates per second, real `supportdesk run` (polling) against the fake API.

All updates are pushed to the fake at once; the figure is updates / (last partner reply's
arrival at the fake - first push). Target: at least 300 per second.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from bench.common import Figure, Options, PartResult, cpu_seconds, texts_by_language
from bench.processes import DeskProcess, desk_env, fresh_sqlite, wait_until
from bench.seed import seed_partners
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI, message_update, user

NAME = "telegram"
TARGET_PER_SECOND = 300.0
AGENTS = "-1009000000001"
FIRST_PARTNER = 70_000
MESSAGES_PER_PARTNER = 10  # under the default rate limit of 20 per minute


class TimedTelegramAPI(FakeTelegramAPI):
    """The fake Bot API that also notes when each reply to a private chat arrived."""

    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.reply_times: list[float] = []
        self._times_lock = threading.Lock()

    async def _m_sendMessage(self, params: dict[str, Any], files: Any) -> Any:
        result = await super()._m_sendMessage(params, files)
        if int(params["chat_id"]) > 0:
            with self._times_lock:
                self.reply_times.append(time.perf_counter())
        return result

    def replies(self) -> int:
        with self._times_lock:
            return len(self.reply_times)

    def polled(self) -> bool:
        return any(c.method == "getUpdates" for c in list(self.calls))


def partner_updates(count: int, seed: int = 5) -> tuple[list[int], list[dict[str, Any]]]:
    """(partner ids, message updates): realistic texts in five languages, some /new."""
    rng = random.Random(seed)
    texts = texts_by_language()
    langs = list(texts)
    partners = [FIRST_PARTNER + i for i in range(max(1, count // MESSAGES_PER_PARTNER))]
    updates: list[dict[str, Any]] = []
    for round_no in range(MESSAGES_PER_PARTNER):
        for n, pid in enumerate(partners):
            lang = langs[n % len(langs)]
            text = rng.choice(texts[lang])
            if round_no % 4 == 3:
                text = f"/new {text}"
            code = {"pt-BR": "pt-br"}.get(lang, lang)
            updates.append(message_update(user(pid, language_code=code), pid, text))
    return partners, updates[:count]


def run(opts: Options) -> PartResult:
    count = 300 if opts.quick else 2000
    warm = 20
    partners, updates = partner_updates(count)
    url, engine = fresh_sqlite(opts.workdir, "telegram")
    seed_partners(engine, "telegram", [str(p) for p in [*partners, 69_999]])
    engine.dispose()
    with TimedTelegramAPI() as api:
        env = desk_env(url, telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
                       telegram_agent_chat_id=AGENTS, outbox_poll_seconds="0.2")
        with DeskProcess(opts.workdir, env, "telegram-desk") as desk:
            wait_until(api.polled, "the desk to poll getUpdates", 60, desk=desk)
            for i in range(warm):  # warm-up: the first case, detector, connections
                api.push_update(message_update(user(69_999), 69_999,
                                               f"warm up message number {i} for the bench"))
            wait_until(lambda: api.replies() >= warm, "warm-up replies", 60, desk=desk)
            cpu_before = cpu_seconds(desk.pid)
            started = time.perf_counter()
            for update in updates:
                api.push_update(update)
            wait_until(lambda: api.replies() >= warm + count, f"{count} replies",
                       60 + count / 10, desk=desk, interval=0.02)
            last = api.reply_times[warm + count - 1]
            cpu = cpu_seconds(desk.pid) - cpu_before
            notices = sum(1 for c in api.calls_of("sendMessage")
                          if str(c.params.get("chat_id")) == AGENTS)
            code = desk.stop()
    elapsed = last - started
    rate = count / elapsed
    figure = Figure(
        name="telegram: updates per second (push -> last reply)", value=rate, unit="updates/s",
        target=f">= {TARGET_PER_SECOND:.0f}/s", met=rate >= TARGET_PER_SECOND,
        details={"updates": count, "partners": len(partners), "seconds": elapsed,
                 "agent_notices_sent": notices, "exit_code": code,
                 "desk_cpu_ms_per_update": cpu / count * 1000,
                 "desk_cpu_share_of_wall": cpu / elapsed})
    return PartResult(NAME, "ran", [figure])
