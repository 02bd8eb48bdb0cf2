"""Correctly signed Slack requests, as Slack's servers send them, for dispatch and HTTP tests."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, ParamSpec, TypeVar

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from oversight_bot.bootstrap import Application, slack_app

SECRET = "test-signing-secret-0123456789abcdef"
TEAM = "T0STANDIN"


def signed_headers(
    body: str, *, secret: str = SECRET, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = str(SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body))
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": signature,
    }


def form(fields: dict[str, str]) -> str:
    return urllib.parse.urlencode(fields)


def slash_command(command: str, text: str, *, response_url: str, user: str = "U0ASKER", channel: str = "C0CHAN") -> str:
    return form(
        {
            "token": "legacy", "team_id": TEAM, "team_domain": "standin", "channel_id": channel,
            "channel_name": "oversight", "user_id": user, "user_name": "asker", "command": command,
            "text": text, "api_app_id": "A0APP", "response_url": response_url, "trigger_id": "1.2.trigger",
        }
    )  # fmt: skip


def payload(data: dict[str, Any]) -> str:
    return form({"payload": json.dumps(data)})


def block_action(
    action_id: str, value: str, *, response_url: str, ephemeral: bool = True, user: str = "U0ASKER"
) -> str:
    return payload(
        {
            "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0APP", "trigger_id": "1.2.trigger", "response_url": response_url,
            "container": {"type": "message", "is_ephemeral": ephemeral, "channel_id": "C0CHAN"},
            "channel": {"id": "C0CHAN"},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value, "action_ts": "1"}],
        }
    )  # fmt: skip


def block_suggestion(action_id: str, value: str) -> str:
    return payload(
        {"type": "block_suggestion", "team": {"id": TEAM}, "user": {"id": "U0ASKER"}, "api_app_id": "A0APP",
         "action_id": action_id, "block_id": "lookup_organisation", "value": value, "view": {"id": "V1"}}
    )  # fmt: skip


def view_submission(
    callback_id: str,
    values: dict[str, Any],
    *,
    user: str = "U0ASKER",
    view_id: str = "V1",
    private_metadata: str = "",
) -> str:
    return payload(
        {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": user}, "api_app_id": "A0APP",
         "trigger_id": "1.2.trigger",
         "view": {"id": view_id, "type": "modal", "callback_id": callback_id, "state": {"values": values},
                  "private_metadata": private_metadata}}
    )  # fmt: skip


def event(inner: dict[str, Any]) -> str:
    return json.dumps(
        {"token": "legacy", "team_id": TEAM, "api_app_id": "A0APP", "type": "event_callback",
         "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time()), "event": inner}
    )  # fmt: skip


def bolt_request(body: str, *, json_body: bool = False, **signing: Any) -> BoltRequest:
    content_type = "application/json" if json_body else "application/x-www-form-urlencoded"
    headers: dict[str, str | Sequence[str]] = dict(signed_headers(body, content_type=content_type, **signing))
    return BoltRequest(body=body, headers=headers)


P = ParamSpec("P")
T = TypeVar("T")


class SettlingExecutor(ThreadPoolExecutor):
    """Runs Bolt's lazy listeners and can wait until every one of them has finished, so that a test
    asserting that nothing was sent asserts it after the work that might have sent it, not before."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="bolt-lazy")
        self._pending: list[Future[Any]] = []
        self._lock = threading.Lock()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.append(future)
        return future

    def settle(self, timeout_s: float = 10.0) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        done, not_done = wait(pending, timeout=timeout_s)
        assert not not_done, f"{len(not_done)} lazy listener(s) still running after {timeout_s} s"
        for future in done:
            future.result()  # a lazy listener that raised fails the test here


_EXECUTORS: weakref.WeakKeyDictionary[App, SettlingExecutor] = weakref.WeakKeyDictionary()


def settled_slack_app(app: Application, *, socket_mode: bool = False) -> App:
    """The real Bolt app, whose lazy listeners `dispatch` waits for."""
    executor = SettlingExecutor()
    bolt = slack_app(app, socket_mode=socket_mode, listener_executor=executor)
    _EXECUTORS[bolt] = executor
    return bolt


def dispatch(app: App, body: str, *, json_body: bool = False, **signing: Any) -> BoltResponse:
    """Dispatch a signed request, then wait for the lazy listeners it started to finish."""
    response = app.dispatch(bolt_request(body, json_body=json_body, **signing))
    executor = _EXECUTORS.get(app)
    if executor is not None:
        executor.settle()
    return response
