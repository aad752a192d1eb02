"""The desk's AI assistant: the model client, what is turned on, and background jobs that run
after the transaction that asked for them commits (never inside it)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from ai import translate as translation
from ai import triage
from ai.client import AiConfig, ChatClient, ModelError

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # characters of one message sent to the model
_JOBS = "ai_jobs"
_LISTENING = "ai_listening"


@dataclass(frozen=True)
class Call:
    """How one model call went: for the audit trail and `supportdesk ai status`."""

    ok: bool
    latency_ms: int
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "latency_ms": self.latency_ms, "error": self.error}


class Assistant:
    """Asks the model; `inline=True` runs after-commit jobs at once (tests, benchmarks)."""

    def __init__(self, client: ChatClient, *, triage_on: bool, translate_on: bool,
                 workers: int = 2, inline: bool = False) -> None:
        self.client = client
        self.triage_on = triage_on
        self.translate_on = translate_on
        self.inline = inline
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ai")
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: AiConfig, *, triage_on: bool, translate_on: bool,
                    inline: bool = False) -> Assistant:
        return cls(ChatClient(config), triage_on=triage_on, translate_on=translate_on,
                   inline=inline)

    @property
    def timeout(self) -> float:
        return self.client.config.timeout_seconds

    def _ask(self, system: str, text: str, json_mode: bool) -> tuple[str | None, Call]:
        started = time.monotonic()
        try:
            answer = self.client.complete(system, text[:MAX_TEXT], json_mode=json_mode)
        except ModelError as exc:
            log.warning("AI model call failed: %s", exc)
            return None, Call(False, round((time.monotonic() - started) * 1000), str(exc))
        return answer, Call(True, round((time.monotonic() - started) * 1000))

    def opinion(self, text: str, categories: Sequence[str]) -> tuple[triage.Opinion | None, Call]:
        """The model's triage of one message (only its text), or None: no opinion."""
        answer, call = self._ask(triage.system_prompt(categories), text, json_mode=True)
        opinion = triage.parse(answer, categories) if answer is not None else None
        if answer is not None and opinion is None:
            call = Call(True, call.latency_ms, "invalid opinion")
        if opinion is None:
            self.client.counters.fallback()
        return opinion, call

    def translation(self, text: str, target: str) -> tuple[str | None, Call]:
        """`text` in the `target` language, or None (the caller keeps the original)."""
        answer, call = self._ask(translation.system_prompt(target), text, json_mode=False)
        result = translation.parse(answer, text) if answer is not None else None
        if answer is not None and result is None:
            call = Call(True, call.latency_ms, "invalid translation")
        if result is None:
            self.client.counters.fallback()
        return result, call

    def after_commit(self, session: Session, job: Callable[[], None]) -> None:
        """Run `job` once the session's transaction commits; drop it if it rolls back."""
        if not session.info.get(_LISTENING):  # once per session (listeners cannot be removed
            session.info[_LISTENING] = True   # while SQLAlchemy dispatches them)
            event.listen(session, "after_commit", self._committed)
            event.listen(session, "after_rollback", self._rolled_back)
        session.info.setdefault(_JOBS, []).append(job)

    def _committed(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint was released: the outer transaction has not committed yet
        for job in session.info.pop(_JOBS, []):
            self.submit(job)

    def _rolled_back(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint: the outer transaction may still commit
        session.info.pop(_JOBS, None)

    def submit(self, job: Callable[[], None]) -> None:
        if self.inline:
            _run(job)
            return
        future = self._pool.submit(_run, job)
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(future)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for the jobs submitted so far (tests and shutdown)."""
        with self._lock:
            pending = list(self._futures)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
        self.client.close()


def _run(job: Callable[[], None]) -> None:
    try:
        job()
    except Exception:
        log.exception("AI background job failed")
