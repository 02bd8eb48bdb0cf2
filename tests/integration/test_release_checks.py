"""Releases arrive by themselves: the release check against a stand-in of NHS England's and ODS's web
servers on 127.0.0.1 (real HTTP), importing into the real store through the same readers and
Importer as `oversight import`, alerts through the real worker to the Slack stand-in."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from oversight_bot.bootstrap import Application, build, release_checks, slack_notifier, teams_web_app
from oversight_bot.chat.releases import status_reply
from oversight_bot.config import Settings
from oversight_bot.delivery.releases import ReleaseSchedule
from oversight_bot.domain.actors import Actor
from oversight_bot.ingest.nof import read_nof_file
from oversight_bot.ingest.organisations import read_ods_file, read_regions_file
from oversight_bot.ingest.web import MB, FetchLimits, HttpFetcher
from oversight_bot.services.release_checks import FileCheck, ReleaseChecks
from oversight_bot.services.release_records import FileStatus, Outcome
from tests.conftest import NOF_FILE, SEEDS
from tests.fakes import FakeClock
from tests.http_server import serving_aiohttp
from tests.integration.alerts.conftest import ADMIN_CHANNEL, ALL, CHANNEL, alert_settings, drain, subscribe, worker_for
from tests.integration.slack.conftest import dispatch, reply_of, text_of
from tests.integration.teams.conftest import only_card, post, teams_settings
from tests.integration.teams.conftest import text_of as teams_text
from tests.integration.test_releases import ask, shown
from tests.nof_files import (
    Q3,
    Q4,
    cumulative_rows,
    expected_moves,
    q1_only,
    write_acute,
    write_as_nhs_england,
    write_cumulative,
)
from tests.publisher_standin import Answer, PublisherStandIn
from tests.release_sources import ETR_ZIP, NOF_PAGE, standin_sources
from tests.slack_requests import settled_slack_app, slash_command
from tests.slack_standin import SlackStandIn
from tests.teams_activities import channel_message
from tests.teams_standin import ConnectorStandIn

MH_NAME = "nhs-oversight-framework-mental-health-and-community-trust-data.csv"
ACUTE_NAME = "nhs-oversight-framework-acute-trust-data.csv"
MH_PATH = f"/wp-content/uploads/2026/05/{MH_NAME}"  # NHS England files each upload by year and month
ACUTE_PATH = f"/wp-content/uploads/2025/09/{ACUTE_NAME}"
ADMIN = Actor("console", "operator")


@pytest.fixture
def publisher() -> Iterator[PublisherStandIn]:
    server = PublisherStandIn()
    yield server
    server.close()


def release_settings(database_url: str, api_url: str, sources: Path, **more: Any) -> Settings:
    return alert_settings(
        database_url, api_url, releases_file=sources, releases_allow_local_http=True, releases_timeout_s=2, **more
    )


@dataclass
class Rig:
    app: Application
    checks: ReleaseChecks
    waits: list[float]  # the backoff's waits, taken without waiting
    publisher: PublisherStandIn
    slack: SlackStandIn

    def checks_with(self, limits: FetchLimits, holder: str = "test") -> ReleaseChecks:
        fetcher = HttpFetcher(self.app.settings.release_policy, limits, self.waits.append)
        return release_checks(self.app, {"slack": slack_notifier(self.app)}, fetcher=fetcher, holder=holder)


@pytest.fixture
def rig(seeded_db_url: str, standin: SlackStandIn, publisher: PublisherStandIn, tmp_path: Path) -> Iterator[Rig]:
    """The seeded store (NHS England's Q1-Q2 mental health file, its acute Q1 file, ODS's files), watching
    NHS England's publication page on the stand-in, with the default file-name patterns."""
    sources = standin_sources(tmp_path / "releases.toml", publisher)
    app = build(release_settings(seeded_db_url, standin.base_url, sources, roles={"admin": ["U0BOSS"]}))
    waits: list[float] = []
    checks = release_checks(app, {"slack": slack_notifier(app)}, sleep=waits.append, holder="test")
    yield Rig(app, checks, waits, publisher, standin)
    checks.close()
    app.close()


def counts(app: Application) -> dict[str, int]:
    with app.engine.connect() as connection:
        return {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("imports", "outbox_events", "assessments", "release_files", "release_urls")
        }


