"""Entry-level and cross-entry checks, every problem reported with the place it was found."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from .schema import Entry


def validate_entries(
    raw: Iterable[tuple[str, dict[str, Any]]], teams: Sequence[str] | None, problems: list[str], min_similar: int = 0
) -> list[Entry]:
    """Schema errors and cross-entry checks, all reported; an entry with a schema error still gets the rest."""
    entries: list[Entry] = []
    ids: dict[str, str] = {}
    owner: dict[str, str] = {}
    for where, item in raw:
        entry: Entry | None = None
        try:
            entry = Entry.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "entry"
                problems.append(f"{where}: {loc}: {err['msg']}")
        entry_id = str(item.get("id", where))
        if entry_id in ids:
            problems.append(f"{where}: duplicate id `{entry_id}` (first at {ids[entry_id]})")
            continue
        ids[entry_id] = where
        team = item.get("team")
        if teams is not None and isinstance(team, str) and team not in teams:
            problems.append(f"{where}: unknown team `{team}` (known: {', '.join(teams)})")
            entry = None
        similar = item.get("similar") or []
        if isinstance(similar, list) and len(similar) < min_similar:
            problems.append(f"{where}: {len(similar)} similar questions; at least {min_similar} are wanted "
                            "(FAQ_MIN_SIMILAR)")
            entry = None
        if not _questions_are_its_own(where, item, entry_id, owner, ids, problems):
            entry = None
        if entry is not None:
            entries.append(entry)
    return entries


def _questions_are_its_own(where: str, item: dict[str, Any], entry_id: str, owner: dict[str, str],
                            ids: dict[str, str], problems: list[str]) -> bool:
    """No question listed twice in the entry or belonging to an earlier one (said in ``problems``); the entry's
    questions are then recorded in ``owner``."""
    lists = [item.get(key) or [] for key in ("similar", "learned")]
    questions = [q for q in [item.get("question"), *(q for v in lists if isinstance(v, list) for q in v)]
                 if isinstance(q, str) and q.strip()]
    seen_here: set[str] = set()
    ok = True
    for q in questions:
        key = question_key(q)
        if key in seen_here:
            problems.append(f"{where}: question `{q.strip()}` is listed twice")
            ok = False
        elif key in owner:
            first = ids.get(owner[key], "")
            place = f" ({first.split(': entry ')[0]})" if first else ""
            problems.append(f"{where}: question `{q.strip()}` also belongs to entry `{owner[key]}`{place}")
            ok = False
        seen_here.add(key)
    for key in seen_here:
        owner.setdefault(key, entry_id)
    return ok


def question_key(text: str) -> str:
    """Two questions that differ only in spacing, case or end punctuation count as the same."""
    return re.sub(r"[\s?？!！。.,，~～]+", "", text).lower()
