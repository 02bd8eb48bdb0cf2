"""Slack's HTTP mode over real HTTP on 127.0.0.1: signatures, replays, bad and oversized bodies."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight_bot.bootstrap import Application, slack_http_app
from tests.http_server import serving
from tests.slack_requests import SECRET, settled_slack_app, signed_headers, slash_command
from tests.slack_standin import SlackStandIn

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def base_url(oversight: Application) -> Iterator[str]:
    oversight.segments.refresh()  # as `oversight serve` does: the first read model before the first request
    with serving(slack_http_app(oversight, bolt=settled_slack_app(oversight))) as url:
        yield url


def post(base_url: str, body: str | bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{base_url}/slack/events", content=body, headers=headers, timeout=10)


def test_health_and_readiness(base_url: str) -> None:
    response = httpx.get(f"{base_url}/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    ready = httpx.get(f"{base_url}/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


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
        pytest.param(lambda h: h | {"x-slack-request-timestamp": ""}, id="empty timestamp"),
        pytest.param(lambda h: {k: v for k, v in h.items() if k != "x-slack-request-timestamp"}, id="no timestamp"),
        pytest.param(lambda h: h | {"x-slack-request-timestamp": "١٢".encode()}, id="non-ASCII digits"),
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


def test_metrics_count_requests_by_outcome_and_report_the_read_model(base_url: str, standin: SlackStandIn) -> None:
    def count(page: str, outcome: str) -> float:
        found = re.search(rf'oversight_requests_total{{outcome="{outcome}",surface="slack"}} ([\d.]+)', page)
        return float(found.group(1)) if found else 0.0

    before = httpx.get(f"{base_url}/metrics").text
    body = slash_command("/segment", "RWR", response_url=standin.response_url())
    post(base_url, body, signed_headers(body, content_type=FORM))
    post(base_url, body, {"content-type": FORM})
    page = httpx.get(f"{base_url}/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    assert count(page.text, "answered") == count(before, "answered") + 1
    assert count(page.text, "unsigned") == count(before, "unsigned") + 1
    assert re.search(r"^oversight_read_model_version [1-9]", page.text, re.MULTILINE)
    assert "oversight_store_statement_seconds_bucket" in page.text and "oversight_request_seconds_bucket" in page.text
