"""Slack user groups, for roles and for who may change subscriptions: members read with
`usergroups.users.list` and kept for five minutes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

logger = logging.getLogger(__name__)
KEEP_S = 300.0


class SlackDirectory:
    def __init__(self, api_url: str, token_for: Callable[[str], str | None]) -> None:
        self.api_url = api_url
        self.token_for = token_for
        self._known: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def members(self, platform: str, workspace: str, group: str) -> frozenset[str]:
        if platform != "slack":
            return frozenset()
        key = (workspace, group)
        with self._lock:
            cached = self._known.get(key)
        if cached is not None and time.monotonic() - cached[0] < KEEP_S:
            return cached[1]
        members = self._read(workspace, group)
        with self._lock:
            self._known[key] = (time.monotonic(), members)
        return members

    def _read(self, workspace: str, group: str) -> frozenset[str]:
        token = self.token_for(workspace)
        if token is None:
            return frozenset()
        try:
            response = WebClient(token=token, base_url=self.api_url, timeout=3).usergroups_users_list(usergroup=group)
        except (SlackApiError, SlackClientError, OSError) as error:
            # Denied rather than wrongly granted: an unreadable group has no members.
            logger.warning("could not read Slack user group %s (%s)", group, type(error).__name__)
            return frozenset()
        users: list[str] = list(response.get("users", []))
        return frozenset(str(user) for user in users)
