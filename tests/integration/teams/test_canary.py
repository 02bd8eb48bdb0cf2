"""The canary, in Teams: concerns whose words and reporters carry a unique marker are filed through
the dialog (openly from a personal chat, confidentially and anonymously from a channel, twice, wrongly,
with the store down), alerted to a subscribed channel, viewed, triaged and listed, with the root
logger at DEBUG (library loggers held at WARNING by the app, as deployed); the marker is then found
in no log record, no request the bot made to the Bot Connector, no printed output and no table
outside the concern store."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from oversight_bot.bootstrap import Application, delivery_worker, teams_notifier
from tests.integration.alerts.conftest import drain
from tests.integration.concerns.conftest import answers
from tests.integration.concerns.test_canary import CONCERN_STORE, database_text, logged
from tests.integration.concerns.test_slack_form import held_exclusively
from tests.integration.teams.conftest import TRIAGER_AAD, buttons_of, dialog_card, only_card, post, text_of
from tests.teams_activities import CHANNEL, channel_message, personal_message, task_fetch, task_submit
from tests.teams_standin import ConnectorStandIn
from tests.teams_tokens import StaticTokens

MARK = f"TEAMSCANARY{uuid.uuid4().hex[:8].upper()}"
CONFIDENTIAL = f"00000000-0000-4000-8000-{uuid.uuid4().hex[:12]}"  # reporters' Entra object ids
ANONYMOUS = f"00000000-0000-4000-8000-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def debug_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    yield caplog
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def words(n: int) -> dict[str, Any]:
    return {
        "summary": f"{MARK} summary {n} [link](https://evil.example)",
        "details": f"{MARK} details {n}: <at>Everyone</at> what was seen.",
    }


def test_nothing_a_reporter_wrote_or_who_they_are_leaves_the_concern_store_in_teams(
    debug_logging: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    oversight: Application,
    teams_url: str,
    connector: ConnectorStandIn,
    seeded_db_url: str,
) -> None:
    url = connector.service_url

    def file(form_id: str, values: dict[str, Any], **who: Any) -> str:
        data = {"verb": "file_concern", "form_id": form_id, **values}
        return json.dumps(dialog_card(post(teams_url, task_submit(url, data, **who))))

    post(teams_url, channel_message(url, "subscribe RR8 concerns"))
    filed = [
        file("C1", answers(**words(1)), personal=True),
        file("C2", answers(**words(2), raised_as="confidentially"), user_aad=CONFIDENTIAL),
        file("C3", answers(**words(3), raised_as="anonymously"), user_aad=ANONYMOUS),
        file("C3", answers(**words(3), raised_as="anonymously"), user_aad=ANONYMOUS),  # again
        file("C4", answers(**words(4)) | {"details": MARK * 400}, user_aad=ANONYMOUS),  # too long
    ]
    with held_exclusively(seeded_db_url):
        filed.append(file("C5", answers(**words(5), raised_as="anonymously"), user_aad=ANONYMOUS))
    assert MARK in filed[-1]  # the reporter's own words, back to them in the answer to their own request
    references = sorted({match for text in filed for match in re.findall(r"C-\d{4}-\d{6}", text)})
    assert len(references) == 3

    notifier = teams_notifier(oversight, StaticTokens())
    worker = delivery_worker(oversight, {"teams": notifier}, "canary")
    drain([worker], lambda: len(connector.to(CHANNEL)) == 3)
    worker.close()
    notifier.close()

    for reference in references:
        launcher = only_card(post(teams_url, personal_message(url, f"view {reference}", user_aad=TRIAGER_AAD)))
        step = dialog_card(post(teams_url, task_fetch(url, buttons_of(launcher)["View"], user_aad=TRIAGER_AAD)))
        details = dialog_card(post(teams_url, task_submit(url, buttons_of(step)["Show"], user_aad=TRIAGER_AAD)))
        assert MARK in text_of(details)  # the triager, who may, reads them in a dialog
        close = buttons_of(details)["Save"] | {"triage_state": "closed", "triage_outcome": f"{MARK} outcome"}
        post(teams_url, task_submit(url, close, user_aad=TRIAGER_AAD))
    post(teams_url, personal_message(url, "concerns RR8", user_aad=TRIAGER_AAD))
    post(teams_url, channel_message(url, "concerns", user_aad=TRIAGER_AAD))

    outside = {
        "log output": logged(debug_logging),
        "the bot's requests to the Bot Connector": json.dumps([(p.path, p.headers, p.body) for p in connector.posts]),
        "printed output": "".join(capfd.readouterr()),
        "tables outside the concern store": database_text(oversight, exclude=CONCERN_STORE),
    }
    assert references[0] in outside["the bot's requests to the Bot Connector"]  # alerts name references
    assert "DEBUG" in {r.levelname for r in debug_logging.records}
    for where, found in outside.items():
        for secret in (MARK, CONFIDENTIAL, ANONYMOUS):
            assert secret not in found, f"{secret} found in {where}"
