"""Logging set-up that keeps what users wrote out of the logs, whatever level is asked for.

Our own modules log events, ids and counts, never message or concern text. Libraries are not so
careful at low levels: slack_sdk's DEBUG logs every Web API body, Bolt's INFO logs the whole body of
a request whose signature is stale, and SQLAlchemy's INFO logs statements. So those loggers are held
at WARNING even when the operator turns on DEBUG, and the engine hides bound parameters (store/db.py).
"""

from __future__ import annotations

import logging
import traceback

# Loggers that would print request or message bodies below WARNING.
GUARDED = (
    "slack_bolt",
    "slack_sdk",
    "oversight_bot.slack.bolt",
    "sqlalchemy",
    "urllib3",
    "aiohttp",
    "websocket",
    "microsoft_agents",
    "msal",
)
# Loggers that print what a user sent even at ERROR: the Agents SDK logs a malformed activity's
# values when it refuses one (we refuse those first, with 400, but a later SDK may differ).
SILENCED = ("microsoft_agents.activity.activity",)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=FORMAT)
    guard_library_loggers()


def guard_library_loggers() -> None:
    for name in GUARDED:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    for name in SILENCED:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def error_frames(error: BaseException) -> str:
    """Where an error happened (its traceback's frames) without its message, which may quote a
    user's words; for logging unexpected errors."""
    return "".join(traceback.format_tb(error.__traceback__))
