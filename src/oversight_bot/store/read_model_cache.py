"""The read model kept on disk beside a SQLite store, so that a new process answers without loading it.

Every `oversight ask` is a new process, and building the read model from the store (and importing
SQLAlchemy to do it) was most of its time (docs/benchmarks.md, "Start-up"). So the snapshot a
process loads from the store is also written to a file beside the database (`oversight.db.read-model`),
and the next process reads that instead, but only when it is certainly current:

- its header names the data it was loaded from (the latest import: id, time, file checksum), the
  schema (its revision and SQLite's schema cookie) and this code's fingerprint, and each must equal
  what the store and the code say now, the store read with `sqlite3` (`sqlite_file.py`) in one
  transaction: an import or a migration by any process, or a new version of the bot, makes it
  stale, and a stale file is never read;
- it is written whole to a temporary file and renamed into place, so that a reader sees an old
  file or a new one, never half of one, and two processes writing at once each leave a whole file;
- it is trusted only as far as the database beside it: a file this user does not own, that others
  may write, that is a link, whose checksum is wrong, or that names anything but the read model's
  own types (dataclasses and enumerations defined in the domain, dates, decimals) is ignored (and
  replaced), never unpickled into anything else.

Concern counts are not in it (they change without an import): they are read from the store each time.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import io
import json
import logging
import os
import pickle
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oversight_bot.errors import StoreUnavailable
from oversight_bot.services.snapshot import Snapshot, SnapshotSource
from oversight_bot.store.sqlite_file import DataStamp, SqliteFile

logger = logging.getLogger(__name__)

MAGIC = b"oversight-bot read model\n"
FORMAT = 1
SUFFIX = ".read-model"
PACKAGE = Path(__file__).resolve().parents[1]
# The only things a cache file may name: the read model's own types and the values inside them.
DOMAIN = "oversight_bot.domain."
ALLOWED_MODULES = {"oversight_bot.services.snapshot"}
ALLOWED_CLASSES = {("decimal", "Decimal"), ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timezone")}


def cache_path(database: Path) -> Path:
    return database.with_name(database.name + SUFFIX)


@functools.cache
def code_fingerprint() -> str:
    """This installation of the bot: every module's path, size and modification time, and the
    Python version. A cache written by other code (an upgrade, an edit) is not this code's."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version} {pickle.HIGHEST_PROTOCOL}".encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        info = path.stat()
        digest.update(f"{path.relative_to(PACKAGE)} {info.st_size} {info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class ReadModelCache:
    """One cache file: read only when its key is the one asked for, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, schema: str, stamp: DataStamp) -> Snapshot | None:
        """The snapshot of exactly this data, schema and code, or None (absent, stale, untrusted)."""
        try:
            data = self._trusted_bytes()
            if data is None:
                return None
            header, payload = _split(data)
            if header != self._header(schema, stamp, payload):
                return None
            snapshot = _ReadModelUnpickler(io.BytesIO(payload)).load()
        except Exception as error:  # a corrupt or foreign file is a miss, whatever is wrong with it
            logger.info("read model cache %s ignored: %s", self.path, type(error).__name__)
            return None
        if not isinstance(snapshot, Snapshot) or snapshot.version != stamp.import_id:
            return None
        return snapshot

    def write(self, snapshot: Snapshot, schema: str, stamp: DataStamp) -> None:
        """Keep `snapshot` as the cache of this data and schema; a store in a folder this process
        cannot write simply has no cache."""
        buffer = io.BytesIO()
        _ReadModelPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(snapshot)
        payload = buffer.getvalue()
        header = json.dumps(self._header(schema, stamp, payload), sort_keys=True).encode()
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(handle, "wb") as file:
                file.write(MAGIC + header + b"\n" + payload)
            os.replace(temporary, self.path)
        except OSError as error:
            logger.info("read model cache %s not written: %s", self.path, type(error).__name__)
            temporary.unlink(missing_ok=True)

    def _trusted_bytes(self) -> bytes | None:
        try:
            handle = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        with os.fdopen(handle, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
                logger.warning("read model cache %s ignored: not a file only this user may write", self.path)
                return None
            return file.read()

    @staticmethod
    def _header(schema: str, stamp: DataStamp, payload: bytes) -> dict[str, object]:
        return {
            "format": FORMAT,
            "code": code_fingerprint(),
            "schema": schema,
            "data": stamp.as_list(),
            "sha256": hashlib.sha256(payload).hexdigest(),
        }


def _split(data: bytes) -> tuple[dict[str, object], bytes]:
    if not data.startswith(MAGIC):
        raise ValueError("not a read model cache")
    header, _, payload = data[len(MAGIC) :].partition(b"\n")
    found = json.loads(header)
    if not isinstance(found, dict):
        raise ValueError("no header")
    return found, payload


class _ReadModelPickler(pickle.Pickler):
    """Pickles a dataclass whose fields all go through `__init__` (and that checks nothing after)
    as a call of its class with its fields: read back a third faster than pickle's default for
    frozen dataclasses with slots, which sets each field through a Python loop."""

    def reducer_override(self, obj: object) -> Any:
        kind = type(obj)
        plain = _PLAIN.get(kind)
        if plain is None:
            plain = _PLAIN[kind] = dataclasses.is_dataclass(kind) and _init_only(kind)
        if not plain:
            return NotImplemented
        return kind, tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))  # type: ignore[arg-type]


_PLAIN: dict[type, bool] = {}


def _init_only(kind: type) -> bool:
    """Every field set by `__init__`, and nothing done after it."""
    return not hasattr(kind, "__post_init__") and all(f.init for f in dataclasses.fields(kind))


class _ReadModelUnpickler(pickle.Unpickler):
    """Unpickles the read model's own types and nothing else: a file that names any other class or
    function (the way a crafted pickle runs code) fails here, before anything is called."""

    def find_class(self, module: str, name: str) -> type:
        found = super().find_class(module, name) if _may_name(module, name) else None
        if not (isinstance(found, type) and _read_model_type(found, module, name)):
            raise pickle.UnpicklingError(f"{module}.{name} is not part of the read model")
        return found


def _may_name(module: str, name: str) -> bool:
    """A plain name in an allowed module: pickle follows a dotted name attribute by attribute, out of
    the module into whatever it imported (`re.enum.bltns.open.__self__.FileIO`, a class that
    writes files), so a dot is never followed."""
    if not name.isidentifier() or name.startswith("_"):
        return False
    return (module, name) in ALLOWED_CLASSES or module in ALLOWED_MODULES or module.startswith(DOMAIN)


def _read_model_type(found: type, module: str, name: str) -> bool:
    """One of the few standard types, or a dataclass or enumeration defined in that very module
    (not merely imported into it, as `operator.itemgetter` is into the domain's scores)."""
    if (module, name) in ALLOWED_CLASSES:
        return True
    defined_here = found.__module__ == module and found.__qualname__ == name
    return defined_here and (dataclasses.is_dataclass(found) or issubclass(found, enum.Enum))


class CachedSnapshotSource:
    """The read model of a SQLite store: from the cache file when it is current, else from the store
    (through SQLAlchemy, made only then) and written to the cache for the next process."""

    def __init__(self, file: SqliteFile, store: Callable[[], SnapshotSource]) -> None:
        self.file = file
        self.store = store  # the SQLAlchemy source, made when first needed
        self.cache = ReadModelCache(cache_path(file.path))

    def version(self) -> int:
        """The latest import's id, as `SqlAlchemySnapshotSource.version`, without SQLAlchemy."""
        return self.file.latest_import().import_id

    def load(self) -> Snapshot:
        before = self._facts()
        schema, stamp = before
        if schema is not None and stamp is not None:
            cached = self.cache.read(schema, stamp)
            if cached is not None:
                return cached
        snapshot = self.store().load()
        self._keep(snapshot, before)
        return snapshot

    def _facts(self) -> tuple[str | None, DataStamp | None]:
        try:
            return self.file.facts()
        except StoreUnavailable as error:  # the store's own load says what is wrong, in its words
            logger.info("read model cache not checked: %s", error)
            return None, None

    def _keep(self, snapshot: Snapshot, before: tuple[str | None, DataStamp | None]) -> None:
        """Cache what was loaded, if nothing changed while it loaded: the same schema and latest
        import before and after, and the snapshot of that import. (An import that committed
        meanwhile leaves the writing to the next process that loads.)"""
        schema, stamp = before
        if schema is None or stamp is None or stamp.import_id != snapshot.version or self._facts() != before:
            return
        self.cache.write(snapshot, schema, stamp)
