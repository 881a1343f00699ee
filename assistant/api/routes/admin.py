"""Maintainers (role `admin`): reload the index without downtime, and service statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from ...desk import DeskStore
from ...desk.service import ServicePolicy
from ...desk.tickets import ACTIVE, STATUSES, Ticket
from ...desk.tickets.reports import TeamFigures, team_figures
from ...engine.decide import DECISIONS
from ...errors import AssistantError, IndexUnavailable, ReloadInProgress
from ..deps import AdminDep, HolderDep, MetricsDep, PolicyDep, StoreDep
from ..openapi import KEYED, STORE, problems
from ..schemas import ReloadResult
from ..ticket_schemas import Stats, TeamStats

router = APIRouter(prefix="/v1/admin", tags=["maintainers"])
STATS_WINDOW = dt.timedelta(days=90)


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
def read_stats(admin: AdminDep, store: StoreDep, holder: HolderDep, policy: PolicyDep) -> Stats:
    s = store.stats()
    questions = sum(s.decisions.values())
    decisions = {d: s.decisions.get(d, 0) for d in DECISIONS}
    rates = {d: round(n / questions, 4) if questions else 0.0 for d, n in decisions.items()}
    tickets = {st: s.tickets.get(st, 0) for st in STATUSES}
    feedback = {k: s.feedback.get(k, 0) for k in ("helpful", "not_helpful")}
    rated = sum(feedback.values())
    teams, overall = ticket_figures(store, policy)
    return Stats(index_version=holder.version, questions=questions, decisions=decisions, rates=rates,
                 tickets=tickets, open_tickets=sum(tickets[st] for st in ACTIVE), feedback=feedback,
                 helpful_rate=round(feedback["helpful"] / rated, 4) if rated else None,
                 teams={team: TeamStats.model_validate(asdict(f)) for team, f in teams.items()},
                 sla_met=overall.sla_met, csat=overall.csat)


def ticket_figures(store: DeskStore, policy: ServicePolicy) -> tuple[dict[str, TeamFigures], TeamFigures]:
    """First-response and resolution times, SLAs met and CSAT per team, over the tickets of the last 90 days."""
    now = store.clock()
    tickets = store.reports.tickets_since(now - STATS_WINDOW)
    met = {t.id: [m for m in (policy.sla(t, now).first_response_met, policy.sla(t, now).resolution_met)
                  if m is not None] for t in tickets}
    by_team: dict[str, list[Ticket]] = {}
    for t in tickets:
        by_team.setdefault(t.team, []).append(t)
    teams = {team: team_figures(group, [m for t in group for m in met[t.id]])
             for team, group in sorted(by_team.items())}
    return teams, team_figures(tickets, [m for ms in met.values() for m in ms])
