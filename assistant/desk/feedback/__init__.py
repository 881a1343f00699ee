"""The feedback collector: suggestions, bug reports, complaints and praise recorded as items, grouped into topics
as they arrive, and routed to the product team (the product board), whose status every user in a topic sees."""

from .collector import FeedbackCollector, FeedbackForm
from .models import STATUSES, FeedbackItem, FeedbackStatus, NewFeedback, Topic, TopicFilter
from .store import SqlFeedbackStore

__all__ = ["STATUSES", "FeedbackCollector", "FeedbackForm", "FeedbackItem", "FeedbackStatus", "NewFeedback",
           "SqlFeedbackStore", "Topic", "TopicFilter"]
