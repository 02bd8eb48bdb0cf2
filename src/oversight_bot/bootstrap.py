"""The composition root: settings in, a wired application out. Nothing is wired at import time.

Each chat platform's SDK (Bolt, the Agents SDK, Starlette), the file readers and Alembic are
imported only by the function that needs them: a command line answer should not pay for them
(docs/benchmarks.md, "Start-up"). So is SQLAlchemy: on a SQLite store, an answer from the read
model's cache (store/read_model_cache.py) never makes the engine (`Database`).
"""

from __future__ import annotations

import fcntl
import functools
import logging
import math
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from oversight_bot.chat.concerning import Concerning
from oversight_bot.chat.handle import Conversation
from oversight_bot.chat.subscribing import Subscribing
from oversight_bot.config import Settings, release_sources, sqlite_file_path
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.concerns import Category, FlagRule, Severity
from oversight_bot.domain.frameworks import FrameworkCatalogue
from oversight_bot.domain.subscriptions import Destination
from oversight_bot.errors import ConfigurationError, StoreUnavailable
from oversight_bot.ingest.frameworks import read_frameworks
from oversight_bot.logs import guard_library_loggers
from oversight_bot.services.access import Access, AccessRules, Directory, NoGroups, Role, SubscriptionPolicy
from oversight_bot.services.concerns import ConcernService
from oversight_bot.services.ports import Clock, UnitOfWork
from oversight_bot.services.segments import SegmentService
from oversight_bot.services.snapshot import SnapshotSource
from oversight_bot.services.subscriptions import SubscriptionService
from oversight_bot.store import schema
from oversight_bot.store.read_model_cache import CachedSnapshotSource
from oversight_bot.store.sqlite_file import SqliteFile

if TYPE_CHECKING:
    from aiohttp import web
    from microsoft_agents.hosting.core import AccessTokenProviderBase
    from slack_bolt import App
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker
    from starlette.applications import Starlette

    from oversight_bot.delivery.worker import DeliveryWorker, Notifier
    from oversight_bot.services.imports import Importer, ImportReport
    from oversight_bot.services.release_checks import Fetcher, ReleaseChecks
    from oversight_bot.services.release_status import ReleaseStatus, ReleaseStatusQuery
    from oversight_bot.services.seeding import SeedReaders
    from oversight_bot.serving.offload import Offload
    from oversight_bot.slack.answers import KeptCommandAnswers
    from oversight_bot.slack.notifier import SlackNotifier
    from oversight_bot.teams.agent import TeamsAgent
    from oversight_bot.teams.notifier import TeamsNotifier

logger = logging.getLogger(__name__)


def seed_readers() -> SeedReaders:
    from oversight_bot.ingest.league import read_league_file
    from oversight_bot.ingest.nof import read_nof_file
    from oversight_bot.ingest.organisations import (
        read_alias_file,
        read_icb_file,
        read_memberships_file,
        read_ods_file,
        read_regions_file,
        read_succ_file,
    )
    from oversight_bot.ingest.seeds import read_seed_manifest
    from oversight_bot.ingest.segments import read_segments_file
    from oversight_bot.services.seeding import SeedReaders

    return SeedReaders(
        manifest=read_seed_manifest,
        regions=read_regions_file,
        ods=read_ods_file,
        icbs=read_icb_file,
        succ=read_succ_file,
        memberships=read_memberships_file,
        aliases=read_alias_file,
        nof=read_nof_file,
        segments=read_segments_file,
        league=read_league_file,
    )


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Database:
    """The store's SQLAlchemy engine and sessions, made when first used (by any thread): on a SQLite
    file, an answer from the read model's cache needs neither, and importing SQLAlchemy took longer
    than the rest of such an answer. `file` is that SQLite file, read with `sqlite3` (else None)."""

    def __init__(self, url: str) -> None:
        self.url = url
        path = sqlite_file_path(url)
        self.file = SqliteFile(path) if path is not None else None
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        return self._made()[0]

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self._made()[1]

    def _made(self) -> tuple[Engine, sessionmaker[Session]]:
        with self._lock:
            if self._engine is None or self._sessions is None:
                from oversight_bot.serving import metrics
                from oversight_bot.store.db import make_engine, make_session_factory

                self._engine = make_engine(self.url)
                metrics.time_statements(self._engine)
                self._sessions = make_session_factory(self._engine)
            return self._engine, self._sessions

    def snapshot_source(self, cached: bool = True) -> SnapshotSource:
        """The read model's source: on a SQLite file, the cache beside it (store/read_model_cache.py);
        on PostgreSQL, or for a long-running process (`cached` False), the store itself
        (docs/benchmarks.md says why)."""

        def from_store() -> SnapshotSource:
            from oversight_bot.store.snapshot import SqlAlchemySnapshotSource

            return SqlAlchemySnapshotSource(self.engine, self.session_factory)

        return CachedSnapshotSource(self.file, from_store) if self.file is not None and cached else from_store()

    def at_head(self) -> bool:
        """Whether the schema is at the newest revision (on a SQLite file, asked with `sqlite3`)."""
        if self.file is None:
            return schema.at_head(self.engine)
        try:
            return self.file.revision() == schema.declared_head()
        except StoreUnavailable:  # the upgrade that follows reports it, in SQLAlchemy's words
            return False

    def preparing(self, waiting: Callable[[], None]) -> AbstractContextManager[None]:
        """One process at a time prepares the store (`schema.preparing`); a SQLite file's lock is
        taken without the engine."""
        if self.file is not None:
            return schema.preparing_file(self.file.path, waiting)
        return schema.preparing(self.engine, waiting)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@dataclass
