"""Logging set-up that keeps what users wrote out of the logs, whatever level is asked for.

Our own modules log events, ids and counts, never message or concern text. Libraries are not so
careful at low levels: slack_sdk's DEBUG logs every Web API body, Bolt's INFO logs the whole body of
a request whose signature is stale, and SQLAlchemy's INFO logs statements. So those loggers are held
at WARNING even when the operator turns on DEBUG, and the engine hides bound parameters (store/db.py).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from datetime import UTC, datetime

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


# Characters that would start a new line (or hide one) in a log file: escaped in every record, so
# that an id or a word a user sent can never forge a log line of its own.
LINE_BREAKING = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")


def escape_line(text: str) -> str:
    return LINE_BREAKING.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class OneLineFormatter(logging.Formatter):
    """The usual format, each record on exactly one line (line breaks escaped as `\\n`)."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_line(super().format(record))


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback's frames, when
    one is logged); JSON's own escaping keeps each record on its line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[2] is not None:
            line["frames"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(line, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def configure_logging(level: str, *, json_lines: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLineFormatter() if json_lines else OneLineFormatter(FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler])
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
