"""Slack's HTTP mode under faults, over real HTTP on 127.0.0.1: malformed bodies signed and unsigned,
a store that is locked or unreadable while requests arrive, and the same connection used after a
refusal. Every answer is one Slack documents or a plain 4xx; never a 500 or a traceback."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from oversight_bot.bootstrap import Application, slack_http_app
from oversight_bot.serving.offload import Offload
from oversight_bot.slack import ids
from tests.http_server import serving
from tests.integration.concerns.conftest import answers, form_state
from tests.slack_requests import SECRET, form, signed_headers, slash_command, view_submission
from tests.slack_standin import SlackStandIn

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DEADLINE_S = 0.4  # shorter than SQLite's 1 s wait for a lock, so a locked store misses it


@pytest.fixture
def base_url(oversight: Application) -> Iterator[str]:
    oversight.segments.refresh()  # as `oversight serve` does: the read model before the first request
    oversight.concerns.open_count("RR8")
    with serving(slack_http_app(oversight, Offload(deadline_s=DEADLINE_S))) as url:
        yield url


def post(base_url: str, body: str | bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{base_url}/slack/events", content=body, headers=headers, timeout=10)


def sign(body: bytes, content_type: str) -> dict[str, str]:
    """Slack's documented signature over the raw bytes (slack_sdk's helper only takes UTF-8)."""
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"content-type": content_type, "x-slack-request-timestamp": timestamp, "x-slack-signature": f"v0={digest}"}


def payload_form(value: str) -> str:
    return form({"payload": value})


NESTED = "[" * 5000 + "]" * 5000
DEEP = json.loads("[" * 30 + "]" * 30)  # valid JSON, deeper than any real payload
MALFORMED = [
    pytest.param(payload_form("null"), FORM, "the payload is not a JSON object", id="payload=null"),
    pytest.param(payload_form("[]"), FORM, "the payload is not a JSON object", id="payload=[]"),
    pytest.param(payload_form("{not json"), FORM, "the payload is not JSON", id="payload not JSON"),
    pytest.param(payload_form("{}"), FORM, "the payload's type is missing or unknown", id="payload={}"),
    pytest.param(payload_form(NESTED), FORM, "the payload is not JSON", id="payload nested 5000 deep"),
    pytest.param(
        payload_form(json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": {"a": 1}})),
        FORM, "the block_actions payload has no actions", id="actions not a list",
    ),
    pytest.param(
        payload_form(json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": [None]})),
        FORM, "the block_actions payload's actions are not actions", id="action not an object",
    ),
    pytest.param(
        payload_form(json.dumps({"type": "view_submission", "user": {"id": "U1"}, "view": {}})),
        FORM, "the view has no callback_id", id="view without callback_id",
    ),
    pytest.param(
        payload_form(json.dumps({"type": "shortcut", "callback_id": "x", "user": "U1"})),
        FORM, "the shortcut payload has no user", id="user not an object",
    ),
    pytest.param(
        payload_form(json.dumps({"type": "block_suggestion", "action_id": "x", "user": {}, "team": []})),
        FORM, "the payload's team is not an object", id="team not an object",
    ),
    pytest.param(
        payload_form(json.dumps({"type": "block_suggestion", "action_id": "x", "user": {"a": DEEP}})),
        FORM, "the payload is nested too deeply", id="nested past a real payload",
    ),
    pytest.param('[{"type": "event_callback"}]', JSON, "the body is not a JSON object", id="JSON list"),
    pytest.param('{"type": "event_callback"}', JSON, "an event callback without an event type", id="no event"),
    pytest.param('{"type": "event_callback", "event": []}', JSON, "an event callback without an event type",
                 id="event a list"),
    pytest.param('{"type": "url_verification"}', JSON, "url_verification without a challenge", id="no challenge"),
    pytest.param("null", JSON, "the body is not a JSON object", id="JSON null"),
    pytest.param("command=%2Fsegment", FORM, None, id="command without text"),
    pytest.param("text=RWR", FORM, "not a slash command or an interaction payload", id="no command"),
    pytest.param("", FORM, "not a slash command or an interaction payload", id="empty body"),
    pytest.param("payload=" + "a" * 10 + "&" * 300, FORM, None, id="many empty fields"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "content_type", "reason"), MALFORMED)
def test_a_malformed_signed_body_gets_400_with_a_short_reason(
    base_url: str, body: str, content_type: str, reason: str | None
) -> None:
    response = post(base_url, body, signed_headers(body, content_type=content_type))
    if reason is None:  # Bolt can read it: answered, or refused as a request it does not handle
        assert response.status_code < 500, response.text
        return
    assert response.status_code == 400, response.text
    assert response.json() == {"error": reason}


@pytest.mark.parametrize(("body", "content_type", "reason"), MALFORMED)
def test_a_malformed_unsigned_body_gets_401_and_is_never_parsed(
    base_url: str, body: str, content_type: str, reason: str | None
) -> None:
    headers = signed_headers(body, content_type=content_type) | {"x-slack-signature": "v0=" + "0" * 64}
    response = post(base_url, body, headers)
    assert response.status_code == 401 and response.json() == {"error": "invalid request"}


def test_bytes_that_are_not_utf8_get_400_when_signed(base_url: str) -> None:
    body = b"command=%2Fsegment&text=\xff\xfe"
    response = post(base_url, body, sign(body, FORM))
    assert response.status_code == 400 and response.json() == {"error": "the body is not UTF-8"}


def exchange(sock: socket.socket, port: int, body: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One HTTP/1.1 request and its response on an open (kept-alive) connection."""
    head = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body.encode())}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join([*head, "", ""]) + body).encode())
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        received += chunk
    header, _, rest = received.partition(b"\r\n\r\n")
    length = int(
        next(line.split(b":")[1] for line in header.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        rest += chunk
    return int(header.split(b" ")[1]), rest


def test_the_connection_stays_usable_after_refusals(base_url: str, standin: SlackStandIn) -> None:
    port = int(urllib.parse.urlsplit(base_url).port or 0)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for values in (p.values for p in MALFORMED[:6]):
            body, content_type = str(values[0]), str(values[1])
            status, _ = exchange(sock, port, body, signed_headers(body, content_type=content_type))
            assert status == 400
            status, _ = exchange(sock, port, body, {"content-type": content_type})
            assert status == 401
        good = slash_command("/segment", "RWR", response_url=standin.response_url())
        status, answer = exchange(sock, port, good, signed_headers(good, content_type=FORM))
    assert status == 200 and b"(RWR)" in answer


@pytest.fixture
def locked_store(oversight: Application) -> Iterator[sqlite3.Connection]:
    """Another program holds SQLite's write lock (an import, a backup, a stuck process)."""
    database = oversight.engine.url.database
    assert database is not None
    holder = sqlite3.connect(database, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


def timed_get(url: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = httpx.get(url, timeout=10)
    return response, time.perf_counter() - started


def test_a_locked_store_slows_only_the_requests_that_write(
    oversight: Application, standin: SlackStandIn, locked_store: sqlite3.Connection
) -> None:
    oversight.segments.refresh()
    oversight.concerns.open_count("RR8")
    with serving(slack_http_app(oversight, Offload(deadline_s=DEADLINE_S))) as url:
        write = slash_command("/oversight", "subscribe RWR", response_url=standin.response_url())
        started = time.perf_counter()
        with httpx.Client(timeout=10) as client:
            pending = client.build_request("POST", f"{url}/slack/events", content=write,
                                           headers=signed_headers(write, content_type=FORM))  # fmt: skip
            slow = client.send(pending)
        waited = time.perf_counter() - started
        health, health_s = timed_get(f"{url}/healthz")
        ready, _ = timed_get(f"{url}/readyz")
        read = slash_command("/segment", "RWR", response_url=standin.response_url())
        answered = post(url, read, signed_headers(read, content_type=FORM))
    # The write missed its deadline: told to try again, with what was typed given back.
    assert slow.status_code == 200 and slow.json()["response_type"] == "ephemeral"
    assert slow.json()["text"].startswith("The bot could not get an answer in time")
    assert "You typed: /oversight subscribe RWR" in slow.json()["text"]
    assert waited < 2.5  # Slack's 3 s, with room for the network
    # Everything else answered as usual, from memory.
    assert health.status_code == 200 and ready.status_code == 200 and health_s < 1
    assert answered.status_code == 200 and "(RWR)" in answered.text


def test_a_concern_form_submitted_while_the_store_is_locked_stays_open_with_its_words(
    oversight: Application, locked_store: sqlite3.Connection
) -> None:
    words = answers(summary="Night staffing on ward 9 below the safe level")
    body = view_submission(ids.CONCERN_FORM, form_state(words), view_id="VSLOW")
    with serving(slack_http_app(oversight, Offload(deadline_s=DEADLINE_S))) as url:
        response = post(url, body, signed_headers(body, content_type=FORM))
        locked_store.execute("ROLLBACK")  # the store is back
        # The reporter presses Submit again (the same form, so a later request of the same body), as
        # often as the bot asks: on a loaded machine the first attempt's write may still be finishing.
        again = submit_until_answered(url, body)
    answer = response.json()
    assert response.status_code == 200 and answer["response_action"] == "errors"  # Slack keeps the form open
    (message,) = answer["errors"].values()
    assert message.startswith("Not saved yet") and "press Submit again" in message
    filed = again.json()
    assert again.status_code == 200 and filed["response_action"] == "update", filed
    assert re.search(r"C-\d{4}-\d{6}", json.dumps(filed["view"]))
    assert oversight.concerns.open_count("RR8") == 1  # filed once, however the first attempt ended


def submit_until_answered(url: str, body: str, patience_s: float = 30.0) -> httpx.Response:
    """Press Submit again while the bot says "not saved yet, press Submit again", within a bound."""
    deadline, press = time.monotonic() + patience_s, 1
    while True:
        reply = post(url, body, signed_headers(body, content_type=FORM, timestamp=int(time.time()) + press))
        not_yet = reply.json().get("response_action") == "errors" and "press Submit again" in reply.text
        if not not_yet or time.monotonic() > deadline:
            return reply
        press += 1


def test_readiness_reports_a_store_that_stopped_answering_without_waiting_for_it(
    oversight: Application, base_url: str
) -> None:
    oversight.segments.refresh()
    with oversight.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE assessments")
        connection.exec_driver_sql("DROP TABLE imports")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ready, seconds = timed_get(f"{base_url}/readyz")
        assert seconds < 1
        if ready.status_code == 503:
            break
        time.sleep(0.1)
    assert ready.status_code == 503 and ready.json() == {"status": "not ready"}
    assert httpx.get(f"{base_url}/healthz").status_code == 200  # the process itself is alive
