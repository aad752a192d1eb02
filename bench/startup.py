"""Part 5: `supportdesk --help` wall time, and the resident memory of a desk with both channels.

The start-up reference is a bare `python -c pass`; the memory reference is the resident size of
a bare interpreter. Targets: --help under 0.3 s (median of 10), the desk under 150 MB resident.
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import Figure, Options, PartResult, median, rss_mib
from bench.processes import (
    SUPPORTDESK,
    DeskProcess,
    desk_env,
    free_port,
    fresh_sqlite,
    listening,
    wait_until,
)
from bench.seed import seed_partners
from bench.slack_http import SECRET, command_bodies, post
from bench.telegram import AGENTS as TELEGRAM_AGENTS
from bench.telegram import TimedTelegramAPI, partner_updates
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import TOKEN

NAME = "startup_memory"
TARGET_HELP_SECONDS = 0.3
TARGET_RSS_MIB = 150.0
RUNS = 10


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return time.perf_counter() - started


def help_time(env: dict[str, str]) -> Figure:
    help_runs: list[float] = []
    bare_runs: list[float] = []
    click_runs: list[float] = []
    _wall([SUPPORTDESK, "--help"])  # the first run fills the OS file cache
    for _ in range(RUNS):
        help_runs.append(_wall([SUPPORTDESK, "--help"]))
        bare_runs.append(_wall([sys.executable, "-c", "pass"]))
        click_runs.append(_wall([sys.executable, "-c", "import click"]))
    value = median(help_runs)
    reference = median(bare_runs)
    return Figure(name="start-up: supportdesk --help (median of 10)", value=value * 1000,
                  unit="ms", reference=reference * 1000,
                  reference_label="median `python -c pass`", ratio=value / reference,
                  target=f"< {TARGET_HELP_SECONDS * 1000:.0f} ms",
                  met=value < TARGET_HELP_SECONDS, details={
                      "runs_ms": [round(r * 1000, 1) for r in help_runs],
                      "python_import_click_median_ms": median(click_runs) * 1000})


def bare_rss() -> float:
    """VmRSS of an interpreter that has started and does nothing."""
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                            stdin=subprocess.PIPE)
    try:
        time.sleep(0.5)
        return rss_mib(proc.pid)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)


def desk_memory(opts: Options) -> Figure:
    """RSS of `supportdesk run` with Slack (HTTP) and Telegram (polling) after warm-up traffic."""
    count = 100 if opts.quick else 400
    url, engine = fresh_sqlite(opts.workdir, "both")
    with FakeSlackApi() as fake, TimedTelegramAPI() as api:
        slack_partners, bodies = command_bodies(fake, count)
        tg_partners, updates = partner_updates(count)
        seed_partners(engine, "slack", slack_partners)
        seed_partners(engine, "telegram", [str(p) for p in tg_partners])
        engine.dispose()
        port = free_port()
        env = desk_env(url, slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,
                       slack_api_url=fake.api_url, slack_http_port=str(port),
                       slack_agent_channel="C0BENCHAGENTS", telegram_bot_token=TOKEN,
                       telegram_api_base_url=api.base_url,
                       telegram_agent_chat_id=TELEGRAM_AGENTS, outbox_poll_seconds="0.2")
        with DeskProcess(opts.workdir, env, "both-desk") as desk:
            wait_until(lambda: listening(port), "the desk to listen", 60, desk=desk)
            wait_until(api.polled, "the desk to poll getUpdates", 60, desk=desk)
            for update in updates:
                api.push_update(update)
            statuses = [post(port, body)[1] for body in bodies]
            ok = sum(1 for s in statuses if s == 200)
            wait_until(lambda: api.replies() >= count, "Telegram replies", 120 + count / 5,
                       desk=desk)
            wait_until(lambda: len(fake.calls("respond")) >= ok, "Slack answers",
                       120 + count / 5, desk=desk)
            # let the outbox deliver the agents' notices too
            time.sleep(2)
            value = rss_mib(desk.pid)
            code = desk.stop()
    reference = bare_rss()
    return Figure(name="memory: desk with Slack HTTP + Telegram polling (VmRSS)", value=value,
                  unit="MiB", reference=reference, reference_label="bare python interpreter",
                  ratio=value / reference, target=f"< {TARGET_RSS_MIB:.0f} MB",
                  met=value < TARGET_RSS_MIB,
                  details={"telegram_updates": count, "slack_commands": count,
                           "slack_errors": count - ok, "exit_code": code})


def run(opts: Options) -> PartResult:
    return PartResult(NAME, "ran", [help_time(desk_env("sqlite:///unused.sqlite3")),
                                    desk_memory(opts)])
