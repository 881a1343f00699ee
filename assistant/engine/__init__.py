"""The serving path, one small class per stage: query, embed, retrieve, features, rank, decide."""

from .assistant import Ask, Assistant
from .decide import Alternative, AnswerRef, Decision, Reply, Suggestion, Thresholds
from .embed import Embedder, load_embedder
from .query import validate_question

__all__ = ["Alternative", "AnswerRef", "Ask", "Assistant", "Decision", "Embedder", "Reply", "Suggestion", "Thresholds",
           "load_embedder", "validate_question"]
