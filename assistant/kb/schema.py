"""KB entry schema: what one FAQ entry is, and the KB as loaded."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .intents import Intents, default_intents
from .labelled import LabelledQuestion
from .voice import Voice, default_voice


class Entry(BaseModel):
    """One FAQ entry: a standard question, the ways users ask it, and the answer."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=120)
    category: str = Field(min_length=1)
    question: str = Field(min_length=1)
    similar: tuple[str, ...] = ()
    # users' questions the maintainers' console accepted from traffic (the learning loop): asked and answered like
    # similar questions, but never asked of the build's calibration, which would read them as typical when they
    # were picked for having failed (see build/calibrate.py, asked_in_calibration)
    learned: tuple[str, ...] = ()
    answer: str = Field(min_length=1)
    keywords: tuple[str, ...] = ()
    team: str | None = None
    risk: Literal["normal", "sensitive"] = "normal"
    updated: dt.date | None = None

    @field_validator("id")
    @classmethod
    def _id_chars(cls, v: str) -> str:
        if not re.fullmatch(r"[\w.\-]+", v):
            raise ValueError("id may hold letters, digits, '.', '_' and '-' only")
        return v

    @field_validator("similar", "learned", "keywords")
    @classmethod
    def _no_blank(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        stripped = tuple(s.strip() for s in v)
        if any(not s for s in stripped):
            raise ValueError("contains an empty question")
        return stripped

    @property
    def questions(self) -> tuple[str, ...]:
        """The standard question first, then the similar ones, then the learned ones."""
        return (self.question, *self.similar, *self.learned)


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    source: Path
    sha256: str
    dict_terms: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)  # variant -> canonical
    intents: Intents = field(default_factory=default_intents)
    voice: Voice = field(default_factory=default_voice)
    # labelled messages the intent and emotion models learn from at build time (kb/*_examples.jsonl)
    intent_examples: tuple[tuple[str, str], ...] = ()
    emotion_examples: tuple[tuple[str, str], ...] = ()
    tune: tuple[LabelledQuestion, ...] = ()  # real users' questions (tune/*.jsonl) the build learns ranking from

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}

    @property
    def question_count(self) -> int:
        return sum(len(e.questions) for e in self.entries)
