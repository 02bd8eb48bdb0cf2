"""Reading a CSV file strictly: UTF-8 (with or without BOM), whole records, the expected columns.

Every problem is collected with its line number, so that a user can fix a file in one pass, and a
file with any problem is rejected whole: nothing is half-imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from oversight_bot.errors import FileProblem, ImportFileError

MAX_PROBLEMS_SHOWN = 20
M = TypeVar("M", bound=BaseModel)


@dataclass
class Problems:
    """Collects problems; past `MAX_PROBLEMS_SHOWN` it only counts them."""

    source: str
    shown: list[FileProblem] = field(default_factory=list)
    more: int = 0

    def add(self, line: int | None, message: str) -> None:
        if len(self.shown) < MAX_PROBLEMS_SHOWN:
            self.shown.append(FileProblem(line, message))
        else:
            self.more += 1

    def add_validation(self, line: int, error: ValidationError, columns: dict[str, str]) -> None:
        for detail in error.errors():
            location = detail["loc"][0] if detail["loc"] else None
            column = columns.get(str(location), str(location)) if location is not None else None
            given = detail.get("input")
            message = _plain(detail["msg"])
            quoted = isinstance(given, str) and len(given) <= 60 and repr(given) not in message
            shown = f" (got {given!r})" if quoted else ""
            where = f"column {column}: " if column else ""
            self.add(line, f"{where}{message}{shown}")

    def raise_if_any(self) -> None:
        if self.shown:
            raise ImportFileError(self.source, self.shown, self.more)

    def __bool__(self) -> bool:
        return bool(self.shown)


def _plain(message: str) -> str:
    return message.removeprefix("Value error, ")


@dataclass(frozen=True, slots=True)
class CsvText:
    source: str
    text: str
    sha256: str


def read_text(path: Path) -> CsvText:
    """The file's text; a file that is not UTF-8 is refused with the line of the first bad byte."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex().upper()
        raise ImportFileError(
            path.name,
            [FileProblem(line, f"not UTF-8 (byte 0x{byte}); save the file as UTF-8 (CSV UTF-8 in Excel)")],
        ) from None
    if not text.strip():
        raise ImportFileError(path.name, [FileProblem(None, "the file is empty")])
    return CsvText(path.name, text, digest)


def records(text: CsvText, width: int | None = None) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) for each record; a record cut short raises, naming its line."""
    reader = csv.reader(io.StringIO(text.text, newline=""), strict=True)
    line = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(text.source, [FileProblem(line, f"malformed CSV: {error}")]) from None
        start, line = line, reader.line_num + 1
        if not fields:
            continue
        if width is not None and len(fields) != width:
            hint = " (is the file cut short?)" if len(fields) < width else ""
            raise ImportFileError(text.source, [FileProblem(start, f"{len(fields)} fields, expected {width}{hint}")])
        yield start, fields


def rows_with_header(text: CsvText, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Dict rows keyed by header; the header must name every required column."""
    iterator = records(text)
    try:
        _, header = next(iterator)
    except StopIteration:
        raise ImportFileError(text.source, [FileProblem(None, "the file is empty")]) from None
    header = [name.strip() for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        message = f"header lacks column(s) {', '.join(missing)}; found {', '.join(header)}"
        raise ImportFileError(text.source, [FileProblem(1, message)])
    for line, fields in iterator:
        if len(fields) != len(header):
            hint = " (is the file cut short?)" if len(fields) < len(header) else ""
            raise ImportFileError(
                text.source, [FileProblem(line, f"{len(fields)} fields, expected {len(header)}{hint}")]
            )
        yield line, dict(zip(header, fields, strict=True))


def validate_rows(
    model: type[M],
    rows: Iterator[tuple[int, dict[str, str]]],
    problems: Problems,
    columns: dict[str, str] | None = None,
) -> list[tuple[int, M]]:
    """Validate every row; invalid rows are recorded in `problems` and left out."""
    valid = []
    for line, row in rows:
        try:
            valid.append((line, model.model_validate(row)))
        except ValidationError as error:
            problems.add_validation(line, error, columns or {})
    return valid
