"""A small fake Slack Web API on 127.0.0.1 in a thread: records calls, answers like Slack does."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from bench.processes import wait_until

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0TEST"


@dataclass(frozen=True)
class Call:
    """One request the fake received: the API method (or 'respond' / 'upload') and its data."""

    method: str
    params: dict[str, Any]
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    status: int = 200
    answer: dict[str, Any] | None = None  # the JSON the fake answered with

    @property
    def ok(self) -> bool:
        return bool(self.answer and self.answer.get("ok"))


@dataclass
class _Failure:
    error: str
    remaining: int
    status: int
    retry_after: int | None
    channel: str | None


class FakeSlackApi:
    """Start with `start()` (or as a context manager); point WebClient at `.api_url`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._locales: dict[str, str] = {}
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._view_ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.socket_mode_url: str | None = None  # what apps.connections.open hands out

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> FakeSlackApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._serve(self)

            def do_GET(self) -> None:
                fake._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-slack-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The WebClient base_url (with the trailing slash slack_sdk needs)."""
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        """A response_url for a slash command or button press; posts to it are recorded."""
        return f"{self.base_url}/respond/{name}"

    # -- test controls ----------------------------------------------------------------------
    def fail_next(self, method: str, times: int = 1, error: str = "ratelimited",
                  status: int | None = None, retry_after: int | None = None,
                  channel: str | None = None) -> None:
        """Answer the next `times` calls of `method` (to `channel`, if given) with an error.

        'ratelimited' answers HTTP 429 with Retry-After (1 s unless told), like Slack.
        """
        if status is None:
            status = 429 if error == "ratelimited" else 200
        if error == "ratelimited" and retry_after is None:
            retry_after = 1
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(error, times, status, retry_after, channel))

    def set_locale(self, user_id: str, locale: str) -> None:
        """users.info will report this locale for the user (default en-US)."""
        with self._lock:
            self._locales[user_id] = locale

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def views(self, user_id: str) -> list[dict[str, Any]]:
        """The Home tab views published (accepted) for a user, oldest first."""
        return [c.params["view"] for c in self.calls("views.publish")
                if c.ok and c.params.get("user_id") == user_id]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0,
                 what: str = "condition") -> Any:
        """Poll `predicate` until it returns something truthy; AssertionError after `timeout`."""
        return wait_until(predicate, what, timeout,
                          lambda: f"calls: {[c.method for c in self.calls()]}")

    # -- request handling -------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if url.path.startswith("/respond/"):
            params = _json_or_form(body, headers)
            self._record(Call("respond", params, url.path, headers, body, 200, {"ok": True}))
            _send(handler, 200, b"ok", "text/plain")
            return
        if url.path.startswith("/upload/"):
            self._record(Call("upload", {"file_id": url.path.rsplit("/", 1)[-1]}, url.path,
                              headers, body, 200, {"ok": True}))
            _send(handler, 200, b"OK - " + str(len(body)).encode(), "text/plain")
            return
        if not url.path.startswith("/api/"):
            _send(handler, 404, b"not found", "text/plain")
            return
        method = url.path[len("/api/"):]
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        params.update(_json_or_form(body, headers))
        failure = self._take_failure(method, params)
        if failure is not None:
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            answer = {"ok": False, "error": failure.error}
            self._record(Call(method, params, url.path, headers, body, failure.status, answer))
            _send_json(handler, failure.status, answer, extra)
            return
        answer = self._answer(method, params)
        self._record(Call(method, params, url.path, headers, body, 200, answer))
        _send_json(handler, 200, answer)

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _take_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method) or []
            if not queue:
                return None
            failure = queue[0]
            if failure.channel is not None and params.get("channel") != failure.channel:
                return None
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.pop(0)
            return failure

    def _next_ts(self) -> str:
        with self._lock:
            return f"1767000000.{next(self._ts):06d}"

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://test.slack.com/", "team": "Test",
                    "user": "supportdesk", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID}
        if method in ("chat.postMessage", "chat.update"):
            ts = params.get("ts") if method == "chat.update" else self._next_ts()
            return {"ok": True, "channel": params.get("channel"), "ts": ts,
                    "message": {"text": params.get("text"), "ts": ts, "bot_id": BOT_ID,
                                "user": BOT_USER_ID}}
        if method == "chat.getPermalink":
            channel, ts = str(params.get("channel")), str(params.get("message_ts"))
            return {"ok": True, "channel": channel,
                    "permalink": f"https://test.slack.com/archives/{channel}/p"
                                 f"{ts.replace('.', '')}"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "users.info":
            user = str(params.get("user"))
            with self._lock:
                locale = self._locales.get(user, "en-US")
            return {"ok": True, "user": {"id": user, "name": user.lower(), "locale": locale,
                                         "real_name": f"User {user}", "is_bot": False}}
        if method == "apps.connections.open":
            if self.socket_mode_url is None:
                return {"ok": False, "error": "socket_mode_not_enabled"}
            return {"ok": True, "url": self.socket_mode_url}
        if method == "conversations.open":
            users = str(params.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + users.lstrip("UW")}}
        if method == "views.publish":
            return self._publish(params)
        if method == "files.getUploadURLExternal":
            with self._lock:
                file_id = f"F{next(self._file_ids):08d}"
            return {"ok": True, "file_id": file_id,
                    "upload_url": f"{self.base_url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files") or "[]")
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")}
                                          for f in files]}
        return {"ok": False, "error": "unknown_method"}

    def _publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.publish as Slack checks it: a user, a home view, at most 100 blocks."""
        view = params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
            params["view"] = view
        if not params.get("user_id") or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        blocks = view.get("blocks")
        if view.get("type") != "home" or not isinstance(blocks, list) or len(blocks) > 100:
            return {"ok": False, "error": "invalid_blocks"}
        with self._lock:
            view_id = f"V{next(self._view_ids):08d}"
        return {"ok": True, "view": {**view, "id": view_id, "team_id": TEAM_ID}}


def _json_or_form(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    if not body:
        return {}
    if "json" in headers.get("content-type", ""):
        loaded = json.loads(body.decode("utf-8"))
        return loaded if isinstance(loaded, dict) else {"payload": loaded}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
          extra: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for k, v in (extra or {}).items():
        handler.send_header(k, v)
    handler.end_headers()
    handler.wfile.write(body)


def _send_json(handler: BaseHTTPRequestHandler, status: int, doc: dict[str, Any],
               extra: dict[str, str] | None = None) -> None:
    _send(handler, status, json.dumps(doc).encode("utf-8"), "application/json; charset=utf-8",
          extra)
