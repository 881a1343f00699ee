"""Maintainers (role `admin`): the quality review sample, a random sample of recent questions that a reviewer
labels with the entry that answers each; the labels go to the KB's tune/ folder for the next build."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Path, Query, Request

from ...desk.learning.review import ReviewSample
from ...errors import EntryNotFound, KbEditRejected, ReviewConflict, TurnNotFound
from ..deps import AdminDep, AssistantDep, StoreDep
from ..learning_schemas import ReviewedOut, ReviewRequest, ReviewSampleOut, SampledOut
from ..openapi import BODY, INDEX, KEYED, PARAMS, STORE, problems

router = APIRouter(prefix="/v1/admin", tags=["maintainers"])
TurnId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the question's number in the turn log")]


async def get_review(request: Request) -> ReviewSample:
    return cast(ReviewSample, request.app.state.review)


ReviewDep = Annotated[ReviewSample, Depends(get_review)]


@router.get("/reviews", response_model=ReviewSampleOut, summary="A random sample of recent questions to label",
            responses=problems(PARAMS, KEYED, STORE, INDEX))
def review_sample(admin: AdminDep, review: ReviewDep, assistant: AssistantDep, store: StoreDep,
                  limit: Annotated[int, Query(ge=1, le=50)] = 10,
                  days: Annotated[int, Query(ge=1, le=365)] = 30) -> ReviewSampleOut:
    """Questions answered, clarified or handed off in the last `days` (not small talk, feedback or requests for a
    person), in random order, none reviewed before; with the tally of the labels so far (how often the bot's
    answer was the reviewer's entry)."""
    store.turns.flush()
    tally = review.tally()
    return ReviewSampleOut(turns=[SampledOut.model_validate(asdict(s)) for s in review.sample(assistant, limit, days)],
                           reviewed=tally.reviewed, answered=tally.answered, answered_right=tally.answered_right)


@router.post("/reviews/{turn_id}", response_model=ReviewedOut, summary="Label a sampled question",
             responses=problems(BODY, KEYED, STORE, INDEX,
                                [TurnNotFound, EntryNotFound, ReviewConflict, KbEditRejected]))
def label(turn_id: TurnId, body: ReviewRequest, admin: AdminDep, review: ReviewDep,
          assistant: AssistantDep) -> ReviewedOut:
    """Appends the question and its entry (null: none answers it) to the KB's `tune/reviewed.jsonl`, checked like
    `check-kb` first, and audits it; 404 `entry_not_found` for an entry the KB does not have, 409 `review_done`
    when the same question was labelled already."""
    return ReviewedOut.model_validate(review.label(assistant, turn_id, body.expected, admin.name))
