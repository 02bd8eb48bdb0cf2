"""Prometheus metrics for operators, with the prometheus client library, served at `/metrics`.

Several worker processes (`serve --workers N`) share one view: the supervisor gives them a
directory for the client library's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`), so a scrape of
any process reports every process's counts. Names follow Prometheus's conventions (a unit suffix,
`_total` for counters). Labels never carry user text or ids, only fixed words.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, event

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "oversight_requests_total", "Chat requests answered, by surface and outcome.", ["surface", "outcome"]
)
REQUEST_SECONDS = Histogram(
    "oversight_request_seconds", "Time to answer a chat request.", ["surface"], buckets=LATENCY_BUCKETS
)
STORE_SECONDS = Histogram(
    "oversight_store_statement_seconds", "Time the store took per SQL statement.", buckets=LATENCY_BUCKETS
)
READ_MODEL_AGE = Gauge(
    "oversight_read_model_age_seconds",
    "Seconds since the store last confirmed the in-memory read model current.",
    multiprocess_mode="max",
)
READ_MODEL_VERSION = Gauge(
    "oversight_read_model_version", "The import id the read model was built from.", multiprocess_mode="min"
)
# The store's backlog, read by the alert worker about once a second: the same whichever process
# reads it, so the most recent reading is the truth (and a dead worker's last reading is not).
OUTBOX_EVENTS = Gauge(
    "oversight_outbox_undispatched_events",
    "Events not yet fanned out to subscriptions.",
    multiprocess_mode="mostrecent",
)
DELIVERIES_WAITING = Gauge(
    "oversight_alert_deliveries_waiting",
    "Alerts not yet sent: due, scheduled (a retry, a digest) or in flight.",
    multiprocess_mode="mostrecent",
)
DELIVERIES = Counter("oversight_alert_deliveries_total", "Alert sends, by outcome.", ["outcome"])
IMPORTS = Counter(
    "oversight_imports_total",
    "Imports run (in this process, or in any sharing PROMETHEUS_MULTIPROC_DIR), by kind and result.",
    ["kind", "result"],
)
LAST_IMPORT = Gauge(
    "oversight_last_import_timestamp_seconds",
    "When the store last took a file of this kind that changed something (Unix time).",
    ["kind"],
    multiprocess_mode="mostrecent",
)


def observe_request(surface: str, outcome: str, seconds: float) -> None:
    _request_counter(surface, outcome).inc()
    _request_histogram(surface).observe(seconds)


# A labelled series found once, not on every request (`labels()` takes a lock and builds a key).
@functools.cache
def _request_counter(surface: str, outcome: str) -> Any:
    return REQUESTS.labels(surface, outcome)


@functools.cache
def _request_histogram(surface: str) -> Any:
    return REQUEST_SECONDS.labels(surface)


def time_statements(engine: Engine) -> None:
    """Observe every statement's time on `engine` (two clock reads and one observation each)."""

    def before(conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, executemany: Any) -> None:
        conn.info["statement_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, executemany: Any) -> None:
        started = conn.info.pop("statement_started", None)
        if started is not None:
            STORE_SECONDS.observe(time.perf_counter() - started)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)


def count_import(kind: str, result: str) -> None:
    """`result`: changed, unchanged or refused."""
    IMPORTS.labels(kind, result).inc()


def exposition(before: Callable[[], None] | None = None) -> tuple[bytes, str]:
    """The metrics page: this process's, or every worker's in multiprocess mode."""
    if before is not None:
        before()
    return generate_latest(_registry()), CONTENT_TYPE_LATEST


def serve(port: int, host: str) -> None:
    """`/metrics` on its own port, from a daemon thread (the alert worker, which serves nothing else)."""
    start_http_server(port, host, registry=_registry())


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # the library leaves it untyped
        return registry
    return REGISTRY
