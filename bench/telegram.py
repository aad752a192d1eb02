"""Part 4: Telegram as partners feel it, real `supportdesk run` (polling) against the fake API.

Latency: partners write at a steady 30 updates per second for one minute (quick: 10 s). An
update's latency runs from the moment getUpdates hands it to the bot to the moment the bot's
answer to that partner reaches the fake API (sendMessage). Target: p99 under 100 ms; p50 beside
it. The details also give push -> answer (including the wait for the bot's next getUpdates).

Capacity: 2,000 updates (quick: 300) pushed at once; updates / (last answer - first push),
reported without a target.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bench.common import Figure, Options, PartResult, cpu_seconds, percentile, texts_by_language
from bench.processes import DeskProcess, desk_env, fresh_sqlite, wait_until
from bench.seed import seed_partners
from tests.fakes.telegram_api import TOKEN, FakeTelegramAPI, message_update, user

NAME = "telegram"
TARGET_P99_MS = 100.0
RATE_PER_SECOND = 30
AGENTS = "-1009000000001"
WARM_PARTNER = 69_999
FIRST_PARTNER = 70_000  # the steady partners
BURST_PARTNER = 80_000  # the burst's partners, so no one nears the rate limit
MESSAGES_PER_PARTNER = 10  # under the default rate limit of 20 per minute


@dataclass(frozen=True)
class Latencies:
    """Per answered update, seconds: from hand-out (getUpdates) and from push to the answer."""

    from_handout: list[float]
    from_push: list[float]
    unanswered: int


class TimedTelegramAPI(FakeTelegramAPI):
    """The fake Bot API that also notes when it handed out each update and when each answer to
    a private chat arrived."""

    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.reply_times: list[float] = []
        self.replies_by_chat: dict[int, list[float]] = defaultdict(list)
        self.handed_out: dict[int, tuple[int, float]] = {}  # update id -> (chat, first hand-out)
        self._times_lock = threading.Lock()

    async def _m_getUpdates(self, params: dict[str, Any], files: Any) -> Any:
        ready = await super()._m_getUpdates(params, files)
        now = time.perf_counter()
        with self._times_lock:
            for update in ready:
                if "message" in update and update["update_id"] not in self.handed_out:
                    chat = int(update["message"]["chat"]["id"])
                    self.handed_out[update["update_id"]] = (chat, now)
        return ready

    async def _m_sendMessage(self, params: dict[str, Any], files: Any) -> Any:
        result = await super()._m_sendMessage(params, files)
        chat = int(params["chat_id"])
        if chat > 0:
            now = time.perf_counter()
            with self._times_lock:
                self.reply_times.append(now)
                self.replies_by_chat[chat].append(now)
        return result

    def replies(self) -> int:
        with self._times_lock:
            return len(self.reply_times)

    def polled(self) -> bool:
        return any(c.method == "getUpdates" for c in list(self.calls))

    def latencies(self, pushed: dict[int, float]) -> Latencies:
        """Each pushed update against its answer: a chat's updates are handled strictly in
        order and each gets one answer, so its k-th update handed out has its k-th answer."""
        with self._times_lock:
            by_chat: dict[int, list[tuple[float, int]]] = defaultdict(list)
            for uid in pushed:
                chat, handed = self.handed_out[uid]
                by_chat[chat].append((handed, uid))
            answers = {chat: list(times) for chat, times in self.replies_by_chat.items()}
        from_handout, from_push, unanswered = [], [], 0
        for chat, handed in by_chat.items():
            chat_answers = [t for t in answers.get(chat, []) if t >= min(handed)[0]]
            for (handed_at, uid), answered in zip(sorted(handed), chat_answers, strict=False):
                from_handout.append(answered - handed_at)
                from_push.append(answered - pushed[uid])
            unanswered += max(0, len(handed) - len(chat_answers))
        return Latencies(from_handout, from_push, unanswered)


def partner_updates(count: int, seed: int = 5, first: int = FIRST_PARTNER,
                    per_partner: int = MESSAGES_PER_PARTNER,
                    ) -> tuple[list[int], list[dict[str, Any]]]:
    """(partner ids, message updates) in round-robin order: realistic texts in five languages,
    new cases and follow-ups, every fourth round a /new."""
    rng = random.Random(seed)
    texts = texts_by_language()
    langs = list(texts)
    partners = [first + i for i in range(max(1, -(-count // per_partner)))]
    updates: list[dict[str, Any]] = []
    for round_no in range(per_partner):
        for n, pid in enumerate(partners):
            lang = langs[n % len(langs)]
            text = rng.choice(texts[lang])
            if round_no % 4 == 3:
                text = f"/new {text}"
            code = {"pt-BR": "pt-br"}.get(lang, lang)
            updates.append(message_update(user(pid, language_code=code), pid, text))
    return partners, updates[:count]


def push_steadily(api: FakeTelegramAPI, updates: list[dict[str, Any]],
                  rate: float) -> dict[int, float]:
    """Push the updates at `rate` per second on a fixed schedule; update id -> push time."""
    pushed: dict[int, float] = {}
    started = time.perf_counter()
    for n, update in enumerate(updates):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        uid = api.push_update(update)
        pushed[uid] = time.perf_counter()
    return pushed


def latency_figures(lat: Latencies, steady: int, push_seconds: float, seconds: float,
                    cpu: float) -> list[Figure]:
    """p50 and p99 of hand-out -> answer at the steady rate (the target is on p99); `seconds`
    from the first push to the last answer, `cpu` the desk's CPU time meanwhile."""
    ms = [s * 1000 for s in lat.from_handout]
    push_ms = [s * 1000 for s in lat.from_push]
    p50, p99 = percentile(ms, 50), percentile(ms, 99)
    details = {"updates": steady, "answered": len(ms), "unanswered": lat.unanswered,
               "pushed_per_second": (steady - 1) / push_seconds, "p50_ms": p50,
               "p90_ms": percentile(ms, 90), "p99_ms": p99, "max_ms": max(ms),
               "push_to_reply_p50_ms": percentile(push_ms, 50),
               "push_to_reply_p99_ms": percentile(push_ms, 99),
               "desk_cpu_ms_per_update": cpu / steady * 1000,
               "desk_cpu_share_of_wall": cpu / seconds}
    label = f"at {RATE_PER_SECOND} updates/s (getUpdates hand-out -> answer)"
    return [
        Figure(name=f"telegram: reply latency p50 {label}", value=p50, unit="ms",
               target="(reported with p99)", met=None),
        Figure(name=f"telegram: reply latency p99 {label}", value=p99, unit="ms",
               target=f"p99 < {TARGET_P99_MS:.0f} ms, every update answered",
               met=p99 < TARGET_P99_MS and lat.unanswered == 0, details=details),
    ]


