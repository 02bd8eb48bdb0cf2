"""Who may call /api/messages in production: only the Bot Service, with a token signed by its key,
for this bot, for the service URL in the activity. The SDK checks signature, audience and expiry;
the rest is ours. The SDK fetches signing keys from Microsoft; here it is pointed at a key server
on 127.0.0.1 holding the test's own key (the only stand-in: validation itself is the SDK's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator
from typer.testing import CliRunner

from oversight_bot.bootstrap import Application, build, teams_web_app
from oversight_bot.cli.main import cli
from oversight_bot.config import Settings
from oversight_bot.errors import ConfigurationError
from oversight_bot.store.teams import SqlAlchemyConversationAddresses
from oversight_bot.teams.app import listening_host
from tests.http_server import serving_aiohttp
from tests.integration.teams.conftest import only_card, post, text_of
from tests.teams_activities import CHANNEL, channel_message
from tests.teams_standin import ConnectorStandIn
from tests.teams_tokens import APP_ID, Signer, StaticTokens, serving_keys


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture
def deployed(seeded_db_url: str) -> Iterator[Application]:
    """The bot as deployed: an app id, no anonymous calls."""
    settings = Settings(database_url=seeded_db_url, teams_app_id=APP_ID, teams_app_password="unused-secret",
                        teams_tenant_id="72f988bf-0000-4000-8000-000000000001")  # fmt: skip
    app = build(settings)
    yield app
    app.close()


@pytest.fixture
def production(deployed: Application, signer: Signer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Its /api/messages, taking signing keys from the test's key server."""
    with serving_keys(signer) as keys, serving_aiohttp(teams_web_app(deployed, StaticTokens())) as url:
        monkeypatch.setattr(jwt_token_validator, "_build_jwks_uri", lambda *_: keys)
        yield url


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_request_with_a_valid_token_is_answered(production: str, signer: Signer, connector: ConnectorStandIn) -> None:
    token = signer.token(connector.service_url)
    card = only_card(post(production, channel_message(connector.service_url, "segment RWR"), bearer(token)))
    assert "Hertfordshire Partnership University NHS Foundation Trust (RWR)" in text_of(card)


def nothing_remembered(app: Application) -> bool:
    return SqlAlchemyConversationAddresses(app.session_factory).find(CHANNEL) is None


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        pytest.param({}, "no token", id="no token"),
        pytest.param(bearer("not.a.token"), "garbage", id="garbage token"),
        pytest.param({"Authorization": "Basic b3ZlcnNpZ2h0OnNlY3JldA=="}, "not a bearer token", id="basic auth"),
    ],
)
def test_a_request_without_a_valid_token_gets_401_and_is_not_acted_on(
    production: str, deployed: Application, connector: ConnectorStandIn, headers: dict[str, str], why: str
) -> None:
    # As Teams sends it (no expectReplies): an answer would go to the service URL named in it.
    activity = channel_message(connector.service_url, "subscribe all", expect_replies=False)
    response = post(production, activity, headers)
    assert response.status_code == 401, why
    # No waiting needed: a turn that ran would have posted its answer before the HTTP answer came back.
    assert connector.posts == [] and nothing_remembered(deployed)


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"aud": "another-bot-entirely"}, id="wrong audience"),
        pytest.param({"exp": 1_600_000_000}, id="expired"),
        pytest.param({"exp": None}, id="no expiry"),
        pytest.param({"serviceurl": "https://attacker.example/"}, id="another service URL"),
        pytest.param({"serviceurl": None}, id="no service URL"),
        pytest.param({"iss": "https://sts.windows.net/a-foreign-tenant/"}, id="another issuer"),
    ],
)
def test_a_token_not_for_this_bot_or_this_activity_gets_401(
    production: str, deployed: Application, signer: Signer, connector: ConnectorStandIn, claims: dict[str, object]
) -> None:
    token = signer.token(connector.service_url, **claims)
    activity = channel_message(connector.service_url, "subscribe all", expect_replies=False)
    response = post(production, activity, bearer(token))
    assert response.status_code == 401
    assert connector.posts == [] and nothing_remembered(deployed)


def test_a_token_signed_by_another_key_gets_401(production: str, connector: ConnectorStandIn) -> None:
    impostor = Signer().token(connector.service_url)  # same key id, a different key
    response = post(production, channel_message(connector.service_url, "segment RWR"), bearer(impostor))
    assert response.status_code == 401


def test_replies_go_out_with_the_bots_own_connector_token(
    production: str, signer: Signer, connector: ConnectorStandIn
) -> None:
    activity = channel_message(connector.service_url, "segment RWR", expect_replies=False)
    assert post(production, activity, bearer(signer.token(connector.service_url))).status_code == 202
    (reply,) = connector.wait_for(1)
    assert reply.headers["authorization"] == f"Bearer {StaticTokens.TOKEN}"


def test_without_an_app_id_the_bot_will_not_start(seeded_db_url: str) -> None:
    app = build(Settings(database_url=seeded_db_url))
    with pytest.raises(ConfigurationError, match="OVERSIGHT_TEAMS_APP_ID"):
        teams_web_app(app)
    app.close()
    result = CliRunner().invoke(cli, ["serve", "--teams"], env={"OVERSIGHT_DATABASE_URL": seeded_db_url})
    assert isinstance(result.exception, ConfigurationError)  # `oversight` prints it and exits with status 2


def test_anonymous_calls_are_for_local_use_only(seeded_db_url: str) -> None:
    """The setting every other Teams test uses: never beside an app id, and only on this machine."""
    both = build(Settings(database_url=seeded_db_url, teams_app_id=APP_ID, teams_allow_anonymous=True))
    with pytest.raises(ConfigurationError, match="OVERSIGHT_TEAMS_ALLOW_ANONYMOUS"):
        teams_web_app(both)
    both.close()
    local = Settings(database_url=seeded_db_url, teams_allow_anonymous=True)
    assert listening_host(local, "0.0.0.0") == "127.0.0.1"
    assert listening_host(Settings(database_url=seeded_db_url, teams_app_id=APP_ID), "0.0.0.0") == "0.0.0.0"


def test_health_needs_no_token(production: str) -> None:
    import httpx

    assert httpx.get(f"{production}/healthz", timeout=5).json() == {"ok": True}
