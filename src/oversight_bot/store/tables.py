"""SQLAlchemy 2.x tables of the segment store. Rows never leave `store/`: repositories map them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from oversight_bot.domain.quarters import Quarter
from oversight_bot.store.types import DecimalText, Hundredths, QuarterKey, UtcDateTime

# Named constraints, so that Alembic can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Platform ids: Slack's are short, but a Teams conversation id (`19:…@thread.tacv2`, or a personal
# chat's `a:…`) runs to well over 64 characters.
ID_LENGTH = 255


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ImportRow(Base):
    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Who published the file and when, as given at import; a secondary source is a third party's copy.
    publisher: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[str | None] = mapped_column(String(60))
    secondary: Mapped[bool] = mapped_column(Boolean, default=False)


class OrganisationRow(Base):
    __tablename__ = "organisations"

    ods_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    trust_type: Mapped[str | None] = mapped_column(String(60))
    trust_subtype: Mapped[str | None] = mapped_column(String(60))
    region: Mapped[str | None] = mapped_column(String(60))
    icb_code: Mapped[str | None] = mapped_column(String(10))
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)


class SuccessionRow(Base):
    """ODS's successor file: who took over from whom (any kind of organisation, known here or not)."""

    __tablename__ = "successions"

    predecessor: Mapped[str] = mapped_column(String(10), primary_key=True)
    successor: Mapped[str] = mapped_column(String(10), primary_key=True)
    effective_on: Mapped[date] = mapped_column(Date)


class FormerNameRow(Base):
    """A name an organisation had, kept when a newer register renamed it."""

    __tablename__ = "former_names"
    __table_args__ = (UniqueConstraint("ods_code", "name", "until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ods_code: Mapped[str] = mapped_column(ForeignKey("organisations.ods_code"))
    name: Mapped[str] = mapped_column(String(200))
    until: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300))


class IcbMembershipRow(Base):
    """An organisation's ICB over a span of dates (ODS's trust file gives only today's)."""

    __tablename__ = "icb_memberships"
    __table_args__ = (Index("ix_icb_memberships_ods_code", "ods_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ods_code: Mapped[str] = mapped_column(ForeignKey("organisations.ods_code"))
    icb_code: Mapped[str] = mapped_column(String(10))
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500))


class AliasRow(Base):
    __tablename__ = "organisation_aliases"

    alias: Mapped[str] = mapped_column(String(100), primary_key=True)
    ods_code: Mapped[str] = mapped_column(ForeignKey("organisations.ods_code"), primary_key=True)


class MetricRow(Base):
    """The metric catalogue, as NHS England describes each metric ID in its files."""

    __tablename__ = "metrics"

    metric_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(100))
    sub_domain: Mapped[str] = mapped_column(String(150))
    units: Mapped[str] = mapped_column(String(40))


class MetricValueRow(Base):
    """A published metric value (OF0xxx) with the peer distribution NHS England gives beside it."""

    __tablename__ = "metric_values"

    ods_code: Mapped[str] = mapped_column(ForeignKey("organisations.ods_code"), primary_key=True)
    quarter: Mapped[Quarter] = mapped_column(QuarterKey, primary_key=True)
    metric_id: Mapped[str] = mapped_column(ForeignKey("metrics.metric_id"), primary_key=True)
    # Part of the key: NHS England gives some metrics both as a rate and as a count.
    units: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    value: Mapped[Decimal] = mapped_column(DecimalText)
    reporting_date: Mapped[str] = mapped_column(String(80))
    median: Mapped[Decimal | None] = mapped_column(DecimalText)
    lower_quartile: Mapped[Decimal | None] = mapped_column(DecimalText)
    upper_quartile: Mapped[Decimal | None] = mapped_column(DecimalText)
    rank: Mapped[int | None] = mapped_column(Integer)


