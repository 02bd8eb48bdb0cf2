"""Who the bot is in a workspace, without a Web API call on every request.

Bolt's default single-workspace authorisation calls `auth.test` at start-up and fails if Slack is
unreachable. Here the bot token is known; `auth.test` is asked once, on a thread of its own (and
again at most once a minute while it fails). A request never waits for it: until Slack has
answered, requests are authorised with the bot token alone, which is all a reply needs. So a slow
or unreachable Slack neither stops start-up nor delays a `/segment` past Slack's three seconds.
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
        self._asking = False
        self._lock = threading.Lock()

    def authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        """For Bolt's `authorize=`: Bolt passes arguments by name (so a plain function, not `__call__`)."""
        known = self._known
        if known is not None:
            return known
        self._ask_in_background()
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=self.bot_token)

    def _ask_in_background(self) -> None:
        with self._lock:
            if self._asking or time.monotonic() < self._next_try:
                return
            self._asking = True
        threading.Thread(target=self._ask_slack, name="slack-auth-test", daemon=True).start()

    def _ask_slack(self) -> None:
        try:
            response = self.client.auth_test(token=self.bot_token)
            self._known = AuthorizeResult.from_auth_test_response(
                auth_test_response=response, bot_token=self.bot_token, user_token=None
            )
        except (SlackApiError, SlackRequestError, OSError) as error:
            self._next_try = time.monotonic() + RETRY_AFTER_S
            logger.warning("auth.test failed (%s); answering with the bot token alone for now", type(error).__name__)
        finally:
            with self._lock:
                self._asking = False
