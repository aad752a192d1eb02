"""A small fake Telegram Bot API server on 127.0.0.1: records calls, serves pushed updates."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bench.processes import wait_until

BOT_ID = 123
BOT_USERNAME = "supportdesk_test_bot"
TOKEN = f"{BOT_ID}:TEST"


@dataclass
class Call:
    """One recorded API call: the method, its decoded parameters and uploaded file names."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200
    result: Any = None  # what the fake answered (e.g. the sent message with its message_id)


@dataclass
class Fault:
    status: int
    remaining: int
    retry_after: int | None = None
    after: int = 0  # calls still answered normally before the fault starts


def _decode(value: str) -> Any:
    """PTB sends JSON-encoded values for everything that is not a plain string."""
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeTelegramAPI:
    """The fake server; start() runs it in a thread, test code talks to it synchronously."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = 0
        self.calls: list[Call] = []
        self.confirmed_offset = 0  # every update below this was acknowledged by the bot
        self.webhook: dict[str, Any] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(5000)
        self._faults: dict[str, list[Fault]] = {}  # per method: the current fault first
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()

    # -- life cycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL should be: calls go to {base_url}{token}/{method}."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegramAPI:
        self._thread = threading.Thread(target=self._serve, name="fake-telegram", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake Telegram API did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    def __enter__(self) -> FakeTelegramAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._arrived = asyncio.Event()
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        loop.run_forever()
        loop.close()

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:  # long polls still waiting for updates
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    # -- test controls ----------------------------------------------------------------------

    def push_update(self, update: dict[str, Any], update_id: int | None = None,
                    redelivery: bool = False) -> int:
        """Queue an update for getUpdates; returns its update_id.

        A given update_id allows duplicates; redelivery=True serves it even below the confirmed
        offset, as Telegram does after a crash or a lost acknowledgement.
        """
        uid = update_id if update_id is not None else next(self._update_ids)
        with self._lock:
            self._updates.append({"update_id": uid, **update, **({"_again": True}
                                                                   if redelivery else {})})
        if self._loop is not None and self._arrived is not None:
            self._loop.call_soon_threadsafe(self._arrived.set)
        return uid

    def fail_next(self, method: str, count: int = 1, status: int = 429,
                  retry_after: int | None = 1, after: int = 0, then: bool = False) -> None:
        """Answer `count` calls of `method` with an error (429 with retry_after, 5xx).

        With `after`, that many calls are answered normally first, so a test can arm a fault
        before the traffic starts instead of racing the bot to it. With `then`, the fault
        follows the ones already armed (e.g. 5xx, then 429); otherwise it replaces them
        (count=0 clears them).
        """
        fault = Fault(status, count, retry_after if status == 429 else None, after)
        with self._lock:
            queue = self._faults.setdefault(method, [])
            if not then:
                queue.clear()
            if count > 0:
                queue.append(fault)

    def calls_of(self, method: str, ok_only: bool = True) -> list[Call]:
        with self._lock:
            return [c for c in self.calls
                    if c.method == method and (c.status == 200 or not ok_only)]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts of successful sendMessage calls (to one chat if given), in order."""
        return [str(c.params.get("text")) for c in self.calls_of("sendMessage")
                if chat_id is None or str(c.params.get("chat_id")) == str(chat_id)]

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0,
                 what: str = "condition") -> Any:
        """Poll until predicate() is truthy; return its value or fail after a generous timeout."""
        return wait_until(predicate, what, timeout, self._recent_calls)

    def _recent_calls(self) -> str:
        with self._lock:
            recent = [f"{c.method} {c.status} {c.params.get('chat_id', '')}: "
                      f"{str(c.params.get('text', ''))[:160]!r}"
                      for c in self.calls if c.method != "getUpdates"][-30:]
        return "last calls:\n" + "\n".join(recent)

    # -- the API ----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await self._params(request)
        with self._lock:
            queue = self._faults.get(method) or []
            fault = queue[0] if queue else None
            if fault is not None and fault.after > 0:
                fault.after -= 1
            elif fault is not None:
                if fault.remaining <= 1:
                    queue.pop(0)
                fault.remaining -= 1
                self.calls.append(Call(method, params, files, fault.status))
                return self._fault(fault)
            call = Call(method, params, files)
            self.calls.append(call)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        try:
            result = await handler(params, files)
        except LookupError as exc:
            call.status = 400
            return self._error(400, f"Bad Request: {exc}")
        call.result = result
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        ctype = request.content_type
        if ctype == "application/json":
            params.update(await request.json())
        elif ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:  # type: ignore[union-attr]
                    files[part.name or ""] = (part.filename, await part.read())  # type: ignore
                else:
                    params[part.name or ""] = _decode(await part.text())  # type: ignore
        elif request.can_read_body:
            form = await request.post()
            params.update({k: _decode(str(v)) for k, v in form.items()})
        return params, files

    @staticmethod
    def _error(status: int, description: str) -> web.Response:
        return web.json_response({"ok": False, "error_code": status, "description": description},
                                 status=status)

    @staticmethod
    def _fault(fault: Fault) -> web.Response:
        if fault.status == 429:
            return web.json_response(
                {"ok": False, "error_code": 429,
                 "description": f"Too Many Requests: retry after {fault.retry_after}",
                 "parameters": {"retry_after": fault.retry_after}}, status=429)
        if fault.status == 403:
            return FakeTelegramAPI._error(403, "Forbidden: bot was blocked by the user")
        if fault.status == 400:
            return FakeTelegramAPI._error(400, "Bad Request: chat not found")
        return FakeTelegramAPI._error(fault.status, "Internal Server Error")

    def _bot_user(self) -> dict[str, Any]:
        return {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Support",
                "username": BOT_USERNAME}

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "Agents"
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": chat, "from": self._bot_user(), **extra}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_getMe(self, params: dict[str, Any], files: Any) -> Any:
        return self._bot_user()

    async def _m_deleteWebhook(self, params: dict[str, Any], files: Any) -> Any:
        self.webhook = None
        return True

    async def _m_setWebhook(self, params: dict[str, Any], files: Any) -> Any:
        self.webhook = params
        return True

    async def _m_setMyCommands(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _m_sendMessage(self, params: dict[str, Any], files: Any) -> Any:
        text = params.get("text")
        if not text:
            raise LookupError("message text is empty")
        if len(str(text).encode("utf-16-le")) // 2 > 4096:
            raise LookupError("message is too long")
        return self._message(params, text=text)

    async def _m_sendDocument(self, params: dict[str, Any], files: Any) -> Any:
        name, data = files.get("document", ("document", b""))
        extra: dict[str, Any] = {"document": {"file_id": f"doc{len(data)}",
                                              "file_unique_id": f"u{len(data)}",
                                              "file_name": name}}
        if params.get("caption"):
            extra["caption"] = params["caption"]
        return self._message(params, **extra)

    async def _m_editMessageText(self, params: dict[str, Any], files: Any) -> Any:
        message = self._message(params, text=params.get("text"))
        message["message_id"] = int(params["message_id"])
        message["edit_date"] = int(time.time())
        return message

    async def _m_getUpdates(self, params: dict[str, Any], files: Any) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        assert self._arrived is not None
        while True:
            with self._lock:
                if offset:
                    self._updates = [u for u in self._updates
                                     if u["update_id"] >= offset or u.get("_again")]
                    self.confirmed_offset = max(self.confirmed_offset, offset)
                ready = self._updates[:limit]
                for u in ready:
                    u.pop("_again", None)
                self._arrived.clear()
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=left)


