"""How the `oversight` command fails: one line that says what to do, and an exit status a script can
rely on (docs/cli.md). No traceback reaches the terminal: an error the bot did not foresee is named
by its type only (its message could quote data), and where it happened is logged at DEBUG.

    0    answered, or done
    1    the answer is no: not found, ambiguous, a file refused, a check that failed, no such id
    2    usage or configuration: a bad option, argument or setting, named with a good value
    3    the store cannot be reached or stayed busy: nothing was changed; try again
    70   a bug (EX_SOFTWARE): nothing more is said, so that no data leaks; OVERSIGHT_LOG_LEVEL=DEBUG shows where
    130  interrupted (Ctrl-C)
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import NoReturn

from oversight_bot.errors import ConfigurationError, StoreConflict, StoreUnavailable
from oversight_bot.logs import error_frames

ANSWERED, NO, USAGE, UNAVAILABLE, BUG, INTERRUPTED = 0, 1, 2, 3, 70, 130

logger = logging.getLogger(__name__)


class UsageProblem(Exception):
    """What was asked cannot be done as asked (an export to a folder that does not exist): said in
    one line, with exit status 2, before anything was changed."""


def say(line: str) -> None:
    """One line on stderr, unwrapped (a script or a log keeps it whole)."""
    sys.stderr.write(line.rstrip() + "\n")
    sys.stderr.flush()


def exit_status(command: Callable[[], object]) -> int:
    """Run `command`; what it raises becomes a line on stderr and an exit status."""
    try:
        command()
    except SystemExit as done:  # typer's own exits: usage errors (2), `typer.Exit(n)`
        return done.code if isinstance(done.code, int) else (0 if done.code is None else USAGE)
    except ConfigurationError as error:
        for problem in error.problems:
            say(f"Configuration problem: {problem}")
        return USAGE
    except UsageProblem as error:
        say(f"oversight: {error}")
        return USAGE
    except (StoreUnavailable, StoreConflict) as error:
        say(f"The store refused this: {error}. Nothing was changed.")
        return UNAVAILABLE
    except KeyboardInterrupt:
        say("Interrupted.")
        return INTERRUPTED
    except Exception as error:
        database = database_problem(error)
        if database is not None:
            say(database)
            return UNAVAILABLE
        logger.debug("unexpected %s at:\n%s", type(error).__name__, error_frames(error))
        say(
            f"Unexpected error ({type(error).__name__}); this is a bug, and nothing was shown of it in case it "
            "quotes data. Run again with OVERSIGHT_LOG_LEVEL=DEBUG to see where it happened, and report that."
        )
        return BUG
    return ANSWERED


def leave(status: int) -> NoReturn:
    """End the process with `status`, once what was said is flushed, without the interpreter's
    teardown: freeing the read model's objects one by one took longer than many answers, and there
    is nothing else to do by then (connections closed, threads stopped, files written)."""
    logging.shutdown()
    flush()
    os._exit(status)


def flush() -> None:
    """Send what was said before the process ends or becomes another (`os.execv`)."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a pipe closed early (`oversight ... | head -1`): nothing can go
            stream.flush()


def in_background(task: Callable[[], object], what: str) -> Callable[[], None]:
    """`task` for a thread of its own: an error it did not foresee is one line (its type only), as
    for a command, not the traceback a dying thread would print across the console."""

    def run() -> None:
        try:
            task()
        except Exception as error:
            logger.debug("unexpected %s at:\n%s", type(error).__name__, error_frames(error))
            say(f"{what} stopped: unexpected error ({type(error).__name__}); this is a bug. The rest goes on.")

    return run


def database_problem(error: Exception) -> str | None:
    """SQLAlchemy's OperationalError (the database is down, refuses us, or stays locked), in one
    line. The statement and its parameters stay out: they may hold what a user wrote. A refused
    connection's own reason (host, port, file) is shown, being the administrator's to fix."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import OperationalError

    if not isinstance(error, OperationalError):
        return None
    driver_error = error.orig
    reason = str(driver_error).strip().splitlines()[0] if driver_error is not None else ""
    connecting = error.statement is None or reason.startswith(("connection", "unable to open database file"))
    detail = f": {reason}" if connecting and reason else f" ({type(driver_error).__name__})"
    return f"The database cannot be reached or is busy{detail}. Check OVERSIGHT_DATABASE_URL; nothing was changed."
