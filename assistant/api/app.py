"""The app factory: builds the service's objects, puts them on ``app.state`` and wires the routes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from ..config import Settings
from ..embed import Embedder
from ..errors import AssistantError
from ..handoff import HandoffService, SqlTicketStore, TicketStore
from ..keys import KeyRing
from ..pipeline import Assistant
from .balance import BOARD_ENV, BalanceMiddleware, LoadBoard
from .errors import install_error_handler
from .metrics import Metrics, MetricsMiddleware
from .middleware import BodyLimitMiddleware
from .ratelimit import RateLimiter
from .routes import admin, agent, ops, pages, public
from .runtime import AssistantHolder, freeze_heap, watch_index

log = logging.getLogger("assistant.api")


def create_app(settings: Settings, *, assistant: Assistant | None = None, embedder: Embedder | None = None,
               store: TicketStore | None = None, board: LoadBoard | None = None) -> FastAPI:
    """The service. Without ``assistant`` the index at ``index_dir/current`` is loaded at startup (until then
    /readyz and /v1/ask answer 503). Without ``store`` one is opened on ``settings.database_dsn`` (migrated to
    the newest schema) and closed at shutdown. ``board``: the workers' load board (FAQ_WORKERS > 1), closed at
    shutdown."""
    own_store = store is None
    store = store if store is not None else SqlTicketStore.from_dsn(settings.database_dsn)
    holder = AssistantHolder(settings, assistant, embedder)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not holder.ready:
            try:
                await run_in_threadpool(holder.reload)  # freezes the heap once loaded
            except AssistantError as exc:
                log.error("no index loaded: %s (fix it, then POST /v1/admin/reload)", exc.detail)
        else:
            freeze_heap()  # the Assistant handed in
        app.state.metrics.set_index(holder.version)
        watcher = (asyncio.create_task(watch_index(holder, app.state.metrics.record_reload, settings.index_watch_s))
                   if settings.index_watch_s > 0 else None)
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with suppress(asyncio.CancelledError):
                    await watcher
            if own_store:
                store.close()
            if board is not None:
                board.close()

    app = FastAPI(title="FAQ help desk", version=_version(), lifespan=lifespan,
                  description="Chinese FAQ assistant with hand-off to human agents. Errors are "
                  "`application/problem+json` with a stable `code`.")
    metrics = Metrics()
    metrics.watch_tickets(lambda: store.stats().tickets)
    metrics.set_index(holder.version)
    app.state.settings = settings
    app.state.holder = holder
    app.state.store = store
    app.state.service = HandoffService(store, settings.teams, settings.default_team, settings.ticket_suggestions)
    app.state.keys = KeyRing(settings.keys_file)
    app.state.limiter = RateLimiter(settings.rate_limit)
    app.state.metrics = metrics

    install_error_handler(app)
    for module in (public, agent, admin, ops, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=pages.WEB), name="static")

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "X-Ticket-Token"], max_age=600)
    if board is not None:
        app.add_middleware(BalanceMiddleware, board=board, on_shed=metrics.rebalanced.inc)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("assistant")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def app_from_env() -> FastAPI:
    """The app of one `assistant serve` worker process (FAQ_WORKERS > 1): settings from the environment, the
    index loaded at startup; the workers keep their shares of the requests even on the load board."""
    from ..pipeline import serving_threads

    serving_threads()
    path = os.environ.get(BOARD_ENV)
    return create_app(Settings(), board=LoadBoard(path) if path else None)
