"""Prometheus metrics, on a registry of the app's own (so several apps can live in one test process)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..desk.tickets.models import STATUSES


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("faq_http_requests", "HTTP requests", ["method", "route", "status"], registry=r)
        self.latency = Histogram("faq_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
                                 registry=r, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.questions = Counter("faq_questions", "questions answered, by decision", ["decision"], registry=r)
        self.tickets = Counter("faq_tickets_created", "tickets opened, by source", ["source"], registry=r)
        self.steps = Counter("faq_ticket_steps", "ticket lifecycle steps, by action", ["action"], registry=r)
        self.feedback = Counter("faq_feedback", "feedback received", ["helpful"], registry=r)
        self.feedback_items = Counter("faq_feedback_items", "feedback items recorded (suggestions, bug reports, "
                                      "complaints, praise), by category and source", ["category", "source"], registry=r)
        self.feedback_status = Counter("faq_feedback_topic_status", "topic statuses set on the product board",
                                       ["status"], registry=r)
        self.ask_batches = Histogram("faq_ask_batch_size", "questions an ask lane answered together (api/lane.py), "
                                     "by lane", ["lane"], registry=r, buckets=(1, 2, 4, 8, 16, 32, 64))
        self.rate_limited = Counter("faq_rate_limited", "requests refused by the rate limit", registry=r)
        self.rebalanced = Counter("faq_connections_rebalanced", "keep-alive connections a crowded worker closed "
                                  "(FAQ_WORKERS > 1)", registry=r)
        self.reloads = Counter("faq_index_reloads", "index reloads", ["outcome"], registry=r)
        self.index = Gauge("faq_index_info", "the index version in use (value 1)", ["version"], registry=r,
                           multiprocess_mode="liveall")
        self._version: str | None = None
        self._watchers: list[Collector] = []

    def set_index(self, version: str | None) -> None:
        if self._version and multiprocess():  # worker processes keep their values in files: zero the old one
            self.index.labels(self._version).set(0)
        self.index.clear()
        if version:
            self.index.labels(version).set(1)
        self._version = version

    def record_reload(self, version: str | None) -> None:
        """A reload (by an admin or the index watcher): the version now in service, or None when it failed."""
        self.reloads.labels("ok" if version else "failed").inc()
        if version:
            self.set_index(version)

    def watch_tickets(self, count: Callable[[], dict[str, int]]) -> None:
        """Export the ticket counts by status, read from the store at scrape time."""
        collector = _TicketCollector(count)
        self._watchers.append(collector)
        self.registry.register(collector)

    def render(self) -> bytes:
        if not multiprocess():
            return generate_latest(self.registry)
        # several worker processes (FAQ_WORKERS): add up what all of them wrote
        from prometheus_client import multiprocess as mp

        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        for collector in self._watchers:
            registry.register(collector)
        return generate_latest(registry)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class _TicketCollector(Collector):
    """Ticket counts by status, read from the database by a thread of their own: a scrape waits at most
    ``wait_s`` for them (a database that hangs must not hang /metrics), and is otherwise answered with the last
    counts read; ``faq_ticket_store_up`` says whether the latest read succeeded."""

    def __init__(self, count: Callable[[], dict[str, int]], wait_s: float = 0.5) -> None:
        self.count = count
        self.wait_s = wait_s
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._up = 1
        self._reading: threading.Thread | None = None

    def _read(self) -> None:
        try:
            counts, up = self.count(), 1
        except Exception:  # StoreUnavailable, logged by the database; keep the last counts
            counts, up = None, 0
        with self._lock:
            if counts is not None:
                self._counts = counts
            self._up = up

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            if self._reading is None or not self._reading.is_alive():
                self._reading = threading.Thread(target=self._read, name="ticket-counts", daemon=True)
                self._reading.start()
            reading = self._reading
        reading.join(self.wait_s)
        with self._lock:
            counts, up = dict(self._counts), self._up if not reading.is_alive() else 0
        family = GaugeMetricFamily("faq_tickets", "tickets by status (the last counts read)", labels=["status"])
        for status in STATUSES:
            family.add_metric([status], counts.get(status, 0))
        yield family
        yield GaugeMetricFamily("faq_ticket_store_up", "1 if the ticket database answered the last scrape in time",
                                value=up)


class MetricsMiddleware:
    """Counts and times every HTTP request, labelled by route template (not the raw path: ids stay out)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)
