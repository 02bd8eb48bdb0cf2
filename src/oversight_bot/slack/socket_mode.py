"""Slack's Socket Mode: no public URL, a websocket Slack opens to us. Start-up keeps trying while
Slack is unreachable, instead of failing, and the client reconnects by itself after a drop. A token
Slack refuses (revoked, or the wrong kind) is a configuration problem, not an outage: trying again
would never succeed, so start-up stops and names the setting."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError, SlackClientError

from oversight_bot.errors import ConfigurationError

logger = logging.getLogger(__name__)
FIRST_WAIT_S, LONGEST_WAIT_S = 1.0, 60.0
# apps.connections.open's errors that no retry can cure (https://docs.slack.dev/reference/methods/apps.connections.open).
REFUSED_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "token_expired", "account_inactive"}
)


def connect(app: App, app_token: str, stop: threading.Event | None = None) -> SocketModeHandler | None:
    """Connect, retrying with backoff while Slack cannot be reached; None if stopped first."""
    stop = stop or threading.Event()
    handler = SocketModeHandler(app, app_token)
    wait = FIRST_WAIT_S
    while not stop.is_set():
        try:
            handler.connect()
            logger.info("connected to Slack in Socket Mode")
            return handler
        except SlackApiError as error:
            refusal = error.response.get("error") if error.response is not None else None
            if refusal in REFUSED_TOKEN:
                raise ConfigurationError(
                    f"OVERSIGHT_SLACK_APP_TOKEN was refused by Slack ({refusal}): generate a new app-level token "
                    "with the connections:write scope (Basic Information > App-Level Tokens); "
                    "for example OVERSIGHT_SLACK_APP_TOKEN=xapp-..."
                ) from None
            logger.warning("Slack did not open a connection (%s); trying again in %.0f s", refusal, wait)
            stop.wait(wait)
            wait = min(wait * 2, LONGEST_WAIT_S)
        except (SlackClientError, OSError) as error:
            logger.warning("Slack is unreachable (%s); trying again in %.0f s", type(error).__name__, wait)
            stop.wait(wait)
            wait = min(wait * 2, LONGEST_WAIT_S)
    return None


def run(app: App, app_token: str, on_connected: Callable[[], None] | None = None) -> None:
    """Serve until interrupted; `on_connected` is told once Slack has opened the connection."""
    handler = connect(app, app_token)
    if handler is None:
        return
    if on_connected is not None:
        on_connected()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        close(handler)


def close(handler: SocketModeHandler, patience_s: float = 5.0) -> bool:
    """Close the connection, waiting at most `patience_s`: slack_sdk's client can block for good in
    close() when it is reconnecting at that moment (its receiving thread restarts after close has
    marked the session terminated), and a bot being stopped must stop. True if it closed in time."""
    closing = threading.Thread(target=handler.close, name="socket-mode-close", daemon=True)
    closing.start()
    closing.join(patience_s)
    if closing.is_alive():
        logger.warning("the Socket Mode connection did not close within %.0f s; leaving it to the exit", patience_s)
        return False
    return True
