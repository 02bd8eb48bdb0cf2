"""How the command line fails: one line on stderr and an exit status; never a traceback, never the
words of an error that could quote what a user wrote."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from oversight_bot.cli.failures import exit_status, in_background
from oversight_bot.errors import ConfigurationError, StoreUnavailable

SECRET_WORDS = "the details of a confidential concern"


def raising(error: BaseException) -> object:
    def command() -> None:
        raise error

    return command


@pytest.mark.parametrize(
    ("error", "status", "line"),
    [
        (
            ConfigurationError(["OVERSIGHT_X is wrong; for example OVERSIGHT_X=1"]),
            2,
            "Configuration problem: OVERSIGHT_X",
        ),
        (StoreUnavailable("the store is unavailable (OperationalError)"), 3, "The store refused this"),
        (KeyError(SECRET_WORDS), 70, "Unexpected error (KeyError); this is a bug"),
        (
            OperationalError("UPDATE concerns SET details = ?", (SECRET_WORDS,), Exception("database is locked")),
            3,
            "The database cannot be reached or is busy (Exception)",
        ),
        (KeyboardInterrupt(), 130, "Interrupted."),
        (SystemExit(2), 2, None),
    ],
)
def test_each_failure_is_one_line_and_a_status(
    error: BaseException, status: int, line: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exit_status(raising(error)) == status  # type: ignore[arg-type]
    captured = capsys.readouterr()
    assert captured.out == ""
    if line is None:
        assert captured.err == ""
        return
    (shown,) = captured.err.splitlines()
    assert shown.startswith(line) and SECRET_WORDS not in shown and "Traceback" not in shown


def test_a_refused_connection_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    refused = Exception('connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused')
    assert exit_status(raising(OperationalError(None, None, refused))) == 3  # type: ignore[arg-type]
    assert "port 1 failed: Connection refused" in capsys.readouterr().err


def test_a_background_task_that_fails_says_so_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    in_background(raising(ValueError(SECRET_WORDS)), "The alert worker")()  # type: ignore[arg-type]
    (shown,) = capsys.readouterr().err.splitlines()
    assert shown.startswith("The alert worker stopped: unexpected error (ValueError)") and SECRET_WORDS not in shown
