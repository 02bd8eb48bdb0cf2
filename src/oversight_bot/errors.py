"""The bot's one error model.

Answers a user is expected to get (a trust not found, a bad form field) are values: `Reply`s and
form errors made by the chat layer. A use case that must say no (the actor may not, there is no
such concern, the move is not allowed) raises a `Refused`; the chat layer turns each into words,
so adapters never catch them. Everything else is a fault: each adapter has exactly one catch-all,
at its edge, that logs it without the user's words and answers with a reference.

    OversightBotError
     ├── Refused              an expected "no" from a use case, answered by the chat layer
     │    ├── NotAllowed      the actor's role does not allow it
     │    ├── NoSuchConcern   no concern has that reference
     │    ├── CannotMove      a concern in this state cannot go to that one
     │    └── OutcomeNeeded   closing a concern needs its outcome written down
     ├── ImportFileError      a file cannot be imported; carries every problem with its line number
     ├── FetchFailed          a publication could not be fetched (unreachable, or refused by a limit)
     │    └── FetchRefused    it arrived, but breaks a limit (size, content type, archive): not retried as is
     ├── ConfigurationError   settings are missing or inconsistent
     ├── StoreUnavailable     the database cannot be reached or is locked beyond the wait allowed
     │    └── TooSlow         work did not finish within the time a chat answer allows
     └── StoreConflict        a write broke a constraint (another writer got there first, or a bad reference)

Messages never include user-supplied free text such as concern details: they may be logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oversight_bot.domain.concerns import Status


class OversightBotError(Exception):
    """Base class for the bot's own errors."""


class Refused(OversightBotError):
    """A use case said no, as it is expected to sometimes: the chat layer words the answer."""


class NotAllowed(Refused):
    """The actor's role does not allow this; `action` says what was tried ("viewing concerns")."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class NoSuchConcern(Refused):
    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


class CannotMove(Refused):
    def __init__(self, reference: str, current: Status, to: Status) -> None:
        super().__init__(f"{reference}: a {current.value} concern cannot become {to.value}")
        self.reference, self.current, self.to = reference, current, to


class OutcomeNeeded(Refused):
    """Closing a concern needs its outcome: what was found and what was done."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


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


class FetchFailed(OversightBotError):
    """A page or file could not be fetched: the server could not be reached, did not answer in time,
    or answered with an error, after the retries allowed. Its message says which, in a few words."""


class FetchRefused(FetchFailed):
    """What arrived breaks a limit (too large, the wrong content type, not the archive expected), so it
    was not read at all. `fingerprint` identifies what was refused (from its headers), so that the same
    refusal is reported once and the file is tried again only when it changes."""

    def __init__(self, reason: str, fingerprint: str) -> None:
        super().__init__(reason)
        self.fingerprint = fingerprint


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
