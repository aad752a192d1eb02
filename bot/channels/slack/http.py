"""A small threaded HTTP server that hands Slack's requests at one path to a bolt App."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.request.internals import build_context

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # bytes; Slack's payloads are far smaller


class _Server(ThreadingHTTPServer):
    # The standard library listens with a queue of 5: a burst of Slack requests gets resets.
    request_queue_size = 128
    daemon_threads = True


class SlackHttpServer:
    """Serves POST `path` with `app.dispatch` (bolt verifies every request's signature).

    Unlike bolt's development server it answers requests concurrently and stops cleanly.
    """

    def __init__(self, app: App, port: int, path: str = "/slack/events",
                 host: str = "0.0.0.0") -> None:
        self.app = app
        self.path = path
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                server._post(self)

            def do_GET(self) -> None:
                _write(self, BoltResponse(status=404, body="not found"))

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("%s " + format, self.address_string(), *args)

        self._httpd = _Server((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.1,),
                                        name="slack-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlparse(handler.path)
        if url.path != self.path:
            _write(handler, BoltResponse(status=404, body="not found"))
            return
        length = int(handler.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            _write(handler, BoltResponse(status=413, body="payload too large"))
            return
        body = handler.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        headers: dict[str, str | list[str]] = {}
        for key, value in handler.headers.items():
            headers.setdefault(key.lower(), []).append(value)  # type: ignore[union-attr]
        request = FormSafeRequest(body=body, query=url.query, headers=headers)
        try:
            response = self.app.dispatch(request)
        except Exception:
            log.exception("slack request failed")
            response = BoltResponse(status=500, body="")
        _write(handler, response)


class FormSafeRequest(BoltRequest):
    """A BoltRequest that reads a form without a `payload` field as the plain form it is.

    slack-bolt takes any form body containing the word "payload" for an interactive payload
    (`payload=...`), so `/support new our webhook payload is rejected` parses to {} and is
    answered 404. The signature is still checked on the raw body. The lazy listeners that
    answer slash commands get a copy (`to_copyable`), which must be read the same way.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        raw = self.raw_body
        if self.body or not raw or raw.lstrip().startswith("{") or "payload" not in raw:
            return
        fields = dict(parse_qsl(raw, keep_blank_values=True))
        if fields and "payload" not in fields:
            self.body = fields
            self.context = build_context(self.context, fields)

    def to_copyable(self) -> FormSafeRequest:
        return FormSafeRequest(body=self.raw_body if self.mode == "http" else self.body,
                               query=self.query, headers=self.headers,
                               context=self.context.to_copyable(), mode=self.mode)


def _write(handler: BaseHTTPRequestHandler, response: BoltResponse) -> None:
    body = response.body if isinstance(response.body, str) else json.dumps(response.body)
    data = body.encode("utf-8")
    handler.send_response(response.status)
    for key, values in response.headers.items():
        if key.lower() == "content-length":
            continue
        for value in values:
            handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
