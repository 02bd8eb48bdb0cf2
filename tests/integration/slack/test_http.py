"""Slack's HTTP mode over real HTTP on 127.0.0.1: signatures, replays, bad and oversized bodies."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight_bot.bootstrap import Application, healthy
from oversight_bot.slack.http import create_http_app
from tests.http_server import serving
from tests.slack_requests import SECRET, settled_slack_app, signed_headers, slash_command
from tests.slack_standin import SlackStandIn

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def base_url(oversight: Application) -> Iterator[str]:
    with serving(create_http_app(settled_slack_app(oversight), healthy(oversight))) as url:
        yield url


def post(base_url: str, body: str | bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{base_url}/slack/events", content=body, headers=headers, timeout=10)


def test_health_check(base_url: str) -> None:
    response = httpx.get(f"{base_url}/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_signed_slash_command_is_answered(base_url: str, standin: SlackStandIn) -> None:
    body = slash_command("/segment", "Leeds Teaching", response_url=standin.response_url())
    response = post(base_url, body, signed_headers(body, content_type=FORM))
    assert response.status_code == 200
    assert "Leeds Teaching Hospitals NHS Trust (RR8)" in json.dumps(response.json())


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda h: h | {"x-slack-signature": "v0=" + "0" * 64}, id="bad signature"),
        pytest.param(lambda h: {k: v for k, v in h.items() if k != "x-slack-signature"}, id="no signature"),
        pytest.param(lambda h: h | {"x-slack-request-timestamp": "not-a-time"}, id="garbled timestamp"),
    ],
)
def test_an_unsigned_or_wrongly_signed_request_gets_401_and_does_nothing(
    base_url: str, standin: SlackStandIn, spoil: Callable[[dict[str, str]], dict[str, str]]
) -> None:
    body = slash_command("/segment", "RWR", response_url=standin.response_url())
    response = post(base_url, body, spoil(signed_headers(body, content_type=FORM)))
    assert response.status_code == 401
    assert "Hertfordshire" not in response.text
    assert standin.calls == []


def test_a_stale_request_gets_401(base_url: str, standin: SlackStandIn) -> None:
    body = slash_command("/segment", "RWR", response_url=standin.response_url())
    stale = signed_headers(body, content_type=FORM, timestamp=int(time.time()) - 10 * 60)
    assert post(base_url, body, stale).status_code == 401


def test_a_replayed_request_gets_401(base_url: str, standin: SlackStandIn) -> None:
    body = slash_command("/segment", "RWR", response_url=standin.response_url())
    headers = signed_headers(body, content_type=FORM)
    assert post(base_url, body, headers).status_code == 200
    replay = post(base_url, body, headers)
    assert replay.status_code == 401 and "Hertfordshire" not in replay.text


def test_a_request_signed_with_another_secret_gets_401(base_url: str, standin: SlackStandIn) -> None:
    body = slash_command("/segment", "RWR", response_url=standin.response_url())
    assert post(base_url, body, signed_headers(body, content_type=FORM, secret=SECRET + "x")).status_code == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=%7Bnot+json", FORM),
        ("payload=%7B%7D", FORM),
        ('{"type": "event_callback"}', "application/json"),
        ('{"type": "event_callback", "event": {"type": "app_home_opened"}}', "application/json"),
        ("payload=" + "%7B%22type%22%3A%22view_submission%22%2C%22view%22%3A%7B%7D%7D", FORM),
        ("command=%2Fsegment", FORM),
        ("", FORM),
    ],
)
def test_malformed_signed_payloads_never_cause_a_5xx(base_url: str, body: str, content_type: str) -> None:
    response = post(base_url, body, signed_headers(body, content_type=content_type))
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text


def test_bytes_that_are_not_utf8_are_refused(base_url: str) -> None:
    body = b"text=\xff\xfe"
    headers = signed_headers(body.decode("latin-1"), content_type=FORM)
    response = post(base_url, body, headers)
    assert 400 <= response.status_code < 500


def test_an_oversized_body_is_refused_before_it_is_read(base_url: str) -> None:
    body = "text=" + "x" * (2 << 20)
    response = post(base_url, body, signed_headers(body, content_type=FORM))
    assert response.status_code == 413


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_fuzzed_text_over_http_never_causes_a_5xx(base_url: str, standin: SlackStandIn, text: str) -> None:
    body = slash_command("/segment", text, response_url=standin.response_url())
    response = post(base_url, body, signed_headers(body, content_type=FORM))
    assert response.status_code == 200
    assert "Traceback" not in response.text


def test_health_reports_a_store_that_cannot_be_read(oversight: Application) -> None:
    with oversight.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE assessments")
        connection.exec_driver_sql("DROP TABLE imports")
    with serving(create_http_app(settled_slack_app(oversight), healthy(oversight))) as url:
        response = httpx.get(f"{url}/healthz")
    assert response.status_code == 503 and response.json() == {"status": "unavailable"}
