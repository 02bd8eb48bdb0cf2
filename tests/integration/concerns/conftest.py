"""Fixtures for concerns: the seeded store with roles configured, the real Bolt app on the Slack
stand-in, and the concern form's answers as Slack submits them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App, BoltResponse
from sqlalchemy import func, select

from oversight_bot.bootstrap import Application, build
from oversight_bot.services.concerns import CONCERN_EVENT
from oversight_bot.slack import ids
from oversight_bot.store.tables import AuditRecordRow, ConcernReporterRow, ConcernRow, OutboxEventRow
from tests.integration.slack.conftest import dispatch, slack_settings
from tests.slack_requests import settled_slack_app, view_submission
from tests.slack_standin import SlackStandIn

TRIAGER = "U0TRIAGER"  # the oversight team
GUARDIAN = "U0GUARDIAN"  # the Freedom to Speak Up guardian
ADMIN = "U0ADMIN"
REPORTER = "U0REPORTER"
ROLES = {"oversight": [TRIAGER], "speak_up_guardian": [GUARDIAN], "admin": [ADMIN]}

# Which element type carries each field in the modal (concern_views.py), as Slack sends it back.
ELEMENTS = {
    "organisation": ("external_select", ids.ORGANISATION_SELECT),
    "category": ("static_select", "category"),
    "severity": ("radio_buttons", "severity"),
    "raised_as": ("radio_buttons", "raised_as"),
    "occurred_on": ("datepicker", "occurred_on"),
}


def answers(**overrides: str | None) -> dict[str, str | None]:
    """A complete, valid form; override a field to change it, or set it to None to leave it empty."""
    values: dict[str, str | None] = {
        "organisation": "RR8",
        "category": "patient_safety",
        "severity": "high",
        "summary": "Delayed escalation of deteriorating patients on ward 7",
        "details": "Observations were not acted on for several hours on three nights in October.",
        "occurred_on": "2026-10-14",
        "raised_as": "openly",
    }
    return values | overrides


def form_state(values: dict[str, str | None]) -> dict[str, Any]:
    """The modal's `state.values` as Slack sends it: block id -> action id -> element state."""
    state: dict[str, Any] = {}
    for field, value in values.items():
        kind, action_id = ELEMENTS.get(field, ("plain_text_input", field))
        if kind in ("external_select", "static_select", "radio_buttons"):
            element: dict[str, Any] = {"type": kind, "selected_option": {"value": value} if value else None}
        elif kind == "datepicker":
            element = {"type": kind, "selected_date": value}
        else:
            element = {"type": kind, "value": value}
        state[field] = {action_id: element}
    return state


def submit(
    bolt: App, values: dict[str, str | None], *, user: str = REPORTER, view_id: str = "VFORM1", **signing: Any
) -> BoltResponse:
    return dispatch(bolt, view_submission(ids.CONCERN_FORM, form_state(values), user=user, view_id=view_id), **signing)


def submit_view(bolt: App, callback_id: str, reference: str, user: str, values: dict[str, Any] | None = None) -> Any:
    metadata = json.dumps({"reference": reference})
    body = view_submission(callback_id, values or {}, user=user, view_id="VDETAIL", private_metadata=metadata)
    return dispatch(bolt, body)


@pytest.fixture
def oversight(seeded_db_url: str, standin: SlackStandIn) -> Iterator[Application]:
    app = build(slack_settings(seeded_db_url, standin.base_url, roles=ROLES, alert_interval_s=0.05))
    yield app
    app.close()


@pytest.fixture
def bolt(oversight: Application) -> App:
    return settled_slack_app(oversight)


def counts(app: Application) -> dict[str, int]:
    """How many concerns, reporters, audit records and outbox events the store holds."""
    with app.session_factory() as session:
        found = {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in (("concerns", ConcernRow), ("reporters", ConcernReporterRow), ("audit", AuditRecordRow))
        }
        concern_events = select(func.count()).where(OutboxEventRow.kind == CONCERN_EVENT)
        return found | {"events": session.scalar(concern_events) or 0}
