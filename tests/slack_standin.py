"""A stand-in for Slack's cloud, on 127.0.0.1: the Web API, response URLs and Socket Mode.

It answers as Slack does (`{"ok": true, ...}` bodies, `429` with `Retry-After`, `500`s,
`{"ok": false, "error": "channel_not_found"}`, slow answers), records every request, and lets a
test queue the next answers of a method. It is the only part of Slack the tests replace.

File uploads as Slack documents them (docs.slack.dev, "Uploading files"): files.getUploadURLExternal
gives a file id and an upload URL for `length` bytes; the bytes are POSTed there (answered
"OK - <length>"); files.completeUploadExternal finishes the files named, refusing one whose bytes
never arrived or whose length differs. A file without a channel is the uploader's alone; Slack
processes it for a moment after completion (`processing_s`), and a message naming it in an image
block (`slack_file`) before it is ready, or a file it does not know, is refused at a response URL
with a 404 and `invalid_blocks`, as Slack answers (slackapi/java-slack-sdk#1349).
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
        self._files = itertools.count(1)
        self.uploads: dict[str, dict[str, Any]] = {}  # file id -> {length, data, completed_at, title}
        self.processing_s = 0.0  # how long a completed file takes before a message may show it
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

    def upload_url(self, file_id: str) -> str:
        return f"http://127.0.0.1:{self.port}/upload/v1/{file_id}"

    def image_files(self, call: Call) -> list[str]:
        """The file ids a message's image blocks name."""
        return [b["slack_file"]["id"] for b in call.body.get("blocks", []) if b.get("type") == "image"]

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("content-length") or 0)
        data = request.rfile.read(length) if length else b""
        path = urllib.parse.urlparse(request.path).path
        if path.startswith("/upload/v1/"):
            self._upload(request, path.rsplit("/", 1)[-1], data)
            return
        raw = data.decode("utf-8")
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
            if answer is None and method.startswith("response:") and self._shows_unready_file(call):
                answer = Answer(404, {"ok": False, "error": "invalid_blocks"})
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

    def _upload(self, request: BaseHTTPRequestHandler, file_id: str, data: bytes) -> None:
        """The upload URL: the file's bytes, as a POST body; Slack answers `OK - <length>`."""
        with self._lock:
            known = self.uploads.get(file_id)
            if known is not None:
                known["data"] = data
            self.calls.append(Call(request.path, f"upload:{file_id}", {}, "", accepted=known is not None))
            self._lock.notify_all()
        status, text = (200, f"OK - {len(data)}") if known is not None else (404, "Not Found")
        payload = text.encode()
        request.send_response(status)
        request.send_header("content-type", "text/plain")
        request.send_header("content-length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _files_method(self, method: str, call: Call) -> dict[str, Any]:
        body = call.body
        if method == "files.getUploadURLExternal":
            filename, length = body.get("filename"), str(body.get("length", ""))
            if not filename or not length.isdigit() or int(length) < 1:
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F0STANDIN{next(self._files):04d}"
            self.uploads[file_id] = {"length": int(length), "data": None, "completed_at": None, "title": None,
                                     "filename": filename, "alt_txt": body.get("alt_txt")}  # fmt: skip
            return {"ok": True, "upload_url": self.upload_url(file_id), "file_id": file_id}
        files = json.loads(body.get("files") or "[]")
        done = []
        for item in files:
            upload = self.uploads.get(item.get("id"))
            if upload is None or upload["data"] is None or len(upload["data"]) != upload["length"]:
                return {"ok": False, "error": "file_not_found"}
            upload["completed_at"], upload["title"] = time.monotonic(), item.get("title")
            done.append({"id": item["id"], "title": item.get("title"), "name": upload["filename"], "mimetype": "",
                         "channels": [], "groups": [], "ims": [], "is_public": False})  # fmt: skip
        if body.get("channel_id") or body.get("channels"):
            return {"ok": False, "error": "not_in_channel"}  # the bot's charts are never shared to a channel
        return {"ok": True, "files": done}

    def _shows_unready_file(self, call: Call) -> bool:
        """A message naming a file that is not (yet) the bot's to show."""
        for file_id in self.image_files(call):
            upload = self.uploads.get(file_id)
            completed = upload["completed_at"] if upload else None
            if completed is None or time.monotonic() - completed < self.processing_s:
                return True
        return False

    def _normal(self, method: str, call: Call) -> dict[str, Any]:
        if method.startswith("response:"):
            return {"ok": True}
        if method in ("files.getUploadURLExternal", "files.completeUploadExternal"):
            return self._files_method(method, call)
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
