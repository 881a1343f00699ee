"""Maintainers (role `admin`): reload the index without downtime, and service statistics."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from ...engine.decide import DECISIONS
from ...errors import AssistantError, IndexUnavailable, ReloadInProgress
from ..deps import AdminDep, HolderDep, MetricsDep, StoreDep
from ..openapi import KEYED, STORE, problems
from ..schemas import ReloadResult, Stats

router = APIRouter(prefix="/v1/admin", tags=["maintainers"])


@router.post("/reload", response_model=ReloadResult, summary="Load the newest index version",
             responses=problems(KEYED, [ReloadInProgress, IndexUnavailable]))
async def reload_index(admin: AdminDep, holder: HolderDep, metrics: MetricsDep) -> ReloadResult:
    """Builds the new Assistant in a worker thread, then swaps it in; requests in flight finish on the old one.
    If loading fails, the old index stays in service and the error is returned."""
    try:
        done = await run_in_threadpool(holder.reload)
    except AssistantError:
        metrics.record_reload(None)
        raise
    metrics.record_reload(done.version)
    return ReloadResult(previous=done.previous, version=done.version, changed=done.changed, seconds=done.seconds)


@router.get("/stats", response_model=Stats, summary="Questions, decision rates, tickets, feedback",
            responses=problems(KEYED, STORE))
def read_stats(admin: AdminDep, store: StoreDep, holder: HolderDep) -> Stats:
    s = store.stats()
    questions = sum(s.decisions.values())
    decisions = {d: s.decisions.get(d, 0) for d in DECISIONS}
    rates = {d: round(n / questions, 4) if questions else 0.0 for d, n in decisions.items()}
    tickets = {st: s.tickets.get(st, 0) for st in ("open", "claimed", "resolved")}
    feedback = {k: s.feedback.get(k, 0) for k in ("helpful", "not_helpful")}
    rated = sum(feedback.values())
    return Stats(index_version=holder.version, questions=questions, decisions=decisions, rates=rates,
                 tickets=tickets, open_tickets=tickets["open"] + tickets["claimed"], feedback=feedback,
                 helpful_rate=round(feedback["helpful"] / rated, 4) if rated else None)
