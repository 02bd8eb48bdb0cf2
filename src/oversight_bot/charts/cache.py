"""Drawn charts kept per data version: a chart's key names its data version and what it shows, so a
PNG drawn once is served again until an import changes the data (docs/positions.md)."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from oversight_bot.chat.replies import Chart

logger = logging.getLogger(__name__)

KEPT = 256  # charts in memory; a paletted chart is 10 to 40 KB


class ChartCache:
    """PNG bytes by chart key, the least recently used dropped past `kept`; safe across threads. Two
    threads asking for one new chart at once may both draw it (the same bytes), never wait on each other."""

    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._pngs: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def png(self, chart: Chart) -> bytes:
        with self._lock:
            found = self._pngs.get(chart.key)
            if found is not None:
                self._pngs.move_to_end(chart.key)
                return found
        from oversight_bot.charts.draw import png

        drawn = png(chart)
        with self._lock:
            self._pngs[chart.key] = drawn
            while len(self._pngs) > self.kept:
                self._pngs.popitem(last=False)
        return drawn

    def file(self, chart: Chart, directory: Path | None = None) -> Path:
        """The chart as a PNG file (written once per key) in `directory`, by default the user's cache
        folder: `$XDG_CACHE_HOME/oversight-bot/charts` (or `~/.cache/...`)."""
        folder = directory or default_directory()
        path = folder / f"{file_stem(chart)}.png"
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{threading.get_ident()}.part")
            partial.write_bytes(self.png(chart))
            partial.replace(path)  # whole or absent, whoever else is writing it
        return path


def file_stem(chart: Chart) -> str:
    """A file name for the chart: what it shows, readable, and a hash of its key (its data version)."""
    digest = hashlib.sha256(chart.key.encode()).hexdigest()[:12]
    readable = "".join(c if c.isalnum() else "-" for c in chart.key.split(":", 1)[-1])[:60].strip("-")
    return f"{readable}-{digest}"


def default_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "oversight-bot" / "charts"


shared = ChartCache()  # one per process: every adapter in it serves the same drawn charts
