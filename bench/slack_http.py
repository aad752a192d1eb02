"""Part 3: Slack HTTP acknowledgement latency for signed /support slash commands.

The real `supportdesk run` in HTTP mode against the fake Slack Web API; 50 client threads send
signed slash commands (a new connection each, as Slack does) and time each HTTP response.
Target: p99 under 300 ms with zero errors.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import random
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from bench.common import (
    Figure,
    Options,
    PartResult,
    cpu_seconds,
    median,
    percentile,
    texts_by_language,
)
from bench.processes import DeskProcess, desk_env, free_port, fresh_sqlite, listening, wait_until
from bench.seed import seed_partners
from tests.fakes.slack_api import TEAM_ID, FakeSlackApi

NAME = "slack_http"
TARGET_P99_MS = 300.0
CONCURRENCY = 50
SECRET = "bench-signing-secret-0123456789abcdef"
AGENTS = "C0BENCHAGENTS"
COMMANDS_PER_PARTNER = 10  # under the default rate limit of 20 per minute


def command_bodies(fake: FakeSlackApi, count: int, seed: int = 3) -> tuple[list[str], list[str]]:
    """(partner ids, url-encoded bodies): /support new TEXT, /support cases, /support help."""
    rng = random.Random(seed)
    texts = texts_by_language()
    langs = list(texts)
    partners = [f"U0BENCH{i:05d}" for i in range(max(1, count // COMMANDS_PER_PARTNER))]
    bodies: list[str] = []
    for round_no in range(COMMANDS_PER_PARTNER):
        for n, uid in enumerate(partners):
            if round_no % 3 == 0:  # opens a case (the text's language is detected)
                text = "new " + rng.choice(texts[langs[n % len(langs)]])
            elif round_no % 3 == 1:
                text = "cases"
            else:
                text = "help"
            name = f"b{round_no}-{n}"
            bodies.append(urlencode({
                "token": "legacy", "team_id": TEAM_ID, "team_domain": "bench",
                "channel_id": "D" + uid[1:], "channel_name": "directmessage", "user_id": uid,
                "user_name": uid.lower(), "command": "/support", "text": text,
                "api_app_id": "A0SUPPORT", "response_url": fake.response_url(name),
                "trigger_id": f"trig.{name}.{seed}"}))
    return partners, bodies[:count]


def post(port: int, body: str) -> tuple[float, int | str]:
    """One signed POST on a new connection: (seconds to the response, status or error)."""
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(),
                                 hashlib.sha256).hexdigest()
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/slack/events", body=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})
        response = conn.getresponse()
        response.read()
        return time.perf_counter() - started, response.status
    except OSError as exc:
        return time.perf_counter() - started, type(exc).__name__
    finally:
        conn.close()


def responded(fake: FakeSlackApi) -> int:
    return len(fake.calls("respond"))


def run(opts: Options) -> PartResult:
    count = 200 if opts.quick else 1000
    warm = 20
    url, engine = fresh_sqlite(opts.workdir, "slack")
    with FakeSlackApi() as fake:
        partners, bodies = command_bodies(fake, count)
        _, warm_bodies = command_bodies(fake, warm, seed=99)
        seed_partners(engine, "slack", sorted({*partners}))
        engine.dispose()
        port = free_port()
        env = desk_env(url, slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,
                       slack_api_url=fake.api_url, slack_http_port=str(port),
                       slack_agent_channel=AGENTS, outbox_poll_seconds="0.2")
        with DeskProcess(opts.workdir, env, "slack-desk") as desk:
            wait_until(lambda: listening(port), "the desk to listen", 60, desk=desk)
            for body in warm_bodies:
                post(port, body)
            wait_until(lambda: responded(fake) >= len(warm_bodies), "warm-up answers", 60,
                       desk=desk)
            cpu_before = cpu_seconds(desk.pid)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
                results = list(pool.map(lambda b: post(port, b), bodies))
            acked = time.perf_counter() - started
            ok = sum(1 for _, status in results if status == 200)
            wait_until(lambda: responded(fake) >= len(warm_bodies) + ok,
                       "every answer posted to its response_url", 60 + count / 5, desk=desk)
            answered = time.perf_counter() - started
            cpu = cpu_seconds(desk.pid) - cpu_before
            code = desk.stop()
    latencies = [seconds for seconds, _ in results]
    errors = sum(1 for _, status in results if status != 200)
    kinds = sorted({str(status) for _, status in results if status != 200})
    p99 = percentile(latencies, 99) * 1000
    p50_ms = percentile(latencies, 50) * 1000
    figure = Figure(
        name="slack HTTP: slash command ack latency p99", value=p99, unit="ms",
        target=f"p99 < {TARGET_P99_MS:.0f} ms, 0 errors",
        met=p99 < TARGET_P99_MS and errors == 0,
        details={"requests": count, "concurrency": CONCURRENCY, "errors": errors,
                 "error_kinds": kinds,
                 "p50_ms": percentile(latencies, 50) * 1000,
                 "median_ms": median(latencies) * 1000, "p99_ms": p99,
                 "max_ms": max(latencies) * 1000, "all_acked_seconds": acked,
                 "all_answers_posted_seconds": answered,
                 "answers_per_second": count / answered, "exit_code": code,
                 "desk_cpu_ms_per_request": cpu / count * 1000})
    p50 = Figure(name="slack HTTP: slash command ack latency p50", value=p50_ms, unit="ms",
                 target="(reported with p99)", met=None)
    return PartResult(NAME, "ran", [p50, figure])
