"""Slack's escaping of what users type, undone once, on the way in.

Slack sends the text of a slash command (and of messages) with `&`, `<` and `>` written as
`&amp;`, `&lt;` and `&gt;` (docs.slack.dev, "Formatting text for app surfaces: escaping text"),
and a typeahead's query likewise. Read as typed, "Guy's &amp; St Thomas'" names no trust, and
shown back it would be escaped twice. This middleware decodes those three entities, in that one
place, before any listener reads the text; everything the app sends is escaped again by the
renderer (blocks.py), so decoding here can never let user text become a mention or a link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

# Where Slack puts text a person typed, by the kind of request.
TYPED_FIELDS = ("text", "value")  # a slash command's text; a block_suggestion's query


def unescape(text: str) -> str:
    """`&lt;`, `&gt;` and `&amp;` back to `<`, `>` and `&` (in this order, so `&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def unescape_user_text(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
    body: Any = req.body
    if isinstance(body, dict) and (body.get("command") or body.get("type") == "block_suggestion"):
        for field in TYPED_FIELDS:
            if isinstance(body.get(field), str):
                body[field] = unescape(body[field])
    return next()
