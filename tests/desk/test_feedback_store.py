"""The feedback store on SQLite and PostgreSQL: items grouped into topics as they arrive, tokens, a topic's status
reaching every item with its audit events, filters."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.desk import DeskStore
from assistant.desk.feedback import NewFeedback, TopicFilter
from assistant.desk.feedback.grouping import centred
from assistant.errors import FeedbackNotFound, TopicNotFound


def vec(*hot: int) -> tuple[float, ...]:
    v = np.zeros(16)
    v[list(hot)] = 1.0
    return centred(v, None)


def new(text: str, vector: tuple[float, ...], category: str = "feature_request", area: str = "video",
        **extra: object) -> NewFeedback:
    return NewFeedback(text=text, category=category, area=area, sentiment="neutral", vector=vector, **extra)  # type: ignore[arg-type]


def test_like_items_share_a_topic_and_others_start_their_own(store: DeskStore) -> None:
    fb = store.feedback_items
    a, token_a = fb.create_item(new("希望能批量下载视频", vec(0, 1), session_id="s-aaaaaaaa"))
    b, _ = fb.create_item(new("求个批量下载视频的功能", vec(0, 1, 2)))
    c, _ = fb.create_item(new("直播太卡了", vec(5, 6), category="bug", area="live"))
    d, _ = fb.create_item(new("希望能批量下载视频", vec(0, 1), category="complaint"))  # another category: another topic
    assert a.topic_id == b.topic_id
    assert len({a.topic_id, c.topic_id, d.topic_id}) == 3
    topic = fb.get_topic(a.topic_id)
    assert (topic.reports, topic.status, topic.title) == (2, "received", "希望能批量下载视频")
    item, same = fb.read_item(a.id, token_a)
    assert (item.session_id, same.id, item.status) == ("s-aaaaaaaa", a.topic_id, "received")
    with pytest.raises(FeedbackNotFound):
        fb.read_item(a.id, "not-the-token")


def test_a_topics_status_reaches_every_item_with_who_and_when(store: DeskStore) -> None:
    fb = store.feedback_items
    a, token_a = fb.create_item(new("希望能批量下载视频", vec(0, 1)))
    b, token_b = fb.create_item(new("批量下载视频 拜托了", vec(0, 1)))
    topic, changed = fb.set_topic_status(a.topic_id, "planned", "pm-li")
    assert (topic.status, topic.status_by, changed) == ("planned", "pm-li", 2)
    assert topic.status_at is not None
    for item_id, token in ((a.id, token_a), (b.id, token_b)):
        item, _ = fb.read_item(item_id, token)
        assert item.status == "planned"
        assert [(e.action, e.to_status) for e in fb.item_events(item_id)] == [("create", "received"),
                                                                              ("status", "planned")]
    assert [(e.actor, e.from_status, e.to_status) for e in fb.topic_events(a.topic_id)] == [
        ("pm-li", "received", "planned")]
    later, _ = fb.create_item(new("能不能批量下载视频", vec(0, 1)))
    assert later.status == "planned"  # a newcomer to the topic sees where it stands
    with pytest.raises(TopicNotFound):
        fb.set_topic_status(999, "planned", "pm-li")


def test_topics_filtered_and_by_volume(store: DeskStore) -> None:
    fb = store.feedback_items
    for _ in range(3):
        fb.create_item(new("闪退", vec(3), category="bug", area="app"))
    fb.create_item(new("希望加倍速", vec(7)))
    listed = fb.list_topics(TopicFilter())
    assert [t.reports for t in listed] == [3, 1]
    assert [t.category for t in fb.list_topics(TopicFilter(category="bug"))] == ["bug"]
    assert fb.list_topics(TopicFilter(status="planned")) == []
    items = fb.topic_items([listed[0].id])[listed[0].id]
    assert [i.text for i in items] == ["闪退"] * 3
