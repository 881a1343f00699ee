"""Prometheus metrics, on a registry of the app's own (so several apps can live in one test process)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
    def __init__(self, count: Callable[[], dict[str, int]]) -> None:
        self.count = count

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("faq_tickets", "tickets by status", labels=["status"])
        counts = self.count()
        for status in ("open", "claimed", "resolved"):
            family.add_metric([status], counts.get(status, 0))
        yield family


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
