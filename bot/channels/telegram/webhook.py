"""Webhook mode: a small aiohttp server that checks the secret token and handles before 200."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Process = Callable[[Update], Awaitable[None]]


def webhook_path(url: str) -> str:
    """The path the server listens on: the path of the public webhook URL, '/' if none."""
    return urlsplit(url).path or "/"


def _secret_matches(given: str | None, secret: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


def make_app(bot: Bot, path: str, secret: str, process: Process) -> web.Application:
    """The web app: 403 without the right secret, 400 for a non-update, 500 if handling failed.

    The update is processed before the answer, so a 200 means the desk has stored it and
    anything else makes Telegram deliver it again.
    """

    async def receive(request: web.Request) -> web.Response:
        if not _secret_matches(request.headers.get(SECRET_HEADER), secret):
            log.warning("webhook request with a wrong or missing secret token refused")
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("webhook body is not an update: %s", exc)
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        try:
            await process(update)
        except Exception:
            log.exception("update %s failed; Telegram will deliver it again", update.update_id)
            return web.Response(status=500, text="failed")
        return web.Response(status=200, text="ok")

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(path, receive)
    return app


class WebhookServer:
    """Starts and stops the aiohttp server; stop waits for requests being handled."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.runner = web.AppRunner(app, shutdown_timeout=30)
        self.host = host
        self.port = port

    async def start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, self.host, self.port).start()
        log.info("telegram webhook listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        await self.runner.cleanup()
