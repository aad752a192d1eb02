"""A small fake OpenAI-compatible API on 127.0.0.1 in a thread: /v1/chat/completions.

Modes, set per test with `fake.mode = ...` (or `queue(...)` for the next answers in order):
"good" (a valid triage JSON or a translation), "invented" (labels not in the desk's lists),
"malformed" (not JSON), "429", "500", "hang" (waits `hang_seconds` before answering).
Translations are "[<language>] <text>", so tests can tell them from the original.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LANGUAGE = re.compile(r"into ([A-Za-z ]+)\.")


@dataclass(frozen=True)
class Call:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def user_text(self) -> str:
        return str(self.body["messages"][-1]["content"])

    @property
    def system(self) -> str:
        return str(self.body["messages"][0]["content"])


class FakeOpenAiApi:
    """Start with `start()` (or as a context manager); point AI_BASE_URL at `.base_url`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[Call] = []
        self.mode = "good"
        self._queued: list[str] = []
        self.hang_seconds = 10.0
        self.delay_seconds = 0.0
        self.triage: dict[str, Any] = {"severity": 1, "category": "technical_messaging_issue",
                                       "reason": "all messages are failing", "confidence": 0.86}
        self._server: ThreadingHTTPServer | None = None
        self._release = threading.Event()

    def queue(self, *modes: str) -> None:
        with self._lock:
            self._queued.extend(modes)

    def _next_mode(self) -> str:
        with self._lock:
            return self._queued.pop(0) if self._queued else self.mode

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAiApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.calls.append(Call(self.path, dict(self.headers), body))
                status, answer = fake._answer(self.path, body)
                data = answer.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a hang)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeOpenAiApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, path: str, body: dict[str, Any]) -> tuple[int, str]:
        if not path.startswith("/v1/chat/completions"):
            return 404, json.dumps({"error": {"message": "not found"}})
        mode = self._next_mode()
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if mode == "429":
            return 429, json.dumps({"error": {"message": "rate limited"}})
        if mode == "500":
            return 500, json.dumps({"error": {"message": "server error"}})
        if mode == "hang":
            self._release.wait(self.hang_seconds)
        system = str(body["messages"][0]["content"])
        text = str(body["messages"][-1]["content"])
        if mode == "malformed":
            content = "{severity: 1, this is not json"
        elif "Translate" in system:
            found = LANGUAGE.search(system)
            content = f"[{found.group(1) if found else '?'}] {text}"
        elif mode == "invented":
            content = json.dumps({"severity": 0, "category": "urgent_stuff",
                                  "reason": "made up", "confidence": 0.99})
        else:
            content = json.dumps(self.triage)
        return 200, json.dumps({"id": "chatcmpl-fake", "object": "chat.completion",
                                "choices": [{"index": 0, "finish_reason": "stop",
                                             "message": {"role": "assistant",
                                                         "content": content}}]})
