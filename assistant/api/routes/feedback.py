"""The feedback collector: users' 意见反馈 and their items' status (no login, rate limited); the product board
(a key with the role `product`, or `admin`): topics by volume and trend, their status, CSV export."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Header, Path, Query, Request, status
from fastapi.responses import Response

from ...desk.feedback import FeedbackCollector, FeedbackForm, Topic, TopicFilter
from ...desk.feedback.board import TopicView, sort_views, topic_csv, topic_view
from ...engine import Assistant, Reply
from ...errors import FeedbackNotFound, FeedbackTokenRequired, Forbidden, InvalidQuestion, TopicNotFound
from ...keys import Principal
from ..deps import AssistantDep, MetricsDep, SettingsDep, StoreDep, get_principal, rate_limit
from ..feedback_schemas import (
    FeedbackItemCreate,
    FeedbackItemCreated,
    FeedbackItemPublic,
    Status,
    StatusChange,
    TopicList,
    TopicOut,
    TopicStatusResult,
    TopicStatusSet,
)
from ..metrics import Metrics
from ..openapi import BODY, INDEX, KEYED, PARAMS, PUBLIC, STORE, problems
from ..schemas import Me

router = APIRouter(prefix="/v1")
users = [Depends(rate_limit)]


async def get_collector(request: Request) -> FeedbackCollector:
    return cast(FeedbackCollector, request.app.state.feedback)


async def require_product(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.allows("product"):
        raise Forbidden(f"key {principal.name!r} has role {principal.role!r}; the product board needs 'product'")
    return principal


CollectorDep = Annotated[FeedbackCollector, Depends(get_collector)]
ProductDep = Annotated[Principal, Depends(require_product)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1, description="feedback item number")]
TopicId = Annotated[int, Path(ge=1, le=2**31 - 1, description="topic number")]


def record_feedback(assistant: Assistant, reply: Reply, session_id: str, channel: str, collector: FeedbackCollector,
                    metrics: Metrics) -> dict[str, Any]:
    """The ask response's feedback fields: the item recorded for a reply that is feedback."""
    recorded = collector.from_reply(assistant, reply, session_id, channel)
    if recorded is None:
        return {}
    item, token = recorded
    metrics.feedback_items.labels(item.category, item.source).inc()
    return {"feedback_id": item.id, "feedback_token": token}


@router.post("/feedback/items", response_model=FeedbackItemCreated, status_code=status.HTTP_201_CREATED,
             tags=["users"], dependencies=users, summary="意见反馈: send a suggestion, a problem or a comment",
             responses=problems(BODY, PUBLIC, INDEX, STORE, [InvalidQuestion]))
def create_feedback_item(body: FeedbackItemCreate, assistant: AssistantDep, collector: CollectorDep,
                         metrics: MetricsDep) -> FeedbackItemCreated:
    """The widget's 意见反馈 entry: always recorded as feedback (category and area by the feedback models)."""
    item, token = collector.from_form(assistant, FeedbackForm(
        text=body.text, session_id=body.session_id, contact=(body.contact or "").strip() or None,
        screenshot=body.screenshot, channel=body.channel))
    metrics.feedback_items.labels(item.category, item.source).inc()
    return FeedbackItemCreated(feedback_id=item.id, feedback_token=token, category=item.category, area=item.area,
                               status=item.status,
                               message=assistant.data.voice.say("feedback.received", body.channel, id=item.id))


@router.get("/feedback/items/{item_id}", response_model=FeedbackItemPublic, tags=["users"], dependencies=users,
            summary="Follow a feedback item", responses=problems(PARAMS, PUBLIC, STORE, INDEX,
                                                                 [FeedbackTokenRequired, FeedbackNotFound]))
