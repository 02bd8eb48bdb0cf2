"""One session, one transaction: the repositories and the outbox share it, and it rolls back unless committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlAlchemyTimeout
from sqlalchemy.orm import Session, sessionmaker

from oversight_bot.errors import StoreConflict, StoreUnavailable
from oversight_bot.store.concerns import SqlAlchemyAuditLog, SqlAlchemyConcernRepository
from oversight_bot.store.deliveries import SqlAlchemyDeliveryRepository
from oversight_bot.store.register import SqlAlchemyRegisterRepository
from oversight_bot.store.releases import SqlAlchemyReleaseRecords
from oversight_bot.store.repositories import (
    SqlAlchemyAssessmentRepository,
    SqlAlchemyImportLog,
    SqlAlchemyMetricRepository,
    SqlAlchemyOrganisationRepository,
    SqlAlchemyOutbox,
)
from oversight_bot.store.subscriptions import SqlAlchemySubscriptionRepository

# Down, locked past the wait, or out of connections.
UNAVAILABLE = (OperationalError, InterfaceError, SqlAlchemyTimeout)


def store_unavailable(error: BaseException) -> StoreUnavailable:
    """Said without the driver's message, which may quote a statement's parameters (a concern's words)."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    return StoreUnavailable(f"the store is unavailable ({type(cause).__name__})")


@contextmanager
def unavailable_as_store_error() -> Iterator[None]:
    """For store code outside a unit of work: the same StoreUnavailable, raised the same way."""
    try:
        yield
    except UNAVAILABLE as error:
        raise store_unavailable(error) from None


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], audit_key: bytes | None = None) -> None:
        self.session_factory = session_factory
        self.audit_key = audit_key

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.organisations = SqlAlchemyOrganisationRepository(self.session)
        self.metrics = SqlAlchemyMetricRepository(self.session)
        self.assessments = SqlAlchemyAssessmentRepository(self.session)
        self.outbox = SqlAlchemyOutbox(self.session)
        self.imports = SqlAlchemyImportLog(self.session)
        self.register = SqlAlchemyRegisterRepository(self.session)
        self.subscriptions = SqlAlchemySubscriptionRepository(self.session)
        self.deliveries = SqlAlchemyDeliveryRepository(self.session)
        self.concerns = SqlAlchemyConcernRepository(self.session)
        self.audit = SqlAlchemyAuditLog(self.session, self.audit_key)
        self.releases = SqlAlchemyReleaseRecords(self.session)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # Roll back whatever was not committed, then give the connection back.
        with suppress(DBAPIError):  # a store that is down cannot roll back either; nothing was kept
            self.session.rollback()
        self.session.close()
        if isinstance(error, UNAVAILABLE):
            raise store_unavailable(error) from None
        if isinstance(error, IntegrityError):
            # Said without the driver's message too: it quotes the row's values.
            raise StoreConflict(f"a constraint refused the write ({type(error.orig).__name__})") from None

    def commit(self) -> None:
        self.metrics.write_pending()
        self.assessments.write_pending()
        self.session.commit()
