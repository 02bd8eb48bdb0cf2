"""A stand-in for Teams' Bot Connector on 127.0.0.1: where the bot posts replies and alerts
(`POST {serviceUrl}v3/conversations/{id}/activities[/{replyToId}]`). It records every request and
answers as Teams does: 201 with the new activity's id, or, when told to, 429 with Retry-After, 5xx,
403 (the bot is no longer in the conversation), 404 (no such conversation), or slowly."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.slack_standin import Answer, QuietServer

PREFIX = "/emea/"  # Teams' service URLs carry a region path, which the bot must keep


@dataclass
class Post:
    path: str
    conversation: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    status: int = 0

    @property
    def card(self) -> dict[str, Any]:
        (attachment,) = self.body["attachments"]
        return dict(attachment["content"])


def gone(status: int) -> Answer:
    codes = {403: "BotNotInConversationRoster", 404: "ConversationNotFound"}
    return Answer(status, {"error": {"code": codes.get(status, "Error"), "message": "refused"}})


class ConnectorStandIn:
    def __init__(self) -> None:
        self.posts: list[Post] = []
        self._queued: dict[str, list[Answer]] = {}
        self._lock = threading.Condition()
        self._ids = itertools.count(1700000000001)
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                standin._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{PREFIX}"

    def queue(self, conversation: str, *answers: Answer) -> None:
        with self._lock:
            self._queued.setdefault(conversation, []).extend(answers)

    def to(self, conversation: str) -> list[Post]:
        """What Teams accepted for a conversation (its threads included), in order."""
        with self._lock:
            return [p for p in self.posts if p.conversation.split(";")[0] == conversation and 200 <= p.status < 300]

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[Post]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.posts) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} posts to the Bot Connector, got {len(self.posts)}")
                self._lock.wait(left)
            return list(self.posts)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("content-length") or 0)
        raw = request.rfile.read(length).decode("utf-8") if length else "{}"
        path = urllib.parse.urlparse(request.path).path
        conversation = urllib.parse.unquote(path.removeprefix(PREFIX + "v3/conversations/").split("/activities")[0])
        post = Post(path, conversation, {k.lower(): v for k, v in request.headers.items()}, json.loads(raw))
        with self._lock:
            queued = self._queued.get(conversation.split(";")[0])
            answer = queued.pop(0) if queued else Answer(201, {"id": str(next(self._ids))})
            post.status = answer.status
            self.posts.append(post)
            self._lock.notify_all()
        if answer.delay_s:
            time.sleep(answer.delay_s)
        payload = json.dumps(answer.body if answer.body is not None else {"id": str(next(self._ids))}).encode()
        request.send_response(answer.status)
        request.send_header("content-type", "application/json")
        for name, value in answer.headers.items():
            request.send_header(name, value)
        request.send_header("content-length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)
