"""Financial-year quarters as NHS England labels them ("Q3 2025/26")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_LABEL = re.compile(r"^\s*Q([1-4])\s+(\d{4})/(\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    """Quarter `number` (1-4) of the financial year that starts in April of `year`."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"quarter number must be 1-4, not {self.number}")

    @classmethod
    def parse(cls, label: str) -> Quarter:
        """Parse "Q1 2025/26"; the second year must follow the first."""
        match = _LABEL.match(label)
        if match is None:
            raise ValueError(f"not a quarter label like 'Q1 2025/26': {label!r}")
        number, year, next_year = int(match[1]), int(match[2]), int(match[3])
        if (year + 1) % 100 != next_year:
            raise ValueError(f"financial year {year}/{next_year:02d} does not follow on: {label!r}")
        return cls(year, number)

    @property
    def label(self) -> str:
        return f"Q{self.number} {self.year}/{(self.year + 1) % 100:02d}"

    @property
    def financial_year(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"

    @property
    def end(self) -> date:
        """The quarter's last day: data for Q1 2025/26 runs to 30 June 2025."""
        if self.number == 4:
            return date(self.year + 1, 3, 31)
        return date(self.year, 3 * self.number + 3, 30 if self.number in (1, 2) else 31)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def __str__(self) -> str:
        return self.label