# -- builders of native updates ---------------------------------------------------------------

_DATES = itertools.count(int(time.time()))
_INBOUND_IDS = itertools.count(100)


def user(user_id: int, first_name: str = "Ana", language_code: str | None = "en",
         **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, **extra}
    if language_code:
        found["language_code"] = language_code
    return found


def chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Partner"}
    return {"id": chat_id, "type": "supergroup", "title": "Agents"}


def message_update(sender: dict[str, Any], chat_id: int, text: str,
                   reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
    """A `message` update; reply_to is a message (e.g. one the bot sent) being answered."""
    message: dict[str, Any] = {"message_id": next(_INBOUND_IDS), "date": next(_DATES),
                               "chat": chat(chat_id), "from": sender, "text": text}
    if text.startswith("/"):
        word = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return {"message": message}


def callback_update(sender: dict[str, Any], pressed: dict[str, Any], data: str) -> dict[str, Any]:
    """A `callback_query` update: `sender` pressed a button with `data` under `pressed`."""
    return {"callback_query": {"id": str(next(_INBOUND_IDS)), "from": sender,
                               "chat_instance": "ci", "message": pressed, "data": data}}


def sent_message(call: Call) -> dict[str, Any]:
    """The message a recorded sendMessage produced, as it appears inside later updates."""
    assert isinstance(call.result, dict), f"{call.method} has no message result"
    return dict(call.result)
