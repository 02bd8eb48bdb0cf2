"""`POST /api/messages` for Teams: the Agents SDK's CloudAdapter behind its JWT check, and the
checks the SDK leaves to us.

The SDK validates the Bot Service's token (signature, audience, expiry) but, by default, accepts a
token without an expiry, does not check the issuer, and only logs when the token's `serviceurl`
differs from the activity's. A token minted for one service URL must not let its holder point the
bot's replies (and their bearer token) somewhere else, so those are refused here with 401.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
import warnings
from collections.abc import Callable
from typing import Any

from aiohttp import ClientError, web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization.auth_types import AuthTypes
from pydantic import ValidationError

from oversight_bot.config import Settings
from oversight_bot.errors import ConfigurationError
from oversight_bot.logs import error_frames
from oversight_bot.serving import metrics
from oversight_bot.teams.agent import TeamsAgent
from oversight_bot.teams.network import BoundedMsalAuth, bound_signing_key_fetches

logger = logging.getLogger(__name__)
# The SDK keeps its state under plain string keys on aiohttp's request, which aiohttp warns about.
warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module="microsoft_agents")

MESSAGES_PATH = "/api/messages"
BOT_FRAMEWORK = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPES = ["https://api.botframework.com/.default"]
MAX_BODY = 256 * 1024  # an activity, even a full concern form, is a few KB

TokenProvider = AccessTokenProviderBase
Readiness = Callable[[], bool]


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """The bot's identity. Without an app id the bot cannot check who calls it, so it will not
    start, unless anonymous calls were explicitly allowed for local use."""
    if settings.teams_app_id is None:
        if not settings.teams_allow_anonymous:
            raise ConfigurationError(
                "Teams needs OVERSIGHT_TEAMS_APP_ID (the bot's Microsoft Entra app id); see README, 'Connect to Teams'"
            )
        logger.warning("Teams: accepting calls without a token (OVERSIGHT_TEAMS_ALLOW_ANONYMOUS); never in production")
        return AgentAuthConfiguration(anonymous_allowed=True)
    if settings.teams_allow_anonymous:
        # Both at once would let anyone without a token speak as anyone, and point the bot (and its
        # Bot Connector token) at a service URL of their choosing.
        raise ConfigurationError(
            "OVERSIGHT_TEAMS_ALLOW_ANONYMOUS is for local use without an app id: "
            "unset it when OVERSIGHT_TEAMS_APP_ID is set"
        )
    secret = settings.teams_app_password.get_secret_value() if settings.teams_app_password else None
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=settings.teams_app_id,
        tenant_id=settings.teams_tenant_id,
        client_secret=secret,
        anonymous_allowed=False,
        validate_issuer=True,
    )


def token_provider_for(settings: Settings, configuration: AgentAuthConfiguration | None = None) -> TokenProvider:
    """Bot Connector tokens from Microsoft Entra, with the app's secret (MSAL caches them); none
    when anonymous calls are allowed (the Agents Playground needs none)."""
    if settings.teams_app_id is None:
        return _no_outbound_token()
    return BoundedMsalAuth(configuration or auth_configuration(settings))


def build_teams_web_app(
    settings: Settings,
    agent: TeamsAgent,
    *,
    token_provider: TokenProvider | None = None,
    ready: Readiness | None = None,
) -> web.Application:
    configuration = auth_configuration(settings)
    bound_signing_key_fetches()  # a black-holed key server refuses a token in seconds (teams/network.py)
    provider = token_provider or token_provider_for(settings, configuration)
    connections = ConnectionManager(
        provider_factory=lambda _: provider, connections_configurations={"SERVICE_CONNECTION": configuration}
    )
    adapter = CloudAdapter(connection_manager=connections)
    adapter.on_turn_error = _answer_turn_error  # the SDK's default tells the user the exception's text

    @jwt_authorization_decorator  # type: ignore[untyped-decorator]  # the SDK leaves it untyped
    async def messages(request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
            Activity.model_validate(body)
        except (ValueError, ValidationError):
            return web.json_response({"error": "not an activity"}, status=400)
        refused = _claims_problem(request.get("claims_identity"), body)
        if refused:
            logger.warning("Teams: refused a request: %s", refused)
            return web.json_response({"error": refused}, status=401)
        return await adapter.process(request, agent) or web.Response(status=202)

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})  # the process is alive: nothing else is asked

    async def readiness(_: web.Request) -> web.Response:
        ok = ready() if ready else True  # the read model is loaded and the store answers (no store call)
        return web.json_response({"ok": ok}, status=200 if ok else 503)

    async def metrics_page(_: web.Request) -> web.Response:
        page, content_type = metrics.exposition()
        return web.Response(body=page, headers={"content-type": content_type})

    app = web.Application(client_max_size=MAX_BODY)
    with warnings.catch_warnings():  # the SDK's JWT check reads this plain string key, not an AppKey
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app["agent_configuration"] = configuration
    app.router.add_post(MESSAGES_PATH, messages)
    app.router.add_get("/healthz", health)
    app.router.add_get("/readyz", readiness)
    app.router.add_get("/metrics", metrics_page)
    return app


def _claims_problem(identity: Any, body: dict[str, Any]) -> str | None:
    """What is wrong with an authenticated request's token for this activity, if anything."""
    claims = getattr(identity, "claims", None) or {}
    if not claims:
        return None  # anonymous, and anonymous calls were allowed (else the SDK refused it already)
    if "exp" not in claims:
        return "the token has no expiry"
    token_url = claims.get("serviceurl")
    if not token_url or _url(token_url) != _url(str(body.get("serviceUrl") or "")):
        return "the token was not issued for this activity's service URL"
    return None


def _url(value: str) -> str:
    return value.strip().rstrip("/").lower()


def _no_outbound_token() -> TokenProvider:
    return AnonymousTokenProvider()


async def _answer_turn_error(context: TurnContext, error: Exception) -> None:
    """Log the error's type and where, never its message (it may quote what a user wrote), and tell
    the user plainly with a reference."""
    reference = uuid.uuid4().hex[:8]
    frames = error_frames(error)
    logger.error("unexpected %s (ref %s) handling a Teams activity:\n%s", type(error).__name__, reference, frames)
    if context.activity.type == "message":
        try:
            await context.send_activity(f"Something went wrong on our side (reference {reference}). Please try again.")
        except (ClientError, OSError, TimeoutError) as unsent:  # the Bot Connector itself is unreachable
            logger.warning("could not tell the user (ref %s): %s", reference, type(unsent).__name__)


def listening_host(settings: Settings, host: str) -> str:
    """Anonymous calls are served on this machine only (the Agents Playground runs here)."""
    if settings.teams_allow_anonymous and host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning("Teams: anonymous calls allowed, so listening on 127.0.0.1 only, not %s", host)
        return "127.0.0.1"
    return host


def serve(app: web.Application, host: str, port: int) -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM). Access logs are off: they would hold nothing
    sensitive, but nothing useful either, at one line per message."""
    web.run_app(app, host=host, port=port, access_log=None, print=None, handle_signals=True)


def serve_in_thread(app: web.Application, host: str, port: int) -> threading.Thread:
    """Serve on a thread of its own (its own event loop) while something else has the foreground."""

    async def run() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        await asyncio.Event().wait()  # until the process ends

    thread = threading.Thread(target=asyncio.run, args=(run(),), name="teams-http", daemon=True)
    thread.start()
    return thread
