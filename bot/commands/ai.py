"""`supportdesk ai status`: whether AI assistance is on, and its calls, failures, fallbacks and
mean latency, counted from the audit trail (each model call leaves one entry, without text), so
the numbers cover every process of the desk and survive restarts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import click
from sqlalchemy import select

from bot.commands._admin import AdminGroup, admin_command, current_desk, unit_of_work
from bot.commands.common import emit_json, json_option
from store.models import AuditEntry

ACTIONS = ("ai.triage", "ai.translate")


@click.group(cls=AdminGroup)
def ai() -> None:
    """Optional AI assistance through an OpenAI-compatible model."""


def counters(rows: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Calls, failures (no answer), fallbacks (no usable answer) and mean latency per kind."""
    out: dict[str, Any] = {}
    for kind in ("all", *ACTIONS):
        chosen = [d or {} for action, d in rows if kind in ("all", action)]
        latencies = [d["latency_ms"] for d in chosen if isinstance(d.get("latency_ms"), int)]
        out[kind.removeprefix("ai.")] = {
            "calls": len(chosen),
            "failures": sum(1 for d in chosen if d.get("ok") is False),
            "fallbacks": sum(1 for d in chosen
                             if d.get("fallback") is True
                             or ("opinion" in d and d.get("opinion") is None)),
            "mean_latency_ms": round(sum(latencies) / len(latencies), 1) if latencies else None,
        }
    return out


@ai.command("status")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="Only the calls of the last N days; default: all.")
@json_option
@admin_command
def status(days: int | None, as_json: bool) -> None:
    """Is AI assistance on (AI_* settings), and how have the model calls gone?"""
    desk = current_desk()
    assistant = desk.ai
    config: dict[str, Any] = {"triage": bool(assistant and assistant.triage_on),
                              "translate": bool(assistant and assistant.translate_on)}
    if assistant is not None:
        cfg = assistant.client.config
        config.update({"base_url": cfg.base_url, "model": cfg.model,
                       "timeout_seconds": cfg.timeout_seconds,
                       "api_key": "set" if cfg.api_key else "not set"})
    with unit_of_work() as (session, _desk, now):
        query = select(AuditEntry.action, AuditEntry.details).where(
            AuditEntry.action.in_(ACTIONS))
        if days is not None:
            since: datetime = now - timedelta(days=days)
            query = query.where(AuditEntry.at >= since)
        rows = [(a, d) for a, d in session.execute(query).all()]
    doc = {"enabled": config["triage"] or config["translate"], "config": config,
           "counters": counters(rows), "days": days}
    if as_json:
        emit_json(doc)
        return
    if not doc["enabled"]:
        click.echo("AI assistance: off (set AI_BASE_URL, AI_MODEL and AI_TRIAGE or AI_TRANSLATE)")
    else:
        click.echo(f"AI assistance: triage {'on' if config['triage'] else 'off'}, translation "
                   f"{'on' if config['translate'] else 'off'}; model {config['model']} at "
                   f"{config['base_url']}, timeout {config['timeout_seconds']} s, API key "
                   f"{config['api_key']}")
    for kind, c in doc["counters"].items():
        mean = "-" if c["mean_latency_ms"] is None else f"{c['mean_latency_ms']} ms"
        click.echo(f"  {kind:<10} calls {c['calls']}, failures {c['failures']}, "
                   f"fallbacks {c['fallbacks']}, mean latency {mean}")
