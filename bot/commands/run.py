"""`supportdesk run` and `supportdesk scheduler`: start the desk's long-running processes."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import click

from bot.channels.base import Channel
from bot.commands.common import handle_errors, settings
from bot.logs import setup_logging
from bot.settings import Settings
from bot.wiring import build_desk
from desk.context import DeskContext, Room

log = logging.getLogger("supportdesk")


def configured_channels(cfg: Settings, desk: DeskContext) -> list[Channel]:
    channels: list[Channel] = []
    if cfg.telegram_bot_token:
        from bot.channels.telegram import channel as telegram

        channels.append(telegram.build(cfg, desk))
    if cfg.slack_bot_token:
        from bot.channels.slack import channel as slack

        channels.append(slack.build(cfg, desk))
    return channels


async def serve(channels: list[Channel]) -> None:
    """Run every channel until SIGINT or SIGTERM, then let each finish what it has taken."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(c.run(stop), name=c.name) for c in channels]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    stop.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for channel, result in zip(channels, results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            log.error("channel %s stopped with an error: %r", channel.name, result)
            raise SystemExit(1)


@click.command()
@click.option("--no-scheduler", is_flag=True,
              help="Do not run the scheduler here (another process runs `supportdesk scheduler`).")
@click.option("--attachments", "attachments", metavar="DIR", default=None,
              type=click.Path(file_okay=False, writable=True, path_type=Path),
              help="Console only: the folder files the desk sends (summary CSV and chart) are "
                   "written to; default ./supportdesk-attachments.")
@handle_errors
def run(no_scheduler: bool, attachments: Path | None) -> None:
    """Start the desk: Slack and/or Telegram if configured, otherwise a console chat."""
    cfg = settings()
    console = not (cfg.telegram_bot_token or cfg.slack_bot_token)
    # The console shares the terminal with a person: only warnings and errors go there.
    setup_logging("WARNING" if console and cfg.log_level in ("DEBUG", "INFO") else cfg.log_level)
    # In console mode the agents' room is the console itself, for the scheduler's alerts too.
    desk = build_desk(cfg, rooms=(Room("console", "agents"),) if console else None)
    import locales

    locales.warm_up()
    channels = configured_channels(cfg, desk)
    scheduler = None
    if not no_scheduler:
        from bot.scheduler import start_scheduler

        scheduler = start_scheduler(cfg, desk)
    try:
        if channels:
            log.info("desk running with %s", ", ".join(c.name for c in channels))
            asyncio.run(serve(channels))
        else:
            from bot.channels.console import run_console

            run_console(desk, cfg, attachments=attachments)
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        if desk.ai is not None:  # let model calls under way finish (each within its timeout)
            desk.ai.close()
    log.info("desk stopped")


@click.command()
@handle_errors
def scheduler() -> None:
    """Run only the scheduler: month close, manager summaries and SLA alerts."""
    cfg = settings()
    setup_logging(cfg.log_level)
    from bot.scheduler import run_scheduler_forever

    run_scheduler_forever(cfg, build_desk(cfg))
