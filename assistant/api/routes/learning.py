"""Maintainers (role `admin`): the learning loop's gaps and suggestions, KB builds with a preview, publishing,
competing entries, the audit trail and the insights."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from ...desk.learning.insights import insights
from ...desk.learning.overlaps import overlaps
from ...desk.learning.publish import BuildJob, KbPublisher
from ...desk.learning.service import GapView, Learning, Proposal
from ...desk.learning.suggest import split_labelled
from ...engine import Assistant
from ...errors import BuildInProgress, GapConflict, GapNotFound, KbEditRejected, NothingToPublish, ReloadInProgress
from ..deps import AdminDep, AssistantDep, StoreDep
from ..learning_schemas import (
    AcceptRequest,
    BuildOut,
    Decided,
    EventList,
    EventOut,
    GapList,
    GapOut,
    Insights,
    OverlapList,
    OverlapOut,
    RejectRequest,
    SuggestionOut,
)
from ..openapi import BODY, INDEX, KEYED, PARAMS, STORE, problems

router = APIRouter(prefix="/v1/admin", tags=["maintainers"])
GapId = Annotated[int, Path(ge=1, le=2**31 - 1, description="gap number")]


async def get_learning(request: Request) -> Learning:
    return cast(Learning, request.app.state.learning)


async def get_publisher(request: Request) -> KbPublisher:
    return cast(KbPublisher, request.app.state.publisher)


LearningDep = Annotated[Learning, Depends(get_learning)]
PublisherDep = Annotated[KbPublisher, Depends(get_publisher)]


def _gap_out(view: GapView, assistant: Assistant) -> GapOut:
    s = view.suggestion
    entry = next((e for e in assistant.data.entries if e.id == s.entry_id), None)
    g = view.gap
    return GapOut(id=g.id, status=g.status, count=g.count, first_seen=g.first_seen, last_seen=g.last_seen,
                  kinds=g.kinds, items=[asdict(i) for i in g.items[-20:]], diff=view.diff, problem=view.problem,
                  suggestion=SuggestionOut(action=s.action, entry_id=s.entry_id,
                                           entry_question=entry.question if entry else None,
                                           questions=list(s.questions), answer=s.answer, team=s.team,
                                           labelled=list(split_labelled(s.questions)[1]) if s.action == "add_similar"
                                           else [],
                                           strong=s.strong, evidence=[asdict(e) for e in s.evidence[:30]]))


@router.get("/gaps", response_model=GapList, summary="Unanswered questions grouped into gaps, by volume",
            responses=problems(PARAMS, KEYED, STORE, INDEX))
def list_gaps(admin: AdminDep, learning: LearningDep, assistant: AssistantDep, store: StoreDep,
              limit: Annotated[int, Query(ge=1, le=200)] = 30) -> GapList:
    """Reads what arrived since the last call into the gaps first; each gap comes with its suggested action,
    the evidence behind it and the diff of the KB file it would change."""
    store.turns.flush()  # the turns answered a moment ago, still queued for the writer
    return GapList(gaps=[_gap_out(v, assistant) for v in learning.views(assistant, limit)])


@router.post("/gaps/{gap_id}/accept", response_model=Decided, summary="Accept a gap's suggestion (or an edit of it)",
             responses=problems(BODY, KEYED, STORE, INDEX, [GapNotFound, GapConflict, KbEditRejected]))
def accept_gap(gap_id: GapId, body: AcceptRequest, admin: AdminDep, learning: LearningDep,
               assistant: AssistantDep) -> Decided:
    """Edits the KB's YAML in place (order and comments kept, `updated` set) after checking the whole KB with
    the change; the gap is closed and the action audited. Build and publish to make it live."""
    edited = None
    if body.action is not None:
        edited = Proposal(body.action, body.entry_id, tuple(q.strip() for q in body.questions or () if q.strip()),
                          body.answer, body.team, body.category)
    diff = learning.accept(assistant, gap_id, admin.name, edited)
    return Decided(gap_id=gap_id, status="accepted", diff=diff or None)


@router.post("/gaps/{gap_id}/reject", response_model=Decided, summary="Reject a gap's suggestion",
             responses=problems(BODY, KEYED, STORE, [GapNotFound, GapConflict]))
def reject_gap(gap_id: GapId, body: RejectRequest, admin: AdminDep, learning: LearningDep) -> Decided:
    learning.reject(gap_id, admin.name, body.reason)
    return Decided(gap_id=gap_id, status="rejected")


def _job(job: BuildJob) -> BuildOut:
    return BuildOut.model_validate(asdict(job))


@router.post("/kb/build", response_model=BuildOut, status_code=202, summary="Check and build the KB (no publish)",
             responses=problems(KEYED, STORE, INDEX, [BuildInProgress]))
def start_build(admin: AdminDep, publisher: PublisherDep, assistant: AssistantDep) -> BuildOut:
    """Runs in the background: check-kb, build a new index version, then the preview (recent questions asked of
    the new version). Poll GET /v1/admin/kb/build."""
    return _job(publisher.start(admin.name))


@router.get("/kb/build", response_model=BuildOut, summary="The last build and its preview",
            responses=problems(KEYED))
def read_build(admin: AdminDep, publisher: PublisherDep) -> BuildOut:
    return _job(publisher.job)


@router.post("/kb/publish", response_model=BuildOut, summary="Publish the built version",
             responses=problems(KEYED, STORE, INDEX, [NothingToPublish, ReloadInProgress]))
async def publish_build(admin: AdminDep, publisher: PublisherDep) -> BuildOut:
    """Points `current` at the built version and reloads it; the service answers from it."""
    return _job(await run_in_threadpool(publisher.publish, admin.name))


@router.get("/overlaps", response_model=OverlapList, summary="Entries whose questions retrieve another entry",
            responses=problems(KEYED, INDEX))
def list_overlaps(admin: AdminDep, assistant: AssistantDep) -> OverlapList:
    return OverlapList(overlaps=[OverlapOut.model_validate(asdict(o)) for o in overlaps(assistant.data)])


@router.get("/events", response_model=EventList, summary="The console's audit trail, newest first",
            responses=problems(PARAMS, KEYED, STORE))
def list_events(admin: AdminDep, learning: LearningDep,
                limit: Annotated[int, Query(ge=1, le=500)] = 50) -> EventList:
    return EventList(events=[EventOut.model_validate(asdict(e)) for e in learning.store.events(limit)])


@router.get("/insights", response_model=Insights, summary="The dashboard's numbers",
            responses=problems(PARAMS, KEYED, STORE, INDEX))
def read_insights(admin: AdminDep, learning: LearningDep, assistant: AssistantDep, store: StoreDep,
                  days: Annotated[int, Query(ge=1, le=365)] = 30) -> Insights:
    """Questions per day by decision, deflection and its trend, top questions, top gaps, helpfulness per entry,
    hand-offs per team, CSAT (null until tickets carry a satisfaction score)."""
    store.turns.flush()
    learning.sync(assistant)
    return Insights.model_validate(insights(learning.db, learning.store, days))
