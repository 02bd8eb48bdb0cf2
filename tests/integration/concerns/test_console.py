"""The concern form in the terminal console: the same questions and checks as the Slack modal."""

from __future__ import annotations

from datetime import UTC, datetime

from typer.testing import CliRunner, Result

from oversight_bot.cli.main import cli
from tests.integration.concerns.test_slack_form import held_exclusively

FIRST = f"C-{datetime.now(UTC).year}-000001"


def console(url: str, *lines: str) -> Result:
    env = {"OVERSIGHT_DATABASE_URL": url, "COLUMNS": "200"}
    return CliRunner().invoke(cli, ["console"], input="\n".join([*lines, "quit", ""]), env=env)


def test_the_console_checks_each_answer_as_it_is_given_and_files_after_a_review(seeded_db_url: str) -> None:
    result = console(
        seeded_db_url,
        "concern Leeds",  # three trusts: the console asks which
        "rr8",
        "1",  # category: patient safety
        "9",  # severity: no such choice, refused at once
        "3",  # severity again: high
        "",  # summary: left empty, refused at once
        "Delayed escalation on ward 7",
        "Observations were not acted on.",
        "",
        "Three nights in October.",
        ".",
        "2026-10-14",
        "3",  # anonymously
        "y",  # the review: file it
        f"view {FIRST}",
    )
    assert result.exit_code == 0, result.output
    shown = result.output
    assert "Organisation: Leeds Teaching Hospitals NHS Trust (RR8)" in shown
    assert "Slack (or Teams) itself records who sent this form" in shown
    # Each mistake is named before the next question is asked, not at the end.
    assert shown.index("Choose how severe it is.") < shown.index("Summary:")
    assert shown.index("Summary is needed.") < shown.index("Details,")
    assert "Your concern, as it will be filed:" in shown and "3) Severity: High" in shown
    assert f"Your concern is filed: {FIRST}" in shown
    details = shown.split(f"Concern {FIRST}", 1)[1]
    assert "Delayed escalation on ward 7" in details and "Three nights in October." in details
    assert "anonymously" in details and "high" in details


def test_only_an_optional_question_offers_to_be_skipped(seeded_db_url: str) -> None:
    shown = console(seeded_db_url, "concern RR8", "6", "1", "", "cancel").output
    assert "Summary:" in shown and "Summary (Enter to skip)" not in shown
    assert "Summary is needed." in shown
    filed = console(seeded_db_url, "concern RR8", "1", "1", "Late", "Words.", ".", "", "1", "y").output
    assert "When did it happen? (Enter to skip), as YYYY-MM-DD:" in filed
    assert "Your concern is filed" in filed


def test_any_answer_can_be_changed_at_the_review_before_filing(seeded_db_url: str) -> None:
    lines = ["concern RR8", "1", "2", "First summary", "Details.", ".", "", "1", "4", "Second summary", "y"]
    shown = console(seeded_db_url, *lines, f"view {FIRST}").output
    assert shown.count("Your concern, as it will be filed:") == 2  # shown again after the change
    details = shown.split(f"Concern {FIRST}", 1)[1]
    assert "Second summary" in details and "First summary" not in details


def test_ctrl_d_in_the_details_keeps_what_was_typed(seeded_db_url: str) -> None:
    env = {"OVERSIGHT_DATABASE_URL": seeded_db_url, "COLUMNS": "200"}
    typed = ["concern RR8", "1", "2", "A summary", "Line one of the details", "Line two"]
    result = CliRunner().invoke(cli, ["console"], input="\n".join(typed), env=env)  # the input ends: Ctrl-D
    shown = result.output
    assert "Cancelled. Nothing was filed." in shown
    given_back = shown.split("Cancelled. Nothing was filed.", 1)[1]
    assert "Line one of the details" in given_back and "Line two" in given_back and "A summary" in given_back


def test_concern_help_explains_the_form_without_opening_it(seeded_db_url: str) -> None:
    shown = console(seeded_db_url, "concern help").output
    assert "Raising a concern" in shown and "only the Freedom to Speak Up guardian sees your name" in shown
    assert "Organisation (name" not in shown and "Category" not in shown


def test_closing_without_an_outcome_shows_the_usage_for_that_concern(seeded_db_url: str) -> None:
    filed = ["concern RR8", "1", "2", "A summary", "Details.", ".", "", "1", "y"]
    shown = console(seeded_db_url, *filed, f"triage {FIRST} close").output
    assert f"triage {FIRST} close <what was found and done>" in shown
    assert "C-2026-000123" not in shown  # never someone else's reference as the example


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


def test_an_organisation_too_short_to_mean_one_is_asked_for_again_not_guessed(seeded_db_url: str) -> None:
    shown = console(seeded_db_url, "concern", "hi", "he", "rr8", "cancel").output
    assert "No organisation matches 'hi'" in shown and "No organisation matches 'he'" in shown
    assert "Hillingdon" not in shown and "Heart of England" not in shown
    assert "Organisation: Leeds Teaching Hospitals NHS Trust (RR8)" in shown
