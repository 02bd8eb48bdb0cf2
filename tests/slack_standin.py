"""A stand-in for Slack's cloud, on 127.0.0.1: the Web API, response URLs and Socket Mode.

It answers as Slack does (`{"ok": true, ...}` bodies, `429` with `Retry-After`, `500`s,
`{"ok": false, "error": "channel_not_found"}`, slow answers), records every request, and lets a
test queue the next answers of a method. It is the only part of Slack the tests replace.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from websockets.exceptions import ConnectionClosed


@dataclass
class Call:
    path: str
    method: str  # the Web API method ("chat.postMessage"), or "response:<name>" for a response URL
    headers: dict[str, str]
    raw: str
    at: float = field(default_factory=time.monotonic)
    accepted: bool = False  # answered 200 with ok: true
    answer: dict[str, Any] | None = None  # what the stand-in answered

    @property
    def body(self) -> dict[str, Any]:
        if self.headers.get("content-type", "").startswith("application/json"):
            return dict(json.loads(self.raw or "{}"))
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.raw).items()}


@dataclass
class Answer:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def rate_limited(retry_after: int = 1) -> Answer:
    return Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})


def server_error() -> Answer:
    return Answer(500, None)


def api_error(error: str) -> Answer:
    return Answer(200, {"ok": False, "error": error})


def slow(seconds: float) -> Answer:
    return Answer(delay_s=seconds)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (a worker killed on purpose) is no error of the stand-in's."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._queued: dict[str, list[Answer]] = {}
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self.socket_url: str | None = None
        # Slack's posting limit, about one message a second per channel (None: no limit).
        self.channel_window_s: float | None = None
        self._last_post: dict[str, float] = {}
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                standin._handle(self)

            def do_GET(self) -> None:
                standin._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def queue(self, method: str, *answers: Answer, channel: str | None = None) -> None:
        """The next answers for `method` (to `channel`, if given), in order; after them, the normal answer."""
        with self._lock:
            self._queued.setdefault(f"{method}@{channel}" if channel else method, []).extend(answers)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([c for c in self.calls if c.method == method]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} call(s) to {method}, got {len(self.calls_to(method))}")
                self._lock.wait(left)
            return [c for c in self.calls if c.method == method]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def posts(self, channel: str | None = None) -> list[Call]:
        """Messages Slack accepted (answered ok), in order."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == "chat.postMessage"
                and c.accepted
                and (channel is None or c.body.get("channel") == channel)
            ]

    def _pace(self, call: Call) -> Answer | None:
        """Refuse a second message to a channel within the window, as Slack does (429, Retry-After)."""
        if self.channel_window_s is None:
            return None
        channel = str(call.body.get("channel"))
        last = self._last_post.get(channel)
        if last is not None and call.at - last < self.channel_window_s:
            return rate_limited(1)
        self._last_post[channel] = call.at
        return None

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("content-length") or 0)
        raw = request.rfile.read(length).decode("utf-8") if length else ""
        path = urllib.parse.urlparse(request.path).path
        method = path.removeprefix("/api/") if path.startswith("/api/") else "response:" + path.rsplit("/", 1)[-1]
        headers = {k.lower(): v for k, v in request.headers.items()}
        call = Call(path, method, headers, raw)
        with self._lock:
            self.calls.append(call)
            channel = call.body.get("channel") if method == "chat.postMessage" else None
            queued = self._queued.get(f"{method}@{channel}") or self._queued.get(method)
            answer = queued.pop(0) if queued else None
            if answer is None and method == "chat.postMessage":
                answer = self._pace(call)
            self._lock.notify_all()
        answer = answer or Answer()
        if answer.delay_s:
            time.sleep(answer.delay_s)
        body = answer.body if answer.body is not None or answer.status != 200 else self._normal(method, call)
        call.accepted = answer.status == 200 and bool(body and body.get("ok"))
        call.answer = body
        payload = json.dumps(body).encode() if body is not None else b"internal error"
        request.send_response(answer.status)
        request.send_header("content-type", "application/json" if body is not None else "text/plain")
        for name, value in answer.headers.items():
            request.send_header(name, value)
        request.send_header("content-length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _normal(self, method: str, call: Call) -> dict[str, Any]:
        if method.startswith("response:"):
            return {"ok": True}
        if method == "auth.test":
            return {"ok": True, "url": "https://standin.slack.test/", "team": "Stand-in", "user": "oversight",
                    "team_id": "T0STANDIN", "user_id": "U0BOT", "bot_id": "B0BOT"}  # fmt: skip
        if method == "chat.postMessage":
            ts = f"{1700000000 + next(self._ts)}.000100"
            return {"ok": True, "channel": call.body.get("channel"), "ts": ts, "message": {"ts": ts}}
        if method in ("views.publish", "views.open", "views.update"):
            return {"ok": True, "view": {"id": "V0STANDIN"}}
        if method == "apps.connections.open":
            return (
                {"ok": True, "url": self.socket_url}
                if self.socket_url
                else {"ok": False, "error": "socket_unavailable"}
            )
        if method == "oauth.v2.access":
            return {
                "ok": True, "app_id": "A0APP", "access_token": "xoxb-installed", "token_type": "bot",
                "scope": "commands", "bot_user_id": "U0BOT2", "team": {"id": "T0NEW", "name": "New team"},
                "enterprise": None, "is_enterprise_install": False, "authed_user": {"id": "U0INSTALLER"},
            }  # fmt: skip
        return {"ok": False, "error": "unknown_method"}


class SocketModeStandIn:
    """Slack's Socket Mode end: a websocket on 127.0.0.1 that sends envelopes and collects the acks."""

    def __init__(self) -> None:
        from websockets.sync.server import serve

        self.received: list[dict[str, Any]] = []
        self._outbox: list[dict[str, Any]] = []
        self._connected = threading.Event()
        self._lock = threading.Condition()
        self.server = serve(self._session, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def send(self, envelope: dict[str, Any]) -> None:
        with self._lock:
            self._outbox.append(envelope)
            self._lock.notify_all()

    def wait_connected(self, timeout: float = 15) -> None:
        if not self._connected.wait(timeout):
            raise AssertionError("the bot did not connect in Socket Mode")

    def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for message in self.received:
                    if message.get("envelope_id") == envelope_id:
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no acknowledgement for envelope {envelope_id}")
                self._lock.wait(left)

    def close(self) -> None:
        self.server.shutdown()

    def _session(self, websocket: Any) -> None:
        websocket.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}}))
        self._connected.set()
        while True:
            with self._lock:
                pending, self._outbox = self._outbox, []
            for envelope in pending:
                websocket.send(json.dumps(envelope))
            try:
                raw = websocket.recv(timeout=0.05)
            except TimeoutError:
                continue
            except ConnectionClosed:
                return
            with self._lock:
                self.received.append(json.loads(raw))
                self._lock.notify_all()
