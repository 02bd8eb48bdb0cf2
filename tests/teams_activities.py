"""Activities as Teams sends them to a bot's /api/messages: channel messages that @mention it,
personal-chat messages, card buttons, dialog (task module) invokes, and the
bot being added to or removed from a team."""

from __future__ import annotations

import itertools
from typing import Any

BOT_ID = "28:oversight-bot"
BOT_NAME = "Oversight"
TENANT = "72f988bf-0000-4000-8000-000000000001"
TEAM = "19:team-general@thread.tacv2"
CHANNEL = "19:oversight-channel@thread.tacv2"
PERSONAL = "a:personal-chat-with-the-asker"
USER = "29:asker"
USER_AAD = "00000000-0000-4000-8000-0000000000a1"

_ids = itertools.count(1)


def _base(kind: str, service_url: str, conversation: dict[str, Any], user_aad: str, **more: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "id": f"act-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{user_aad}", "name": "Asker", "aadObjectId": user_aad},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": {"tenantId": TENANT, **conversation},
        "channelData": {"tenant": {"id": TENANT}, **more.pop("channel_data", {})},
        **more,
    }


def in_channel(service_url: str, thread: str = "1700000000000") -> dict[str, Any]:
    return {"conversationType": "channel", "id": f"{CHANNEL};messageid={thread}", "isGroup": True}


def in_personal_chat() -> dict[str, Any]:
    return {"conversationType": "personal", "id": PERSONAL}


def channel_message(
    service_url: str, text: str, *, user_aad: str = USER_AAD, expect_replies: bool = True
) -> dict[str, Any]:
    """`@Oversight <text>` in a channel: Teams sends the mention as `<at>…</at>` and an entity."""
    mention = f"<at>{BOT_NAME}</at>"
    activity = _base(
        "message",
        service_url,
        in_channel(service_url),
        user_aad,
        text=f"{mention} {text}",
        entities=[{"type": "mention", "text": mention, "mentioned": {"id": BOT_ID, "name": BOT_NAME}}],
        channel_data={"team": {"id": TEAM}, "channel": {"id": CHANNEL}},
    )
    if expect_replies:
        activity["deliveryMode"] = "expectReplies"
    return activity


def personal_message(service_url: str, text: str, *, user_aad: str = USER_AAD) -> dict[str, Any]:
    activity = _base("message", service_url, in_personal_chat(), user_aad, text=text)
    activity["deliveryMode"] = "expectReplies"
    return activity


def button_press(service_url: str, data: dict[str, Any], *, personal: bool = False) -> dict[str, Any]:
    """An Action.Submit button: a message with no text and the button's data as its value."""
    conversation = in_personal_chat() if personal else in_channel(service_url)
    activity = _base("message", service_url, conversation, USER_AAD, value=data)
    activity["deliveryMode"] = "expectReplies"
    return activity


def invoke(
    service_url: str, name: str, value: dict[str, Any], *, user_aad: str = USER_AAD, personal: bool = False
) -> dict[str, Any]:
    conversation = in_personal_chat() if personal else in_channel(service_url)
    return _base("invoke", service_url, conversation, user_aad, name=name, value=value)


def task_fetch(service_url: str, data: dict[str, Any], **who: Any) -> dict[str, Any]:
    return invoke(service_url, "task/fetch", {"data": data, "context": {"theme": "default"}}, **who)


def task_submit(service_url: str, data: dict[str, Any], **who: Any) -> dict[str, Any]:
    return invoke(service_url, "task/submit", {"data": data, "context": {"theme": "default"}}, **who)


def bot_added_to_team(service_url: str) -> dict[str, Any]:
    return _base(
        "conversationUpdate",
        service_url,
        {"conversationType": "channel", "id": TEAM, "isGroup": True},
        USER_AAD,
        membersAdded=[{"id": BOT_ID}],
        channel_data={"team": {"id": TEAM}, "eventType": "teamMemberAdded"},
    )


def bot_removed_from_team(service_url: str) -> dict[str, Any]:
    return _base(
        "conversationUpdate",
        service_url,
        {"conversationType": "channel", "id": TEAM, "isGroup": True},
        USER_AAD,
        membersRemoved=[{"id": BOT_ID}],
        channel_data={"team": {"id": TEAM}, "eventType": "teamMemberRemoved"},
    )


def app_installed_in_team(service_url: str) -> dict[str, Any]:
    """What Teams sends beside the conversationUpdate when the app is installed (action: add)."""
    return _base(
        "installationUpdate",
        service_url,
        {"conversationType": "channel", "id": TEAM, "isGroup": True},
        USER_AAD,
        action="add",
        channel_data={"team": {"id": TEAM}, "source": {"name": "message"}},
    )
