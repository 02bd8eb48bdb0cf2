"""The composition root: settings in, a wired application out. Nothing is wired at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_bolt import App
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from oversight_bot.chat.handle import Conversation
from oversight_bot.config import Settings
from oversight_bot.domain.frameworks import FrameworkCatalogue
from oversight_bot.errors import StoreUnavailable
from oversight_bot.ingest.frameworks import read_frameworks
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_alias_file, read_icb_file, read_ods_file, read_regions_file
from oversight_bot.ingest.segments import read_segments_file
from oversight_bot.services.imports import Importer, ImportReport
from oversight_bot.services.ports import UnitOfWork
from oversight_bot.services.seeding import SeedReaders, seed
from oversight_bot.services.segments import SegmentService
from oversight_bot.slack.app import build_slack_app
from oversight_bot.slack.http import create_http_app
from oversight_bot.store import schema
from oversight_bot.store.db import make_engine, make_session_factory
from oversight_bot.store.snapshot import SqlAlchemySnapshotSource
from oversight_bot.store.unit_of_work import SqlAlchemyUnitOfWork

logger = logging.getLogger(__name__)

SEED_READERS = SeedReaders(
    regions=read_regions_file,
    ods=read_ods_file,
    icbs=read_icb_file,
    aliases=read_alias_file,
    nof=read_nof_file,
    segments=read_segments_file,
)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Application:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    frameworks: FrameworkCatalogue
    importer: Importer
    segments: SegmentService
    conversation: Conversation
    uow: Callable[[], UnitOfWork]

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, *, prepare_store: bool = True) -> Application:
    """Wire the application; by default bring the schema up to date and seed an empty store."""
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    frameworks = read_frameworks(settings.frameworks_path, settings.nof2026_thresholds)

    def uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    segments = SegmentService(SqlAlchemySnapshotSource(engine, session_factory), frameworks)
    importer = Importer(uow, SystemClock(), frameworks, after_commit=segments.invalidate)
    app = Application(settings, engine, session_factory, frameworks, importer, segments, Conversation(segments), uow)
    if prepare_store:
        prepare(app)
    return app


def healthy(app: Application) -> Callable[[], bool]:
    """Whether the store answers: what `/healthz` reports."""

    def check() -> bool:
        try:
            app.segments.source.version()
        except StoreUnavailable:
            return False
        return True

    return check


def slack_app(app: Application, *, socket_mode: bool) -> App:
    return build_slack_app(app.settings, app.conversation, app.engine, socket_mode=socket_mode)


def slack_http_app_from_environment() -> Starlette:
    """uvicorn's factory for `oversight serve --slack-http --workers N`: each process wires its own."""
    app = build(Settings())
    return create_http_app(slack_app(app, socket_mode=False), healthy(app))


def prepare(app: Application) -> list[ImportReport]:
    """Create or upgrade the schema, and load the seeds into a store that has never imported anything."""
    schema.upgrade(app.engine)
    if not app.settings.seed_on_first_use or app.segments.source.version() > 0:
        return []
    logger.info("empty store: loading the seed data from %s", app.settings.seeds_dir)
    return seed(app.importer, app.settings.seeds_dir, SEED_READERS)
