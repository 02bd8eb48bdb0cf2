"""A stand-in for NHS England's and ODS's web servers, on 127.0.0.1: publication pages and files.

It answers as HTTP servers are documented to (RFC 9110): an `ETag` and `Last-Modified` with each
file, `304 Not Modified` to a conditional GET whose `If-None-Match` names the current version (or,
without one, whose `If-Modified-Since` is not older than it), the content type it is told. A test
can queue the next answers for a path: 500s, 429 or 503 with `Retry-After`, a redirect, a server
that hangs until released, or one held until the test lets it answer. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LAST_MODIFIED = "Wed, 25 Nov 2026 09:00:00 GMT"


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/csv"
    etag: bool = True  # some servers send no validators: then every GET is a full download
    last_modified: str | None = LAST_MODIFIED

    @property
    def tag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


@dataclass
class Answer:
    """One queued answer for a path, instead of the resource."""

    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never answer (until the stand-in closes)
    hold: threading.Event | None = None  # answer normally once this is set


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    status: int | None = None  # what was answered (None: never answered, or the client gave up)
    at: float = field(default_factory=time.monotonic)


class PublisherStandIn:
    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.queued: dict[str, list[Answer]] = {}
        self.requests: list[Request] = []
        self.closing = threading.Event()
        self._lock = threading.Condition()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                standin._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=lambda: self.server.serve_forever(poll_interval=0.05), daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    # -- what it serves ---------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def put(self, path: str, body: bytes, content_type: str = "text/csv", **options: Any) -> str:
        with self._lock:
            self.resources[path] = Resource(body, content_type, **options)
        return self.url(path)

    def page(self, path: str, links: list[str], **options: Any) -> str:
        """A publication page linking each address given (absolute, or relative to the page)."""
        items = "\n".join(f'<li><a href="{html.escape(link)}">{html.escape(link)}</a></li>' for link in links)
        body = f"<!doctype html><html><body><h1>Publication</h1><ul>\n{items}\n</ul></body></html>"
        return self.put(path, body.encode(), "text/html; charset=UTF-8", **options)

    def queue(self, path: str, *answers: Answer) -> None:
        with self._lock:
            self.queued.setdefault(path, []).extend(answers)

    # -- what it was asked ------------------------------------------------------------------------

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("the publisher stand-in did not see what was expected in time")
                self._lock.wait(left)

    # -- answering --------------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        request = Request(path, {k.lower(): v for k, v in handler.headers.items()})
        with self._lock:
            self.requests.append(request)
            answer = self.queued.get(path, []).pop(0) if self.queued.get(path) else None
            resource = self.resources.get(path)
            self._lock.notify_all()
        if answer is not None and answer.hang:
            self.closing.wait()
            return
        if answer is not None and answer.hold is not None:
            answer.hold.wait(30)
            answer = None
        if answer is not None:
            self._send(handler, request, answer.status, answer.headers, b"")
        elif resource is None:
            self._send(handler, request, 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>")
        elif _not_modified(request.headers, resource):
            self._send(handler, request, 304, _validators(resource), b"")
        else:
            headers = {"Content-Type": resource.content_type} | _validators(resource)
            self._send(handler, request, 200, headers, resource.body)

    def _send(
        self, handler: BaseHTTPRequestHandler, request: Request, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        with self._lock:  # recorded before the client can read it, so a test never sees the answer first
            request.status = status
            self._lock.notify_all()
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            if status != 304:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if status != 304:
                handler.wfile.write(body)
        except ConnectionError:  # the client gave up (a timeout): it was never answered
            with self._lock:
                request.status = None
                self._lock.notify_all()


def _validators(resource: Resource) -> dict[str, str]:
    headers = {}
    if resource.etag:
        headers["ETag"] = resource.tag
    if resource.last_modified:
        headers["Last-Modified"] = resource.last_modified
    return headers


def _not_modified(headers: dict[str, str], resource: Resource) -> bool:
    """RFC 9110 §13.1.1-§13.1.3: If-None-Match decides when sent; else If-Modified-Since."""
    if "if-none-match" in headers:
        return resource.etag and resource.tag in [t.strip() for t in headers["if-none-match"].split(",")]
    since, modified = headers.get("if-modified-since"), resource.last_modified
    if since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
