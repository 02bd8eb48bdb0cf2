"""One session, one transaction: the repositories and the outbox share it, and it rolls back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from oversight_bot.store.deliveries import SqlAlchemyDeliveryRepository
from oversight_bot.store.repositories import (
    SqlAlchemyAssessmentRepository,
    SqlAlchemyImportLog,
    SqlAlchemyMetricRepository,
    SqlAlchemyOrganisationRepository,
    SqlAlchemyOutbox,
)
from oversight_bot.store.subscriptions import SqlAlchemySubscriptionRepository


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.organisations = SqlAlchemyOrganisationRepository(self.session)
        self.metrics = SqlAlchemyMetricRepository(self.session)
        self.assessments = SqlAlchemyAssessmentRepository(self.session)
        self.outbox = SqlAlchemyOutbox(self.session)
        self.imports = SqlAlchemyImportLog(self.session)
        self.subscriptions = SqlAlchemySubscriptionRepository(self.session)
        self.deliveries = SqlAlchemyDeliveryRepository(self.session)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # Roll back whatever was not committed, then give the connection back.
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