class Application:
    settings: Settings
    database: Database
    frameworks: FrameworkCatalogue
    segments: SegmentService
    subscriptions: SubscriptionService
    concerns: ConcernService
    conversation: Conversation
    uow: Callable[[], UnitOfWork]
    clock: Clock
    releases: ReleaseStatusOnDemand | None = None

    @property
    def engine(self) -> Engine:
        return self.database.engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.database.session_factory

    def close(self) -> None:
        self.database.close()

    @functools.cached_property
    def importer(self) -> Importer:
        """Made when first used: most commands never import a file (and the importer's modules take a
        while to load)."""
        from oversight_bot.services.imports import Importer

        return Importer(self.uow, self.clock, self.frameworks, after_commit=self.segments.invalidate)

    @functools.cached_property
    def slack_answers(self) -> KeptCommandAnswers:
        """Slash commands' kept answers, shared by the Bolt listeners that keep them and the HTTP
        layer that gives them again (slack/answers.py); made when Slack is first used."""
        from oversight_bot.slack.answers import KeptCommandAnswers

        return KeptCommandAnswers(self.conversation)


def build(
    settings: Settings,
    *,
    prepare_store: bool = True,
    clock: Clock | None = None,
    uow: Callable[[], UnitOfWork] | None = None,
    directory: Directory | None = None,
    read_model_cache: bool = True,
) -> Application:
    """Wire the application; by default bring the schema up to date and seed an empty store.

    `read_model_cache`: whether the read model comes from the cache beside a SQLite file. Long-running
    processes (servers, the alert worker) say no: they load once and then in the background, and
    reading or writing the cache is one pickle call that holds the interpreter's lock throughout
    (about a second at 50,000 organisations, every request waiting), where a load from the store
    lets other threads run (bench/bench_rebuild.py).

    Tests and benchmarks wire the real thing with one call, replacing only what they must: the
    clock (a fake one they move), the unit of work (in-memory fakes), the directory of groups.
    """
    guard_library_loggers()  # whoever configured logging, library loggers never print bodies
    database = Database(settings.database_url)
    frameworks = read_frameworks(settings.frameworks_path, settings.nof2026_thresholds)

    key = audit_key(settings)

    def sqlalchemy_uow() -> UnitOfWork:
        from oversight_bot.store.unit_of_work import SqlAlchemyUnitOfWork

        return SqlAlchemyUnitOfWork(database.session_factory, key)

    given_uow, uow = uow, uow or sqlalchemy_uow
    clock = clock or SystemClock()
    segments = SegmentService(
        database.snapshot_source(cached=read_model_cache),
        frameworks,
        stale_after_months=settings.stale_after_months,
    )
    access = Access(access_rules(settings), directory or groups_directory(settings, database))
    subscriptions = SubscriptionService(uow, clock, access)
    # Open concern counts (in every `segment` answer) and the audit trail's keying (checked at every
    # start) straight from a SQLite file, like the cache's check.
    quick = database.file if given_uow is None else None
    concerns = ConcernService(
        uow,
        clock,
        access,
        flag_rules(settings),
        audit_key=key,
        open_counts=quick.open_concern_counts if quick else None,
        keyed_from=quick.audit_keyed_from if quick else None,
    )
    subscribing = Subscribing(subscriptions, ZoneInfo(settings.digest_time_zone))
    releases = ReleaseStatusOnDemand(settings, uow, access)
    conversation = Conversation(segments, subscribing, Concerning(concerns, segments), access, releases)
    app = Application(
        settings,
        database,
        frameworks,
        segments,
        subscriptions,
        concerns,
        conversation,
        uow,
        clock,
        releases,
    )
    if prepare_store:
        try:
            prepare(app)
        except BaseException:
            app.close()  # refused (a misconfiguration, the store busy): no connection left open
            raise
    return app


