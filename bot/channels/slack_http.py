"""A small threaded HTTP server that hands Slack's requests at one path to a bolt App."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

from slack_bolt import App, BoltRequest, BoltResponse

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
        request = BoltRequest(body=body, query=url.query, headers=headers)  # type: ignore[arg-type]
        try:
            response = self.app.dispatch(request)
        except Exception:
            log.exception("slack request failed")
            response = BoltResponse(status=500, body="")
        _write(handler, response)


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
