"""Multi-workspace installs: the OAuth flow against the stand-in, kept in the store's own database."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlparse

import httpx
import pytest

from oversight_bot.bootstrap import build, slack_http_app
from oversight_bot.slack.app import BOT_SCOPES
from tests.http_server import serving
from tests.integration.slack.conftest import slack_settings, text_of
from tests.slack_requests import settled_slack_app, signed_headers, slash_command
from tests.slack_standin import SlackStandIn


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_workspace_installs_the_app_and_is_then_answered(
    database: str, request: pytest.FixtureRequest, seeded_db_url: str, standin: SlackStandIn
) -> None:
    url = seeded_db_url if database == "sqlite" else request.getfixturevalue("postgres_url")
    settings = slack_settings(
        url, standin.base_url, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="shh"
    )
    app = build(settings)
    with (
        serving(slack_http_app(app, bolt=settled_slack_app(app))) as base,
        httpx.Client(base_url=base) as browser,
    ):
        install = browser.get("/slack/install")
        assert install.status_code == 200
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', install.text)
        assert link is not None
        query = dict(parse_qsl(urlparse(link.group(1).replace("&amp;", "&")).query))
        assert query["client_id"] == "111.222" and query["scope"].split(",") == BOT_SCOPES
        # The state cookie is marked Secure (production is HTTPS); a browser would send it back.
        cookie = install.headers["set-cookie"].split(";")[0]
        callback = browser.get(
            "/slack/oauth_redirect",
            params={"code": "temporary-code", "state": query["state"]},
            headers={"cookie": cookie},
        )
        assert callback.status_code == 200, callback.text
        assert standin.calls_to("oauth.v2.access")

        body = slash_command("/segment", "RWR", response_url=standin.response_url()).replace("T0STANDIN", "T0NEW")
        answered = browser.post(
            "/slack/events",
            content=body,
            headers=signed_headers(body, content_type="application/x-www-form-urlencoded"),
        )
        assert answered.status_code == 200, answered.text
        assert "(RWR)" in text_of(answered.json())

        stranger = body.replace("T0NEW", "T0OTHER")
        refused = browser.post(
            "/slack/events",
            content=stranger,
            headers=signed_headers(stranger, content_type="application/x-www-form-urlencoded"),
        )
        assert "(RWR)" not in refused.text  # a workspace that never installed the app is not answered
    app.close()


def test_a_forged_oauth_callback_is_refused(seeded_db_url: str, standin: SlackStandIn) -> None:
    settings = slack_settings(
        seeded_db_url, standin.base_url, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="shh"
    )
    app = build(settings)
    with serving(slack_http_app(app, bolt=settled_slack_app(app))) as base:
        forged = httpx.get(f"{base}/slack/oauth_redirect", params={"code": "c", "state": "made-up"})
    assert forged.status_code >= 400
    assert standin.calls_to("oauth.v2.access") == []
    app.close()
