"""Who is asking, read from a Slack request: the one place the Slack adapter makes an `Actor`."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from oversight_bot.domain.actors import Actor


def actor_of(context: BoltContext, body: dict[str, Any]) -> Actor:
    """The user, the conversation (a direct message's id starts with D) and the workspace: the
    team, or on an Enterprise Grid org-wide install, the enterprise."""
    user = context.user_id or body.get("user_id") or (body.get("user") or {}).get("id") or "unknown"
    channel = context.channel_id
    team = context.team_id or context.enterprise_id or ""
    return Actor("slack", str(user), channel, str(team), direct=bool(channel and channel.startswith("D")))
