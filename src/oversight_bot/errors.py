"""The bot's exceptions. Expected outcomes (a trust not found, a bad form field) are values, not these.

    OversightBotError
     ├── ImportFileError      a file cannot be imported; carries every problem with its line number
     ├── ConfigurationError   settings are missing or inconsistent
     ├── StoreUnavailable     the database cannot be reached or is locked beyond the wait allowed
     │    └── TooSlow         work did not finish within the time a chat answer allows
     └── StoreConflict        a write broke a constraint (another writer got there first, or a bad reference)

Messages never include user-supplied free text such as concern details: they may be logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class OversightBotError(Exception):
    """Base class for the bot's own errors."""


@dataclass(frozen=True, slots=True)
class FileProblem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


class ImportFileError(OversightBotError):
    """Nothing was imported, because of these problems."""

    def __init__(self, source: str, problems: list[FileProblem], more: int = 0) -> None:
        self.source = source
        self.problems = problems
        self.more = more
        super().__init__(self.summary())

    def summary(self) -> str:
        lines = [f"{self.source}: nothing imported, {self.count} problem(s):"]
        lines += [f"  {problem}" for problem in self.problems]
        if self.more:
            lines.append(f"  ... and {self.more} more")
        return "\n".join(lines)

    @property
    def count(self) -> int:
        return len(self.problems) + self.more


class ConfigurationError(OversightBotError):
    """Settings are missing or inconsistent: one line per problem, each naming the variable, what is
    wrong and a good value (`config.Problem`), or a single sentence saying as much."""

    def __init__(self, problems: str | Sequence[object]) -> None:
        self.problems = [problems] if isinstance(problems, str) else [str(p) for p in problems]
        super().__init__("; ".join(self.problems))


class StoreUnavailable(OversightBotError):
    """The store could not be reached, or stayed locked longer than a chat answer can wait."""


class TooSlow(StoreUnavailable):
    """Work (usually a store call) did not finish within the time a chat platform waits for an
    answer; the user is told to try again, and given back anything they wrote."""


class StoreConflict(OversightBotError):
    """A write broke a unique or foreign key constraint; nothing of the transaction was kept."""
