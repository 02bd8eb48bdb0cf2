"""What the admins see of the release checks (`oversight releases status`, `/oversight releases`):
every configured source, when it was last checked, what was found, imported or refused, and why.
Kept apart from the checks themselves, so that an answer loads none of the importer's modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from oversight_bot.domain.actors import Actor
from oversight_bot.domain.sources import Source, file_name
from oversight_bot.errors import NotAllowed
from oversight_bot.services.access import Access, Role
from oversight_bot.services.ports import UnitOfWork
from oversight_bot.services.release_records import CheckRun, FileRecord, FileStatus, UrlRecord


@dataclass(frozen=True, slots=True)
class FileState:
    url: str
    name: str
    kind: str
    checked: UrlRecord | None = None
    latest: FileRecord | None = None  # the last version handled
    last_imported: FileRecord | None = None


@dataclass(frozen=True, slots=True)
class SourceState:
    source: Source
    checked: UrlRecord | None
    files: tuple[FileState, ...] = ()


@dataclass(frozen=True, slots=True)
class ReleaseStatus:
    sources: tuple[SourceState, ...]
    run: CheckRun = field(default_factory=CheckRun)
    every: timedelta | None = None  # how often the worker checks; None: only on demand


class ReleaseStatusQuery:
    """Every configured source: when it was last checked, what was found, imported, refused and why."""

    def __init__(
        self, sources: Sequence[Source], uow: Callable[[], UnitOfWork], access: Access, every: timedelta | None
    ) -> None:
        self.sources = tuple(sources)
        self.uow = uow
        self.access = access
        self.every = every

    def status(self, actor: Actor) -> ReleaseStatus:
        if not self.access.has(actor, Role.ADMIN):
            raise NotAllowed("seeing the release checks")
        with self.uow() as uow:
            urls = {record.url: record for record in uow.releases.urls()}
            files = uow.releases.files()
            run = uow.releases.check_run()
        return ReleaseStatus(tuple(_source_state(s, urls, files) for s in self.sources), run, self.every)


def _source_state(source: Source, urls: dict[str, UrlRecord], files: list[FileRecord]) -> SourceState:
    checked = urls.get(source.url)
    if source.is_page:
        linked = [(url, kind) for url, kind in checked.links] if checked else []
    else:
        assert source.kind is not None
        linked = [(source.url, source.kind.value)]
    states = []
    for url, kind in linked:
        versions = [f for f in files if f.url == url]
        imported = next((f for f in versions if f.status is FileStatus.IMPORTED), None)
        latest = versions[0] if versions else None
        states.append(FileState(url, file_name(url), kind, urls.get(url), latest, imported))
    return SourceState(source, checked, tuple(states))