class MetricScoreRow(Base):
    """A metric score 1.00-4.00 (OF1xxx); published, or derived by the rules core."""

    __tablename__ = "metric_scores"

    ods_code: Mapped[str] = mapped_column(ForeignKey("organisations.ods_code"), primary_key=True)
    quarter: Mapped[Quarter] = mapped_column(QuarterKey, primary_key=True)
    metric_id: Mapped[str] = mapped_column(ForeignKey("metrics.metric_id"), primary_key=True)
    score: Mapped[Decimal] = mapped_column(Hundredths)
    reporting_date: Mapped[str] = mapped_column(String(80))
    rank: Mapped[int | None] = mapped_column(Integer)


class DomainResultRow(Base):
    __tablename__ = "domain_results"

    ods_code: Mapped[str] = mapped_column(ForeignKey("organisations.ods_code"), primary_key=True)
    quarter: Mapped[Quarter] = mapped_column(QuarterKey, primary_key=True)
    domain: Mapped[str] = mapped_column(String(100), primary_key=True)
    score: Mapped[Decimal | None] = mapped_column(Hundredths)
    segment: Mapped[int | None] = mapped_column(Integer)


class AssessmentRow(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("ods_code", "quarter", "basis"),
        Index("ix_assessments_quarter_basis", "quarter", "basis"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ods_code: Mapped[str] = mapped_column(ForeignKey("organisations.ods_code"))
    quarter: Mapped[Quarter] = mapped_column(QuarterKey)
    basis: Mapped[str] = mapped_column(String(12))
    framework: Mapped[str] = mapped_column(String(12))
    segment: Mapped[int] = mapped_column(Integer)
    adjusted_segment: Mapped[int | None] = mapped_column(Integer)
    unadjusted_segment: Mapped[int | None] = mapped_column(Integer)
    financial_override: Mapped[bool | None] = mapped_column(Boolean)
    in_improvement_programme: Mapped[bool | None] = mapped_column(Boolean)
    average_score: Mapped[Decimal | None] = mapped_column(Hundredths)
    rank: Mapped[int | None] = mapped_column(Integer)
    peer_count: Mapped[int | None] = mapped_column(Integer)
    peer_table: Mapped[str | None] = mapped_column(String(60))
    region: Mapped[str | None] = mapped_column(String(60))
    # The league table's likely ranges (NHS England's league-table file).
    average_low: Mapped[Decimal | None] = mapped_column(DecimalText)
    average_high: Mapped[Decimal | None] = mapped_column(DecimalText)
    rank_low: Mapped[int | None] = mapped_column(Integer)
    rank_high: Mapped[int | None] = mapped_column(Integer)
    # Where its figures came from: the file, its publisher and publication date, and whether it is a
    # secondary source. A later file that only adds to them does not change it (import_id does).
    source_file: Mapped[str | None] = mapped_column(String(300))
    publisher: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[str | None] = mapped_column(String(60))
    secondary: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # On derived rows: where the rules core disagrees with NHS England's published result.
    disagreements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxEventRow(Base):
    """Events written in the same transaction as the assessments that caused them."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_undispatched", "dispatched_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    ods_code: Mapped[str] = mapped_column(ForeignKey("organisations.ods_code"))
    quarter: Mapped[Quarter | None] = mapped_column(QuarterKey)  # none for a concern's event
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SubscriptionRow(Base):
    """A destination's subscription to one target. Removed ones are kept (who removed it, when)."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", "target_kind", "target_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(10))
    workspace: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(ID_LENGTH))
    person: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    target_kind: Mapped[str] = mapped_column(String(20))
    target_value: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[str]] = mapped_column(JSON)
    min_segment: Mapped[int | None] = mapped_column(Integer)
    worsened_only: Mapped[bool] = mapped_column(Boolean, default=False)
    exclude: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    removed_by: Mapped[str | None] = mapped_column(String(64))
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AlertChannelRow(Base):
    """A destination's delivery settings, and when it may next be sent to (about one a second)."""

    __tablename__ = "alert_channels"

    platform: Mapped[str] = mapped_column(String(10), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    person: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    muted_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    digest_at: Mapped[str | None] = mapped_column(String(5))
    threading: Mapped[bool] = mapped_column(Boolean, default=False)
    next_send_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AlertThreadRow(Base):
    """With threading on: the message that heads an organisation's alerts in a channel."""

    __tablename__ = "alert_threads"

    platform: Mapped[str] = mapped_column(String(10), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    ods_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    parent_ref: Mapped[str] = mapped_column(String(64))


class AlertDeliveryRow(Base):
    """One event for one subscription: unique, so fanning out twice delivers nothing twice."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
        Index("ix_alert_deliveries_channel", "platform", "workspace", "channel", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    platform: Mapped[str] = mapped_column(String(10))
    workspace: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(ID_LENGTH))
    group_key: Mapped[str] = mapped_column(String(80))
    # pending -> sending -> sent | retry -> ... | dead; or suppressed: muted at fan-out, or withdrawn
    # when claimed because the channel has since muted or unsubscribed.
    status: Mapped[str] = mapped_column(String(12))
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    message_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ConcernRow(Base):
    """The concern store: the only table that holds what a reporter wrote."""

    __tablename__ = "concerns"
    # Ids (and so references) are never given out twice, even after retention deletes the newest.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    ods_code: Mapped[str] = mapped_column(ForeignKey("organisations.ods_code"))
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date | None] = mapped_column(Date)
    raised_as: Mapped[str] = mapped_column(String(20))
    board_member_role: Mapped[str | None] = mapped_column(String(120))
    board_member_name: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # A one-way hash of the form's submission (never the platform's own id), so that the same form
    # sent twice files one concern.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConcernReporterRow(Base):
    """Who raised a concern, kept apart from it; no row at all for an anonymous concern."""

    __tablename__ = "concern_reporters"

    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    confidential: Mapped[bool] = mapped_column(Boolean)


class AuditRecordRow(Base):
    """Append-only, each record chained to the one before by hash (domain/audit.py)."""

    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(ID_LENGTH))
    reference: Mapped[str | None] = mapped_column(String(20))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The chain's head, one row: locked while a record is added, so records follow one another."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    # The first record linked by HMAC with the configured key; None while the chain is unkeyed.
    keyed_from: Mapped[int | None] = mapped_column(Integer)


class TeamsConversationRow(Base):
    """Where to reach a Teams conversation: what the bot needs to post there unprompted (an alert),
    kept from the last activity that came from it."""

    __tablename__ = "teams_conversations"

    conversation_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    service_url: Mapped[str] = mapped_column(String(500))
    tenant_id: Mapped[str] = mapped_column(String(64))
    bot_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    conversation_type: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SeenRequestRow(Base):
    """A signed chat request already received, until its timestamp is too old to be accepted
    anyway: the replay guard that every bot process shares (store/replays.py)."""

    __tablename__ = "seen_requests"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)  # Unix seconds


class ReleaseUrlRow(Base):
    """An address the release check fetches (a publication page, or a file), with what the server
    last said identifies its version (for a conditional GET) and what the last look found."""

    __tablename__ = "release_urls"

    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))  # page or file
    kind: Mapped[str | None] = mapped_column(String(60))
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    links: Mapped[list[list[str]] | None] = mapped_column(JSON)  # a page's matched links: [url, kind]


class ReleaseFileRow(Base):
    """One version of a file (an address and a checksum), handled once: imported, no change, or refused."""

    __tablename__ = "release_files"
    __table_args__ = (UniqueConstraint("url", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(BigInteger)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class ReleaseCheckRow(Base):
    """The one row that says who is checking the sources now (a lease), and when checks ran."""

    __tablename__ = "release_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def full_metadata() -> MetaData:
    """Every table of the store, slack_sdk's own definitions for multi-workspace installs included
    (names as `slack/app.py` configures its stores): what migrations are compared against. Added
    on first use, not at import, because slack_sdk takes a tenth of a second to import and only
    migrations need its tables here."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    metadata = Base.metadata
    if "slack_installations" not in metadata.tables:
        SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
        SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata
