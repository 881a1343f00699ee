"""KB entry schema: what one FAQ entry is, and the KB as loaded."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .labelled import LabelledQuestion

# Said to a person, these always go to a human (whatever the retrieval score).
DEFAULT_HUMAN_TRIGGERS = (
    "转人工", "人工客服", "人工服务", "找人工", "要人工", "真人客服", "找客服", "客服在吗", "联系客服",
)
DEFAULT_SAFETY_TRIGGERS = (
    "威胁", "恐吓", "自杀", "轻生", "想死", "不想活", "跳楼", "割腕", "杀了你", "弄死", "报复",
    "起诉", "律师函", "法院", "报警", "消协", "12315",
)


class Entry(BaseModel):
    """One FAQ entry: a standard question, the ways users ask it, and the answer."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=120)
    category: str = Field(min_length=1)
    question: str = Field(min_length=1)
    similar: tuple[str, ...] = ()
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

    @field_validator("similar", "keywords")
    @classmethod
    def _no_blank(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        stripped = tuple(s.strip() for s in v)
        if any(not s for s in stripped):
            raise ValueError("contains an empty question")
        return stripped

    @property
    def questions(self) -> tuple[str, ...]:
        """The standard question first, then the similar ones."""
        return (self.question, *self.similar)


@dataclass(frozen=True)
class Triggers:
    human: tuple[str, ...] = DEFAULT_HUMAN_TRIGGERS
    safety: tuple[str, ...] = DEFAULT_SAFETY_TRIGGERS


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    source: Path
    sha256: str
    dict_terms: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)  # variant -> canonical
    triggers: Triggers = field(default_factory=Triggers)
    tune: tuple[LabelledQuestion, ...] = ()  # real users' questions (tune/*.jsonl) the build learns ranking from

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}

    @property
    def question_count(self) -> int:
        return sum(len(e.questions) for e in self.entries)
