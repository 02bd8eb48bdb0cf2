"""Correctly signed Slack requests, as Slack's servers send them, for dispatch and HTTP tests."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret-0123456789abcdef"
TEAM = "T0STANDIN"


def signed_headers(
    body: str, *, secret: str = SECRET, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
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
    return BoltRequest(body=body, headers=signed_headers(body, content_type=content_type, **signing))
