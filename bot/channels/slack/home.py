"""Slack's Home tab: each person's dashboard published with views.publish from one worker
thread, when they open it, after their own updates, and when what it shows may have changed.

Bolt's listeners only note what is wanted (a lock, no database, no Slack call), so Slack's
acknowledgement never waits for a dashboard. The worker publishes

- at once for a person who opened the tab (always), or who made an update in this process
  (when their view changed);
- for everyone who opened the tab in the last `recent` seconds, at most every `debounce`
  seconds: after any update handled here, when the queue's fingerprint changed (a case opened,
  taken or answered anywhere, by any process), and every `refresh` seconds (time left moves);
  a view is published again only if it differs from the one last published.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.channels.slack.home_view import home_view
from handlers.home_sections import Dashboard

log = logging.getLogger(__name__)

Build = Callable[[str, str | None], Dashboard]  # (Slack user id, locale hint) -> dashboard
DEBOUNCE_SECONDS = 3.0
RECENT_SECONDS = 20 * 60.0
REFRESH_SECONDS = 60.0


@dataclass
class Viewer:
    opened_at: float
    published: str | None = None  # digest of the view last published to them


def digest(view: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(view, sort_keys=True).encode("utf-8")).hexdigest()


class HomeTab:
    """Publishes Home tab views; `step()` is one round of work, the thread repeats it."""

    def __init__(self, client: WebClient, build: Build, *,
                 hint: Callable[[str], str | None] = lambda user: None,
                 signature: Callable[[], str] = lambda: "",
                 monotonic: Callable[[], float] = time.monotonic,
                 debounce: float = DEBOUNCE_SECONDS, recent: float = RECENT_SECONDS,
                 refresh: float = REFRESH_SECONDS) -> None:
        self.client = client
        self.build = build
        self.hint = hint
        self.signature = signature
        self.monotonic = monotonic
        self.debounce, self.recent, self.refresh = debounce, recent, refresh
        self._cond = threading.Condition()
        self._viewers: dict[str, Viewer] = {}
        self._opened: set[str] = set()  # publish now, whatever was published before
        self._wanted: set[str] = set()  # publish now if their view changed
        self._dirty = False  # an update was handled: the recent viewers may be out of date
        self._last_check: float | None = None
        self._last_sweep: float | None = None
        self._queue: str | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- called by bolt's listener threads (cheap, never blocking on I/O) --------------------
    def opened(self, user_id: str) -> None:
        """The person opened their Home tab: publish it now."""
        with self._cond:
            viewer = self._viewers.setdefault(user_id, Viewer(self.monotonic()))
            viewer.opened_at = self.monotonic()
            self._opened.add(user_id)
            self._cond.notify()
        self.start()

    def updated(self, user_id: str) -> None:
        """The desk handled an update of this person: their home (if they opened it in this
        process) now, and the recent viewers' homes at the next debounced round."""
        with self._cond:
            self._dirty = True
            if user_id in self._viewers:
                self._wanted.add(user_id)
                self._cond.notify()

    def viewers(self) -> dict[str, Viewer]:
        with self._cond:
            return dict(self._viewers)

    # -- the worker ---------------------------------------------------------------------------
    def step(self) -> float:
        """Publish what is due; the seconds until the next round is due."""
        with self._cond:
            opened, wanted = set(self._opened), set(self._wanted) - self._opened
            self._opened.clear()
            self._wanted.clear()
        for user_id in sorted(opened):
            self.publish(user_id, force=True)
        for user_id in sorted(wanted):
            self.publish(user_id, force=False)
        now = self.monotonic()
        with self._cond:
            recent = sorted(u for u, v in self._viewers.items()
                            if now - v.opened_at <= self.recent)
        if not recent:
            return self.refresh
        if self._last_check is not None and now - self._last_check < self.debounce:
            return self.debounce - (now - self._last_check)
        self._last_check = now
        try:
            queue = self.signature()
        except Exception:  # the database is away: try again at the next round
            log.warning("home: the queue fingerprint failed", exc_info=True)
            return self.debounce
        with self._cond:
            dirty, self._dirty = self._dirty, False
        due = (dirty or queue != self._queue or self._last_sweep is None
               or now - self._last_sweep >= self.refresh)
        self._queue = queue
        if due:
            self._last_sweep = now
            for user_id in recent:
                with self._cond:  # published in this round already, or about to be
                    skip = user_id in opened | wanted | self._opened | self._wanted
                if not skip:
                    self.publish(user_id, force=False)
        return self.debounce

    def publish(self, user_id: str, *, force: bool) -> bool:
        """Build the person's dashboard and publish it (unless unchanged and not forced)."""
        try:
            view = home_view(self.build(user_id, self.hint(user_id)))
        except Exception:
            log.exception("home: building the dashboard of %s failed", user_id)
            return False
        seen = digest(view)
        with self._cond:
            viewer = self._viewers.setdefault(user_id, Viewer(self.monotonic()))
            if not force and viewer.published == seen:
                return False
        try:
            self.client.views_publish(user_id=user_id, view=view)
        except (SlackClientError, OSError) as exc:
            log.warning("home: views.publish for %s failed: %s", user_id, exc)
            return False
        with self._cond:
            viewer.published = seen
        return True

    def _run(self) -> None:
        while True:
            try:
                wait = self.step()
            except Exception:
                log.exception("home: a round failed")
                wait = self.debounce
            with self._cond:
                if not self._stopped and not self._opened and not self._wanted:
                    self._cond.wait(timeout=max(0.05, wait))
                if self._stopped:
                    return

    def start(self) -> None:
        """Start the worker thread (once; on the first opened Home tab)."""
        with self._cond:
            if self._thread is not None or self._stopped:
                return
            self._thread = threading.Thread(target=self._run, name="slack-home", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopped = True
            thread = self._thread
            self._cond.notify_all()
        if thread is not None:
            thread.join(timeout)