def access_rules(settings: Settings) -> AccessRules:
    try:
        members = {Role(name): frozenset(ids) for name, ids in settings.roles.items()}
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ConfigurationError(f"OVERSIGHT_ROLES names an unknown role; the roles are {known}") from None
    policy, _, group = settings.subscription_changes.partition(":")
    try:
        return AccessRules(members, SubscriptionPolicy(policy), group or None)
    except ValueError:
        raise ConfigurationError("OVERSIGHT_SUBSCRIPTION_CHANGES is anyone, admins or group:<id or role>") from None


def audit_key(settings: Settings) -> bytes | None:
    """The audit chain's HMAC key; its length is checked with the other settings (config.py)."""
    return settings.audit_key.get_secret_value().encode() if settings.audit_key else None


def flag_rules(settings: Settings) -> list[FlagRule]:
    rules = []
    for text in settings.concern_flag_rules:
        category, _, severity = text.partition(":")
        try:
            rules.append(FlagRule(Category(category), Severity(severity)))
        except ValueError:
            raise ConfigurationError(f"OVERSIGHT_CONCERN_FLAG_RULES: {text!r} is not category:severity") from None
    return rules


def groups_directory(settings: Settings, database: Database) -> Directory:
    if not settings.slack_configured:
        return NoGroups()
    from oversight_bot.slack.app import slack_tokens
    from oversight_bot.slack.directory import SlackDirectory

    return SlackDirectory(settings.slack_api_url, slack_tokens(settings, database.engine))


def admin_destination(settings: Settings, notifiers: dict[str, Notifier]) -> Destination | None:
    """Where admins are told things: Slack's admin channel, else Teams' admin conversation (if that
    platform can be sent to)."""
    if settings.slack_admin_channel and "slack" in notifiers:
        workspace, _, channel = settings.slack_admin_channel.rpartition(":")  # "C0ADMIN" or "T0TEAM:C0ADMIN"
        return Destination("slack", workspace, channel)
    if settings.teams_admin_conversation and "teams" in notifiers:
        return Destination("teams", "", settings.teams_admin_conversation)
    return None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def delivery_worker(app: Application, notifiers: dict[str, Notifier], worker_id: str | None = None) -> DeliveryWorker:
    """The alert worker, sending through the notifiers given (Slack, the console)."""
    from oversight_bot.delivery.worker import DeliveryWorker, WorkerSettings

    settings = app.settings
    options = WorkerSettings(
        worker_id=worker_id or worker_name(),
        interval_s=settings.alert_interval_s,
        lease_s=settings.alert_lease_s,
        zone=ZoneInfo(settings.digest_time_zone),
        admin_destination=admin_destination(settings, notifiers),
    )
    return DeliveryWorker(app.uow, notifiers, app.segments, app.clock, options)


class ReleaseStatusOnDemand:
    """The release checks' status query, made when first asked for: its modules (the sources, the
    check records, the file types) cost every command about 20 ms at start, and only the
    `releases status` answers use them."""

    def __init__(self, settings: Settings, uow: Callable[[], UnitOfWork], access: Access) -> None:
        self.settings, self.uow, self.access = settings, uow, access

    @functools.cached_property
    def query(self) -> ReleaseStatusQuery:
        from oversight_bot.services.release_status import ReleaseStatusQuery

        interval = release_interval(self.settings)
        return ReleaseStatusQuery(release_sources(self.settings), self.uow, self.access, interval)

    def status(self, actor: Actor) -> ReleaseStatus:
        return self.query.status(actor)


def release_interval(settings: Settings) -> timedelta | None:
    hours = settings.releases_check_hours
    return timedelta(hours=hours) if hours is not None else None