def run(opts: Options) -> PartResult:
    seconds = 10 if opts.quick else 60
    steady_count = RATE_PER_SECOND * seconds
    # 50 (quick) or 200 steady partners: each writes at most 9 times a minute (limit 20)
    steady_partners, steady_updates = partner_updates(
        steady_count, per_partner=-(-steady_count // (50 if opts.quick else 200)))
    burst_count = 300 if opts.quick else 2000
    burst_partners, burst_updates = partner_updates(burst_count, seed=6, first=BURST_PARTNER)
    warm = 20
    url, engine = fresh_sqlite(opts.workdir, "telegram")
    seed_partners(engine, "telegram",
                  [str(p) for p in [*steady_partners, *burst_partners, WARM_PARTNER]])
    engine.dispose()
    with TimedTelegramAPI() as api:
        env = desk_env(url, telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
                       telegram_agent_chat_id=AGENTS, outbox_poll_seconds="0.2")
        with DeskProcess(opts.workdir, env, "telegram-desk") as desk:
            wait_until(api.polled, "the desk to poll getUpdates", 60, desk=desk)
            for i in range(warm):  # warm-up: the first case, detector, connections
                api.push_update(message_update(user(WARM_PARTNER), WARM_PARTNER,
                                               f"warm up message number {i} for the bench"))
            wait_until(lambda: api.replies() >= warm, "warm-up replies", 60, desk=desk)

            cpu_before = cpu_seconds(desk.pid)
            started = time.perf_counter()
            pushed = push_steadily(api, steady_updates, RATE_PER_SECOND)
            push_seconds = max(pushed.values()) - started
            answered = warm + steady_count
            wait_until(lambda: api.replies() >= answered, f"{steady_count} steady replies", 120,
                       desk=desk)
            steady_seconds = time.perf_counter() - started
            steady_cpu = cpu_seconds(desk.pid) - cpu_before
            latency = api.latencies(pushed)

            cpu_before = cpu_seconds(desk.pid)
            burst_started = time.perf_counter()
            for update in burst_updates:
                api.push_update(update)
            wait_until(lambda: api.replies() >= answered + burst_count,
                       f"{burst_count} burst replies", 60 + burst_count / 10, desk=desk,
                       interval=0.02)
            last = api.reply_times[answered + burst_count - 1]
            burst_cpu = cpu_seconds(desk.pid) - cpu_before
            notices = sum(1 for c in api.calls_of("sendMessage")
                          if str(c.params.get("chat_id")) == AGENTS)
            code = desk.stop()
    elapsed = last - burst_started
    rate = burst_count / elapsed
    capacity = Figure(
        name="telegram: burst capacity, updates per second (push -> last reply)", value=rate,
        unit="updates/s", target="- (capacity, no target)", met=None,
        details={"updates": burst_count, "partners": len(burst_partners), "seconds": elapsed,
                 "agent_notices_sent": notices, "exit_code": code,
                 "desk_cpu_ms_per_update": burst_cpu / burst_count * 1000,
                 "desk_cpu_share_of_wall": burst_cpu / elapsed})
    figures = latency_figures(latency, steady_count, push_seconds, steady_seconds, steady_cpu)
    figures[1].details["partners"] = len(steady_partners)
    return PartResult(NAME, "ran", [*figures, capacity])
