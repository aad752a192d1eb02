"""Test helpers: run a channel on its own event loop thread; a free local port."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Running:
    """Runs `channel.run(stop)` in a thread with its own loop until stop() is called."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel
        self.error: BaseException | None = None
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._started = threading.Event()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def body() -> None:
            self._stop = asyncio.Event()
            self._started.set()
            await self.channel.run(self._stop)

        try:
            self._loop.run_until_complete(body())
        except BaseException as exc:  # reported by stop()
            self.error = exc
        finally:
            self._started.set()
            self._loop.close()

    def start(self) -> Running:
        self._thread.start()
        self._started.wait(10)
        return self

    def request_stop(self) -> None:
        """Set the stop event and return once the channel's loop has seen it set."""
        assert self._stop is not None
        stop = self._stop

        async def set_stop() -> bool:
            stop.set()
            return stop.is_set()

        assert asyncio.run_coroutine_threadsafe(set_stop(), self._loop).result(30)

    def stop(self, timeout: float = 60) -> None:
        if self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "channel did not stop"
        if self.error is not None:
            raise self.error

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()
