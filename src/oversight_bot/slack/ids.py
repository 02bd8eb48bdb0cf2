"""Every action_id, callback_id and block_id the Slack adapter uses, shared by views, listeners and tests."""

from __future__ import annotations

import re

# Buttons that run a command as if the user had typed it (choices, Why?, History, More).
RUN_COMMAND = "run_command"
RUN_COMMAND_PATTERN = re.compile(r"^run_command(:\d+)?$")
SHARE = "share_in_channel"
HOME_LOOKUP = "home_lookup"
LOOKUP_MODAL = "lookup_modal"
LOOKUP_BLOCK = "lookup_organisation"
ORGANISATION_SELECT = "organisation_select"

SLASH_SEGMENT = "/segment"
SLASH_OVERSIGHT = "/oversight"
COMMANDS = (SLASH_SEGMENT, SLASH_OVERSIGHT)