def read_feedback_item(item_id: ItemId, store: StoreDep, assistant: AssistantDep,
                       x_feedback_token: Annotated[str | None, Header(description="the token given with the item")]
                       = None) -> FeedbackItemPublic:
    """The item and its topic's status, in the user's words (what the product team decided)."""
    if not x_feedback_token:
        raise FeedbackTokenRequired("send the item's token in the X-Feedback-Token header")
    item, topic = store.feedback_items.read_item(item_id, x_feedback_token)
    voice = assistant.data.voice
    history = [StatusChange(at=e.at, status=e.to_status, text=voice.say(f"feedback.status.{e.to_status}"))
               for e in store.feedback_items.item_events(item_id)]
    return FeedbackItemPublic(id=item.id, text=item.text, category=item.category, area=item.area, status=item.status,
                              status_text=voice.say(f"feedback.status.{item.status}"), topic_title=topic.title,
                              created_at=item.created_at, updated_at=item.updated_at, history=history)


def _out(view: TopicView) -> TopicOut:
    t = view.topic
    return TopicOut(id=t.id, title=t.title, category=t.category, area=t.area, status=t.status, reports=t.reports,
                    first_seen=t.first_seen, last_seen=t.last_seen, status_by=t.status_by, status_at=t.status_at,
                    by_day=view.by_day, recent=view.recent, before=view.before, trend=round(view.trend, 3),
                    spike=view.spike, samples=list(view.samples))


def _views(store: Any, topics: list[Topic]) -> list[TopicView]:
    items = store.feedback_items.topic_items([t.id for t in topics])
    return [topic_view(t, items[t.id]) for t in topics]


@router.get("/product/me", response_model=Me, tags=["product"], summary="Who am I (checks a product key)",
            responses=problems(KEYED))
async def read_product_me(principal: ProductDep, settings: SettingsDep) -> Me:
    return Me(name=principal.name, role=principal.role, teams=list(settings.teams))


@router.get("/product/topics", response_model=TopicList, tags=["product"], summary="Feedback topics",
            responses=problems(PARAMS, KEYED, STORE))
def list_topics(_: ProductDep, store: StoreDep,
                category: Annotated[str | None, Query(pattern=r"^[a-z_]{1,24}$")] = None,
                area: Annotated[str | None, Query(pattern=r"^[a-z_]{1,24}$")] = None,
                status_: Annotated[Status | None, Query(alias="status")] = None,
                sort: Annotated[str, Query(pattern=r"^(volume|trend)$")] = "volume") -> TopicList:
    """Topics by volume (reports) or trend (a spike first, then growth of the last week over the one before)."""
    topics = store.feedback_items.list_topics(TopicFilter(category, area, status_))
    return TopicList(topics=[_out(v) for v in sort_views(_views(store, topics), sort)])


@router.post("/product/topics/{topic_id}/status", response_model=TopicStatusResult, tags=["product"],
             summary="Set a topic's status", responses=problems(BODY, KEYED, STORE, [TopicNotFound]))
def set_topic_status(topic_id: TopicId, body: TopicStatusSet, principal: ProductDep, store: StoreDep,
                     metrics: MetricsDep) -> TopicStatusResult:
    """Records who and when; every item in the topic takes the status, and its user sees it with their token."""
    topic, changed = store.feedback_items.set_topic_status(topic_id, body.status, principal.name)
    metrics.feedback_status.labels(body.status).inc()
    return TopicStatusResult(topic=_out(_views(store, [topic])[0]), items_updated=changed)


@router.get("/product/topics/{topic_id}/export.csv", tags=["product"], summary="A topic's items as CSV",
            response_class=Response, responses={200: {"content": {"text/csv": {}}},
                                                **problems(PARAMS, KEYED, STORE, [TopicNotFound])})
def export_topic(topic_id: TopicId, _: ProductDep, store: StoreDep) -> Response:
    topic = store.feedback_items.get_topic(topic_id)
    items = store.feedback_items.topic_items([topic_id])[topic_id]
    return Response(topic_csv(topic, items), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="topic-{topic_id}.csv"'})
