"""A worker process for the scale tests: runs a share of a plan through the real desk.

Usage: python -m tests.scale.driver PLAN.json OUT.json

The plan names a database URL, a fixed instant for the clock, a 'go' file every worker waits
for (so all processes start at once), a thread count and a list of tasks. A task is either
{"kind": "handle", "user": ..., "chat": ..., "text": ..., "update_id": ..., "confirm": bool}
(one Incoming through handlers.desk.Desk.handle; with confirm, a '/escalate N cat' answered
with escalation.confirm is followed by '/escalate N cat confirm') or
{"kind": "close_month", "month": "YYYY-MM"} (escalation.month_close.close_month).
The results (reply keys per task, or the error) go to OUT.json in the plan's task order.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from billing.months import BillingMonth
from desk.clock import FixedClock
from desk.context import DeskContext, Room
from escalation.month_close import close_month
from handlers.desk import Desk
from messages.types import Incoming
from store.db import make_engine, make_session_factory

CHANNEL = "console"
GO_TIMEOUT = 120.0


def build(plan: dict[str, Any]) -> tuple[DeskContext, Desk]:
    engine = make_engine(plan["db_url"], pool_size=plan["threads"] + 2)
    now = datetime.fromisoformat(plan["now"]).astimezone(UTC)
    context = DeskContext(
        sessions=make_session_factory(engine), clock=FixedClock(now),
        agent_rooms=(Room(CHANNEL, "agents"),), rate_limit_per_minute=1_000_000,
    )
    return context, Desk(context)


def handle(desk: Desk, task: dict[str, Any]) -> dict[str, Any]:
    def once(text: str, update_id: str | None) -> list[str]:
        outcome = desk.handle(Incoming(channel=CHANNEL, user_id=task["user"],
                                       chat_id=task["chat"], text=text, update_id=update_id))
        if outcome.duplicate:
            return ["duplicate"]
        return [r.key for r in outcome.replies]

    keys = once(task["text"], task.get("update_id"))
    if task.get("confirm") and keys and keys[0] == "escalation.confirm":
        keys = keys + once(task["text"] + " confirm", None)
    return {"keys": keys}


def run_task(context: DeskContext, desk: Desk, task: dict[str, Any]) -> dict[str, Any]:
    try:
        if task["kind"] == "handle":
            return handle(desk, task)
        if task["kind"] == "close_month":
            report = close_month(context.sessions, BillingMonth.parse(task["month"]),
                                 context.clock.now(), context.billing_tz)
            return {"report": report.as_dict()}
        return {"error": f"unknown task kind {task['kind']!r}"}
    except Exception as exc:  # reported to the test, which fails on it
        return {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}


def wait_for(go: Path) -> None:
    deadline = time.monotonic() + GO_TIMEOUT
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"the go file {go} never appeared")
        time.sleep(0.01)


def main(argv: list[str]) -> int:
    plan_path, out_path = Path(argv[0]), Path(argv[1])
    plan = json.loads(plan_path.read_text())
    context, desk = build(plan)
    ready = Path(str(out_path) + ".ready")
    ready.write_text("ready")
    wait_for(Path(plan["go"]))
    with ThreadPoolExecutor(max_workers=plan["threads"]) as pool:
        results = list(pool.map(lambda t: run_task(context, desk, t), plan["tasks"]))
    out_path.write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
