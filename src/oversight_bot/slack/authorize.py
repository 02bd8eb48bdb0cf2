"""Who the bot is in a workspace, without a Web API call on every request.

Bolt's default single-workspace authorisation calls `auth.test` at start-up and fails if Slack is
unreachable. Here the bot token is known; `auth.test` is asked once (and again at most once a
minute while it fails), so a Slack outage neither stops start-up nor slows every request.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

logger = logging.getLogger(__name__)
RETRY_AFTER_S = 60.0


class SingleWorkspaceAuthorize:
    def __init__(self, client: WebClient, bot_token: str) -> None:
        self.client = client
        self.bot_token = bot_token
        self._known: AuthorizeResult | None = None
        self._next_try = 0.0
        self._lock = threading.Lock()

    def authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        """For Bolt's `authorize=`: Bolt passes arguments by name (so a plain function, not `__call__`)."""
        if self._known is not None:
            return self._known
        with self._lock:
            if self._known is None and time.monotonic() >= self._next_try:
                self._known = self._ask_slack()
        return self._known or AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=self.bot_token)

    def _ask_slack(self) -> AuthorizeResult | None:
        try:
            response = self.client.auth_test(token=self.bot_token)
        except (SlackApiError, SlackRequestError, OSError) as error:
            self._next_try = time.monotonic() + RETRY_AFTER_S
            logger.warning("auth.test failed (%s); answering with the bot token alone for now", type(error).__name__)
            return None
        return AuthorizeResult.from_auth_test_response(
            auth_test_response=response, bot_token=self.bot_token, user_token=None
        )