def release_checks(
    app: Application,
    notifiers: dict[str, Notifier],
    *,
    fetcher: Fetcher | None = None,
    sleep: Callable[[float], None] | None = None,
    holder: str | None = None,
) -> ReleaseChecks:
    """The release checks (docs/releases.md): the configured sources, fetched over https (`fetcher`,
    or `sleep` for its backoff: tests replace them), imported by this application's importer, the
    admins told through the alerts' admin channel."""
    from oversight_bot.chat.releases import release_news
    from oversight_bot.delivery.worker import AdminChannel
    from oversight_bot.domain.sources import FileKind
    from oversight_bot.ingest.downloads import read_download
    from oversight_bot.ingest.organisations import read_regions_file
    from oversight_bot.ingest.web import MB, FetchLimits, HttpFetcher
    from oversight_bot.services.release_checks import ReleaseChecks
    from oversight_bot.services.releases import Batch

    settings = app.settings
    max_bytes = settings.releases_max_mb * MB
    if fetcher is None:
        limits = FetchLimits(max_bytes=max_bytes, timeout_s=settings.releases_timeout_s)
        fetcher = HttpFetcher(settings.release_policy, limits, sleep)
    regions_file = settings.seeds_dir / "regions.csv"  # ODS's region codes, read when an ODS file comes

    def unpack(kind: FileKind, name: str, content: bytes, member: str | None) -> Batch:
        regions = read_regions_file(regions_file) if kind is FileKind.ODS_TRUSTS else {}
        return read_download(kind, name, content, member, regions, max_bytes)

    channel = AdminChannel(admin_destination(settings, notifiers), notifiers)
    return ReleaseChecks(
        release_sources(settings),
        settings.release_policy,
        app.uow,
        app.clock,
        app.importer,
        fetcher,
        unpack,
        holder=holder or worker_name(),
        tell_admins=(lambda records: channel.tell(release_news(records))) if channel.configured else None,
        every=release_interval(settings),
    )


