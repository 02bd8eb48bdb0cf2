"""Slack's HTTP mode: `POST /slack/events` (commands, interactivity, options, events), `GET /healthz`,
`GET /readyz` and `GET /metrics`, as a Starlette app served by uvicorn.

A request goes through, in order: the size limit (413), the signature and timestamp on the raw
body (401, before anything is parsed), the body's shape (400 with a short reason), the replay
guard, then Bolt's dispatch. The guard and the dispatch are blocking (the store, Bolt's synchronous
listeners), so they run on a bounded pool of threads with a deadline (serving/offload.py): the
event loop never waits on the store, `/healthz` and `/readyz` answer in milliseconds whatever the
store does, and a request whose work misses the deadline is answered "try again" with what the
user wrote given back (see `too_slow_answer`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.webhook import WebhookClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from oversight_bot.errors import StoreUnavailable, TooSlow
from oversight_bot.serving import metrics
from oversight_bot.serving.offload import Offload
from oversight_bot.serving.replay import SHARED_DEADLINE_S, WINDOW_S, LocalMemory, SeenRequests
from oversight_bot.slack import gate
from oversight_bot.slack.answers import KeptCommandAnswers
from oversight_bot.slack.gate import Parsed, Refusal

logger = logging.getLogger(__name__)
MAX_BODY = 1 << 20
EVENTS_PATH = "/slack/events"
SURFACE = "slack"
TOO_SLOW = "The bot could not get an answer in time (its database is slow just now). Please try again in a moment."
FORM_NOT_SAVED = (
    "Not saved yet: the bot could not store this in time. Everything you wrote is still here; press Submit again."
)


@dataclass
class HttpServing:
    """What the HTTP layer needs besides the Bolt app."""

    signing_secret: str
    ready: Callable[[], bool] = lambda: True
    seen: SeenRequests | None = None  # the store's memory of requests; None: this process's only
    offload: Offload = field(default_factory=Offload)
    before_metrics: Callable[[], None] | None = None
    clock: Callable[[], float] = time.time
    kept: KeptCommandAnswers | None = None  # slash commands' kept answers, given without Bolt


def create_http_app(slack_app: App, serving: HttpServing) -> Starlette:
    secret = serving.signing_secret.encode()
    guard = ReplayCheck(serving)

    async def events(request: Request) -> Response:
        started = time.perf_counter()
        outcome, response = await answer(request)
        metrics.observe_request(SURFACE, outcome, time.perf_counter() - started)
        if serving.before_metrics is not None:  # every worker's gauges current, whichever is scraped
            serving.before_metrics()
        return response

    async def answer(request: Request) -> tuple[str, Response]:
        body = await _read_limited(request)
        if body is None:
            return "too_large", _error(413, "request too large")
        signed = gate.check_signature(request.headers, body, secret, serving.clock())
        if isinstance(signed, Refusal):
            return "unsigned", _error(signed.status, signed.reason)
        parsed = gate.check_shape(request.headers.get("content-type", ""), body)
        if isinstance(parsed, Refusal):
            logger.warning("refused a signed but malformed Slack request: %s", parsed.reason)
            return "malformed", _error(parsed.status, parsed.reason)
        if not await guard.first_sight(signed):
            logger.warning("refused a replayed Slack request")
            return "replayed", _error(401, "replayed request")
        kept = serving.kept.kept_answer(parsed.data) if serving.kept and parsed.kind == "command" else None
        if kept is not None:  # worked out in memory, with no Bolt, no thread and no store
            return "answered", Response(kept, media_type="application/json;charset=utf-8")
        bolt_request = to_bolt_request(request, body)
        try:
            response = await serving.offload.run(lambda: dispatch_or_refuse(slack_app, bolt_request))
        except TooSlow:
            logger.warning("a Slack %s request missed its deadline", parsed.payload_type)
            return "too_slow", too_slow_answer(parsed)
        return ("answered" if response.status < 400 else "refused"), to_starlette_response(response)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readiness(_: Request) -> Response:
        ok = serving.ready()
        return JSONResponse({"status": "ready" if ok else "not ready"}, status_code=200 if ok else 503)

    async def metrics_page(_: Request) -> Response:
        page, content_type = metrics.exposition(serving.before_metrics)
        return Response(page, media_type=content_type)

    routes = [
        Route(EVENTS_PATH, events, methods=["POST"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/readyz", readiness, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]
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


class ReplayCheck:
    """This process's memory first (no store call for a replay it has seen), then the store's,
    within `SHARED_DEADLINE_S`; past that, this process's memory decides alone (serving/replay.py)."""

    def __init__(self, serving: HttpServing) -> None:
        self.serving = serving
        self.memory = LocalMemory()
        self._warned_at = -60.0

    async def first_sight(self, signed: gate.Signed) -> bool:
        if not self.memory.first_sight(signed.signature):
            return False
        seen = self.serving.seen
        if seen is None:
            return True
        keep_until = signed.timestamp + WINDOW_S + 60
        if getattr(seen, "inline", False):  # a local file's quick insert (store/replays.py)
            try:
                return seen.first_sight(signed.signature, keep_until)
            except StoreUnavailable:
                pass  # busy just now: waited for off the event loop, as any store is
        try:
            return await self.serving.offload.run(lambda: seen.first_sight(signed.signature, keep_until),
                                                  deadline_s=SHARED_DEADLINE_S)  # fmt: skip
        except TooSlow:  # StoreUnavailable's subclass: the store is slow or down
            self._warn()
            return True
        except Exception as error:  # the store is down: StoreUnavailable, or its driver's error
            self._warn(type(error).__name__)
            return True

    def _warn(self, why: str = "too slow") -> None:
        if time.monotonic() - self._warned_at > 60:
            self._warned_at = time.monotonic()
            logger.warning("the shared replay guard did not answer (%s): this process's memory alone decides", why)


