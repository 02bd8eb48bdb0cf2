"""A file an export writes: created new and private (0600) before anything is read or recorded, and
removed again unless the export, audit record included, went through."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from oversight_bot.cli.failures import UsageProblem
from oversight_bot.domain.concerns import Concern


class ExportFile:
    """`with ExportFile(path) as export: ...; export.keep()`: opening refuses an existing file or a
    place that cannot be written, as a usage problem; leaving without `keep()` deletes the file."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self._file: IO[str] | None = None
        self._kept = False

    def __enter__(self) -> ExportFile:
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise UsageProblem(f"{self.path} exists: give a new file name (an export never overwrites)") from None
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise UsageProblem(
                f"cannot write {self.path} ({reason}): give a file in a folder you can write to"
            ) from None
        self._file = os.fdopen(descriptor, "w", encoding="utf-8")
        return self

    def write(self, concerns: list[Concern]) -> None:
        from oversight_bot.cli.output import to_json

        assert self._file is not None
        self._file.write(to_json([dataclasses.asdict(c) for c in concerns]) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())  # on disk before the audit trail says it was exported

    def keep(self) -> None:
        self._kept = True

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._file is not None:
            self._file.close()
        if not self._kept:
            self.path.unlink(missing_ok=True)
