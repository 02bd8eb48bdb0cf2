"""The organisation register's history in the store: successions, former names, ICB memberships."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from oversight_bot.domain.register import FormerName, IcbMembership, Succession
from oversight_bot.store.tables import FormerNameRow, IcbMembershipRow, SuccessionRow


class SqlAlchemyRegisterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def successions(self) -> list[Succession]:
        return [succession_from_row(row) for row in self.session.scalars(select(SuccessionRow))]

    def replace_successions(self, successions: Iterable[Succession]) -> None:
        """ODS publishes the whole successor file each time: it replaces what was held."""
        self.session.execute(delete(SuccessionRow))
        rows = [
            {"predecessor": s.predecessor, "successor": s.successor, "effective_on": s.effective_on}
            for s in successions
        ]
        if rows:
            self.session.execute(insert(SuccessionRow), rows)

    def former_names(self) -> list[FormerName]:
        return [former_name_from_row(row) for row in self.session.scalars(select(FormerNameRow))]

    def add_former_names(self, names: Iterable[FormerName]) -> None:
        self.session.flush()  # the organisations they belong to first
        self.session.add_all(
            FormerNameRow(ods_code=n.ods_code, name=n.name, until=n.until, source=n.source) for n in names
        )

    def memberships(self) -> list[IcbMembership]:
        query = select(IcbMembershipRow).order_by(IcbMembershipRow.ods_code, IcbMembershipRow.id)
        return [membership_from_row(row) for row in self.session.scalars(query)]

    def replace_memberships(self, memberships: Mapping[str, Iterable[IcbMembership]]) -> None:
        """For each organisation named, its whole membership history as given (one delete, one insert)."""
        if not memberships:
            return
        self.session.flush()  # the organisations they belong to first
        self.session.execute(delete(IcbMembershipRow).where(IcbMembershipRow.ods_code.in_(list(memberships))))
        rows = [
            {"ods_code": code, "icb_code": m.icb_code, "since": m.since, "until": m.until, "source": m.source}
            for code, held in memberships.items()
            for m in held
        ]
        if rows:
            self.session.execute(insert(IcbMembershipRow), rows)


def succession_from_row(row: SuccessionRow) -> Succession:
    return Succession(row.predecessor, row.successor, row.effective_on)


def former_name_from_row(row: FormerNameRow) -> FormerName:
    return FormerName(row.ods_code, row.name, row.until, row.source)


def membership_from_row(row: IcbMembershipRow) -> IcbMembership:
    return IcbMembership(row.ods_code, row.icb_code, row.since, row.until, row.source)