def by_name(files: list[FileCheck]) -> dict[str, FileCheck]:
    return {file.name: file for file in files}


def publish_page(publisher: PublisherStandIn, *paths: str, **options: Any) -> None:
    """NHS England's page: links to the files (relative, as its site writes them), and to other pages."""
    publisher.page(NOF_PAGE, ["/about-us/", *(f"../..{path}" for path in paths), "#content"], **options)


def test_a_new_file_on_the_page_is_imported_and_announced_once(rig: Rig, tmp_path: Path) -> None:
    app, publisher, slack = rig.app, rig.publisher, rig.slack
    mh = write_cumulative(tmp_path / MH_NAME)  # the cumulative layout: Q1-Q4, segment 5 not published after Q2
    acute = write_acute(tmp_path / ACUTE_NAME)  # the first-release layout, the same bytes the seeds hold
    publisher.put(MH_PATH, mh.read_bytes())
    publisher.put(ACUTE_PATH, acute.read_bytes())
    publish_page(publisher, MH_PATH, ACUTE_PATH)
    subscribe(app, ALL)
    before = counts(app)

    report = rig.checks.check()

    files = by_name(report.files)
    assert set(files) == {MH_NAME, ACUTE_NAME}  # the two files the patterns match, nothing else on the page
    assert files[MH_NAME].outcome is Outcome.IMPORTED
    record = files[MH_NAME].record
    assert record is not None and record.status is FileStatus.IMPORTED
    expected = {key: kinds for key, kinds in expected_moves(mh).items() if key[1] in (Q3, Q4)}
    assert record.summary.quarters == ("Q1 2025/26", "Q2 2025/26", Q3, Q4)
    assert record.summary.organisations == 61
    assert record.summary.moves == sum("segment_changed" in kinds for kinds in expected.values())
    assert record.summary.moves + record.summary.other_events == sum(len(kinds) for kinds in expected.values())
    acute_record = files[ACUTE_NAME].record
    assert files[ACUTE_NAME].outcome is Outcome.NO_CHANGE  # valid, and nothing the store did not hold
    assert acute_record is not None and acute_record.status is FileStatus.ALREADY_IMPORTED
    after = counts(app)
    assert after["imports"] == before["imports"] + 1
    assert after["outbox_events"] - before["outbox_events"] == record.summary.moves + record.summary.other_events

    (news,) = slack.posts(ADMIN_CHANNEL)  # one message for the release
    said = text_of(news.body)
    assert MH_NAME in said and f"{Q3}, {Q4}" in said and f"{record.summary.moves} segment moves" in said
    assert ACUTE_NAME not in said  # nothing new: not news

    worker = worker_for(app)
    drain([worker], lambda: len(slack.posts(CHANNEL)) >= 2)
    assert worker.run_once() == 0
    q3_post, q4_post = slack.posts(CHANNEL)  # one grouped message per quarter, as after a manual import
    assert Q3 in text_of(q3_post.body) and Q4 in text_of(q4_post.body)
    worker.close()
    # Answers name the source, dated by NHS England's upload folder as the seeds date the first release.
    assert f"{MH_NAME}, published May 2026" in ask(app, "segment RDY")

    again = rig.checks.check()  # the server says nothing changed: nothing is downloaded or imported
    assert {f.outcome for f in again.files} == {Outcome.NOT_MODIFIED}
    assert again.sources[0].outcome is Outcome.NOT_MODIFIED
    last = publisher.requests_to(MH_PATH)[-1]
    assert last.headers["if-none-match"] and last.status == 304
    assert counts(app) == after and len(slack.posts(ADMIN_CHANNEL)) == 1
    assert not again.troubled

    # A server that stops sending validators: every check downloads the file, and the same bytes
    # (the same checksum) are never imported twice.
    publisher.put(MH_PATH, mh.read_bytes(), etag=False, last_modified=None)
    same = by_name(rig.checks.check().files)[MH_NAME]
    assert same.outcome is Outcome.UNCHANGED
    assert same.record is not None and same.record.status is FileStatus.IMPORTED  # the version handled before
    assert publisher.requests_to(MH_PATH)[-1].status == 200  # downloaded whole
    assert counts(app) == after and len(slack.posts(ADMIN_CHANNEL)) == 1


