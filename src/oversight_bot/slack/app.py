"""Build the Bolt `App` from settings: one app, served by Socket Mode or over HTTP.

`process_before_response=True`, deliberately (docs/slack.md): Bolt's default mode hands the
listener to a thread and polls for its `ack()` every 10 ms, a 10 ms floor on every request. Here
`/segment` answers inside the acknowledgement in well under a millisecond, and anything slower (a
Web API call) runs in a lazy listener after the acknowledgement has gone.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from oversight_bot.chat.handle import Conversation
from oversight_bot.config import Settings
from oversight_bot.errors import ConfigurationError
from oversight_bot.logs import error_frames
from oversight_bot.slack import blocks, concern_listeners, listeners, uninstalls
from oversight_bot.slack.actors import workspace_ids
from oversight_bot.slack.answers import KeptCommandAnswers
from oversight_bot.slack.authorize import SingleWorkspaceAuthorize
from oversight_bot.slack.text import unescape_user_text

logger = logging.getLogger(__name__)

# Least privilege, and the same list as manifest.yml (a test keeps them equal).
BOT_SCOPES = ["commands", "chat:write", "chat:write.public", "usergroups:read", "files:write"]
API_TIMEOUT_S = 5
INSTALLATIONS_TABLE, BOTS_TABLE, STATES_TABLE = "slack_installations", "slack_bots", "slack_oauth_states"


def web_client(settings: Settings) -> WebClient:
    """The client for interactive work (views, response URLs): a short timeout, one retry after a
    429's Retry-After (it runs in a lazy listener, never on a request thread). No token of its own:
    each request's token comes from authorisation."""
    client = WebClient(base_url=settings.slack_api_url, timeout=API_TIMEOUT_S)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=1),
        RateLimitErrorRetryHandler(max_retry_count=1),
    ]
    return client


def build_slack_app(
    settings: Settings,
    conversation: Conversation,
    engine: Engine | None = None,
    *,
    socket_mode: bool = False,
    listener_executor: Executor | None = None,
    kept: KeptCommandAnswers | None = None,
) -> App:
    """The Bolt app; `listener_executor` runs the lazy listeners (Bolt's own pool if None); `kept`
    collects answers the HTTP layer may give again without Bolt (single-workspace mode only)."""
    client = web_client(settings)
    options: dict[str, Any] = {
        "client": client,
        "process_before_response": True,
        "token_verification_enabled": False,
        # Over HTTP the signature is checked on the raw body before Bolt sees the request
        # (slack/gate.py, with replays refused across processes); Socket Mode needs none.
        "request_verification_enabled": False,
        "signing_secret": settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        "logger": logging.getLogger("oversight_bot.slack.bolt"),
    }
    if listener_executor is not None:
        options["listener_executor"] = listener_executor
    if settings.slack_oauth and not socket_mode:
        options |= _oauth_options(settings, engine, client)
    elif settings.slack_bot_token is not None:
        single = SingleWorkspaceAuthorize(client, settings.slack_bot_token.get_secret_value())

        def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return single.authorize(enterprise_id, team_id)

        options["authorize"] = authorize
    else:
        raise ConfigurationError("Slack needs OVERSIGHT_SLACK_BOT_TOKEN, or a client id and secret for OAuth")
    if not socket_mode and options["signing_secret"] is None:
        raise ConfigurationError("Slack's HTTP mode needs OVERSIGHT_SLACK_SIGNING_SECRET")
    app = App(**options)
    app.use(unescape_user_text)
    app.error(answer_unexpected_error)
    listeners.register(app, conversation, kept=None if "oauth_settings" in options else kept)
    uninstalls.register(app, conversation, options.get("oauth_settings"))
    if conversation.concerning is not None:
        concern_listeners.register(app, conversation, conversation.concerning)
    return app


def slack_tokens(settings: Settings, engine: Engine | None) -> Callable[[str], str | None]:
    """The bot token for a workspace: the configured one, or the installation's (OAuth)."""
    if settings.slack_oauth and engine is not None and settings.slack_client_id:
        store = installation_store(settings.slack_client_id, engine)

        def installed(workspace: str) -> str | None:
            enterprise, team = workspace_ids(workspace)
            bot = store.find_bot(enterprise_id=enterprise, team_id=team, is_enterprise_install=team is None)
            return bot.bot_token if bot else None

        return installed
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return lambda workspace: token


def installation_store(client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(
        client_id=client_id, engine=engine, bots_table_name=BOTS_TABLE, installations_table_name=INSTALLATIONS_TABLE
    )


def _oauth_options(settings: Settings, engine: Engine | None, client: WebClient) -> dict[str, Any]:
    """Multi-workspace installs, kept in the store's own database (tables made by its migrations)."""
    if engine is None:
        raise ConfigurationError("OAuth installs need the store's database engine")
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    installations = installation_store(settings.slack_client_id, engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine, table_name=STATES_TABLE)
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=BOT_SCOPES,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=states,
    )
    return {"oauth_settings": oauth, "authorize": InstalledBotAuthorize(installations)}


class InstalledBotAuthorize(Authorize):
    """Authorise from the stored installation, without Bolt's default `auth.test` call per request
    (the installation already records the bot's ids)."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        super().__init__()
        self.store = store

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        enterprise_install = bool(context.is_enterprise_install)
        bot = self.store.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=enterprise_install
        )
        if bot is None:
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
        )


def answer_unexpected_error(error: Exception, request: BoltRequest) -> BoltResponse:
    """Log the error without the request body or the exception's message (either may hold a user's
    words), and tell the user in plain words with a reference, never with a traceback, in the
    shape Slack expects for what it sent: options for a typeahead, a pushed view over a submitted
    form (which keeps every answer underneath), a message for a command, nothing for the rest."""
    reference = uuid.uuid4().hex[:8]
    frames = error_frames(error)
    logger.error("unexpected %s (ref %s) handling a Slack request:\n%s", type(error).__name__, reference, frames)
    text = (
        f"Sorry, something went wrong on our side (reference {reference}). Please try again; "
        "if it keeps happening, tell the bot's administrators."
    )
    kind = request.body.get("type") if isinstance(request.body, dict) else None
    answer: dict[str, Any] | None
    match kind:
        case "block_suggestion":
            answer = {"options": []}
        case "view_submission":
            view = blocks.notice_modal("Not done", text + " Close this to go back: your answers are still there.")
            answer = {"response_action": "push", "view": view}
        case None if isinstance(request.body, dict) and "command" in request.body:
            answer = {"response_type": "ephemeral", "text": text}
        case _:
            answer = None  # an event, a button, a closed view: acknowledged, and nothing to show
    body = json.dumps(answer) if answer is not None else ""
    return BoltResponse(status=200, body=body, headers={"content-type": "application/json"})
