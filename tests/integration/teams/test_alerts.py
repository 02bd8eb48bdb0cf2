"""Alerts to Teams: a channel subscribes by @mentioning the bot, NHS England's Q2 file arrives, and
the alert worker posts to the channel through the Bot Connector stand-in, handling Teams' 429s,
5xx and refusals as it does Slack's. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from oversight_bot.bootstrap import Application, build, delivery_worker, teams_notifier, teams_web_app
from oversight_bot.chat import wording
from oversight_bot.delivery.worker import DeliveryWorker, WorkerSettings
from oversight_bot.domain.outcomes import Failed
from oversight_bot.domain.subscriptions import Destination
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from oversight_bot.store.tables import AlertDeliveryRow, SubscriptionRow
from tests.conftest import SEEDS
from tests.fakes import FakeClock
from tests.http_server import serving_aiohttp
from tests.integration.alerts.conftest import drain, import_q2
from tests.integration.concerns.conftest import answers
from tests.integration.teams.conftest import buttons_of, only_card, post, teams_settings, text_of
from tests.integration.test_store import expected_q2_events_by_trust, regions_in_q2
from tests.nof_files import q1_only
from tests.slack_standin import rate_limited, server_error
from tests.teams_activities import CHANNEL, TENANT, bot_removed_from_team, channel_message, task_submit
from tests.teams_standin import ConnectorStandIn, gone
from tests.teams_tokens import StaticTokens


@pytest.fixture
def baseline(empty_db_url: str, tmp_path: Path) -> Iterator[Application]:
    """Trusts from ODS and NHS England's Q1 file: a store that knows Q1, so that Q2 is news."""
    app = build(teams_settings(empty_db_url, seed_on_first_use=False))
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")
    app.importer.nof(read_nof_file(q1_only(tmp_path / "q1.csv")))
    yield app
    app.close()


@pytest.fixture
def teams_url(baseline: Application) -> Iterator[str]:
    with serving_aiohttp(teams_web_app(baseline)) as url:
        yield url


@pytest.fixture
def worker(baseline: Application) -> Iterator[DeliveryWorker]:
    notifier = teams_notifier(baseline, StaticTokens())
    alert_worker = delivery_worker(baseline, {"teams": notifier}, "teams-worker")
    yield alert_worker
    alert_worker.close()
    notifier.close()


def subscribe(teams_url: str, connector: ConnectorStandIn, text: str) -> str:
    return text_of(only_card(post(teams_url, channel_message(connector.service_url, text))))


def statuses(app: Application) -> list[str]:
    with app.session_factory() as session:
        return [row.status for row in session.scalars(select(AlertDeliveryRow))]


def test_a_channel_subscribes_in_teams_and_is_told_of_q2_in_one_card(
    baseline: Application, teams_url: str, connector: ConnectorStandIn, worker: DeliveryWorker
) -> None:
    confirmed = subscribe(teams_url, connector, "subscribe region:North West segment")
    assert "This channel will be told about segment moves for the North West region." in confirmed
    import_q2(baseline)
    drain([worker], lambda: bool(statuses(baseline)) and set(statuses(baseline)) == {"sent"})
    (alert,) = connector.to(CHANNEL)
    assert alert.conversation == CHANNEL  # a new post in the channel, not a reply in the thread asked from
    assert alert.headers["authorization"] == f"Bearer {StaticTokens.TOKEN}"
    lines = text_of(alert.card).splitlines()
    listed = {line.split()[0] for line in lines[1:] if line[:1].isupper() and " " in line} - {"Worse"}
    regions, news = regions_in_q2(), expected_q2_events_by_trust()
    assert listed == {code for code in news if regions[code] == "North West"}


def test_a_teams_429_is_waited_out_as_retry_after_says(
    baseline: Application, teams_url: str, connector: ConnectorStandIn, worker: DeliveryWorker
) -> None:
    subscribe(teams_url, connector, "subscribe RXV segment")
    connector.queue(CHANNEL, rate_limited(1), rate_limited(1))
    import_q2(baseline)
    drain([worker], lambda: bool(statuses(baseline)) and set(statuses(baseline)) == {"sent"}, timeout=20)
    refused, again, sent = connector.posts
    assert (refused.status, again.status, sent.status) == (429, 429, 201)
    assert again.at - refused.at >= 0.95 and sent.at - again.at >= 0.95  # Retry-After: 1 was honoured
    assert len(connector.to(CHANNEL)) == 1  # one alert, once


def test_teams_5xx_is_retried_with_backoff_and_sent_once(
    baseline: Application, teams_url: str, connector: ConnectorStandIn
) -> None:
    subscribe(teams_url, connector, "subscribe RXV segment")
    connector.queue(CHANNEL, server_error())
    import_q2(baseline)
    clock = FakeClock(baseline.clock.now())
    notifier = teams_notifier(baseline, StaticTokens())
    worker = DeliveryWorker(baseline.uow, {"teams": notifier}, baseline.segments, clock, WorkerSettings(interval_s=0))
    worker.run_once()
    assert set(statuses(baseline)) == {"retry"}
    worker.run_once()
    assert len(connector.posts) == 1  # not due yet: backoff
    clock.advance(6)
    worker.run_once()
    assert set(statuses(baseline)) == {"sent"} and len(connector.to(CHANNEL)) == 1
    worker.close()
    notifier.close()