def broken_file(path: Path) -> Path:
    """The Q1-Q4 file without RDY's Q4 average score (OF5002): a trust-quarter without a required summary row."""
    header, rows = cumulative_rows()
    kept = [r for r in rows if not (r["Trust_code"] == "RDY" and r["Quarter"] == Q4 and r["Metric_ID"] == "OF5002")]
    return write_as_nhs_england(path, header, kept)


def test_a_broken_file_is_refused_reported_once_and_tried_again_when_it_changes(rig: Rig, tmp_path: Path) -> None:
    app, publisher = rig.app, rig.publisher
    publisher.put(MH_PATH, broken_file(tmp_path / MH_NAME).read_bytes(), etag=False, last_modified=None)
    publish_page(publisher, MH_PATH)
    before = counts(app)

    refused = by_name(rig.checks.check().files)[MH_NAME]

    assert refused.outcome is Outcome.REFUSED
    assert refused.detail is not None and "OF5002" in refused.detail and "RDY" in refused.detail
    assert counts(app)["imports"] == before["imports"] and counts(app)["outbox_events"] == before["outbox_events"]
    assert Q3 not in ask(app, "history RDY")  # nothing of the file was kept
    (news,) = rig.slack.posts(ADMIN_CHANNEL)
    assert "Refused" in text_of(news.body) and MH_NAME in text_of(news.body) and "OF5002" in text_of(news.body)

    again = by_name(rig.checks.check().files)[MH_NAME]  # downloaded again (no validators): the same bytes
    assert again.outcome is Outcome.UNCHANGED and len(publisher.requests_to(MH_PATH)) == 2
    assert len(rig.slack.posts(ADMIN_CHANNEL)) == 1  # reported once

    publisher.put(MH_PATH, write_cumulative(tmp_path / "fixed.csv").read_bytes())  # NHS England fixes it
    fixed = by_name(rig.checks.check().files)[MH_NAME]
    assert fixed.outcome is Outcome.IMPORTED
    assert f"{Q3}: segment" in ask(app, "history RDY")
    assert len(rig.slack.posts(ADMIN_CHANNEL)) == 2 and "New release imported" in text_of(rig.slack.posts()[-1].body)
    status = shown(status_reply(app.releases.status(ADMIN)))  # type: ignore[union-attr]
    assert f"{MH_NAME} (NHS England's NOF metric file, mental health and community trusts)" in status
    assert "Last imported" in status


def test_a_server_that_hangs_or_fails_is_tried_again_with_backoff(rig: Rig, tmp_path: Path) -> None:
    publisher = rig.publisher
    publisher.put(MH_PATH, write_cumulative(tmp_path / MH_NAME).read_bytes())
    publish_page(publisher, MH_PATH)
    checks = rig.checks_with(FetchLimits(timeout_s=0.3))
    publisher.queue(MH_PATH, Answer(hang=True), Answer(hang=True), Answer(hang=True))
    before = counts(rig.app)

    hung = by_name(checks.check().files)[MH_NAME]

    assert hung.outcome is Outcome.UNREACHABLE and hung.detail == "no answer within 0.3 s (3 attempts)"
    assert rig.waits == [2.0, 4.0]  # the backoff, doubling, taken on the injected clock
    assert len(publisher.requests_to(MH_PATH)) == 3
    assert counts(rig.app)["imports"] == before["imports"] and not rig.slack.posts(ADMIN_CHANNEL)
    status = shown(status_reply(rig.app.releases.status(ADMIN)))  # type: ignore[union-attr]
    assert "could not be fetched: no answer within 0.3 s (3 attempts)" in status

    publisher.queue(MH_PATH, Answer(500), Answer(503, {"Retry-After": "7"}))  # then it answers
    rig.waits.clear()
    recovered = by_name(checks.check().files)[MH_NAME]
    assert recovered.outcome is Outcome.IMPORTED
    assert rig.waits == [2.0, 7.0]  # the server's Retry-After is honoured
    assert [r.status for r in publisher.requests_to(MH_PATH)[3:]] == [500, 503, 200]

    publisher.queue(NOF_PAGE, Answer(500), Answer(502), Answer(504))
    down = checks.check()
    assert (
        down.sources[0].outcome is Outcome.UNREACHABLE and down.sources[0].detail == "504 Gateway Timeout (3 attempts)"
    )
    assert down.files == [] and down.troubled
    checks.close()


