"""The audit chain's anchors, written where the database cannot reach: one JSON line per anchor,
appended to a file (put it on other storage, or ship it somewhere append-only; docs/concerns.md)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from oversight_bot.domain.audit import Anchor, ChainHead
from oversight_bot.errors import ConfigurationError


def write_anchor(path: Path, head: ChainHead) -> Anchor:
    anchor = Anchor(head.seq, head.hash, head.keyed_from, datetime.now(UTC).isoformat(timespec="seconds"))
    line = json.dumps({"seq": anchor.seq, "hash": anchor.hash, "keyed_from": anchor.keyed_from, "at": anchor.at})
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())
    return anchor


def last_anchor(path: Path) -> Anchor | None:
    """The newest anchor in the file; None if there is no file yet."""
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        return None
    if not lines:
        return None
    try:
        last = json.loads(lines[-1])
        return Anchor(int(last["seq"]), str(last["hash"]), last.get("keyed_from"), str(last["at"]))
    except (ValueError, KeyError, TypeError):
        raise ConfigurationError(
            f"{path}: the last line is not an anchor written by `oversight audit anchor`"
        ) from None
