"""The canary: concerns whose words and reporters carry a unique marker go through the whole flow
(filing openly, confidentially and anonymously, a duplicate, a refused form, the store down, alerts
delivered, viewing, triage, listing, failures) with the root logger at DEBUG and SQLAlchemy's
statement log at INFO, and the marker is found nowhere outside the concern store: not in a log
line, not in any request the app made to Slack, not in any exception's text, not in the outbox or
the delivery queue. (Library loggers that print bodies are held at WARNING by the app whatever the
level, `logs.py`; this shows that holding, and our own logging, keep the words out.)"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import replace
from typing import Any

import pytest
from slack_bolt import App
from sqlalchemy import inspect, text

from oversight_bot.bootstrap import Application, delivery_worker, slack_notifier
from oversight_bot.domain.actors import Actor
from oversight_bot.domain.concerns import Category, RaisedAs, Severity
from oversight_bot.services.concerns import ConcernSubmission
from oversight_bot.slack import ids
from tests.integration.alerts.conftest import drain
from tests.integration.concerns.conftest import TRIAGER, answers, submit, submit_view
from tests.integration.concerns.test_slack_form import held_exclusively
from tests.integration.slack.conftest import buttons_of, dispatch, reply_of, text_of
from tests.slack_requests import block_action, slash_command
from tests.slack_standin import SlackStandIn

MARK = f"CANARY{uuid.uuid4().hex[:10].upper()}"  # in every word a reporter writes
CONFIDENTIAL = f"U0{MARK}C"  # a confidential reporter's user id
ANONYMOUS = f"U0{MARK}A"  # an anonymous reporter's user id
CONCERN_STORE = {"concerns", "concern_reporters"}  # where the words and identities may be
CHANNEL = "C0CHAN"  # the channel the signed commands come from


def words(n: int) -> dict[str, str | None]:
    return {
        "summary": f"{MARK} summary {n}: <!channel> escalation ignored",
        "details": f"{MARK} details {n}: what was seen, and by whom. <https://evil.example|rota>",
    }


@pytest.fixture
def debug_logging(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything at DEBUG, SQLAlchemy's statement log included, as an operator chasing a fault might set it."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    return caplog


def test_nothing_a_reporter_wrote_or_who_they_are_leaves_the_concern_store(
    debug_logging: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    bolt: App,
    oversight: Application,
    standin: SlackStandIn,
    seeded_db_url: str,
) -> None:
    def command(text_: str, user: str = "U0ASKER") -> dict[str, Any]:
        url = standin.response_url(uuid.uuid4().hex)
        return reply_of(dispatch(bolt, slash_command("/oversight", text_, response_url=url, user=user)))

    command("subscribe RR8 concerns")
    references = [
        reference_in(submit(bolt, answers(**words(1)), view_id="VOPEN")),
        reference_in(submit(bolt, answers(**words(2), raised_as="confidentially"), user=CONFIDENTIAL, view_id="VC")),
        reference_in(submit(bolt, answers(**words(3), raised_as="anonymously"), user=ANONYMOUS, view_id="VA")),
        reference_in(
            submit(
                bolt,
                answers(
                    **words(4),
                    category="fit_and_proper_person",
                    raised_as="confidentially",
                    board_member_role=f"{MARK} chair",
                )
                | {"board_member_name": f"{MARK} name"},
                user=CONFIDENTIAL,
                view_id="VFIT",
            )
        ),
    ]
    # The same form twice, a refused form, and a form the store could not take.
    submit(bolt, answers(**words(3), raised_as="anonymously"), user=ANONYMOUS, view_id="VA", timestamp=now() - 30)
    refused = reply_of(submit(bolt, answers(**words(5)) | {"details": MARK * 300}, user=ANONYMOUS, view_id="VBIG"))
    assert refused["response_action"] == "errors" and MARK not in json.dumps(refused)
    with held_exclusively(seeded_db_url):
        pushed = reply_of(submit(bolt, answers(**words(6), raised_as="anonymously"), user=ANONYMOUS, view_id="VDOWN"))
    assert MARK in text_of(pushed["view"])  # the reporter's own words, back to them in the answer to their request

    worker = delivery_worker(oversight, {"slack": slack_notifier(oversight)})
    drain([worker], lambda: len(standin.posts(CHANNEL)) >= 1 and all(r in posted(standin) for r in references))
    worker.close()

    alert = next(post.body for post in standin.posts(CHANNEL) if references[0] in json.dumps(post.body))
    assert f"new concern logged (Patient safety, high severity), reference {references[0]}" in text_of(alert)
    view = next(value for label, value in buttons_of(alert).items() if label.startswith("View"))
    button = block_action(f"{ids.VIEW_CONCERN}:0", view, response_url=standin.response_url("view"), user=TRIAGER)
    assert dispatch(bolt, button).status == 200
    standin.wait_for("views.open")
    for reference in references:
        shown = text_of(reply_of(submit_view(bolt, ids.REVEAL_CONCERN, reference, TRIAGER))["view"])
        assert MARK in shown  # the triager, who may, reads the words in the answer to their own request
        triage = {
            ids.TRIAGE_STATE: {ids.TRIAGE_STATE: {"type": "static_select", "selected_option": {"value": "closed"}}},
            ids.TRIAGE_OUTCOME: {ids.TRIAGE_OUTCOME: {"type": "plain_text_input", "value": f"{MARK} outcome"}},
        }
        reply_of(submit_view(bolt, ids.TRIAGE_CONCERN, reference, TRIAGER, triage))
    command("concerns RR8", user=TRIAGER)
    command("view " + references[1], user=TRIAGER)  # the same words, privately, in the command's answer
    command("triage " + references[0] + " investigating", user=TRIAGER)

    failures = exceptions_from_failing_stores(oversight, seeded_db_url)

    outside = {
        "log output": logged(debug_logging),
        "the app's requests to Slack": requests(standin),
        "exception text": failures,
        "printed output": "".join(capfd.readouterr()),
        "tables outside the concern store": database_text(oversight, exclude=CONCERN_STORE),
    }
    assert "concern_logged" in outside["tables outside the concern store"]  # the outbox was read
    assert references[0] in outside["the app's requests to Slack"]  # alerts name the reference...
    assert "DEBUG" in {r.levelname for r in debug_logging.records}  # debug logging was on ...
    assert f"concern {references[2]} filed" in outside["log output"]  # ... and the filing was logged
    for where, found in outside.items():
        for secret in (MARK, CONFIDENTIAL, ANONYMOUS):
            assert secret not in found, f"{secret} found in {where}"


def reference_in(response: Any) -> str:
    shown = text_of(reply_of(response)["view"])
    return shown.split("filed: ", 1)[1].split("*", 1)[0]


def now() -> int:
    return int(time.time())


def posted(standin: SlackStandIn) -> str:
    return json.dumps([post.body for post in standin.posts(CHANNEL)])


def exceptions_from_failing_stores(app: Application, url: str) -> str:
    """The text of every exception filing can raise: a missing organisation (a constraint broken
    with the words in the statement's parameters) and a store held by another process."""
    actor = Actor("slack", ANONYMOUS, None, "T0STANDIN")
    submission = ConcernSubmission(
        ods_code="RR8",
        category=Category.FINANCE,
        severity=Severity.LOW,
        summary=f"{MARK} in a failing insert",
        details=f"{MARK} details in a failing insert",
        raised_as=RaisedAs.OPENLY,
    )
    texts: list[str] = []
    for attempt in (lambda: app.concerns.file(actor, replace(submission, ods_code="ZZZ99")), None):
        try:
            if attempt is None:
                with held_exclusively(url):
                    app.concerns.file(actor, submission)
            else:
                attempt()
        except Exception as error:
            texts.append(chain_text(error))
        else:
            raise AssertionError("filing was expected to fail")
    assert any("StoreUnavailable" in t for t in texts)
    return "\n".join(texts)


def chain_text(error: BaseException) -> str:
    """An exception's type, message and args, and those of everything it was raised from."""
    found: list[str] = []
    seen: BaseException | None = error
    while seen is not None:
        found += [type(seen).__name__, str(seen), repr(seen.args)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(found)


def logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def requests(standin: SlackStandIn) -> str:
    return "\n".join(f"{call.path} {json.dumps(call.headers)} {call.raw}" for call in standin.calls)


def database_text(app: Application, exclude: set[str]) -> str:
    found: list[str] = []
    with app.engine.connect() as connection:
        for table in sorted(set(inspect(connection).get_table_names()) - exclude):
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                found.append(" ".join(str(value) for value in row))
    return "\n".join(found)