@contextmanager
def sole_sqlite_worker(app: Application) -> Iterator[bool]:
    """On SQLite only one alert worker may run (there are no row locks to share the work): a file
    lock beside the database says whether this is it. On PostgreSQL any number may run."""
    database = app.engine.url.database
    if app.engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield True
        return
    with open(f"{database}.worker-lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def slack_notifier(app: Application) -> SlackNotifier:
    from oversight_bot.slack.app import slack_tokens
    from oversight_bot.slack.notifier import SlackNotifier

    settings = app.settings
    return SlackNotifier(settings.slack_api_url, slack_tokens(settings, app.engine), settings.alert_send_timeout_s)


def ready(app: Application) -> Callable[[], bool]:
    """Whether this process can answer: its read model is loaded and the store answers its checks.
    What `/readyz` reports, in microseconds and without touching the store (services/segments.py)."""

    def check() -> bool:
        app.segments.poke()
        return app.segments.ready()

    return check


def update_gauges(app: Application, every_s: float = 1.0) -> Callable[[], None]:
    """Set the gauges a scrape reports from this process's state (no store call), at most once a
    second (called after requests, so that every worker's gauges are current whichever is scraped)."""
    from oversight_bot.serving import metrics

    last = -math.inf

    def update() -> None:
        nonlocal last
        if time.monotonic() - last < every_s:
            return
        last = time.monotonic()
        metrics.READ_MODEL_AGE.set(app.segments.age_s())
        reader = app.segments.current()
        if reader is not None:
            metrics.READ_MODEL_VERSION.set(reader.snapshot.version)

    return update


SERVING_SWITCH_INTERVAL_S = 0.001  # Python's default is 0.005


def ready_to_serve() -> None:
    """What a server process does once its read model is loaded, before it answers anyone.

    - Threads take turns with the interpreter's lock every millisecond instead of every five: while
      a new read model is built on a background thread, each request's thread waits for the lock at
      every hand-over (the thread pool, the store, the socket), and at five milliseconds a turn a
      request that hands over a dozen times waited 60-130 ms; at one, under 30
      (bench/bench_rebuild.py).
    - A practice chart is drawn on a thread of its own: the first chart of a process costs what it
      pays once (matplotlib's import and fonts, about 0.3 s more than any later chart), paid here
      rather than by the first person who asks (bench/bench_positions.py).
    """
    sys.setswitchinterval(SERVING_SWITCH_INTERVAL_S)

    def draw_practice_chart() -> None:
        from oversight_bot.charts.draw import warm_up

        try:
            warm_up()
        except Exception:  # a chart is an extra: the answers it goes with are given without it
            logger.warning("charts could not be drawn; answers will come without them", exc_info=True)

    threading.Thread(target=draw_practice_chart, name="chart warm-up", daemon=True).start()


def slack_app(app: Application, *, socket_mode: bool, listener_executor: Executor | None = None) -> App:
    """The Bolt app; `listener_executor` runs its lazy listeners (tests wait on one of their own)."""
    from oversight_bot.slack.app import build_slack_app

    return build_slack_app(
        app.settings,
        app.conversation,
        app.engine,
        socket_mode=socket_mode,
        listener_executor=listener_executor,
        kept=app.slack_answers,
    )


# Teams: the Agents SDK takes most of a second to import, so it is imported only when Teams is used.


def teams_agent(app: Application) -> TeamsAgent:
    from oversight_bot.store.teams import SqlAlchemyConversationAddresses
    from oversight_bot.teams.agent import TeamsAgent

    addresses = SqlAlchemyConversationAddresses(app.session_factory)
    concerning = Concerning(app.concerns, app.segments)
    return TeamsAgent(app.conversation, concerning, addresses, now=app.clock.now)


def teams_web_app(app: Application, tokens: AccessTokenProviderBase | None = None) -> web.Application:
    """POST /api/messages and /healthz; `tokens` stands in for Microsoft Entra (tests)."""
    from oversight_bot.teams.app import build_teams_web_app

    return build_teams_web_app(app.settings, teams_agent(app), token_provider=tokens, ready=ready(app))


def teams_notifier(app: Application, tokens: AccessTokenProviderBase | None = None) -> TeamsNotifier:
    from oversight_bot.store.teams import SqlAlchemyConversationAddresses
    from oversight_bot.teams.app import token_provider_for
    from oversight_bot.teams.notifier import TeamsNotifier

    addresses = SqlAlchemyConversationAddresses(app.session_factory)
    provider = tokens or token_provider_for(app.settings)
    with_credentials = app.settings.teams_app_id is not None
    return TeamsNotifier(addresses, provider, app.settings.alert_send_timeout_s, require_https=with_credentials)


def slack_http_app(app: Application, offload: Offload | None = None, bolt: App | None = None) -> Starlette:
    """Slack's HTTP mode: the gate, the shared replay guard, the bounded pool (`offload`: another
    deadline, for tests), health and metrics; `bolt`: the Bolt app to serve (tests wait on its lazy
    listeners), else this application's own."""
    from oversight_bot.slack.http import HttpServing, create_http_app
    from oversight_bot.store.replays import seen_requests_for

    bolt = bolt or slack_app(app, socket_mode=False)  # refuses to build without a signing secret
    assert app.settings.slack_signing_secret is not None
    serving = HttpServing(
        signing_secret=app.settings.slack_signing_secret.get_secret_value(),
        ready=ready(app),
        seen=seen_requests_for(app.engine),
        before_metrics=update_gauges(app),
        kept=None if app.settings.slack_oauth else app.slack_answers,
    )
    if offload is not None:
        serving.offload = offload
    return create_http_app(bolt, serving)


def prepare(app: Application) -> list[ImportReport]:
    """Create or upgrade the schema, and load the seeds into a store that has never imported
    anything; one process at a time (another started at the same moment waits its turn). Then
    refuse to go on with a keyed audit trail and no key."""
    with app.database.preparing(waiting=_say_waiting):
        if not app.database.at_head():
            schema.upgrade(app.engine)
        reports = _seed_on_first_use(app)
    _check_audit_key(app)
    return reports


def _seed_on_first_use(app: Application) -> list[ImportReport]:
    if not app.settings.seed_on_first_use or app.segments.source.version() > 0:
        return []
    from oversight_bot.services.seeding import seed
    from oversight_bot.serving import metrics

    logger.info("empty store: loading the seed data from %s", app.settings.seeds_dir)
    reports = seed(app.importer, app.settings.seeds_dir, seed_readers())
    for report in reports:
        metrics.count_import(report.kind, "changed" if report.changed else "unchanged")
    return reports


def _check_audit_key(app: Application) -> None:
    """A store whose audit trail is keyed cannot record a concern's filing or viewing without its
    key: said at start-up, not to the first person who files a concern."""
    if app.settings.audit_key is not None:
        return
    keyed_from = app.concerns.audit_keyed_from()
    if keyed_from is not None:
        raise ConfigurationError(
            f"OVERSIGHT_AUDIT_KEY is not set, but this store's audit trail is keyed (from record {keyed_from}); "
            "set it to the key the trail was keyed with (docs/concerns.md)"
        )


def _say_waiting() -> None:
    logger.warning(
        "another process is preparing the store (schema, seed data): waiting for it to finish (at most %.0f s)",
        schema.PREPARE_WAIT_S,
    )
