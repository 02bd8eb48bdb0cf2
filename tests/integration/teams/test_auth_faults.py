"""Teams sign-in when Microsoft's endpoints misbehave: a key server on 127.0.0.1 that accepts
connections and never answers (black-holed). Tokens are refused (401) in seconds, never queued,
and the bot answers everything else meanwhile."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization.auth_types import AuthTypes
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

from oversight_bot.bootstrap import Application, build, teams_web_app
from oversight_bot.config import Settings
from oversight_bot.teams.network import BoundedMsalAuth
from tests.http_server import serving_aiohttp
from tests.integration.teams.conftest import post
from tests.teams_activities import channel_message
from tests.teams_standin import ConnectorStandIn
from tests.teams_tokens import APP_ID, Signer, StaticTokens

TENANT = "72f988bf-0000-4000-8000-000000000001"


@contextmanager
def black_hole() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and never answers on them."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        acceptor.join(timeout=5)
        for connection in held:
            connection.close()


@pytest.fixture
def deployed(seeded_db_url: str) -> Iterator[Application]:
    settings = Settings(database_url=seeded_db_url, teams_app_id=APP_ID, teams_app_password="unused-secret",
                        teams_tenant_id=TENANT)  # fmt: skip
    app = build(settings)
    yield app
    app.close()


def test_a_black_holed_key_server_refuses_tokens_within_seconds_while_the_bot_answers(
    deployed: Application, connector: ConnectorStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = Signer().token(connector.service_url)
    activity = channel_message(connector.service_url, "segment RWR")
    headers = {"Authorization": f"Bearer {token}"}
    with black_hole() as port, serving_aiohttp(teams_web_app(deployed, StaticTokens())) as url:
        monkeypatch.setattr(jwt_token_validator, "_build_jwks_uri", lambda *_: f"http://127.0.0.1:{port}/keys")
        with ThreadPoolExecutor(max_workers=4) as pool:
            started = time.perf_counter()
            signed = [pool.submit(post, url, activity, headers) for _ in range(4)]
            time.sleep(0.2)  # the first key fetch is now hanging on the black hole
            health_started = time.perf_counter()
            health = httpx.get(f"{url}/healthz", timeout=5)
            health_s = time.perf_counter() - health_started
            refused = [future.result() for future in signed]
            elapsed = time.perf_counter() - started
        later = post(url, activity, headers)  # while the key server is still silent: at once
    assert [r.status_code for r in refused] == [401] * 4
    assert elapsed < 5, f"refusals took {elapsed:.1f} s"
    assert health.status_code == 200 and health_s < 0.5
    assert later.status_code == 401 and later.elapsed.total_seconds() < 1


def test_a_black_holed_sign_in_service_fails_an_outbound_token_within_seconds(
    connector: ConnectorStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MSAL creating its client (tenant discovery at login.microsoftonline.com) and asking for a
    token, when the way there accepts connections and never answers (an HTTPS proxy that is a black
    hole): the caller hears in seconds, and the event loop is never blocked meanwhile."""
    with black_hole() as port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        configuration = AgentAuthConfiguration(
            auth_type=AuthTypes.client_secret, client_id=APP_ID, tenant_id=TENANT, client_secret="unused-secret"
        )
        provider = BoundedMsalAuth(configuration)

        async def ask_while_ticking() -> tuple[BaseException | None, float, int]:
            ticks = 0

            async def tick() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.05)
                    ticks += 1

            ticker = asyncio.create_task(tick())
            started = time.perf_counter()
            try:
                await provider.get_access_token(connector.service_url, ["https://api.botframework.com/.default"])
                error = None
            except Exception as failure:
                error = failure
            ticker.cancel()
            return error, time.perf_counter() - started, ticks

        # Not asyncio.run: it would wait for the thread still stuck on the black hole, which ends
        # only when the black hole closes its connections (below).
        loop = asyncio.new_event_loop()
        error, seconds, ticks = loop.run_until_complete(ask_while_ticking())
        loop.close()
    assert isinstance(error, TimeoutError) and seconds < 5
    assert ticks >= seconds / 0.05 * 0.5  # the loop kept turning while MSAL waited
