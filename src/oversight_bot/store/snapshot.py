"""Load the read model (`services.snapshot.Snapshot`) from the store in a few whole-table reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from oversight_bot.domain.assessments import Assessment
from oversight_bot.domain.metrics import DomainResult, MetricValue
from oversight_bot.domain.quarters import Quarter
from oversight_bot.domain.register import FormerName, IcbMembership, Succession, successions_reaching
from oversight_bot.errors import StoreUnavailable
from oversight_bot.services.snapshot import Register, Snapshot
from oversight_bot.store import mapping
from oversight_bot.store.register import SqlAlchemyRegisterRepository
from oversight_bot.store.tables import (
    AliasRow,
    AssessmentRow,
    DomainResultRow,
    ImportRow,
    MetricRow,
    MetricScoreRow,
    MetricValueRow,
    OrganisationRow,
    SuccessionRow,
)

BATCH = 2_000  # rows fetched at a time from the big tables (see below)


@contextmanager
def unavailable_as_domain_error() -> Iterator[None]:
    """A database that is down or locked becomes `StoreUnavailable`, without the driver's message
    (which could quote a statement's parameters)."""
    try:
        yield
    except OperationalError as error:
        raise StoreUnavailable(f"the store is unavailable ({type(error.orig).__name__})") from None


class SqlAlchemySnapshotSource:
    def __init__(self, engine: Engine, session_factory: sessionmaker[Session]) -> None:
        self.engine = engine
        self.session_factory = session_factory
        self._version_query = select(func.max(ImportRow.id))

    def version(self) -> int:
        """The latest import's id: asked on every question, so a bare Core query, not a session."""
        with unavailable_as_domain_error(), self.engine.connect() as connection:
            return connection.execute(self._version_query).scalar() or 0

    def load(self) -> Snapshot:
        with unavailable_as_domain_error(), self.session_factory() as session, session.begin():
            version = session.scalar(self._version_query) or 0
            organisations = {
                row.ods_code: mapping.organisation_from_row(row) for row in session.scalars(select(OrganisationRow))
            }
            return Snapshot(
                version=version,
                organisations=organisations,
                aliases=_aliases(session),
                assessments=_assessments(session),
                domain_results=_domain_results(session),
                scores=_scores(session),
                values=_values(session),
                register=_register(session, organisations),
                metrics={row.metric_id: mapping.info_from_row(row) for row in session.scalars(select(MetricRow))},
            )


def _aliases(session: Session) -> dict[str, set[str]]:
    aliases: dict[str, set[str]] = {}
    for row in session.scalars(select(AliasRow)):
        aliases.setdefault(row.alias, set()).add(row.ods_code)
    return aliases


def _assessments(session: Session) -> dict[str, list[Assessment]]:
    assessments: dict[str, list[Assessment]] = {}
    for row in session.scalars(
        select(AssessmentRow).order_by(AssessmentRow.quarter, AssessmentRow.id).execution_options(yield_per=BATCH)
    ):
        assessments.setdefault(row.ods_code, []).append(mapping.assessment_from_row(row))
    return assessments


# The three big tables (tens of thousands of rows at NHS England's scale) are read as plain rows,
# in the order of the domain type's fields, not as ORM objects: building and tracking an object per
# row cost three quarters of the load, paid by every process that answers a question. They are
# fetched `BATCH` rows at a time: fetching all of a table's rows at once is one call that holds the
# interpreter's lock throughout (over 0.1 s at 50,000 organisations), and a server builds its next
# read model on a background thread while its requests wait for that lock.


def _domain_results(session: Session) -> dict[tuple[str, Quarter], list[DomainResult]]:
    d = DomainResultRow
    domains: dict[tuple[str, Quarter], list[DomainResult]] = {}
    for row in session.execute(
        select(d.ods_code, d.quarter, d.domain, d.score, d.segment)
        .order_by(d.domain)
        .execution_options(yield_per=BATCH)
    ):
        domains.setdefault((row.ods_code, row.quarter), []).append(mapping.domain_result_from_row(row))
    return domains


def _register(session: Session, organisations: Iterable[str]) -> Register:
    """The register's history, with only the successions answers about an organisation held can
    reach (through chains of any length): ODS's file names every kind of organisation (11,537
    rows), read here as plain rows."""
    repository = SqlAlchemyRegisterRepository(session)
    s = SuccessionRow
    every = (Succession(*row) for row in session.execute(select(s.predecessor, s.successor, s.effective_on)))
    successions = successions_reaching(organisations, every)
    names: dict[str, list[FormerName]] = {}
    for name in repository.former_names():
        names.setdefault(name.ods_code, []).append(name)
    memberships: dict[str, list[IcbMembership]] = {}
    for membership in repository.memberships():
        memberships.setdefault(membership.ods_code, []).append(membership)
    return Register(successions, names, memberships)


def _values(session: Session) -> dict[tuple[str, Quarter], list[MetricValue]]:
    v = MetricValueRow
    columns = (v.ods_code, v.quarter, v.metric_id, v.value, v.reporting_date, v.median, v.lower_quartile)
    values: dict[tuple[str, Quarter], list[MetricValue]] = {}
    for row in session.execute(select(*columns, v.upper_quartile, v.rank, v.units).execution_options(yield_per=BATCH)):
        values.setdefault((row.ods_code, row.quarter), []).append(mapping.value_from_row(row))
    return values


def _scores(session: Session) -> dict[tuple[str, Quarter], dict[str, Decimal]]:
    s = MetricScoreRow
    scores: dict[tuple[str, Quarter], dict[str, Decimal]] = {}
    for code, quarter, metric_id, score in session.execute(
        select(s.ods_code, s.quarter, s.metric_id, s.score).execution_options(yield_per=BATCH)
    ):
        scores.setdefault((code, quarter), {})[metric_id] = score
    return scores
