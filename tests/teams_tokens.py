"""Bot Service tokens for tests: an RSA key of our own, its JWKS served on 127.0.0.1, and the SDK's
key lookup pointed there. Tokens are otherwise as the Bot Service signs them (RS256, a `kid`,
issuer `https://api.botframework.com`, the bot's app id as audience, a `serviceurl` claim)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from azure.core.credentials_async import AsyncTokenCredential
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core import AgentAuthConfiguration

APP_ID = "11111111-2222-4333-8444-555555555555"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
KID = "test-signing-key"


class StaticTokens:
    """Stands in for Microsoft Entra when the bot asks for a Bot Connector token."""

    TOKEN = "outbound-bot-connector-token"

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return AgentAuthConfiguration(anonymous_allowed=True)

    def get_token_credential(self) -> AsyncTokenCredential:
        raise NotImplementedError("the bot only asks for Bot Connector tokens")

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return self.TOKEN

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        raise NotImplementedError

    async def get_agentic_application_token(self, *args: Any, **kwargs: Any) -> str | None:
        return None

    async def get_agentic_instance_token(self, *args: Any, **kwargs: Any) -> tuple[str, str]:
        raise NotImplementedError

    async def get_agentic_user_token(self, *args: Any, **kwargs: Any) -> str | None:
        return None


class Signer:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [jwk | {"kid": KID, "use": "sig", "alg": "RS256"}]}

    def token(self, service_url: str, **claims: Any) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": BOT_FRAMEWORK_ISSUER,
            "aud": APP_ID,
            "nbf": now - 10,
            "iat": now - 10,
            "exp": now + 3600,
            "serviceurl": service_url,
        }
        body |= claims
        return jwt.encode({k: v for k, v in body.items() if v is not None}, self.key, algorithm="RS256",
                          headers={"kid": KID})  # fmt: skip


@contextmanager
def serving_keys(signer: Signer) -> Iterator[str]:
    """The JWKS URL, served on 127.0.0.1 until the block ends."""
    document = json.dumps(signer.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/keys"
    finally:
        server.shutdown()
        server.server_close()
