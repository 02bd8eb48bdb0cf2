"""`oversight releases check` and `status` as an administrator or a script runs them, the sources file's
problems refused as configuration, and `oversight worker` checking by itself."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from oversight_bot.bootstrap import build
from tests.integration.alerts.conftest import ADMIN_CHANNEL, ALL, CHANNEL, alert_settings, drain, subscribe, worker_for
from tests.integration.slack.conftest import text_of
from tests.integration.test_release_checks import MH_NAME, MH_PATH, broken_file, publish_page
from tests.nof_files import Q3, Q4, write_cumulative
from tests.oversight_cli import oversight
from tests.publisher_standin import PublisherStandIn
from tests.release_sources import default_sources, on_standin, standin_sources, write_sources
from tests.slack_requests import SECRET
from tests.slack_standin import SlackStandIn

MANUAL_CHANNEL = "C0MANUAL"


@pytest.fixture
def publisher() -> Iterator[PublisherStandIn]:
    server = PublisherStandIn()
    yield server
    server.close()


def eventually(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, "the condition did not become true in time"
        pause.wait(0.05)


def settings_for(database_url: str, sources: Path) -> dict[str, str]:
    return {
        "OVERSIGHT_DATABASE_URL": database_url,
        "OVERSIGHT_RELEASES_FILE": str(sources),
        "OVERSIGHT_RELEASES_ALLOW_LOCAL_HTTP": "true",
    }


def test_an_administrator_checks_now_and_reads_the_status(
    seeded_db_url: str, publisher: PublisherStandIn, tmp_path: Path
) -> None:
    env = settings_for(seeded_db_url, standin_sources(tmp_path / "releases.toml", publisher))
    publisher.put(MH_PATH, write_cumulative(tmp_path / MH_NAME).read_bytes())
    publish_page(publisher, MH_PATH)

    dry = oversight("releases", "check", "--dry-run", "--json", env=env)
    assert dry.exit_code == 0, dry.output
    fields = json.loads(dry.stdout)
    assert fields["schema"] == "oversight-releases-check/1" and fields["dry_run"] and fields["ran"]
    (file,) = fields["sources"][0]["files"]
    assert file["outcome"] == "would_import" and file["summary"]["quarters"] == ["Q1 2025/26", "Q2 2025/26", Q3, Q4]

    checked = oversight("releases", "check", env=env)
    assert checked.exit_code == 0, checked.output
    assert "a new version, imported" in checked.stdout and "4 segment moves and 1 other change announced" in " ".join(
        checked.stdout.replace("│", " ").split()
    )

    status = json.loads(oversight("releases", "status", "--json", env=env).stdout)
    assert status["schema"] == "oversight-releases/1" and status["every_hours"] is None
    assert status["last_check"]["started_at"] and status["last_check"]["running"] is None
    (page,) = status["sources"]
    assert page["page"] and page["outcome"] == "found" and page["detail"] == "1 file(s) linked"
    (listed,) = page["files"]
    assert listed["outcome"] == "imported" and listed["last_imported"]["quarters"][-1] == Q4
    # No admin channel is configured: there is no one to tell, and it is not kept to tell later.
    assert listed["last_imported"]["import_id"] and listed["last_imported"]["reported_at"] is not None

    publisher.put(MH_PATH, broken_file(tmp_path / "broken.csv").read_bytes())
    refused = oversight("releases", "check", "--json", env=env)
    assert refused.exit_code == 1  # a file refused: the answer is no
    assert json.loads(refused.stdout)["sources"][0]["files"][0]["outcome"] == "refused"
    shown = oversight("releases", "status", env=env)
    assert shown.exit_code == 0 and "Release checks" in shown.stdout and "Refused" in shown.stdout
    asked = oversight("ask", "releases", env=env)  # the chat grammar in the console: its operator is an admin
    assert asked.exit_code == 0 and "Release checks" in asked.stdout and "OF5002" in asked.stdout


@pytest.mark.parametrize(
    ("change", "variable", "words"),
    [
        (lambda s: s, "OVERSIGHT_RELEASES_FILE", "is plain http: only https addresses are fetched"),
        (
            lambda s: s | {"page": "https://publications.example.org/nof/"},
            "OVERSIGHT_RELEASES_ALLOWED_HOSTS",
            "does not include publications.example.org",
        ),
        (
            lambda s: s | {"links": [{"pattern": "*.csv", "kind": "nof-acutee"}]},
            "OVERSIGHT_RELEASES_FILE",
            "kind 'nof-acutee' is not one of nof-acute",
        ),
        (lambda s: s | {"kind": "nof-acute"}, "OVERSIGHT_RELEASES_FILE", "kind belongs to a file"),
    ],
)
def test_a_source_that_may_not_be_fetched_is_refused_with_the_settings(
    change: object, variable: str, words: str, publisher: PublisherStandIn, tmp_path: Path
) -> None:
    page = on_standin(next(s for s in default_sources() if "page" in s), publisher)
    sources = write_sources(tmp_path / "releases.toml", [change(page)])  # type: ignore[operator]
    env = {"OVERSIGHT_DATABASE_URL": f"sqlite:///{tmp_path / 'oversight.db'}", "OVERSIGHT_RELEASES_FILE": str(sources)}
    if "plain http" not in words:  # the stand-in's http is allowed, so that only the change is at fault
        env["OVERSIGHT_RELEASES_ALLOW_LOCAL_HTTP"] = "true"
    for command in (["releases", "check"], ["ask", "segment RR8"]):  # every command checks every setting
        result = oversight(*command, env=env)
        assert result.exit_code == 2 and result.stdout == "", result.output
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"Configuration problem: {variable}") and words in line and "for example" in line
    assert not publisher.requests and not (tmp_path / "oversight.db").exists()


def test_oversight_worker_imports_a_release_by_itself_and_alerts_as_after_oversight_import(
    seeded_db_url: str, seeded_sqlite_template: Path, standin: SlackStandIn, publisher: PublisherStandIn, tmp_path: Path
) -> None:
    """`oversight worker` (a process of its own, as deployed) finds NHS England's new file, imports it,
    tells the admins' channel once, and its alerts are the very messages an administrator's `oversight
    import nof` of the same file (dated as its upload folder dates it) sends."""
    mh = write_cumulative(tmp_path / MH_NAME)
    publisher.put(MH_PATH, mh.read_bytes())
    publish_page(publisher, MH_PATH)
    automatic = alert_settings(seeded_db_url, standin.base_url)
    manual_db = tmp_path / "manual.db"
    shutil.copy(seeded_sqlite_template, manual_db)
    manual = alert_settings(f"sqlite:///{manual_db}", standin.base_url)
    for settings, channel in ((automatic, CHANNEL), (manual, MANUAL_CHANNEL)):
        app = build(settings)
        subscribe(app, ALL, channel)
        app.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")}
    env |= settings_for(seeded_db_url, standin_sources(tmp_path / "releases.toml", publisher))
    env |= {
        "OVERSIGHT_RELEASES_CHECK_HOURS": "6",
        "OVERSIGHT_LOG_LEVEL": "INFO",
        "OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-alerts",
        "OVERSIGHT_SLACK_SIGNING_SECRET": SECRET,
        "OVERSIGHT_SLACK_API_URL": standin.base_url,
        "OVERSIGHT_SLACK_ADMIN_CHANNEL": ADMIN_CHANNEL,
        "OVERSIGHT_ALERT_INTERVAL_S": "0.05",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "oversight_bot", "worker"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Q3 and Q4 are news to the seeded store: one grouped message per quarter, and the admins' one.
        eventually(
            lambda: (
                (len(standin.posts(CHANNEL)) >= 2 and len(standin.posts(ADMIN_CHANNEL)) >= 1)
                or worker.poll() is not None
            )
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        _output, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert "Alert worker and release checks running" in err
    assert "Traceback" not in err
    (news,) = standin.posts(ADMIN_CHANNEL)
    assert news.body["text"].startswith("1 file imported") and MH_NAME in text_of(news.body)

    imported = oversight(
        "import", "nof", str(mh), "--published", "May 2026", env={"OVERSIGHT_DATABASE_URL": str(manual.database_url)}
    )
    assert imported.exit_code == 0, imported.output
    app = build(manual)
    worker_b = worker_for(app)
    drain([worker_b], lambda: len(standin.posts(MANUAL_CHANNEL)) >= 2)
    worker_b.close()
    app.close()

    def sent(channel: str) -> list[dict[str, object]]:
        return [{k: v for k, v in post.body.items() if k != "channel"} for post in standin.posts(channel)]

    assert len(sent(CHANNEL)) == 2 and sent(CHANNEL) == sent(MANUAL_CHANNEL)
