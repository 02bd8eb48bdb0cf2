"""A throwaway PostgreSQL server for the test session, started from the installed binaries.

It listens on 127.0.0.1 on a free port, with its data directory in a temporary folder, and is
stopped at the end of the session. As root (CI containers), the server runs as the `postgres`
system user, because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PostgresServer:
    port: int
    data_dir: Path
    bin_dir: Path
    user: str | None

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop", check=False)

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)


def find_bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start() -> PostgresServer:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL server binaries (initdb) installed")
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="oversight-pg-"))
    data_dir = root / "data"
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(free_port(), data_dir, bin_dir, user)
    server._run("initdb", "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = f"-p {server.port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off -c full_page_writes=off"
    server._run("pg_ctl", "-D", str(data_dir), "-o", options, "-l", str(root / "log"), "-w", "start")
    return server


@contextmanager
def throwaway_database(server: PostgresServer, template: str | None = None) -> Iterator[str]:
    """A new database on the server (a copy of `template`, or empty) for one test; dropped after."""
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    copy = f" TEMPLATE {template}" if template else ""
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}{copy}"))
    try:
        yield server.url(name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
