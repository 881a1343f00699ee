"""The feedback store: items, the topics they are grouped into, and the audit trail, on the help desk's database.

An item is grouped as it is written, in the same transaction (grouping.py), and its token is stored as a SHA-256
hash only. Setting a topic's status updates the topic and every item in it, with one event for the topic and one
per item, in one transaction: every user in the topic sees the new status at once."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Sequence

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...errors import FeedbackNotFound, TopicNotFound
from ..db import Database
from ..tables import as_utc, utcnow
from ..tickets.store import hash_token
from .grouping import MEMBERS, best_topic, title_of
from .models import FeedbackEvent, FeedbackItem, FeedbackStatus, NewFeedback, Topic, TopicFilter
from .tables import FeedbackEventRow, FeedbackItemRow, FeedbackTopicRow

CANDIDATE_TOPICS = 200  # the most recently seen topics of the item's category that it may join (grouping.py)


def _item(row: FeedbackItemRow) -> FeedbackItem:
    return FeedbackItem(
        id=row.id, text=row.text, category=row.category, area=row.area, sentiment=row.sentiment,
        status=row.status, source=row.source, channel=row.channel,  # type: ignore[arg-type]
        session_id=row.session_id, contact=row.contact, has_screenshot=bool(row.screenshot), entry_id=row.entry_id,
        topic_id=row.topic_id, created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at))


def _topic(row: FeedbackTopicRow) -> Topic:
    return Topic(id=row.id, title=row.title, category=row.category, area=row.area,
                 status=row.status, reports=row.reports,  # type: ignore[arg-type]
                 first_seen=as_utc(row.first_seen), last_seen=as_utc(row.last_seen), status_by=row.status_by,
                 status_at=as_utc(row.status_at) if row.status_at else None)


class SqlFeedbackStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create_item(self, new: NewFeedback) -> tuple[FeedbackItem, str]:
        """Store an item, grouped into a topic; return it with its secret token (seen only now)."""
        token = secrets.token_urlsafe(24)
        now = utcnow()
        with self.db.session(write=True) as session:
            topic = self._topic_for(session, new, now)
            row = FeedbackItemRow(
                created_at=now, updated_at=now, text=new.text, category=new.category, area=new.area,
                sentiment=new.sentiment, status=topic.status, source=new.source, channel=new.channel,
                session_id=new.session_id, contact=new.contact, screenshot=new.screenshot, entry_id=new.entry_id,
                topic_id=topic.id, vector=list(new.vector), token_hash=hash_token(token))
            session.add(row)
            session.flush()
            session.add(FeedbackEventRow(at=now, actor=new.source, action="create", topic_id=topic.id, item_id=row.id,
                                         from_status=None, to_status=topic.status, detail=None))
            return _item(row), token

    def _topic_for(self, session: Session, new: NewFeedback, now: dt.datetime) -> FeedbackTopicRow:
        """The topic the item joins (its counters moved on), or a new one."""
        topics = session.scalars(
            select(FeedbackTopicRow).where(FeedbackTopicRow.category == new.category)
            .order_by(FeedbackTopicRow.last_seen.desc()).limit(CANDIDATE_TOPICS)).all()
        candidates: dict[int, list[tuple[Sequence[float], str]]] = {}
        for t in topics:
            rows = session.execute(select(FeedbackItemRow.vector, FeedbackItemRow.text)
                                   .where(FeedbackItemRow.topic_id == t.id)
                                   .order_by(FeedbackItemRow.id.desc()).limit(MEMBERS)).all()
            candidates[t.id] = [(v, text) for v, text in rows]
        chosen = best_topic(np.asarray(new.vector), new.text, candidates)
        if chosen is None:
            row = FeedbackTopicRow(title=title_of(new.text), category=new.category, area=new.area, status="received",
                                   reports=1, first_seen=now, last_seen=now)
            session.add(row)
            session.flush()
            return row
        row = next(t for t in topics if t.id == chosen)
        row.reports += 1
        row.last_seen = now
        return row

    def read_item(self, item_id: int, token: str) -> tuple[FeedbackItem, Topic]:
        """The item and its topic if the token is the item's own; FeedbackNotFound otherwise."""
        with self.db.session() as session:
            row = session.get(FeedbackItemRow, item_id)
            if row is None or not hmac.compare_digest(row.token_hash, hash_token(token)):
                raise FeedbackNotFound(f"there is no feedback item {item_id} with this token")
            topic = session.get(FeedbackTopicRow, row.topic_id)
            assert topic is not None
            return _item(row), _topic(topic)

    def item_events(self, item_id: int) -> list[FeedbackEvent]:
        query = select(FeedbackEventRow).where(FeedbackEventRow.item_id == item_id).order_by(FeedbackEventRow.id)
        with self.db.session() as session:
            return [FeedbackEvent(as_utc(e.at), e.actor, e.action, e.from_status, e.to_status)
                    for e in session.scalars(query)]

    def topic_events(self, topic_id: int) -> list[FeedbackEvent]:
        query = (select(FeedbackEventRow).where(FeedbackEventRow.topic_id == topic_id,
                                                FeedbackEventRow.item_id.is_(None)).order_by(FeedbackEventRow.id))
        with self.db.session() as session:
            return [FeedbackEvent(as_utc(e.at), e.actor, e.action, e.from_status, e.to_status)
                    for e in session.scalars(query)]

    def list_topics(self, where: TopicFilter, limit: int = 500) -> list[Topic]:
        query = select(FeedbackTopicRow)
        if where.category:
            query = query.where(FeedbackTopicRow.category == where.category)
        if where.area:
            query = query.where(FeedbackTopicRow.area == where.area)
        if where.status:
            query = query.where(FeedbackTopicRow.status == where.status)
        query = query.order_by(FeedbackTopicRow.reports.desc(), FeedbackTopicRow.last_seen.desc()).limit(limit)
        with self.db.session() as session:
            return [_topic(row) for row in session.scalars(query)]

    def get_topic(self, topic_id: int) -> Topic:
        with self.db.session() as session:
            row = session.get(FeedbackTopicRow, topic_id)
            if row is None:
                raise TopicNotFound(f"there is no feedback topic {topic_id}")
            return _topic(row)

    def topic_items(self, topic_ids: Sequence[int]) -> dict[int, list[FeedbackItem]]:
        """The items of each topic, oldest first."""
        out: dict[int, list[FeedbackItem]] = {t: [] for t in topic_ids}
        if not topic_ids:
            return out
        query = select(FeedbackItemRow).where(FeedbackItemRow.topic_id.in_(list(topic_ids))).order_by(
            FeedbackItemRow.id)
        with self.db.session() as session:
            for row in session.scalars(query):
                out[row.topic_id].append(_item(row))
        return out

    def set_topic_status(self, topic_id: int, status: FeedbackStatus, actor: str) -> tuple[Topic, int]:
        """Set a topic's status (who and when recorded); every item in it follows. Returns the topic and the
        number of items that changed."""
        now = utcnow()
        with self.db.session(write=True) as session:
            row = session.get(FeedbackTopicRow, topic_id, with_for_update=True)
            if row is None:
                raise TopicNotFound(f"there is no feedback topic {topic_id}")
            before = row.status
            row.status, row.status_by, row.status_at = status, actor, now
            session.add(FeedbackEventRow(at=now, actor=actor, action="status", topic_id=topic_id, item_id=None,
                                         from_status=before, to_status=status, detail=None))
            items = session.execute(select(FeedbackItemRow.id, FeedbackItemRow.status)
                                    .where(FeedbackItemRow.topic_id == topic_id,
                                           FeedbackItemRow.status != status)).all()
            session.execute(update(FeedbackItemRow).where(FeedbackItemRow.topic_id == topic_id,
                                                          FeedbackItemRow.status != status)
                            .values(status=status, updated_at=now))
            session.add_all(FeedbackEventRow(at=now, actor=actor, action="status", topic_id=topic_id, item_id=i,
                                             from_status=s, to_status=status, detail=None) for i, s in items)
            session.flush()
            return _topic(row), len(items)
