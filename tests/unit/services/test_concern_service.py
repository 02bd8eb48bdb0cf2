"""The concern use cases' rules, on in-memory fakes of the ports: who may file, view, list and
move a concern; closing needs an outcome; what the audit trail, the outbox and the reporter
record keep. Fast, and free of any database: the store's own tests cover the SQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from oversight_bot.domain.actors import Actor, Reporter
from oversight_bot.domain.concerns import Category, FlagRule, RaisedAs, Severity, Status
from oversight_bot.errors import CannotMove, NoSuchConcern, NotAllowed, OutcomeNeeded, StoreUnavailable
from oversight_bot.services.access import Access, AccessRules, Role
from oversight_bot.services.concerns import ConcernService, ConcernSubmission
from tests.fakes import FakeClock, InMemoryStore

REPORTER = Actor("slack", "U0REPORTER", "C0CHAN", "T0")
TRIAGER = Actor("slack", "U0TRIAGER", "C0CHAN", "T0")
GUARDIAN = Actor("slack", "U0GUARDIAN", "C0CHAN", "T0")
STRANGER = Actor("slack", "U0STRANGER", "C0CHAN", "T0")
ROLES = {Role.OVERSIGHT: frozenset({TRIAGER.user_id}), Role.SPEAK_UP_GUARDIAN: frozenset({GUARDIAN.user_id})}
SUBMISSION = ConcernSubmission(
    ods_code="RR8",
    category=Category.PATIENT_SAFETY,
    severity=Severity.HIGH,
    summary="Delayed escalation on ward 7",
    details="Observations were not acted on for hours.",
    raised_as=RaisedAs.OPENLY,
    occurred_on=date(2026, 10, 14),
)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def service(store: InMemoryStore) -> ConcernService:
    rules = [FlagRule(Category.PATIENT_SAFETY, Severity.CRITICAL)]
    return ConcernService(store.uow, FakeClock(), Access(AccessRules(ROLES)), rules)


def filed(service: ConcernService, submission: ConcernSubmission = SUBMISSION) -> str:
    return service.file(REPORTER, submission).concern.reference


def test_filing_stores_the_concern_its_audit_record_and_an_event_that_holds_no_words(
    service: ConcernService, store: InMemoryStore
) -> None:
    reference = filed(service)
    assert reference == "C-2026-000001"
    ((kind, code, payload, _),) = store.tables.messages
    assert (kind, code) == ("concern_logged", "RR8")
    assert "ward 7" not in str(payload) and payload["actor"] == REPORTER.user_id
    (record,) = store.tables.audit
    assert (record.entry.action, record.entry.actor, record.entry.reference) == ("created", REPORTER.user_id, reference)


def test_an_anonymous_concern_keeps_no_reporter_and_its_records_name_nobody(
    service: ConcernService, store: InMemoryStore
) -> None:
    reference = filed(service, replace(SUBMISSION, raised_as=RaisedAs.ANONYMOUSLY))
    assert store.tables.concerns[reference].reporter is None
    assert store.tables.audit[0].entry.actor == "anonymous"
    assert "actor" not in store.tables.messages[0][2]


def test_the_same_form_filed_twice_is_one_concern(service: ConcernService, store: InMemoryStore) -> None:
    first = service.file(REPORTER, SUBMISSION, form_id="V1")
    again = service.file(REPORTER, SUBMISSION, form_id="V1")
    assert (first.new, again.new) == (True, False) and first.concern.reference == again.concern.reference
    assert len(store.tables.concerns) == 1


def test_only_triage_roles_see_a_concern_and_every_view_is_recorded(
    service: ConcernService, store: InMemoryStore
) -> None:
    reference = filed(service)
    with pytest.raises(NotAllowed):
        service.view(STRANGER, reference)
    seen = service.view(TRIAGER, reference)
    assert seen.concern.details == SUBMISSION.details and seen.reporter == Reporter("slack", REPORTER.user_id)
    assert [r.entry.action for r in store.tables.audit] == ["created", "view refused", "viewed"]
    with pytest.raises(NoSuchConcern):
        service.view(TRIAGER, "C-2026-000999")


def test_a_confidential_reporter_is_shown_to_the_guardian_only(service: ConcernService) -> None:
    reference = filed(service, replace(SUBMISSION, raised_as=RaisedAs.CONFIDENTIALLY))
    assert service.view(TRIAGER, reference).reporter is None
    assert service.view(TRIAGER, reference).reporter_hidden is not None
    assert service.view(GUARDIAN, reference).reporter == Reporter("slack", REPORTER.user_id)


def test_closing_needs_an_outcome_and_nothing_changes_without_one(
    service: ConcernService, store: InMemoryStore
) -> None:
    reference = filed(service)
    for missing in (None, "", "   "):
        with pytest.raises(OutcomeNeeded):
            service.move(TRIAGER, reference, Status.CLOSED, missing)
    assert store.tables.concerns[reference].concern.status is Status.NEW
    closed = service.move(TRIAGER, reference, Status.CLOSED, "  Retrained the ward.  ")
    assert (closed.status, closed.outcome) == (Status.CLOSED, "Retrained the ward.")
    assert store.tables.concerns[reference].concern.outcome == "Retrained the ward."


def test_moves_follow_the_states_and_only_triage_roles_make_them(service: ConcernService) -> None:
    reference = filed(service)
    with pytest.raises(NotAllowed):
        service.move(REPORTER, reference, Status.ACKNOWLEDGED)
    service.move(TRIAGER, reference, Status.ACKNOWLEDGED)
    with pytest.raises(CannotMove) as refused:
        service.move(TRIAGER, reference, Status.NEW)
    assert (refused.value.current, refused.value.to) == (Status.ACKNOWLEDGED, Status.NEW)


def test_the_audit_trail_chains_and_seals_every_change(service: ConcernService, store: InMemoryStore) -> None:
    reference = filed(service)
    service.move(TRIAGER, reference, Status.CLOSED, "Done.")
    verification = service.verify_audit()
    assert verification.intact and verification.concern_problem is None
    store.tables.audit[0] = replace(store.tables.audit[0], entry=replace(store.tables.audit[0].entry, actor="someone"))
    assert not service.verify_audit().intact  # an edited record breaks the chain


def test_a_commit_the_store_cannot_take_keeps_nothing(service: ConcernService, store: InMemoryStore) -> None:
    store.fail_commits = True
    with pytest.raises(StoreUnavailable):
        filed(service)
    assert store.tables.concerns == {} and store.tables.audit == [] and store.tables.messages == []


def test_open_counts_and_flags(service: ConcernService) -> None:
    filed(service)
    assert filed(service, replace(SUBMISSION, severity=Severity.CRITICAL))
    flagged = [c.flagged for c in service.listing(TRIAGER)]
    assert flagged == [True, False]  # newest first
    assert service.open_count("RR8") == 2
