"""The app factory: builds the service's objects, puts them on ``app.state`` and wires the routes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from ..config import Settings
from ..desk import DeskStore, HelpDesk
from ..desk.feedback import FeedbackCollector
from ..desk.learning.publish import KbPublisher
from ..desk.learning.review import ReviewSample
from ..desk.learning.service import Learning
from ..desk.learning.store import SqlGapStore
from ..desk.progress import ProgressReader
from ..desk.service import ServicePolicy
from ..desk.tickets.attachments import SqlAttachmentStore
from ..engine import Assistant, Embedder
from ..errors import AssistantError
from ..kb.canned import CannedLibrary
from ..keys import KeyRing
from .balance import BOARD_ENV, BalanceMiddleware, LoadBoard
from .lane import AskLanes
from .metrics import Metrics, MetricsMiddleware
from .middleware import BodyLimitMiddleware, RequestIdMiddleware, SecurityHeadersMiddleware
from .openapi import install_openapi
from .problems import install_error_handler
from .ratelimit import LIMITS_ENV, RateLimiter
from .routes import admin, agent, agent_tickets, attachments, feedback, learning, live, ops, pages, public, tickets
from .routes import review as review_routes
from .runtime import AssistantHolder, few_malloc_arenas, freeze_heap, watch_index
from .supervise import die_with_parent

log = logging.getLogger("assistant.api")


def create_app(settings: Settings, *, assistant: Assistant | None = None, embedder: Embedder | None = None,
               store: DeskStore | None = None, board: LoadBoard | None = None, shared: Path | None = None) -> FastAPI:
    """The service. Without ``assistant`` the index at ``index_dir/current`` is loaded at startup (until then
    /readyz and /v1/ask answer 503). Without ``store`` one is opened on ``settings.database_dsn`` (migrated to
    the newest schema) and closed at shutdown. ``board``: the workers' load board (FAQ_WORKERS > 1), closed at
    shutdown. ``shared``: the folder the workers keep their rate limits in (None: this process counts alone)."""
    own_store = store is None
    store = store if store is not None else DeskStore.from_dsn(settings.database_dsn)
    holder = AssistantHolder(settings, assistant, embedder)

    lifespan = _lifespan(settings, holder, store if own_store else None, board)
    app = FastAPI(title="FAQ help desk", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Chinese FAQ assistant with hand-off to human agents. Errors are "
                  "`application/problem+json` with a stable `code`.")
    metrics = Metrics()
    metrics.watch_tickets(store.tickets.counts)
    metrics.set_index(holder.version)
    app.state.settings = settings
    app.state.holder = holder
    app.state.store = store
    _desk(app, settings, store)
    app.state.keys = KeyRing(settings.keys_file)
    app.state.limiter = RateLimiter(settings.rate_limit, path=shared / "requests" if shared else None)
    app.state.auth_failures = RateLimiter(settings.auth_failure_limit,
                                          path=shared / "auth-failures" if shared else None)
    app.state.metrics = metrics
    app.state.ask_lanes = AskLanes(partial(public.answer_questions, app.state.desk, metrics, app.state.feedback),
                                   settings.batch_size, key=lambda q: q.session_id,
                                   observe=lambda lane, size: metrics.ask_batches.labels(lane).observe(size))
    _learning(app, settings, store, holder)

    install_error_handler(app)
    install_openapi(app, settings)
    for module in (public, feedback, tickets, attachments, agent, agent_tickets, live, admin, learning, review_routes,
                   ops, pages):
        app.include_router(module.router)
    app.mount("/static/docs", StaticFiles(directory=pages.SWAGGER_UI), name="docs")
    app.mount("/static", StaticFiles(directory=pages.WEB), name="static")

    _add_middleware(app, settings, metrics, board)
    return app


def _desk(app: FastAPI, settings: Settings, store: DeskStore) -> None:
    """The help desk behind the widget and the console: tickets and their progress, attachments, canned replies,
    feedback."""
    app.state.desk = desk = HelpDesk(store, settings.teams, settings.default_team, settings.ticket_suggestions,
                                     reopen_days=settings.reopen_days)
    app.state.policy = policy = ServicePolicy.from_settings(settings)
    app.state.attachments = store.attachments = SqlAttachmentStore(
        store.db, settings.data_dir / "attachments", settings.attachment_max_bytes, settings.attachment_max_count,
        store.clock)
    app.state.progress = ProgressReader(store, policy, desk.lifecycle, store.attachments)
    app.state.canned = CannedLibrary(settings.kb_dir if settings.kb_dir.is_dir() else settings.kb_dir.parent,
                                     settings.teams)
    app.state.feedback = FeedbackCollector(store.feedback_items)


def _learning(app: FastAPI, settings: Settings, store: DeskStore, holder: AssistantHolder) -> None:
    """The maintainers' console: gaps on the help desk's database, KB builds published into the index folder."""
    gaps = SqlGapStore(store.db)
    app.state.learning = Learning(gaps, store.db, settings.kb_dir, settings.teams)
    app.state.review = ReviewSample(store.db, gaps, settings.kb_dir, settings.teams)
    app.state.publisher = KbPublisher(settings, store.db, gaps, lambda: holder.current, holder.reload)


def _add_middleware(app: FastAPI, settings: Settings, metrics: Metrics, board: LoadBoard | None) -> None:
    """The last added runs first: request id, metrics, balance, CORS, security headers, body limit."""
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       upload_bytes=max(settings.max_body_bytes, settings.attachment_max_bytes))
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "X-Ticket-Token", "X-Feedback-Token"], max_age=600)
    if board is not None:
        app.add_middleware(BalanceMiddleware, board=board, on_shed=metrics.rebalanced.inc)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)


def _lifespan(settings: Settings, holder: AssistantHolder, own_store: DeskStore | None, board: LoadBoard | None
              ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Startup: load the index (unless one was handed in) and follow new versions; shutdown: stop following,
    close what the app opened."""

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
            await run_in_threadpool(app.state.ask_lanes.close)
            if own_store is not None:
                own_store.close()
            if board is not None:
                board.close()

    return lifespan


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("assistant")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def app_from_env() -> FastAPI:
    """The app of one `assistant serve` worker process (FAQ_WORKERS > 1): settings from the environment, the
    index loaded at startup; the workers keep their shares of the requests even on the load board."""
    from ..engine.batching import serving_threads

    serving_threads()
    few_malloc_arenas()
    die_with_parent()
    board, shared = os.environ.get(BOARD_ENV), os.environ.get(LIMITS_ENV)
    return create_app(Settings(), board=LoadBoard(board) if board else None, shared=Path(shared) if shared else None)