def test_links_and_redirects_to_hosts_not_allowed_are_not_followed(rig: Rig, tmp_path: Path) -> None:
    publisher = rig.publisher
    elsewhere = f"https://files.example.org/wp-content/uploads/2026/05/{MH_NAME}"
    publisher.page(NOF_PAGE, [elsewhere, f"../..{ACUTE_PATH}"])
    publisher.queue(ACUTE_PATH, Answer(302, {"Location": f"https://files.example.org/{ACUTE_NAME}"}))

    report = rig.checks.check()

    page = report.sources[0]
    assert page.outcome is Outcome.FOUND and page.detail is not None and elsewhere in page.detail
    (acute,) = page.files  # the link elsewhere is not a file of this source
    assert acute.outcome is Outcome.UNREACHABLE
    assert acute.detail == (
        f"redirected to https://files.example.org/{ACUTE_NAME}, which is on files.example.org, "
        "which is not in OVERSIGHT_RELEASES_ALLOWED_HOSTS"
    )
    assert counts(rig.app)["release_files"] == 0


def test_what_breaks_a_limit_is_refused_unread_and_reported_once(rig: Rig, tmp_path: Path) -> None:
    publisher = rig.publisher
    acute = write_acute(tmp_path / ACUTE_NAME).read_bytes()  # 1.5 MB
    mh = q1_only(tmp_path / MH_NAME).read_bytes()  # under 1 MB
    ambulance = f"/wp-content/uploads/2026/05/{ACUTE_NAME.replace('acute', 'ambulance')}"
    publisher.put(ACUTE_PATH, acute)
    publisher.put(MH_PATH, b"<html>Please sign in</html>", "text/html")
    publisher.put(ambulance, mh)  # the mental health file under the ambulance file's name
    publish_page(publisher, ACUTE_PATH, MH_PATH, ambulance)
    checks = rig.checks_with(FetchLimits(max_bytes=1 * MB))
    before = counts(rig.app)

    files = by_name(checks.check().files)

    assert {f.outcome for f in files.values()} == {Outcome.REFUSED}
    assert files[ACUTE_NAME].detail == "it is larger than the limit of 1 MB (1.5 MB) (OVERSIGHT_RELEASES_MAX_MB)"
    assert files[MH_NAME].detail == "it came as text/html, not a CSV file: perhaps an error or sign-in page"
    wrong = files[ambulance.rsplit("/", 1)[1]].detail
    assert wrong is not None and "it holds mental health and community trusts, not only ambulance trusts" in wrong
    assert counts(rig.app)["imports"] == before["imports"]
    (news,) = rig.slack.posts(ADMIN_CHANNEL)
    assert text_of(news.body).count("sign-in page") == 1 and news.body["text"] == "3 files refused"

    again = checks.check()
    assert {f.outcome for f in again.files} <= {Outcome.UNCHANGED, Outcome.NOT_MODIFIED}
    assert len(rig.slack.posts(ADMIN_CHANNEL)) == 1
    checks.close()


def test_a_dry_run_fetches_and_validates_and_writes_nothing(rig: Rig, tmp_path: Path) -> None:
    rig.publisher.put(MH_PATH, write_cumulative(tmp_path / MH_NAME).read_bytes())
    publish_page(rig.publisher, MH_PATH)
    before = counts(rig.app)

    dry = rig.checks.check(dry_run=True)

    (would,) = dry.files
    assert would.outcome is Outcome.WOULD_IMPORT and would.summary is not None
    assert would.summary.quarters == ("Q1 2025/26", "Q2 2025/26", Q3, Q4) and would.summary.organisations == 61
    assert counts(rig.app) == before and not rig.slack.posts()  # not even the page's validators


def zipped(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name.replace("_", "."), content)
    return buffer.getvalue()


