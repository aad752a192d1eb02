"""A fake Slack Socket Mode endpoint (plain ws:// on 127.0.0.1, aiohttp in a thread)."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from typing import Any

from aiohttp import WSMsgType, web


class FakeSocketMode:
    """Accepts the app's WebSocket, says hello, pushes envelopes and records the acks."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.port = 0
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-socket-mode",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._lock:
            self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "connection_info": {"app_id": "A0SUPPORT"}}))
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                with self._lock:
                    self._acks.append(json.loads(message.data))
        with self._lock:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    def connected(self) -> bool:
        with self._lock:
            return any(not ws.closed for ws in self._sockets)

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Push one envelope (events_api | slash_commands | interactive); returns its id."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api"}

        async def push() -> None:
            with self._lock:
                sockets = [ws for ws in self._sockets if not ws.closed]
            assert sockets, "no Socket Mode connection"
            await sockets[-1].send_str(json.dumps(envelope))

        asyncio.run_coroutine_threadsafe(push(), self._loop).result(timeout=10)
        return envelope_id

    def acked(self, envelope_id: str) -> bool:
        with self._lock:
            return any(a.get("envelope_id") == envelope_id for a in self._acks)

    def stop(self) -> None:
        async def close() -> None:
            with self._lock:
                sockets = list(self._sockets)
            for ws in sockets:
                await ws.close()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
