"""`oversight serve --slack-http --workers N`: a light supervisor over N worker processes.

The command prepares the store once (migrations, seeds), then replaces itself (exec) with this
module, which imports the standard library only: it binds the listening socket, starts N workers
(`serving/worker.py`) that inherit it, and restarts any that exits, with backoff, saying so on
stderr. A worker loads its application and its first read model before it accepts a connection,
so there is no start-up deadline to miss on a slow machine: until a worker is ready, connections
wait in the socket's backlog or go to a worker that is. SIGTERM or Ctrl-C stop the workers
(each finishes the requests in hand) and then the supervisor.

Workers share metrics through the prometheus client's multiprocess mode: the supervisor makes
them a fresh directory (PROMETHEUS_MULTIPROC_DIR) unless one is given.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

STOP_GRACE_S = 30.0
MAX_BACKOFF_S = 30.0
STEADY_S = 60.0  # a worker that ran this long had started fine: its next restart is immediate


@dataclass
class Slot:
    number: int
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    backoff_s: float = 0.0
    restart_at: float = field(default=0.0)


def main(argv: list[str] | None = None) -> None:
    options = _arguments(argv)
    listener = _listen(options.host, options.port)
    metrics_dir = _metrics_directory()
    environment = os.environ | {"PROMETHEUS_MULTIPROC_DIR": metrics_dir}
    command = [sys.executable, "-m", "oversight_bot.serving.worker", "--fd", str(listener.fileno())]
    slots = [Slot(n) for n in range(options.workers)]
    stopping = False

    def stop(_signal: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _say(f"supervisor {os.getpid()}: {options.workers} workers on http://{options.host}:{options.port}")
    while not stopping:
        for slot in slots:
            _tend(slot, command, listener.fileno(), environment)
        time.sleep(0.2)
    _stop_all(slots)
    listener.close()
    if metrics_dir != os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _tend(slot: Slot, command: list[str], fd: int, environment: dict[str, str]) -> None:
    """Start the slot's worker if it has none, or restart it (after its backoff) if it exited."""
    process, now = slot.process, time.monotonic()
    if process is not None and process.poll() is None:
        return
    if process is not None:
        ran = now - slot.started_at
        slot.backoff_s = 0.0 if ran > STEADY_S else min(MAX_BACKOFF_S, max(1.0, slot.backoff_s * 2))
        slot.restart_at = now + slot.backoff_s
        _say(f"worker {slot.number} (pid {process.pid}) exited with {process.returncode} after {ran:.1f} s; "
             f"restarting in {slot.backoff_s:.0f} s")  # fmt: skip
        slot.process = None
    if now < slot.restart_at:
        return
    slot.process = subprocess.Popen(command, pass_fds=(fd,), env=environment)
    slot.started_at = now


def _stop_all(slots: list[Slot]) -> None:
    running = [s.process for s in slots if s.process is not None and s.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _say("supervisor: every worker stopped")


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


def _metrics_directory() -> str:
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):  # counts from an earlier run are not this run's
            if name.endswith(".db"):
                os.unlink(os.path.join(given, name))
        return given
    return tempfile.mkdtemp(prefix="oversight-metrics-")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="oversight serve --workers", description=__doc__)
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    return parser.parse_args(argv)


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


if __name__ == "__main__":
    main()
