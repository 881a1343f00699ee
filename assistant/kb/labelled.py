"""Labelled questions: real users' wording with every entry that answers it, or none.

One JSON object a line, ``{"query": ..., "expected": ...}``, where ``expected`` is an entry id, a list of the ids
of every entry that answers the question (several entries can answer one question: 申诉 after a ban and after a
penalty), or null when no entry does. The same format serves evaluation files and a KB's ``tune/`` folder, whose
questions the build learns its ranking and calibration from (build/calibrate.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TUNE_FOLDER = "tune"


@dataclass(frozen=True)
class LabelledQuestion:
    query: str
    expected: tuple[str, ...]  # empty: no entry answers it
    source: str  # file:line

    @property
    def in_scope(self) -> bool:
        return bool(self.expected)


def parse_expected(value: Any) -> tuple[str, ...]:
    """``expected`` as a tuple of ids: a string, a non-empty list of strings, or null (no entry)."""
    if value is None:
        return ()
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(dict.fromkeys(v.strip() for v in value))
    raise ValueError("`expected` must be an entry id, a non-empty list of ids, or null")


def read_labelled(path: Path, problems: list[str]) -> list[LabelledQuestion]:
    """The questions of one file; each bad line is added to ``problems`` as ``file:line: what is wrong``."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})")
        return []
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            query = item["query"]
            if not isinstance(query, str) or not query.strip():
                raise ValueError("`query` must be non-empty text")
            out.append(LabelledQuestion(query, parse_expected(item.get("expected")), f"{path}:{n}"))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            reason = exc if isinstance(exc, ValueError) and not isinstance(exc, json.JSONDecodeError) else (
                'expected {"query": ..., "expected": id, [ids] or null}')
            problems.append(f"{path}:{n}: {reason}")
    return out


def tune_files(folder: Path) -> list[Path]:
    """A KB folder's labelled tuning questions (``tune/*.jsonl``), in a stable order."""
    tune = folder / TUNE_FOLDER
    return sorted(p for p in tune.glob("*.jsonl") if p.is_file()) if tune.is_dir() else []


def unknown_ids(questions: Iterable[LabelledQuestion], ids: set[str]) -> list[str]:
    """``file:line: unknown entry id`` for every expected id that is not in the KB."""
    return [f"{q.source}: unknown entry id `{e}`" for q in questions for e in q.expected if e not in ids]
