"""The plain alternative for bench_slack_http.py: a bare Bolt app on the same server stack (uvicorn,
Starlette, Bolt's own Starlette adapter), whose `/segment` only acknowledges. Bolt still checks
each request's signature and timestamp, as it does by default.

Served by: python -m uvicorn bare_bolt:app --app-dir bench --workers 2 (the signing secret in
BARE_BOLT_SIGNING_SECRET).
"""

from __future__ import annotations

import os

from slack_bolt import Ack, App
from slack_bolt.adapter.starlette import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def bare_app(signing_secret: str) -> App:
    """The floor: Bolt verifying each request, a handler that only acknowledges."""
    app = App(
        signing_secret=signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
        authorize=lambda enterprise_id, team_id: AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-bare"
        ),
    )

    @app.command("/segment")
    def segment(ack: Ack) -> None:
        ack("ok")

    return app


bolt = bare_app(os.environ.get("BARE_BOLT_SIGNING_SECRET", "unset"))
handler = SlackRequestHandler(bolt)


async def events(request: Request) -> Response:
    return await handler.handle(request)


async def health(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", health)])
