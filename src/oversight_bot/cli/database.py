"""`oversight db status`: where the store is and which schema it has, without creating anything.

Any other command creates the store on first use; this one only looks, so that asking where the
data is never leaves an empty database (or its folder) behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oversight_bot.config import default_database_url, load_settings

SCHEMA = "oversight-db-status/1"


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    url: str  # the password hidden
    path: Path | None  # SQLite's file
    default: bool  # the embedded default, not OVERSIGHT_DATABASE_URL
    exists: bool
    revision: str | None
    latest: str | None

    @property
    def ready(self) -> bool:
        return self.exists and self.revision is not None and self.revision == self.latest

    def lines(self) -> list[str]:
        origin = "the default, in the project directory" if self.default else "set by OVERSIGHT_DATABASE_URL"
        where = f"{self.path} (SQLite; {origin})" if self.path else f"{self.url} (PostgreSQL; {origin})"
        lines = [f"Database: {where}"]
        if not self.exists:
            lines.append("No database there yet: `oversight run` (or `oversight db upgrade`) creates it.")
        elif self.revision is None:
            lines.append(f"Schema: none yet; the latest is {self.latest}: `oversight db upgrade` creates it.")
        elif self.ready:
            lines.append(f"Schema: {self.revision}, the latest: up to date.")
        else:
            lines.append(
                f"Schema: {self.revision}; the latest is {self.latest}: run `oversight db upgrade` "
                "(any other command also upgrades it as it starts)."
            )
        return lines

    def fields(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "url": self.url,
            "path": str(self.path) if self.path else None,
            "default": self.default,
            "exists": self.exists,
            "revision": self.revision,
            "latest": self.latest,
            "up_to_date": self.ready,
        }


def describe_database() -> DatabaseStatus:
    from sqlalchemy.engine import make_url

    from oversight_bot.store import schema
    from oversight_bot.store.db import make_engine

    settings = load_settings()
    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    default = settings.database_url == default_database_url()
    latest = schema.declared_head() or schema.head_revision()
    path = Path(url.database).resolve() if url.get_backend_name() == "sqlite" and url.database else None
    if path is not None and not path.is_file():
        return DatabaseStatus(shown, path, default, False, None, latest)
    engine = make_engine(settings.database_url)
    try:
        revision = schema.current_revision(engine)
    finally:
        engine.dispose()
    return DatabaseStatus(shown, path, default, True, revision, latest)
