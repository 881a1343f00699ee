"""`assistant kb import`: rows of an exported FAQ table (tabular.py) become KB entries, written as new YAML files
in the KB folder; the KB's existing files are never edited.

The same question twice (in two rows, or a row and the KB) is a duplicate when the answers agree and a conflict
when they do not. Duplicate rows are merged (their similar questions joined) or skipped; conflicting rows are
skipped, or the first (last) row's answer kept. A question the KB has already stays the KB's: the row is left out
and reported. Every decision is in the report, naming the row's file:line and the other place.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ..errors import KBError
from .schema import KnowledgeBase
from .tabular import Row, read_table
from .validate import question_key

DuplicateAction = Literal["merge", "skip"]
ConflictAction = Literal["skip", "first", "last"]
RISKS = {"": "normal", "normal": "normal", "sensitive": "sensitive", "普通": "normal", "敏感": "sensitive"}
_ID = re.compile(r"[\w.\-]+")


@dataclass(frozen=True)
class Finding:
    kind: Literal["duplicate", "conflict"]
    where: str  # the row
    other: str  # the other row's file:line, or `entry ID (file)` of the KB
    question: str
    action: str  # what the import did about it


@dataclass
class Planned:
    row: Row
    similar: list[str]
    answer: str
    rows: list[str] = field(default_factory=list)  # every row merged into it
    skipped: bool = False


@dataclass
class ImportPlan:
    entries: list[dict[str, Any]]
    findings: list[Finding]
    rows: int
    blank: int


def _key(text: str) -> str:
    return question_key(unicodedata.normalize("NFKC", text))


def _same_answer(a: str, b: str) -> bool:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", a)) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", b))


def read_rows(path: Path, teams: Sequence[str] | None, category: str | None, team: str | None
              ) -> tuple[list[Row], int]:
    """The table's rows, each checked on its own; KBError listing every bad row (file:line) if any."""
    problems: list[str] = []
    rows, blank = read_table(path, problems)
    seen_ids: dict[str, str] = {}
    out = []
    for r in rows:
        r = replace(r, category=r.category or category or "", team=r.team or team or "")
        if not r.question:
            problems.append(f"{r.where}: no standard question")
        if not r.answer:
            problems.append(f"{r.where}: no answer")
        if not r.category:
            problems.append(f"{r.where}: no category (add a category/分类 column or give --category)")
        if r.team and teams is not None and r.team not in teams:
            problems.append(f"{r.where}: unknown team `{r.team}` (known: {', '.join(teams)})")
        if r.risk not in RISKS:
            problems.append(f"{r.where}: risk `{r.risk}` is neither normal nor sensitive")
        if r.id and not _ID.fullmatch(r.id):
            problems.append(f"{r.where}: id `{r.id}` may hold letters, digits, '.', '_' and '-' only")
        if r.id and r.id in seen_ids:
            problems.append(f"{r.where}: duplicate id `{r.id}` (first at {seen_ids[r.id]})")
        if r.id:
            seen_ids.setdefault(r.id, r.where)
        out.append(r)
    if problems:
        raise KBError(problems)
    return out, blank


def plan_import(rows: list[Row], blank: int, known: dict[str, tuple[str, str, str]], duplicates: DuplicateAction,
                conflicts: ConflictAction) -> ImportPlan:
    """Entries to write and the findings. ``known``: question key -> (entry id, its place, its answer) of the KB."""
    planned: list[Planned] = []
    owner: dict[str, int] = {}  # question key -> planned entry
    findings: list[Finding] = []
    for r in rows:
        key = _key(r.question)
        if key in known:
            entry_id, place, answer = known[key]
            kind: Literal["duplicate", "conflict"] = "duplicate" if _same_answer(answer, r.answer) else "conflict"
            findings.append(Finding(kind, r.where, f"entry {entry_id} ({place})", r.question, "left out (the KB "
                                    "keeps its entry)"))
            continue
        if key in owner:
            finding, take = _merge(planned[owner[key]], r, duplicates, conflicts)
            findings.append(finding)
            if not take:
                continue
            target = planned[owner[key]]
        else:
            owner[key] = len(planned)
            target = Planned(r, [], r.answer, [r.where])
            planned.append(target)
        _add_similar(target, r, owner[key], owner, known, planned, findings)
    entries = [_entry(p) for p in planned if not p.skipped]
    return ImportPlan(entries=entries, findings=findings, rows=len(rows), blank=blank)


def _merge(target: Planned, r: Row, duplicates: DuplicateAction, conflicts: ConflictAction
           ) -> tuple[Finding, bool]:
    """What a row whose question an earlier row has becomes, and whether its similar questions join."""
    first = target.rows[0]
    if _same_answer(target.answer, r.answer):
        action = "merged into the first row" if duplicates == "merge" else "skipped"
        if duplicates == "skip":
            return Finding("duplicate", r.where, first, r.question, action), False
        finding = Finding("duplicate", r.where, first, r.question, action)
    else:
        if conflicts == "skip":
            target.skipped = True
            action = "skipped with the first row (give --conflicts first or last to keep one answer)"
        elif conflicts == "last":
            target.answer = r.answer
            action = "this row's answer kept, the questions merged"
        else:
            action = "the first row's answer kept, the questions merged"
        finding = Finding("conflict", r.where, first, r.question, action)
    target.rows.append(r.where)
    return finding, True


def _add_similar(target: Planned, r: Row, index: int, owner: dict[str, int],
                 known: dict[str, tuple[str, str, str]], planned: list[Planned], findings: list[Finding]) -> None:
    for q in r.similar:
        key = _key(q)
        if key in known or (key in owner and owner[key] != index):
            other = f"entry {known[key][0]} ({known[key][1]})" if key in known else planned[owner[key]].rows[0]
            findings.append(Finding("duplicate", r.where, other, q, "similar question left out (it belongs there)"))
        elif key not in owner:
            owner[key] = index
            target.similar.append(q)


def _entry(p: Planned) -> dict[str, Any]:
    r = p.row
    out: dict[str, Any] = {"id": r.id, "category": r.category, "question": r.question}
    if p.similar:
        out["similar"] = list(p.similar)
    out["answer"] = p.answer
    if r.keywords:
        out["keywords"] = list(r.keywords)
    if r.team:
        out["team"] = r.team
    out["risk"] = RISKS[r.risk]
    out["updated"] = _date(r.updated)
    out["_where"] = r.where
    return out


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return dt.datetime.now(dt.UTC).date()


def known_questions(kb: KnowledgeBase | None, place: dict[str, str]) -> dict[str, tuple[str, str, str]]:
    """Question key -> (entry id, its file, its answer) for every question of the KB."""
    out: dict[str, tuple[str, str, str]] = {}
    if kb is None:
        return out
    for e in kb.entries:
        for q in e.questions:
            out.setdefault(_key(q), (e.id, place.get(e.id, str(kb.source)), e.answer))
    return out


def check_ids(entries: list[dict[str, Any]], place: dict[str, str]) -> None:
    """A row's own id that a KB entry has already: KBError naming both places."""
    problems = [f"{e['_where']}: duplicate id `{e['id']}` (first at {place[e['id']]})"
                for e in entries if e["id"] and e["id"] in place]
    if problems:
        raise KBError(problems)
