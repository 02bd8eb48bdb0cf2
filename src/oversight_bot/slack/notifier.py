"""Alerts to Slack: `chat.postMessage`, once, with no blind retry, and a plain verdict on what
Slack answered (sent, rate limited, failed, or failed for good)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from oversight_bot.chat.replies import Reply
from oversight_bot.domain.outcomes import Failed, Outcome, RateLimited, Sent
from oversight_bot.domain.subscriptions import Destination
from oversight_bot.slack import blocks

logger = logging.getLogger(__name__)

# The channel is gone or closed to the bot: stop sending there until someone subscribes again.
CHANNEL_GONE = frozenset({"channel_not_found", "is_archived", "not_in_channel", "restricted_action"})
# The bot's access to the whole workspace is gone.
ACCESS_GONE = frozenset(
    {"account_inactive", "token_revoked", "invalid_auth", "not_authed", "token_expired", "team_access_not_granted"}
)
SEND_TIMEOUT_S = 10


class SlackNotifier:
    def __init__(self, api_url: str, token_for: Callable[[str], str | None], timeout_s: float = SEND_TIMEOUT_S) -> None:
        self.api_url = api_url
        self.token_for = token_for
        self.timeout_s = timeout_s
        self._clients: dict[str, WebClient] = {}

    def send(self, destination: Destination, message: Reply, thread: str | None) -> Outcome:
        token = self.token_for(destination.workspace)
        if token is None:
            return Failed("no installation for this workspace", permanent=True, whole_workspace=True)
        rendered = blocks.message(message)
        try:
            response = self._client(token).chat_postMessage(
                channel=destination.channel,
                text=rendered["text"],
                blocks=rendered["blocks"],
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            return verdict(error)
        except (SlackClientError, OSError) as error:  # timeouts and refused connections included
            return Failed(f"{type(error).__name__} calling chat.postMessage")
        return Sent(str(response["ts"]))

    def _client(self, token: str) -> WebClient:
        client = self._clients.get(token)
        if client is None:
            # retry_handlers=[]: slack_sdk's default retries a connection error blindly, which could post twice.
            client = WebClient(
                token=token, base_url=self.api_url, timeout=int(max(1, self.timeout_s)), retry_handlers=[]
            )
            self._clients[token] = client
        return client


def verdict(error: SlackApiError) -> Outcome:
    response = error.response
    status = response.status_code
    code = response.data.get("error") if isinstance(response.data, dict) else None
    if status == 429:
        return RateLimited(float(_header(response.headers, "retry-after") or 1))
    if code in CHANNEL_GONE:
        return Failed(code, permanent=True)
    if code in ACCESS_GONE:
        return Failed(code, permanent=True, whole_workspace=True)
    return Failed(code or f"HTTP {status}")


def _header(headers: object, name: str) -> str | None:
    if not isinstance(headers, dict):
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None
