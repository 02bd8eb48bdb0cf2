"""A downloaded file read by the same reader as `oversight import <kind>` reads a file on disk.

The bytes are written to a private temporary folder under a name of this module's choosing (never
a path taken from the download or an archive), read and validated whole by the reader, and the
folder removed. ODS publishes zip archives: only the one member named in the configuration is
read, and no more of it than the size limit allows (an archive can claim any size).
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from oversight_bot.domain.sources import FileKind
from oversight_bot.errors import FetchFailed, FileProblem, ImportFileError
from oversight_bot.ingest.league import read_league_file
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_icb_file, read_ods_file, read_succ_file
from oversight_bot.services.releases import Batch

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def read_download(
    kind: FileKind, name: str, content: bytes, member: str | None, regions: dict[str, str], max_bytes: int
) -> Batch:
    """The file's validated contents; ImportFileError names every problem (nothing is imported), and
    FetchFailed says the bytes could not be put where the reader reads them."""
    if member is not None:
        name, content = unzip_member(name, content, member, max_bytes)
    with tempfile.TemporaryDirectory(prefix="oversight-release-") as folder:
        path = Path(folder) / safe_name(name)
        try:
            path.write_bytes(content)
        except OSError as error:  # a full disk is this machine's trouble, not the file's: tried again
            raise FetchFailed(f"it could not be written to a temporary file ({error.strerror})") from None
        match kind.importer:
            case "nof":
                return read_nof_file(path)
            case "league":
                return read_league_file(path)
            case "ods":
                return read_ods_file(path, regions)
            case "succ":
                return read_succ_file(path)
            case "icbs":
                return read_icb_file(path)
    raise ValueError(f"no reader for {kind}")


def safe_name(name: str) -> str:
    """The file's own name where it is plain (the import records it), else a neutral one."""
    base = _UNSAFE.sub("_", name.rsplit("/", 1)[-1]).lstrip(".")
    return base[:200] or "download.csv"


def unzip_member(archive_name: str, content: bytes, member: str, max_bytes: int) -> tuple[str, bytes]:
    """The bytes of `member` in a zip archive, read no further than `max_bytes`."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = {Path(info.filename).name.lower(): info for info in archive.infolist() if not info.is_dir()}
            info = names.get(member.lower())
            if info is None:
                held = ", ".join(sorted(names)) or "nothing"
                raise _refused(archive_name, f"the archive holds no {member} (it holds {held})")
            if info.file_size > max_bytes:
                raise _refused(archive_name, f"{member} is {info.file_size:,} bytes unpacked, more than the limit")
            with archive.open(info) as handle:
                data = handle.read(max_bytes + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise _refused(archive_name, "it is not a zip archive that can be read") from None
    except (NotImplementedError, RuntimeError) as error:  # an unsupported compression, or encrypted
        raise _refused(archive_name, f"its {member} cannot be unpacked ({type(error).__name__})") from None
    if len(data) > max_bytes:
        raise _refused(archive_name, f"{member} unpacks to more than the limit of {max_bytes:,} bytes")
    return Path(info.filename).name, data


def _refused(name: str, problem: str) -> ImportFileError:
    return ImportFileError(name, [FileProblem(None, problem)])
