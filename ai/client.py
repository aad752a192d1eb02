"""The one client of the model: POST {base}/chat/completions, retries on 429/5xx, counters.

Only the text it is given goes out. The API key is sent in headers only and never appears in a
log line or an error message (errors name the HTTP status or the exception class, nothing else).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

log = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class ModelError(Exception):
    """The model gave no usable answer (timeout, HTTP error, not JSON); safe to show or log."""


class _Retryable(ModelError):
    """A 429 or 5xx answer: worth another try while time is left."""


@dataclass(frozen=True)
class AiConfig:
    base_url: str  # OpenAI-compatible base ending in /v1 (Azure: .../openai/deployments/NAME)
    model: str
    api_key: str | None = None
    timeout_seconds: float = 3.0
    json_mode: bool = True  # response_format {"type": "json_object"} where the server takes it
    api_version: str | None = None  # Azure OpenAI: ?api-version=...


@dataclass
class Counters:
    """Calls, failures, fallbacks and latency of this process (thread-safe)."""

    calls: int = 0
    failures: int = 0
    fallbacks: int = 0
    latency_ms_total: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call(self, latency_ms: float, ok: bool) -> None:
        with self._lock:
            self.calls += 1
            self.latency_ms_total += latency_ms
            if not ok:
                self.failures += 1

    def fallback(self) -> None:
        with self._lock:
            self.fallbacks += 1

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            mean = round(self.latency_ms_total / self.calls, 1) if self.calls else None
            return {"calls": self.calls, "failures": self.failures,
                    "fallbacks": self.fallbacks, "mean_latency_ms": mean}


class ChatClient:
    """Sends one chat completion and returns the assistant's text; raises ModelError."""

    def __init__(self, config: AiConfig, *, transport: httpx.BaseTransport | None = None,
                 counters: Counters | None = None,
                 clock: Callable[[], float] = time.monotonic, max_wait: float = 0.5) -> None:
        self.config = config
        self.counters = counters or Counters()
        self._clock = clock
        self._max_wait = max_wait
        headers = {"Content-Type": "application/json"}
        if config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
            headers["api-key"] = config.api_key  # Azure OpenAI's header; others ignore it
        self._http = httpx.Client(headers=headers, transport=transport,
                                  timeout=httpx.Timeout(config.timeout_seconds))

    def close(self) -> None:
        self._http.close()

    def complete(self, system: str, user: str, *, json_mode: bool = False) -> str:
        """The model's answer to one system + user message, within the configured timeout."""
        started = self._clock()
        ok = False
        try:
            answer = self._with_retries(system, user, json_mode, started)
            ok = True
            return answer
        finally:
            self.counters.call((self._clock() - started) * 1000, ok)

    def _with_retries(self, system: str, user: str, json_mode: bool, started: float) -> str:
        retrying = Retrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, _Retryable)),
            stop=stop_after_attempt(3) | stop_after_delay(self.config.timeout_seconds),
            wait=wait_exponential(multiplier=0.05, max=self._max_wait),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    left = self.config.timeout_seconds - (self._clock() - started)
                    if left <= 0:
                        raise ModelError("timed out")
                    return self._once(system, user, json_mode, left)
        except RetryError as exc:  # pragma: no cover - reraise=True re-raises the last error
            raise ModelError("gave up") from exc
        raise ModelError("gave up")  # pragma: no cover

    def _once(self, system: str, user: str, json_mode: bool, timeout: float) -> str:
        body: dict[str, Any] = {
            "model": self.config.model, "temperature": 0,
            "messages": [{"role": "system", "content": system},
                         {"role": "user", "content": user}],
        }
        if json_mode and self.config.json_mode:
            body["response_format"] = {"type": "json_object"}
        params = {"api-version": self.config.api_version} if self.config.api_version else None
        try:
            response = self._http.post(f"{self.config.base_url}/chat/completions", json=body,
                                       params=params, timeout=timeout)
        except httpx.TimeoutException:
            raise ModelError("timed out") from None
        except httpx.HTTPError as exc:
            raise ModelError(f"connection failed ({type(exc).__name__})") from None
        if response.status_code in RETRIED_STATUSES:
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise ModelError(f"HTTP {response.status_code}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelError("unexpected response shape") from None
        if not isinstance(content, str):
            raise ModelError("unexpected response shape")
        return content
