"""Slack's HTTP mode: `POST /slack/events` (commands, interactivity, options, events) and
`GET /healthz`, as a Starlette app served by uvicorn.

Bolt dispatches synchronously, on the event loop: every listener only acknowledges (well under a
millisecond) and anything slower runs in a lazy listener on Bolt's own threads. Bodies over 1 MiB
are refused before they are read whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import uvicorn
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

logger = logging.getLogger(__name__)
MAX_BODY = 1 << 20
EVENTS_PATH = "/slack/events"


def create_http_app(slack_app: App, healthy: Callable[[], bool]) -> Starlette:
    async def events(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            return JSONResponse({"error": "request too large"}, status_code=413)
        body = await _read_limited(request)
        if body is None:
            return JSONResponse({"error": "request too large"}, status_code=413)
        try:
            bolt_request = to_bolt_request(request, body)
        except (UnicodeDecodeError, ValueError):
            return JSONResponse({"error": "malformed request"}, status_code=400)
        # Dispatched on the event loop, deliberately: with process_before_response=True a listener
        # only acknowledges (in well under a millisecond) and anything that calls Slack runs in a
        # lazy listener on Bolt's own threads, so a hop to a thread pool would cost more than it saves.
        return to_starlette_response(dispatch_or_refuse(slack_app, bolt_request))

    async def health(request: Request) -> Response:
        ok = await run_in_threadpool(healthy)
        return JSONResponse({"status": "ok" if ok else "unavailable"}, status_code=200 if ok else 503)

    routes = [Route(EVENTS_PATH, events, methods=["POST"]), Route("/healthz", health, methods=["GET"])]
    oauth = slack_app.oauth_flow
    if oauth is not None:

        async def install(request: Request) -> Response:
            bolt_request = to_bolt_request(request, await request.body())
            handle = oauth.handle_installation if request.url.path == oauth.install_path else oauth.handle_callback
            return to_starlette_response(await run_in_threadpool(handle, bolt_request))

        routes += [
            Route(oauth.install_path, install, methods=["GET"]),
            Route(oauth.redirect_uri_path, install, methods=["GET"]),
        ]
    return Starlette(routes=routes)


def dispatch_or_refuse(slack_app: App, request: BoltRequest) -> BoltResponse:
    """Bolt's dispatch, with a payload Bolt cannot parse answered 400 instead of a 500.

    Errors inside listeners never get here (the app's error handler answers them); what escapes
    `dispatch` is Bolt failing to read the payload itself, such as a view without a type.
    """
    timestamp = (request.headers.get("x-slack-request-timestamp") or [""])[0]
    if timestamp and not timestamp.isdigit():
        # slack_sdk's verifier raises on a timestamp that is not a number; it is simply unsigned.
        return BoltResponse(
            status=401, body='{"error":"invalid request"}', headers={"content-type": "application/json"}
        )
    try:
        return slack_app.dispatch(request)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        logger.warning("refused a malformed Slack payload (%s)", type(error).__name__)
        return BoltResponse(
            status=400, body='{"error":"malformed request"}', headers={"content-type": "application/json"}
        )


async def _read_limited(request: Request) -> bytes | None:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


def serve(app: Starlette, host: str, port: int) -> None:
    logger.info("Slack HTTP mode on http://%s:%d%s", host, port, EVENTS_PATH)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)


def serve_workers(factory: str, host: str, port: int, workers: int) -> None:
    """Several processes, each building its own app from the environment (uvicorn's factory mode)."""
    uvicorn.run(factory, factory=True, host=host, port=port, workers=workers, log_level="warning", access_log=False)
