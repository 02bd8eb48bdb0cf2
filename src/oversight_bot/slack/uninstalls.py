"""A workspace removed the app (`app_uninstalled`) or revoked its bot token (`tokens_revoked`):
its stored installation is deleted, so no token of it is kept, and its channels' subscriptions
stop with the reason shown (`subscriptions` lists them as stopped; subscribing again resumes)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings

from oversight_bot.chat.handle import Conversation
from oversight_bot.domain.subscriptions import Destination
from oversight_bot.slack.actors import workspace_key

logger = logging.getLogger(__name__)
UNINSTALLED = "the app was removed from this Slack workspace"
REVOKED = "the app's bot token was revoked in this Slack workspace"


def register(app: App, conversation: Conversation, oauth: OAuthSettings | None) -> None:
    def forget(context: BoltContext, reason: str) -> None:
        if oauth is not None:
            store = oauth.installation_store
            store.delete_bot(enterprise_id=context.enterprise_id, team_id=context.team_id)
            store.delete_installation(enterprise_id=context.enterprise_id, team_id=context.team_id)
        workspace = workspace_key(context.enterprise_id, context.team_id)
        stopped = conversation.stop_alerts(Destination("slack", workspace, ""), reason, whole_workspace=True)
        logger.warning("Slack workspace %s: %s; %d subscription(s) stopped", workspace, reason, stopped)

    @app.event("app_uninstalled")
    def uninstalled(ack: Ack, context: BoltContext) -> None:
        ack()
        forget(context, UNINSTALLED)

    @app.event("tokens_revoked")
    def revoked(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        ack()
        if (event.get("tokens") or {}).get("bot"):  # a user's token alone changes nothing here
            forget(context, REVOKED)
