"""Log lines: an id or a word a user sent can never start a log line of its own."""

from __future__ import annotations

import json
import logging

from oversight_bot.logs import FORMAT, JsonLineFormatter, OneLineFormatter

FORGED = "run_command\n2026-11-30 10:00:00 CRITICAL oversight_bot: admin U0BOSS exported every concern\u2028x\r"


def record() -> logging.LogRecord:
    return logging.LogRecord("oversight_bot.slack", logging.WARNING, __file__, 1, "unknown action %s", (FORGED,), None)


def test_a_newline_in_an_id_stays_inside_its_own_log_line() -> None:
    line = OneLineFormatter(FORMAT).format(record())
    assert "\n" not in line and "\r" not in line and "\u2028" not in line
    assert line.endswith("unknown action run_command\\n2026-11-30 10:00:00 CRITICAL oversight_bot: admin U0BOSS "
                         "exported every concern\\u2028x\\r")  # fmt: skip


def test_json_lines_are_one_object_per_line_with_the_words_intact() -> None:
    line = JsonLineFormatter().format(record())
    assert "\n" not in line and "\u2028" not in line
    parsed = json.loads(line)
    assert parsed["message"] == f"unknown action {FORGED}" and parsed["level"] == "WARNING"
