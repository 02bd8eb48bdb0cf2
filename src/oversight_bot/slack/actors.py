"""Who is asking, read from a Slack request: the one place the Slack adapter makes an `Actor`."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from oversight_bot.domain.actors import Actor


def actor_of(context: BoltContext, body: dict[str, Any]) -> Actor:
    """The user, the conversation (a direct message's id starts with D) and the workspace."""
    user = context.user_id or body.get("user_id") or (body.get("user") or {}).get("id") or "unknown"
    channel = context.channel_id
    workspace = workspace_key(context.enterprise_id, context.team_id)
    return Actor("slack", str(user), channel, workspace, direct=bool(channel and channel.startswith("D")))


def workspace_key(enterprise_id: str | None, team_id: str | None) -> str:
    """How a workspace is named in subscriptions and roles: its team id (T…), with its Enterprise
    Grid org's id before it (E…:T…) when it has one, since an installation in a Grid workspace is
    found only with both. An org-wide install with no team is its enterprise id alone."""
    return ":".join(part for part in (enterprise_id, team_id) if part)


def workspace_ids(key: str) -> tuple[str | None, str | None]:
    """(enterprise id, team id) from a workspace key: the reverse of `workspace_key`."""
    parts = key.split(":") if key else []
    enterprise = next((p for p in parts if p.startswith("E")), None)
    team = next((p for p in parts if not p.startswith("E")), None)
    return enterprise, team
