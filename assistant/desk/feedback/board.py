"""The product board's view of topics: counts by day, trend, samples, bug spikes, and CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..tables import utcnow
from .models import FeedbackItem, Topic

DAYS = 14  # counts by day shown for the last two weeks
TREND_DAYS = 7  # trend: the last week's reports against the week before
SPIKE_REPORTS = 3  # a bug topic with this many reports ...
SPIKE_HOURS = 24  # ... in this many hours is flagged on the board
SAMPLES = 5


@dataclass(frozen=True)
class TopicView:
    topic: Topic
    by_day: dict[str, int]  # ISO date -> reports, the last DAYS days (UTC)
    recent: int  # reports in the last TREND_DAYS days
    before: int  # ... and in the TREND_DAYS days before
    spike: bool
    samples: tuple[str, ...]  # the latest messages

    @property
    def trend(self) -> float:
        """Growth of the last week over the week before (+1 for each report more than doubling...)."""
        return (self.recent - self.before) / max(self.before, 1)


def topic_view(topic: Topic, items: Sequence[FeedbackItem], now: dt.datetime | None = None) -> TopicView:
    now = now or utcnow()
    today = now.date()
    counts = Counter(i.created_at.date().isoformat() for i in items)
    by_day = {(today - dt.timedelta(days=n)).isoformat(): 0 for n in range(DAYS - 1, -1, -1)}
    by_day.update({d: c for d, c in counts.items() if d in by_day})
    recent = sum(now - i.created_at <= dt.timedelta(days=TREND_DAYS) for i in items)
    before = sum(dt.timedelta(days=TREND_DAYS) < now - i.created_at <= dt.timedelta(days=2 * TREND_DAYS)
                 for i in items)
    window = sum(now - i.created_at <= dt.timedelta(hours=SPIKE_HOURS) for i in items)
    return TopicView(topic=topic, by_day=by_day, recent=recent, before=before,
                     spike=topic.category == "bug" and window >= SPIKE_REPORTS,
                     samples=tuple(i.text for i in reversed(items[-SAMPLES:])))


def sort_views(views: list[TopicView], by: str) -> list[TopicView]:
    """By volume (reports, then the latest seen) or by trend (growth, then recent reports)."""
    if by == "trend":
        return sorted(views, key=lambda v: (v.spike, v.trend, v.recent), reverse=True)
    return sorted(views, key=lambda v: (v.topic.reports, v.topic.last_seen), reverse=True)


CSV_FIELDS = ("topic_id", "topic_title", "topic_status", "item_id", "created_at", "category", "area", "sentiment",
              "status", "source", "channel", "text", "contact")


def topic_csv(topic: Topic, items: Sequence[FeedbackItem]) -> str:
    """One row per item, for a tracker. A cell that a spreadsheet would read as a formula is quoted with '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for i in items:
        writer.writerow([_cell(x) for x in (
            topic.id, topic.title, topic.status, i.id, i.created_at.isoformat(timespec="seconds"), i.category, i.area,
            i.sentiment, i.status, i.source, i.channel, i.text, i.contact or "")])
    return out.getvalue()


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
