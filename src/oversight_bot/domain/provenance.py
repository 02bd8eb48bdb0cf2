"""Where a published figure came from: whose file, when it was published, and whether it is
NHS England's own file or a secondary source (a third party's processed copy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

NHS_ENGLAND = "NHS England"


@dataclass(frozen=True, slots=True)
class Provenance:
    file: str  # the file's name as it was imported
    publisher: str  # "NHS England", or the name of the secondary source
    secondary: bool = False
    published: str | None = None  # as the publisher dates it ("September 2025"); None when not recorded
    imported_on: date | None = None

    @property
    def label(self) -> str:
        """ "NHS England, nhs-…-data.csv, published September 2025", or "secondary source: …"."""
        when = f", published {self.published}" if self.published else ""
        if self.secondary:
            return f"secondary source: {self.publisher} ({self.file}{when}), not NHS England's own file"
        return f"{self.publisher}, {self.file}{when}"
