"""Every action_id, callback_id and block_id the Slack adapter uses, shared by views, listeners and tests."""

from __future__ import annotations

import re

# The triage inputs' ids are the chat layer's, the same on every platform.
from oversight_bot.chat.concerning import TRIAGE_OUTCOME as TRIAGE_OUTCOME
from oversight_bot.chat.concerning import TRIAGE_STATE as TRIAGE_STATE

# Buttons that run a command as if the user had typed it (choices, Why?, History, More).
RUN_COMMAND = "run_command"
RUN_COMMAND_PATTERN = re.compile(r"^run_command(:\d+)?$")
SHARE = "share_in_channel"
HOME_LOOKUP = "home_lookup"
HOME_CONCERN = "home_concern"
LOOKUP_MODAL = "lookup_modal"
LOOKUP_BLOCK = "lookup_organisation"
ORGANISATION_SELECT = "organisation_select"

SLASH_SEGMENT = "/segment"
SLASH_OVERSIGHT = "/oversight"

# Concerns
SLASH_CONCERN = "/concern"
CONCERN_SHORTCUT = "file_concern"
CONCERN_FORM = "concern_form"
VIEW_CONCERN = "view_concern"
VIEW_CONCERN_PATTERN = re.compile(r"^view_concern(:\d+)?$")
REVEAL_CONCERN = "concern_reveal"
TRIAGE_CONCERN = "concern_triage"

COMMANDS = (SLASH_SEGMENT, SLASH_OVERSIGHT, SLASH_CONCERN)  # every slash command, as in manifest.yml