def test_odss_zip_archive_is_unpacked_and_imported_as_import_ods_does(
    seeded_db_url: str, standin: SlackStandIn, publisher: PublisherStandIn, tmp_path: Path
) -> None:
    sources = standin_sources(tmp_path / "releases.toml", publisher, page=False, ods=True)
    app = build(release_settings(seeded_db_url, standin.base_url, sources))
    checks = release_checks(app, {"slack": slack_notifier(app)}, holder="test")
    july = (SEEDS / "ods-etr-2026-07.csv").read_bytes()
    renamed = july.replace(b'"RDY","DORSET HEALTHCARE', b'"RDY","DORSET AND SOMERSET HEALTHCARE', 1)
    assert renamed != july
    publisher.put(ETR_ZIP, zipped(etr_pdf=b"%PDF-1.4 the layout", etr_csv=renamed), "application/zip",
                  last_modified="Mon, 02 Nov 2026 06:00:00 GMT")  # fmt: skip

    (found,) = checks.check().files

    assert found.outcome is Outcome.IMPORTED and found.record is not None
    assert found.record.name == "etr.csv" and found.record.summary.changes == {"organisations": 1, "former_names": 1}
    answer = ask(app, "segment RDY")
    assert "Dorset and Somerset Healthcare" in answer and "(renamed by November 2026)" in answer  # as of Last-Modified

    publisher.put(ETR_ZIP, zipped(readme_txt=b"moved"), "application/zip")
    (refused,) = checks.check().files
    assert refused.outcome is Outcome.REFUSED and refused.detail == "the archive holds no etr.csv (it holds readme.txt)"
    checks.close()
    app.close()


def baseline(app: Application) -> None:
    """ODS's trusts and NHS England's Q1-Q2 mental health file: a store for which Q3 and Q4 are news."""
    app.importer.organisations(read_ods_file(SEEDS / "ods-etr.csv", read_regions_file(SEEDS / "regions.csv")), "ods")
    app.importer.nof(read_nof_file(NOF_FILE))