@pytest.mark.parametrize("status", [403, 404])
def test_when_teams_says_the_bot_may_not_post_there_the_subscription_stops_with_the_reason(
    baseline: Application, teams_url: str, connector: ConnectorStandIn, worker: DeliveryWorker, status: int
) -> None:
    subscribe(teams_url, connector, "subscribe all segment")
    connector.queue(CHANNEL, gone(status))
    import_q2(baseline)
    drain([worker], lambda: bool(statuses(baseline)) and "pending" not in statuses(baseline))
    assert len(connector.posts) == 1  # not tried again
    listing = subscribe(teams_url, connector, "subscriptions")
    assert f"Teams answered {status}" in listing and "stopped" in listing


def test_a_teams_only_deployment_tells_its_admin_channel_when_a_channels_alerts_stop(
    empty_db_url: str, tmp_path: Path, connector: ConnectorStandIn
) -> None:
    admins = "19:oversight-admins@thread.tacv2"
    app = build(teams_settings(empty_db_url, seed_on_first_use=False, teams_admin_conversation=admins))
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")
    app.importer.nof(read_nof_file(q1_only(tmp_path / "q1.csv")))
    with serving_aiohttp(teams_web_app(app)) as url:
        hello = channel_message(connector.service_url, "help")  # the bot is in the admins' channel
        hello["conversation"]["id"] = f"{admins};messageid=1700000000001"
        hello["channelData"]["channel"]["id"] = admins
        post(url, hello)
        subscribe(url, connector, "subscribe all segment")
    connector.queue(CHANNEL, gone(403))
    import_q2(app)
    notifier = teams_notifier(app, StaticTokens())
    worker = delivery_worker(app, {"teams": notifier}, "teams-worker")
    try:
        drain([worker], lambda: len(connector.to(admins)) == 1)
        told = text_of(connector.to(admins)[0].card)
        assert f"Alerts to {CHANNEL} (teams) stopped: Teams answered 403" in told
        assert "again in that channel to resume" in told
    finally:
        worker.close()
        notifier.close()
        app.close()


def test_removing_the_bot_from_the_team_stops_its_channels_alerts(
    baseline: Application, teams_url: str, connector: ConnectorStandIn
) -> None:
    subscribe(teams_url, connector, "subscribe all")
    assert post(teams_url, bot_removed_from_team(connector.service_url)).status_code in (200, 202)
    with baseline.session_factory() as session:
        (subscription,) = session.scalars(select(SubscriptionRow))
    assert subscription.disabled_reason == "the bot was removed from this team or chat"


def test_a_concern_alert_names_no_words_and_its_view_button_opens_a_dialog(
    baseline: Application, teams_url: str, connector: ConnectorStandIn, worker: DeliveryWorker
) -> None:
    subscribe(teams_url, connector, "subscribe RR8 concerns")
    data = {"verb": "file_concern", "form_id": "ALERTED", **answers()}
    post(teams_url, task_submit(connector.service_url, data))
    drain([worker], lambda: statuses(baseline) == ["sent"])
    (alert,) = connector.to(CHANNEL)
    shown = text_of(alert.card)
    assert "new concern logged (Patient safety, high severity)" in shown
    assert "ward 7" not in str(alert.body) and "Observations" not in str(alert.body)
    view = buttons_of(alert.card)["View"]
    assert view["msteams"] == {"type": "task/fetch"} and view["verb"] == "view_concern"


def test_deleting_a_channel_stops_only_that_channels_alerts(
    baseline: Application, teams_url: str, connector: ConnectorStandIn
) -> None:
    subscribe(teams_url, connector, "subscribe all")
    other = channel_message(connector.service_url, "subscribe RR8")
    other["conversation"]["id"] = "19:another-channel@thread.tacv2;messageid=1"
    post(teams_url, other)
    deleted = bot_removed_from_team(connector.service_url)
    deleted.pop("membersRemoved")
    deleted["channelData"] |= {"eventType": "channelDeleted", "channel": {"id": CHANNEL}}
    assert post(teams_url, deleted).status_code in (200, 202)
    with baseline.session_factory() as session:
        reasons = {row.channel: row.disabled_reason for row in session.scalars(select(SubscriptionRow))}
    assert reasons == {CHANNEL: "the channel was deleted", "19:another-channel@thread.tacv2": None}


def test_with_credentials_the_bots_token_only_goes_to_https_service_urls(
    baseline: Application, teams_url: str, connector: ConnectorStandIn
) -> None:
    from oversight_bot.store.teams import SqlAlchemyConversationAddresses
    from oversight_bot.teams.notifier import TeamsNotifier

    subscribe(teams_url, connector, "subscribe RXV segment")  # its address: the stand-in, over http
    addresses = SqlAlchemyConversationAddresses(baseline.session_factory)
    notifier = TeamsNotifier(addresses, StaticTokens(), 2, require_https=True)
    outcome = notifier.send(Destination("teams", TENANT, CHANNEL), wording.help_reply(), None)
    notifier.close()
    assert isinstance(outcome, Failed) and outcome.permanent and "not https" in outcome.error
    assert connector.posts == []
