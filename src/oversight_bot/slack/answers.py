"""Slash commands whose answer is kept (chat/answers.py) answered without Bolt: the HTTP layer
hands over a signed, replay-checked `/segment` or `/oversight` form, and gets back the same JSON
the Bolt listener would acknowledge with, rendered when the listener first gave it, or None.

Only in single-workspace mode (one bot token): with OAuth, Bolt looks up each workspace's
installation, and that check must stay Bolt's.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Hashable, Mapping
from typing import Any

from oversight_bot.chat.answers import KeptAnswers
from oversight_bot.chat.commands import Command, command_text, parse_segment_command, parse_text
from oversight_bot.chat.handle import Conversation
from oversight_bot.chat.replies import Reply
from oversight_bot.domain.actors import Actor
from oversight_bot.slack import blocks, ids
from oversight_bot.slack.actors import workspace_key
from oversight_bot.slack.text import unescape


def parse_command(name: str, text: str) -> Command:
    return parse_segment_command(text) if name == ids.SLASH_SEGMENT else parse_text(text)


def command_answer(parsed: Command, reply: Reply) -> dict[str, Any]:
    """What a slash command is acknowledged with. Confirmations of a channel's changes are said in
    the channel (a visible record); the rest is private, with a Share button where worth sharing."""
    visibility = "in_channel" if reply.public else "ephemeral"
    return {"response_type": visibility, **blocks.message(reply, command=command_text(parsed), share=not reply.public)}


class KeptCommandAnswers:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.kept: KeptAnswers[bytes] = KeptAnswers()

    def kept_answer(self, form: Mapping[str, Any]) -> bytes | None:
        """The JSON answer to a slash command's form, if one is kept for the data in hand."""
        name = form.get("command")
        if name not in (ids.SLASH_SEGMENT, ids.SLASH_OVERSIGHT):
            return None
        parsed = _parsed(str(name), str(form.get("text", "")))
        version = self.conversation.data_version(parsed, _asker(form))
        return self.kept.get(version, parsed) if version is not None else None

    def keep(self, version: Hashable | None, parsed: Command, answer: dict[str, Any]) -> None:
        """The listener's answer, for `version` (taken before the answer was worked out)."""
        if version is not None:
            self.kept.put(version, parsed, json.dumps(answer).encode())


@functools.lru_cache(maxsize=4096)
def _parsed(name: str, text: str) -> Command:
    """The command a form's words say, parsed once per distinct text (commands are immutable): the
    same questions come again and again, and parsing was a tenth of a kept answer's time."""
    return parse_command(name, unescape(text))  # unescaped as Bolt's middleware does


def _asker(form: Mapping[str, Any]) -> Actor:
    channel = str(form.get("channel_id") or "") or None
    workspace = workspace_key(form.get("enterprise_id") or None, form.get("team_id") or None)
    direct = bool(channel and channel.startswith("D"))
    return Actor("slack", str(form.get("user_id") or "unknown"), channel, workspace, direct=direct)
