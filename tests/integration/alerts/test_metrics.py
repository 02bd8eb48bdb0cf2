"""What an operator's Prometheus sees of alerts and imports: `oversight worker --metrics-port`
scraped after real work (an import by the CLI, alerts sent through the Slack stand-in), and the
CLI's import results."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from oversight_bot.bootstrap import Application
from oversight_bot.cli.main import cli
from oversight_bot.domain.subscriptions import Target, TargetKind
from oversight_bot.serving import metrics
from tests.conftest import NOF_FILE
from tests.integration.alerts.conftest import CHANNEL, subscribe, wait_until
from tests.postgres import free_port
from tests.slack_standin import SlackStandIn, rate_limited


def sample(page: str, name: str, **labels: str) -> float | None:
    """The value of one series on a metrics page (labels in any order), or None if absent."""
    for line in page.splitlines():
        found = re.fullmatch(rf"{name}(?:{{(.*)}})? (\S+)", line)
        if found and dict(re.findall(r'(\w+)="([^"]*)"', found.group(1) or "")) == labels:
            return float(found.group(2))
    return None


def environment(app: Application, standin: SlackStandIn, metrics_dir: Path) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("OVERSIGHT_", "PROMETHEUS_"))} | {
        "OVERSIGHT_DATABASE_URL": app.engine.url.render_as_string(hide_password=False),
        "OVERSIGHT_SEED_ON_FIRST_USE": "false",
        "OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-alerts",
        "OVERSIGHT_SLACK_SIGNING_SECRET": "s",
        "OVERSIGHT_SLACK_API_URL": standin.base_url,
        "OVERSIGHT_ALERT_INTERVAL_S": "0.05",
        # Shared by the import and the worker, as an operator's cron job and worker would share it.
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }


@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
def test_the_standalone_worker_serves_backlog_delivery_and_import_metrics(
    baseline: Application, standin: SlackStandIn, tmp_path: Path
) -> None:
    subscribe(baseline, Target(TargetKind.ORGANISATION, "RXV"))  # moves 5 -> 4 in Q2: two alerts, one message
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = environment(baseline, standin, metrics_dir)
    command = [sys.executable, "-m", "oversight_bot"]
    imported = subprocess.run([*command, "import", "nof", str(NOF_FILE)], env=env, cwd=tmp_path, capture_output=True)
    assert imported.returncode == 0, imported.stderr
    standin.queue("chat.postMessage", rate_limited(3))  # the first try is paced: the alerts wait 3 s
    port = free_port()
    worker = subprocess.Popen([*command, "worker", "--metrics-port", str(port), "--metrics-host", "127.0.0.1"],
                              env=env, cwd=tmp_path, stderr=subprocess.PIPE)  # fmt: skip
    pages: list[str] = []

    def scraped(done: object) -> bool:
        try:
            pages.append(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text)
        except httpx.TransportError:
            return False
        return bool(done(pages[-1]))  # type: ignore[operator]

    try:
        wait_until(lambda: scraped(lambda page: sample(page, "oversight_alert_deliveries_waiting") == 2))
        waiting = pages[-1]
        wait_until(lambda: scraped(lambda page: sample(page, "oversight_alert_deliveries_waiting") == 0))
        done = pages[-1]
    finally:
        worker.terminate()
        _, stderr = worker.communicate(timeout=20)
    assert sample(waiting, "oversight_alert_deliveries_total", outcome="ratelimited") == 1, stderr
    assert sample(waiting, "oversight_outbox_undispatched_events") == 0  # fanned out: waiting to be sent
    assert sample(done, "oversight_alert_deliveries_total", outcome="sent") == 1
    assert len(standin.posts(CHANNEL)) == 1
    # The CLI's import, counted in its own process, is on the worker's page through the shared directory.
    assert sample(done, "oversight_imports_total", kind="nof", result="changed") == 1
    last_nof = sample(done, "oversight_last_import_timestamp_seconds", kind="nof")
    assert last_nof is not None and last_nof > 1.7e9
    assert b"Metrics: http://127.0.0.1:" in stderr and b"Traceback" not in stderr


def test_the_cli_counts_each_import_by_result(seeded_db_url: str, tmp_path: Path) -> None:
    def count(result: str) -> float:
        page = metrics.exposition()[0].decode()
        return sample(page, "oversight_imports_total", kind="nof", result=result) or 0.0

    def run_cli(*args: str) -> int:
        return CliRunner().invoke(cli, list(args), env={"OVERSIGHT_DATABASE_URL": seeded_db_url}).exit_code

    before = {result: count(result) for result in ("changed", "unchanged", "refused")}
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,metric,file\n1,2,3,4\n", encoding="utf-8")
    assert run_cli("import", "nof", str(NOF_FILE)) == 0  # the seeds hold it already
    assert run_cli("import", "nof", str(bad)) == 1
    assert {result: count(result) - before[result] for result in before} == {"changed": 0, "unchanged": 1, "refused": 1}
