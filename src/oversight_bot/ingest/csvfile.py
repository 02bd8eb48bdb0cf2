"""Reading a CSV file strictly: UTF-8 (with or without BOM), whole records, the expected columns.

Every problem is collected with its line number, so that a user can fix a file in one pass, and a
file with any problem is rejected whole: nothing is half-imported.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

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
            message = _plain(detail)
            quoted = isinstance(given, str) and len(given) <= 60 and repr(given) not in message
            shown = f" (got {given!r})" if quoted else ""
            where = f"column {column}: " if column else ""
            self.add(line, f"{where}{message}{shown}")

    def raise_if_any(self) -> None:
        if self.shown:
            raise ImportFileError(self.source, self.shown, self.more)

    def __bool__(self) -> bool:
        return bool(self.shown)


# Patterns the readers use, in the words a user knows them by (pydantic would quote the regex).
FORMS = {
    r"^[A-Z0-9]{3,5}$": "an ODS code: 3 to 5 capital letters or digits, like RR8 or G6V2S",
    r"^[A-Z0-9]{3,10}$": "an ODS code: 3 to 10 capital letters or digits",
    r"^OF[0-5]\d{3}$": "a metric ID like OF1003",
    r"^(Y\d{2})?$": "an NHS England region code like Y63, or empty",
    r"^([A-Z0-9]{3,5})?$": "an ICB code like QWO or D7T5G, or empty",
    r"^(SOF|NOF)\d{4}$": "a framework code like NOF2025",
}


def _plain(detail: Any) -> str:
    """A validation error in a user's words, not the validator's."""
    kind, message = detail.get("type"), str(detail["msg"])
    if kind == "string_pattern_mismatch":
        pattern = (detail.get("ctx") or {}).get("pattern", "")
        return f"should be {FORMS.get(pattern, 'in the form this column takes')}"
    if kind == "missing":
        return "is missing"
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
            raise ImportFileError(text.source, [FileProblem(start, _width_message(len(fields), width))])
        yield start, fields


def header_of(text: CsvText) -> list[str]:
    """The first record's column names, stripped; an empty file is refused."""
    try:
        _, header = next(records(text))
    except StopIteration:
        raise ImportFileError(text.source, [FileProblem(None, "the file is empty")]) from None
    return [name.strip() for name in header]


def check_header(
    source: str, header: Sequence[str], required: Sequence[str], optional: Collection[str] = (), layout: str = ""
) -> None:
    """Every required column present, and no column the layout does not know: a misspelt optional
    column would otherwise be ignored, and its field silently lost for every row."""
    known = [*required, *optional]
    unknown = [name for name in header if name not in known]
    missing = [name for name in required if name not in header]
    problems, explained = [], set()
    for name in missing:
        close = _closest(name, unknown)
        explained.update(close)
        problems.append(FileProblem(1, _missing_message(name, close, layout)))
    problems += [FileProblem(1, _unknown_message(name, known, layout)) for name in unknown if name not in explained]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    problems += [FileProblem(1, f"column {name!r} appears more than once") for name in duplicated]
    if problems:
        raise ImportFileError(source, problems)


def _missing_message(name: str, close: Sequence[str], layout: str) -> str:
    hint = f"; is {close[0]!r} meant to be it?" if close else ""
    return f"the header has no {name!r} column, which {layout or 'this file'} needs{hint}"


def _closest(name: str, candidates: Sequence[str]) -> list[str]:
    """The column a misspelt or abbreviated name probably means: a close spelling ("financial_overide"),
    else a name it abbreviates, its letters in order from the same first letter ("avg")."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if close:
        return close
    wanted = name.lower()
    return [c for c in candidates if c[:1].lower() == wanted[:1] and _in_order(wanted, c.lower())][:1]


def _in_order(letters: str, word: str) -> bool:
    remaining = iter(word)
    return all(letter in remaining for letter in letters)


def _unknown_message(name: str, known: Sequence[str], layout: str) -> str:
    close = _closest(name, known)
    hint = (
        f"; did you mean {close[0]!r}?" if close else f"; the columns {layout or 'this file'} knows: {', '.join(known)}"
    )
    return f"column {name!r} is not one {layout or 'this file'} knows{hint}"


def rows_with_header(
    text: CsvText, required: Sequence[str], optional: Collection[str] = (), layout: str = ""
) -> Iterator[tuple[int, dict[str, str]]]:
    """Dict rows keyed by header: every required column named, no unknown column."""
    iterator = records(text)
    try:
        _, header = next(iterator)
    except StopIteration:
        raise ImportFileError(text.source, [FileProblem(None, "the file is empty")]) from None
    header = [name.strip() for name in header]
    check_header(text.source, header, required, optional, layout)
    for line, fields in iterator:
        if len(fields) != len(header):
            raise ImportFileError(text.source, [FileProblem(line, _width_message(len(fields), len(header)))])
        yield line, dict(zip(header, fields, strict=True))


def _width_message(found: int, expected: int) -> str:
    if found < expected:
        return f"{found} fields where the header has {expected}: the row is short (is the file cut short here?)"
    return f"{found} fields where the header has {expected}: a field may hold an unquoted comma"


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
