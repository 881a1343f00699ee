"""KB entry schema and loaders (a folder of YAML files, or one JSON Lines file), validated all at once.

Every problem is reported as one line naming the file and the entry (or line), so a maintainer can fix
them all from a single ``assistant check-kb`` run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import KBError

SPECIAL_FILES = {"synonyms.yaml", "handoff.yaml"}
DICT_FILE = "dict.txt"

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

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}

    @property
    def question_count(self) -> int:
        return sum(len(e.questions) for e in self.entries)


def kb_files(path: Path) -> list[Path]:
    """The files that make up a KB, in a stable order: they are also what its checksum covers."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise KBError([f"{path}: no such KB file or folder"])
    files = sorted(p for p in path.glob("*.yaml") if p.is_file())
    files += sorted(p for p in path.glob("*.yml") if p.is_file())
    if (path / DICT_FILE).is_file():
        files.append(path / DICT_FILE)
    return files


def kb_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    for file in kb_files(path):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def load_kb(path: Path | str, teams: Sequence[str] | None = None) -> KnowledgeBase:
    """Load and validate a KB; raise KBError listing every problem found."""
    path = Path(path)
    problems: list[str] = []
    if path.is_file() and path.suffix == ".jsonl":
        raw = list(_read_jsonl(path, problems))
        dict_terms: tuple[str, ...] = ()
        synonyms: dict[str, str] = {}
        triggers = Triggers()
    else:
        files = kb_files(path)
        yaml_files = [f for f in files if f.suffix in (".yaml", ".yml") and f.name not in SPECIAL_FILES]
        if path.is_file():
            yaml_files = [path]
        raw = [item for f in yaml_files for item in _read_yaml(f, problems)]
        folder = path if path.is_dir() else path.parent
        dict_terms = _read_dict(folder / DICT_FILE, problems)
        synonyms = _read_synonyms(folder / "synonyms.yaml", problems)
        triggers = _read_triggers(folder / "handoff.yaml", problems)
    entries = _validate(raw, teams, problems)
    if not entries and not problems:
        problems.append(f"{path}: the KB has no entries")
    if problems:
        raise KBError(problems)
    return KnowledgeBase(
        entries=tuple(entries), source=path, sha256=kb_checksum(path),
        dict_terms=dict_terms, synonyms=synonyms, triggers=triggers,
    )


def _read_jsonl(path: Path, problems: list[str]) -> Iterable[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not valid JSON ({exc.msg})")
                continue
            if not isinstance(item, dict):
                problems.append(f"{where}: a line must be a JSON object")
                continue
            yield where, item


def _read_yaml(path: Path, problems: list[str]) -> Iterable[tuple[str, dict[str, Any]]]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: not valid YAML ({str(exc).splitlines()[0]})")
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        problems.append(f"{path}: expected a mapping with `category` and a list `entries`")
        return
    category = doc.get("category")
    for n, item in enumerate(doc["entries"], 1):
        label = item.get("id", f"#{n}") if isinstance(item, dict) else f"#{n}"
        where = f"{path}: entry {label}"
        if not isinstance(item, dict):
            problems.append(f"{where}: an entry must be a mapping")
            continue
        if category and "category" not in item:
            item = {**item, "category": category}
        yield where, item


def _read_dict(path: Path, problems: list[str]) -> tuple[str, ...]:
    if not path.is_file():
        return ()
    terms = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts or line.lstrip().startswith("#"):
            continue
        if len(parts) > 3:
            problems.append(f"{path}:{lineno}: expected `term [freq] [tag]`")
            continue
        terms.append(parts[0])
    return tuple(terms)


def _read_synonyms(path: Path, problems: list[str]) -> dict[str, str]:
    if not path.is_file():
        return {}
    doc = _load_mapping(path, problems)
    out: dict[str, str] = {}
    for canonical, variants in doc.items():
        if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
            problems.append(f"{path}: `{canonical}` must map to a list of words")
            continue
        for variant in variants:
            if variant in out and out[variant] != canonical:
                problems.append(f"{path}: `{variant}` is a synonym of both `{out[variant]}` and `{canonical}`")
            out[variant.strip()] = str(canonical)
    return out


def _read_triggers(path: Path, problems: list[str]) -> Triggers:
    if not path.is_file():
        return Triggers()
    doc = _load_mapping(path, problems)
    lists = {}
    for key in ("human", "safety"):
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problems.append(f"{path}: `{key}` must be a list of phrases")
            value = []
        lists[key] = tuple(v.strip() for v in value)
    return Triggers(human=lists["human"], safety=lists["safety"])


def _load_mapping(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: not valid YAML ({str(exc).splitlines()[0]})")
        return {}
    if not isinstance(doc, dict):
        problems.append(f"{path}: expected a mapping")
        return {}
    return doc


def _validate(
    raw: Iterable[tuple[str, dict[str, Any]]], teams: Sequence[str] | None, problems: list[str]
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
        questions = [q for q in [item.get("question"), *(similar if isinstance(similar, list) else [])]
                     if isinstance(q, str) and q.strip()]
        seen_here: set[str] = set()
        for q in questions:
            key = _question_key(q)
            if key in seen_here:
                problems.append(f"{where}: question `{q.strip()}` is listed twice")
                entry = None
            elif key in owner:
                problems.append(f"{where}: question `{q.strip()}` also belongs to entry `{owner[key]}`")
                entry = None
            seen_here.add(key)
        for key in seen_here:
            owner.setdefault(key, entry_id)
        if entry is not None:
            entries.append(entry)
    return entries


def _question_key(text: str) -> str:
    """Two questions that differ only in spacing, case or end punctuation count as the same."""
    return re.sub(r"[\s?？!！。.,，~～]+", "", text).lower()
