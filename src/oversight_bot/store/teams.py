"""Teams conversation addresses in the store: kept from each conversation's latest activity, read
by the alert worker to post there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oversight_bot.domain.addresses import ConversationAddress
from oversight_bot.store.db import dialect_insert
from oversight_bot.store.tables import TeamsConversationRow
from oversight_bot.store.unit_of_work import unavailable_as_store_error


class SqlAlchemyConversationAddresses:
    """Writes only when an address is new or has changed (it rarely does), so that remembering it
    on every activity costs a dictionary lookup, not a write."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        self._known: dict[str, ConversationAddress] = {}

    def remember(self, address: ConversationAddress, at: datetime) -> None:
        if self._known.get(address.conversation_id) == address:
            return
        with unavailable_as_store_error():
            self._write(address, at)
        self._known[address.conversation_id] = address

    def _write(self, address: ConversationAddress, at: datetime) -> None:
        values = {
            "conversation_id": address.conversation_id,
            "service_url": address.service_url,
            "tenant_id": address.tenant_id,
            "bot_id": address.bot_id,
            "conversation_type": address.conversation_type,
            "team_id": address.team_id,
            "updated_at": at,
        }
        with self.session_factory() as session, session.begin():
            # An upsert: two processes may see the same conversation's first message at once.
            insert = dialect_insert(session)
            statement = insert(TeamsConversationRow).values(values)
            changes = {key: statement.excluded[key] for key in values if key != "conversation_id"}
            session.execute(statement.on_conflict_do_update(index_elements=["conversation_id"], set_=changes))

    def find(self, conversation_id: str) -> ConversationAddress | None:
        with unavailable_as_store_error(), self.session_factory() as session:
            row = session.get(TeamsConversationRow, conversation_id)
            return _address(row) if row is not None else None

    def of_team(self, team_id: str) -> list[ConversationAddress]:
        with unavailable_as_store_error(), self.session_factory() as session:
            rows = session.scalars(select(TeamsConversationRow).where(TeamsConversationRow.team_id == team_id))
            return [_address(row) for row in rows]


def _address(row: TeamsConversationRow) -> ConversationAddress:
    return ConversationAddress(
        row.conversation_id, row.service_url, row.tenant_id, row.bot_id, row.conversation_type, row.team_id
    )
