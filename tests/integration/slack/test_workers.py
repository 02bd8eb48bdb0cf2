"""`oversight serve --slack-http --workers 2` as deployed: real processes on 127.0.0.1 over one
SQLite store, beside a third single-process server on the same store. A replayed request is
refused whichever process receives it; a worker that dies is restarted; SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.postgres import free_port
from tests.slack_requests import SECRET, signed_headers, slash_command

pytestmark = pytest.mark.slow
FORM = "application/x-www-form-urlencoded"
OVERSIGHT = str(Path(sys.executable).with_name("oversight"))


def environment(database_url: str) -> dict[str, str]:
    return os.environ | {
        "OVERSIGHT_DATABASE_URL": database_url,
        "OVERSIGHT_SLACK_BOT_TOKEN": "xoxb-test-token",
        "OVERSIGHT_SLACK_SIGNING_SECRET": SECRET,
        "OVERSIGHT_SLACK_API_URL": "http://127.0.0.1:9/api/",
    }


def wait_ready(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server never became ready")


@pytest.fixture
def servers(seeded_db_url: str, tmp_path: Path) -> Iterator[tuple[int, int, subprocess.Popen[bytes]]]:
    """(the supervisor's port, the single server's port, the supervisor)."""
    workers_port, single_port = free_port(), free_port()
    env = environment(seeded_db_url)
    log = (tmp_path / "supervisor.log").open("wb")
    serve = [OVERSIGHT, "serve", "--slack-http", "--host", "127.0.0.1", "--port"]
    supervisor = subprocess.Popen([*serve, str(workers_port), "--workers", "2"], env=env, stderr=log)
    single = None
    try:
        wait_ready(workers_port, supervisor)
        single = subprocess.Popen([*serve, str(single_port)], env=env, stderr=subprocess.DEVNULL)
        wait_ready(single_port, single)
        yield workers_port, single_port, supervisor
    finally:
        for process in (supervisor, single):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=40)
        log.close()


def post(port: int, body: str, headers: dict[str, str]) -> httpx.Response:
    # A new connection each time, so the kernel hands each to whichever worker accepts first.
    return httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers, timeout=10)


def test_a_replay_is_refused_whichever_process_gets_it(servers: tuple[int, int, subprocess.Popen[bytes]]) -> None:
    workers_port, single_port, _ = servers
    first_answers, replays = [], []
    for n in range(30):
        body = slash_command("/segment", "RWR", response_url=f"http://127.0.0.1:9/hook/{n}")
        headers = signed_headers(body, content_type=FORM)
        first, second = (workers_port, single_port) if n % 2 else (single_port, workers_port)
        first_answers.append(post(first, body, headers).status_code)
        replays += [post(second, body, headers).status_code, post(workers_port, body, headers).status_code]
    assert first_answers == [200] * 30
    assert replays == [401] * 60


def worker_pids(supervisor: subprocess.Popen[bytes]) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(supervisor.pid)], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]


def test_a_worker_that_dies_is_restarted_and_sigterm_stops_every_process(
    servers: tuple[int, int, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    workers_port, _, supervisor = servers
    before = worker_pids(supervisor)
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = worker_pids(supervisor)
        if len(now) == 2 and before[0] not in now:
            break
        time.sleep(0.1)
    assert len(now) == 2 and before[0] not in now
    wait_ready(workers_port, supervisor)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=40) == 0
    assert worker_pids(supervisor) == []
    log = (tmp_path / "supervisor.log").read_text()
    assert f"(pid {before[0]}) exited with -9" in log and "every worker stopped" in log
