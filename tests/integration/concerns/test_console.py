"""The concern form in the terminal console: the same questions and checks as the Slack modal."""

from __future__ import annotations

from datetime import UTC, datetime

from click.testing import Result
from typer.testing import CliRunner

from oversight_bot.cli.main import cli
from tests.integration.concerns.test_slack_form import held_exclusively

FIRST = f"C-{datetime.now(UTC).year}-000001"


def console(url: str, *lines: str) -> Result:
    env = {"OVERSIGHT_DATABASE_URL": url, "COLUMNS": "200"}
    return CliRunner().invoke(cli, ["console"], input="\n".join([*lines, "quit", ""]), env=env)


def test_the_console_asks_the_forms_questions_and_asks_again_for_what_was_wrong(seeded_db_url: str) -> None:
    result = console(
        seeded_db_url,
        "concern Leeds",  # three trusts: the console asks which
        "rr8",
        "1",  # category: patient safety
        "9",  # severity: no such choice
        "",  # summary: left empty
        "Observations were not acted on.",
        "",
        "Three nights in October.",
        ".",
        "2026-10-14",
        "3",  # anonymously
        "3",  # severity again: high
        "Delayed escalation on ward 7",  # summary again
        "y",
        f"view {FIRST}",
    )
    assert result.exit_code == 0, result.output
    shown = result.output
    assert "Organisation: Leeds Teaching Hospitals NHS Trust (RR8)" in shown
    assert "Slack (or Teams) itself records who sent this form" in shown
    assert "Choose how severe it is." in shown and "Summary is needed." in shown
    assert f"Your concern is filed. Its reference is {FIRST}; keep it." in shown
    details = shown.split(f"Concern {FIRST}", 1)[1]
    assert "Delayed escalation on ward 7" in details and "Three nights in October." in details
    assert "anonymously" in details and "high" in details


def test_cancel_at_any_question_files_nothing(seeded_db_url: str) -> None:
    result = console(seeded_db_url, "concern RR8", "2", "cancel", "concerns")
    assert "Cancelled. Nothing was filed." in result.output
    assert "Concerns: 0" in result.output


def test_when_the_store_cannot_be_reached_the_console_gives_the_words_back(seeded_db_url: str) -> None:
    lines = ["concern RR8", "2", "1", "Agency invoices held back", "Three months of them.", ".", "", "1", "y"]
    with held_exclusively(seeded_db_url):
        result = console(seeded_db_url, *lines)
    shown = result.output
    assert "could not be stored just now, so it has not been filed" in shown, (shown, result.exception)
    assert "Agency invoices held back" in shown and "Three months of them." in shown
    assert "Concerns: 0" in console(seeded_db_url, "concerns").output
