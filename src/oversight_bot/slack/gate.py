"""What is checked before Bolt sees a request, on the raw body, in this order:

1. the signature and timestamp (Slack's `v0` HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the
   signing secret, and the timestamp within 5 minutes): anything else is **401**, whatever the body
   holds, so an unsigned body is never parsed at all;
2. the shape of a signed body: UTF-8, and the fields Bolt reads (a payload that is a JSON object
   with a `type`, a slash command with a `command`, the parts of each payload type Bolt and the
   listeners take for granted), nested no deeper than a real payload: anything else is **400**
   with a short reason.

Slack's own servers never send what step 2 refuses; it stands between Bolt and a leaked signing
secret or a proxy that mangles bodies, so that neither can cause a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

WINDOW_S = 5 * 60  # Slack's documented tolerance for a request's timestamp
MAX_DEPTH = 24  # real payloads (a modal's state, rich text) nest about 10 deep
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    reason: str


@dataclass(frozen=True, slots=True)
class Signed:
    """A signed request: its signature (the replay guard's key) and its timestamp."""

    signature: str
    timestamp: int


def check_signature(headers: Any, body: bytes, secret: bytes, now: float) -> Signed | Refusal:
    """`headers`: a case-insensitive mapping. Every failure is the same 401: saying which part
    was wrong would only help someone forging requests."""
    timestamp = headers.get("x-slack-request-timestamp") or ""
    signature = headers.get("x-slack-signature") or ""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return Refusal(401, "invalid request")
    if abs(now - int(timestamp)) > WINDOW_S or not signature.startswith("v0="):
        return Refusal(401, "invalid request")
    digest = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest("v0=" + digest, signature):
        return Refusal(401, "invalid request")
    return Signed(signature, int(timestamp))


@dataclass(frozen=True, slots=True)
class Parsed:
    """A signed body whose shape Bolt can take: a payload, an event, or a form (slash command)."""

    kind: str  # "command", "payload", "event", "ssl_check"
    data: dict[str, Any]

    @property
    def payload_type(self) -> str:
        return str(self.data.get("type", "")) if self.kind != "command" else "command"


def check_shape(content_type: str, body: bytes) -> Parsed | Refusal:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "the body is not UTF-8")
    if content_type.split(";", 1)[0].strip().lower() == "application/json":
        return _json_body(text)
    return _form_body(text)


def _form_body(text: str) -> Parsed | Refusal:
    try:
        fields = dict(urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=200))
    except ValueError:
        return Refusal(400, "the form has too many fields")
    if "payload" in fields:
        loaded = _json_object(fields["payload"], "payload")
        if isinstance(loaded, Refusal):
            return loaded
        problem = _payload_problem(loaded)
        return Refusal(400, problem) if problem else Parsed("payload", loaded)
    if fields.get("ssl_check"):
        return Parsed("ssl_check", fields)
    if not fields.get("command", "").startswith("/"):
        return Refusal(400, "not a slash command or an interaction payload")
    return Parsed("command", fields)


def _json_body(text: str) -> Parsed | Refusal:
    loaded = _json_object(text, "body")
    if isinstance(loaded, Refusal):
        return loaded
    kind = loaded.get("type")
    if kind == "url_verification":
        ok = isinstance(loaded.get("challenge"), str)
        return Parsed("event", loaded) if ok else Refusal(400, "url_verification without a challenge")
    if kind != "event_callback":
        return Refusal(400, "not an event callback")
    event = loaded.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return Refusal(400, "an event callback without an event type")
    return Parsed("event", loaded)


def _json_object(text: str, what: str) -> dict[str, Any] | Refusal:
    try:
        loaded = json.loads(text)
    except (ValueError, RecursionError):
        return Refusal(400, f"the {what} is not JSON")
    if not isinstance(loaded, dict):
        return Refusal(400, f"the {what} is not a JSON object")
    if _depth(loaded) > MAX_DEPTH:
        return Refusal(400, f"the {what} is nested too deeply")
    return loaded


# What each payload type must hold for Bolt's routing and the listeners: field -> type.
PAYLOAD_FIELDS: dict[str, dict[str, type]] = {
    "block_actions": {"actions": list, "user": dict},
    "block_suggestion": {"action_id": str, "user": dict},
    "view_submission": {"view": dict, "user": dict},
    "view_closed": {"view": dict, "user": dict},
    "shortcut": {"callback_id": str, "user": dict},
    "message_action": {"callback_id": str, "user": dict},
    "interactive_message": {"callback_id": str, "actions": list},
    "dialog_submission": {"callback_id": str},
    "dialog_suggestion": {"callback_id": str},
    "dialog_cancellation": {"callback_id": str},
}
OPTIONAL_OBJECTS = ("team", "user", "channel", "container", "enterprise", "message", "view")


def _payload_problem(payload: dict[str, Any]) -> str | None:
    kind = payload.get("type")
    if not isinstance(kind, str) or kind not in PAYLOAD_FIELDS:
        return "the payload's type is missing or unknown"
    for name, wanted in PAYLOAD_FIELDS[kind].items():
        if not isinstance(payload.get(name), wanted):
            return f"the {kind} payload has no {name}"
    for name in OPTIONAL_OBJECTS:
        if name in payload and payload[name] is not None and not isinstance(payload[name], dict):
            return f"the payload's {name} is not an object"
    if kind == "block_actions" and not _all_actions(payload["actions"]):
        return "the block_actions payload's actions are not actions"
    if kind.startswith("view_") and not isinstance(payload["view"].get("callback_id"), str):
        return "the view has no callback_id"
    return None


def _all_actions(actions: list[Any]) -> bool:
    return bool(actions) and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)


def _depth(value: Any) -> int:
    """How deeply `value` nests, without recursion (a hostile payload may nest thousands deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest
