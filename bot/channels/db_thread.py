"""Where a channel's database work runs: one thread per SQLite database, the pool otherwise."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, TypeVar

from desk.context import DeskContext

T = TypeVar("T")

_serial: dict[str, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def executor_for(desk: DeskContext) -> Executor | None:
    """SQLite lets one writer in at a time: in-process threads would only queue for its lock
    (and sleep in its busy handler), so its work runs on one thread per database file.
    PostgreSQL work uses the event loop's default pool (None) and runs concurrently."""
    bind = desk.sessions.kw.get("bind")
    url = getattr(bind, "url", None)
    if url is None or url.get_backend_name() != "sqlite":
        return None
    key = str(url)
    with _lock:
        if key not in _serial:
            _serial[key] = ThreadPoolExecutor(1, thread_name_prefix="sqlite")
        return _serial[key]


async def in_db_thread(desk: DeskContext, func: Callable[..., T], *args: Any) -> T:
    """Run blocking database work off the event loop, on the thread `executor_for` picks."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor_for(desk), functools.partial(func, *args))