def dispatch_or_refuse(slack_app: App, request: BoltRequest) -> BoltResponse:
    """Bolt's dispatch, with anything Bolt itself fails on answered 400 instead of a 500.

    Errors inside listeners never get here (the app's error handler answers them); the gate has
    refused what Bolt cannot read, so this is the last line, not the first.
    """
    try:
        return slack_app.dispatch(request)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as error:
        logger.warning("refused a malformed Slack payload (%s)", type(error).__name__)
        return BoltResponse(
            status=400, body='{"error":"malformed request"}', headers={"content-type": "application/json"}
        )


def too_slow_answer(parsed: Parsed) -> Response:
    """What Slack shows when the work missed its deadline: never a loss of what the user wrote.

    A slash command gets "try again" with the command given back; a form stays open with its
    contents and an error on its first field (filing the same form again is answered with the
    first filing if that did land, so pressing Submit again is safe); a typeahead gets no options;
    a button's presser is told through the response URL.
    """
    data, kind = parsed.data, parsed.payload_type
    if kind == "command":
        typed = f"{data.get('command', '')} {data.get('text', '')}".strip()
        text = f"{TOO_SLOW}\nYou typed: {_escape(typed)}"
        return JSONResponse({"response_type": "ephemeral", "text": text})
    if kind == "view_submission":
        blocks = list(((data["view"].get("state") or {}).get("values") or {}).keys())
        if blocks:
            return JSONResponse({"response_action": "errors", "errors": {blocks[0]: FORM_NOT_SAVED}})
    if kind == "block_suggestion":
        return JSONResponse({"options": []})
    response_url = data.get("response_url")
    if isinstance(response_url, str) and response_url.startswith("https://"):
        threading.Thread(target=_say_too_slow, args=(response_url,), daemon=True).start()
    return Response(status_code=200)


def _say_too_slow(response_url: str) -> None:
    try:
        WebhookClient(response_url, timeout=5).send(text=TOO_SLOW, response_type="ephemeral", replace_original=False)
    except Exception as error:  # nothing more can be done; the user can press the button again
        logger.warning("could not tell a user to try again: %s", type(error).__name__)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _error(status: int, reason: str) -> Response:
    return Response(json.dumps({"error": reason}), status_code=status, media_type="application/json")


async def _read_limited(request: Request) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


def serve(app: Starlette, host: str, port: int) -> None:
    logger.info("Slack HTTP mode on http://%s:%d%s", host, port, EVENTS_PATH)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