def test_two_workers_checking_at_once_import_once(
    empty_db_url: str, standin: SlackStandIn, publisher: PublisherStandIn, tmp_path: Path
) -> None:
    sources = standin_sources(tmp_path / "releases.toml", publisher)
    settings = release_settings(empty_db_url, standin.base_url, sources, releases_check_hours=6)
    clock = FakeClock()
    first, second = build(settings, clock=clock), build(settings, clock=clock)  # two workers' processes
    baseline(first)
    mh = write_cumulative(tmp_path / MH_NAME)
    publisher.put(MH_PATH, mh.read_bytes())
    publish_page(publisher, MH_PATH)
    one = release_checks(first, {"slack": slack_notifier(first)}, holder="worker-1")
    two = release_checks(second, {"slack": slack_notifier(second)}, holder="worker-2")
    before = counts(first)
    held = threading.Event()
    publisher.queue(MH_PATH, Answer(hold=held))  # worker 1's download takes its time
    results: dict[str, Any] = {}
    checking = threading.Thread(target=lambda: results.update(one=one.check()))
    checking.start()
    publisher.wait_for(lambda: len(publisher.requests_to(MH_PATH)) == 1)

    busy = two.check()  # while worker 1 is downloading

    held.set()
    checking.join(timeout=30)
    assert not busy.ran and busy.running is not None and busy.running.holder == "worker-1"
    assert by_name(results["one"].files)[MH_NAME].outcome is Outcome.IMPORTED
    expected = sum(len(kinds) for key, kinds in expected_moves(mh).items() if key[1] in (Q3, Q4))
    after = counts(first)
    assert after["imports"] == before["imports"] + 1
    assert after["outbox_events"] - before["outbox_events"] == expected

    # Scheduled: both workers find a check due at the same moment; exactly one checks.
    clock.advance(timedelta(hours=7).total_seconds())
    barrier = threading.Barrier(2)
    due: dict[str, Any] = {}

    def poll(name: str, checks: ReleaseChecks) -> None:
        barrier.wait()
        due[name] = checks.check_if_due()

    threads = [threading.Thread(target=poll, args=pair) for pair in (("one", one), ("two", two))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(report is not None for report in due.values()) == [False, True]
    assert counts(first)["imports"] == after["imports"] and len(standin.posts(ADMIN_CHANNEL)) == 1
    for checks, app in ((one, first), (two, second)):
        checks.close()
        app.close()


def test_the_worker_checks_when_a_check_is_due(rig: Rig, tmp_path: Path, seeded_db_url: str) -> None:
    clock = FakeClock()
    app = build(rig.app.settings.model_copy(update={"releases_check_hours": 6}), clock=clock)
    schedule = ReleaseSchedule(release_checks(app, {}, holder="worker"), poll_s=0.01)
    publish_page(rig.publisher)

    assert schedule.run_once()  # never checked: due
    assert not schedule.run_once()  # checked a moment ago
    clock.advance(timedelta(hours=5, minutes=59).total_seconds())
    assert not schedule.run_once()
    clock.advance(120)
    assert schedule.run_once()
    assert [r.status for r in rig.publisher.requests_to(NOF_PAGE)] == [200, 304]

    stop = threading.Event()
    stop.set()
    schedule.run(stop)  # stops at once when asked, and closes its connections
    app.close()


def test_admins_see_the_release_checks_in_slack_and_others_are_refused(rig: Rig, tmp_path: Path) -> None:
    rig.publisher.put(MH_PATH, broken_file(tmp_path / MH_NAME).read_bytes())
    publish_page(rig.publisher, MH_PATH)
    rig.checks.check()
    bolt = settled_slack_app(rig.app)

    def releases(user: str) -> dict[str, Any]:
        request = slash_command("/oversight", "releases", response_url=rig.slack.response_url(), user=user)
        return reply_of(dispatch(bolt, request))

    shown_to_admin = releases("U0BOSS")
    assert shown_to_admin["response_type"] == "ephemeral"
    said = text_of(shown_to_admin)
    assert "Release checks" in said and "NHS England: NOF league tables and metric files" in said
    assert f"{MH_NAME} (NHS England's NOF metric file, mental health and community trusts)" in said
    assert "Refused" in said and "OF5002" in said and "Tried again when it changes" in said
    assert "only when asked (`oversight releases check`)" in said
    refused = releases("U0ASKER")
    assert "Only the bot's admins may see the release checks." in text_of(refused)
    assert MH_NAME not in text_of(refused)


def test_admins_see_the_release_checks_in_teams_and_others_are_refused(
    rig: Rig, seeded_db_url: str, tmp_path: Path
) -> None:
    """The same `releases` of the shared chat grammar, in a Teams channel: an Adaptive Card for admins."""
    rig.publisher.put(MH_PATH, broken_file(tmp_path / MH_NAME).read_bytes())
    publish_page(rig.publisher, MH_PATH)
    rig.checks.check()
    admin_aad = "00000000-0000-4000-8000-0000000000c3"
    settings = teams_settings(
        seeded_db_url,
        roles={"admin": [admin_aad]},
        releases_file=rig.app.settings.releases_file,
        releases_allow_local_http=True,
    )
    app = build(settings)
    connector = ConnectorStandIn()
    try:
        with serving_aiohttp(teams_web_app(app)) as url:
            admins = teams_text(
                only_card(post(url, channel_message(connector.service_url, "releases", user_aad=admin_aad)))
            )
            others = teams_text(only_card(post(url, channel_message(connector.service_url, "releases"))))
    finally:
        connector.close()
        app.close()
    assert "Release checks" in admins and "NHS England: NOF league tables and metric files" in admins
    assert MH_NAME in admins and "OF5002" in admins and "Tried again when it changes" in admins
    assert "Only the bot's admins may see the release checks." in others and MH_NAME not in others


def test_each_download_reports_its_progress_to_the_end(rig: Rig, tmp_path: Path) -> None:
    """What `oversight releases check` draws its progress bars from on a terminal: each file, by
    name, its bytes so far rising to the whole file."""
    mh = write_cumulative(tmp_path / MH_NAME)
    rig.publisher.put(MH_PATH, mh.read_bytes())
    publish_page(rig.publisher, MH_PATH)
    seen: dict[str, list[tuple[int, int | None]]] = {}

    rig.checks.check(dry_run=True, progress=lambda name, done, total: seen.setdefault(name, []).append((done, total)))

    reports = seen[MH_NAME]
    size = mh.stat().st_size
    assert reports[-1][0] == size  # it ends at the whole file
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)  # and only ever rises
    assert all(total in (None, size) for _, total in reports)  # the whole size, when the server says it
