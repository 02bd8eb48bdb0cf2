"""Run the `oversight` command in this process as a user's shell would: through `run_command`, so that exit
statuses and error lines are the real ones, with only the OVERSIGHT_* settings given here."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from typer.testing import CliRunner, Result

from oversight_bot.cli.main import run_command


def oversight(*args: str, env: Mapping[str, str] | None = None, input: str | None = None) -> Result:
    """`oversight ARGS...` with these settings (any OVERSIGHT_* of the test run's own environment unset)."""
    runner = CliRunner()
    settings: dict[str, str | None] = {name: None for name in os.environ if name.startswith("OVERSIGHT_")}
    settings |= {"COLUMNS": "120"} | dict(env or {})
    with runner.isolation(input=input, env=settings) as (stdout, stderr, output):
        try:
            status = run_command(list(args))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        captured = stdout.getvalue(), stderr.getvalue(), output.getvalue()
    return Result(runner, *captured, None, status, None)
