"""One worker of `oversight serve --slack-http --workers N` (started by serving/supervisor.py).

It builds its application from the environment, loads its first read model, and only then
accepts connections on the socket it inherited: a worker is never sent a request before it can
answer one, however slow the machine.
"""

from __future__ import annotations

import argparse
import socket

import uvicorn

from oversight_bot.bootstrap import build, ready_to_serve, slack_http_app
from oversight_bot.config import load_settings
from oversight_bot.logs import configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="oversight-worker")
    parser.add_argument("--fd", type=int, required=True, help="the listening socket, inherited")
    options = parser.parse_args(argv)
    settings = load_settings()  # as the command that started the supervisor checked them
    configure_logging(settings.log_level, json_lines=settings.log_format == "json")
    app = build(settings, prepare_store=False, read_model_cache=False)  # the supervisor's command prepared the store
    app.segments.refresh()  # ready before the first accept
    ready_to_serve()
    listener = socket.socket(fileno=options.fd)
    config = uvicorn.Config(slack_http_app(app), log_level="warning", access_log=False, server_header=False)
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        app.close()


if __name__ == "__main__":
    main()
