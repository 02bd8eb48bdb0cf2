"""Bounds on the Teams sign-in's network calls, so that a slow or black-holed Microsoft endpoint
costs one request a few seconds and never freezes the bot.

The Agents SDK fetches the Bot Service's signing keys with PyJWT's `PyJWKClient` (30 s timeout,
one thread at a time behind a lock, so refusals queue: 30, 60, 90 s), and MSAL creates its client
(tenant discovery) on the event loop with no timeout. Here:

- signing keys: fetched with a `KEY_TIMEOUT_S` timeout, cached (`KEYS_LIFESPAN_S`), on a thread,
  with the whole check bounded by `KEY_DEADLINE_S`; after a failed fetch every check fails at
  once for `KEY_COOLDOWN_S` (fail closed: 401) instead of each waiting its turn;
- outbound tokens: MSAL's client is created and asked on a thread, within `TOKEN_DEADLINE_S`, and
  after a failure the next tries wait out `TOKEN_COOLDOWN_S`.

The SDK's key cache is a class attribute of its validator (`JwtTokenValidator._jwk_client_manager`);
`bound_signing_key_fetches` replaces it. That is a private name in an SDK pinned below 1.10, and
tests/integration/teams/test_auth_faults.py fails if a release moves it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

KEY_TIMEOUT_S = 3.0
KEY_DEADLINE_S = 4.0
KEY_COOLDOWN_S = 5.0
KEYS_LIFESPAN_S = 3600.0  # Microsoft rotates its keys over weeks; an unknown kid refetches anyway
TOKEN_DEADLINE_S = 4.0
TOKEN_COOLDOWN_S = 10.0


class BoundedKeyFetches(jwt_token_validator._JwkClientManager):
    """The SDK's per-URL key clients, with a timeout, a deadline, and a cooldown after failure."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # the SDK leaves it untyped
        self._failed_at: dict[str, float] = {}

    def _get_jwk_client(self, jwks_uri: str) -> jwt_token_validator._JwkClientCacheEntry:
        if jwks_uri not in self._cache:
            client = PyJWKClient(jwks_uri, timeout=KEY_TIMEOUT_S, lifespan=KEYS_LIFESPAN_S, cache_keys=True)
            self._cache[jwks_uri] = jwt_token_validator._JwkClientCacheEntry(client, threading.Lock())
        return self._cache[jwks_uri]

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        if time.monotonic() - self._failed_at.get(jwks_uri, -KEY_COOLDOWN_S) < KEY_COOLDOWN_S:
            raise PyJWKClientConnectionError("the signing keys could not be fetched a moment ago")
        entry = self._get_jwk_client(jwks_uri)

        def fetch() -> PyJWK:
            if not entry.lock.acquire(timeout=KEY_DEADLINE_S):
                raise PyJWKClientConnectionError("another fetch of the signing keys is in hand")
            try:
                return entry.jwk_client.get_signing_key(str(header.get("kid")))
            finally:
                entry.lock.release()

        try:
            return await asyncio.wait_for(asyncio.to_thread(fetch), KEY_DEADLINE_S)
        except (TimeoutError, PyJWKClientConnectionError):
            self._failed_at[jwks_uri] = time.monotonic()
            raise PyJWKClientConnectionError("the signing keys could not be fetched in time") from None


def bound_signing_key_fetches() -> None:
    if not isinstance(jwt_token_validator.JwtTokenValidator._jwk_client_manager, BoundedKeyFetches):
        jwt_token_validator.JwtTokenValidator._jwk_client_manager = BoundedKeyFetches()


class BoundedMsalAuth(MsalAuth):
    """MsalAuth whose client creation (tenant discovery) and token requests run on a thread within
    a deadline, one at a time, with a cooldown after a failure."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._failed_at = -TOKEN_COOLDOWN_S
        self._one_at_a_time = asyncio.Lock()

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        if time.monotonic() - self._failed_at < TOKEN_COOLDOWN_S:
            raise TimeoutError("Microsoft Entra did not answer a moment ago")
        try:
            async with asyncio.timeout(TOKEN_DEADLINE_S):
                async with self._one_at_a_time:
                    await asyncio.to_thread(self._get_client)  # creation asks Entra for the tenant
                    return await super().get_access_token(resource_url, scopes, force_refresh)
        except TimeoutError:
            self._failed_at = time.monotonic()
            raise TimeoutError("Microsoft Entra did not answer in time") from None
