"""In-memory sliding-window rate limit per (channel, user), on the injected clock."""

from __future__ import annotations

import threading
from collections import deque
from datetime import timedelta
from enum import Enum

from desk.clock import Clock

WINDOW = timedelta(minutes=1)


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # first message over the limit in this window: answer with a slow-down
    DROP = "drop"  # further messages over the limit: ignored quietly


class RateLimiter:
    """At most `per_minute` messages in any 60-second window per key."""

    def __init__(self, per_minute: int, clock: Clock) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[tuple[str, str], deque] = {}
        self._warned: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()

    def check(self, channel: str, user_id: str) -> Verdict:
        key = (channel, user_id)
        now = self.clock.now()
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and now - seen[0] >= WINDOW:
                seen.popleft()
            if len(seen) < self.per_minute:
                seen.append(now)
                self._warned.pop(key, None)
                return Verdict.ALLOW
            window_start = seen[0]
            if self._warned.get(key) == window_start:
                return Verdict.DROP
            self._warned[key] = window_start
            return Verdict.WARN
