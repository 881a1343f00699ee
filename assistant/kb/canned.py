"""Canned replies (``canned_replies.yaml`` in the KB folder): texts agents insert and edit before sending, with
variables the console fills in ({{ticket_id}}, {{team}}, {{agent}}). ``assistant check-kb`` validates them; the
service rereads the file when it changes, so a new reply needs no index build."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .files import load_yaml

CANNED_FILE = "canned_replies.yaml"
VARIABLES = ("ticket_id", "team", "agent")
_VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


@dataclass(frozen=True)
class CannedReply:
    id: str
    title: str
    text: str
    teams: tuple[str, ...] = ()  # empty: every team
    tags: tuple[str, ...] = ()

    def render(self, values: Mapping[str, str]) -> str:
        return _VARIABLE.sub(lambda m: values.get(m[1], m[0]), self.text)

    def matches(self, words: Sequence[str]) -> bool:
        hay = " ".join((self.id, self.title, self.text, *self.tags)).lower()
        return all(w in hay for w in words)


def _strings(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    return None


def _reply(item: object, where: str, teams: Sequence[str] | None, problems: list[str]) -> CannedReply | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: a canned reply must be a mapping with id, title and text")
        return None
    fields = {k: item.get(k) for k in ("id", "title", "text")}
    missing = [k for k, v in fields.items() if not isinstance(v, str) or not v.strip()]
    tags, own = _strings(item.get("tags")), _strings(item.get("teams"))
    if missing or tags is None or own is None:
        problems.append(f"{where}: needs a non-empty id, title and text; teams and tags are lists of texts")
        return None
    unknown = [t for t in own if teams is not None and t not in teams]
    bad = [v for v in _VARIABLE.findall(str(fields["text"])) if v not in VARIABLES]
    if unknown or bad:
        problems.append(f"{where}: unknown team {unknown} or variable {bad}; variables: "
                        + ", ".join("{{" + v + "}}" for v in VARIABLES))
        return None
    return CannedReply(str(fields["id"]).strip(), str(fields["title"]).strip(), str(fields["text"]).strip(), own, tags)


def read_canned(path: Path, teams: Sequence[str] | None, problems: list[str]) -> tuple[CannedReply, ...]:
    """The replies of one file (none when it does not exist), every problem named with the file and reply."""
    if not path.is_file():
        return ()
    doc, ok = load_yaml(path, problems)
    if not ok or doc is None:
        return ()
    if not isinstance(doc, dict) or not isinstance(doc.get("replies"), list):
        problems.append(f"{path}: expected a mapping with a list `replies`")
        return ()
    found: dict[str, CannedReply] = {}
    for n, item in enumerate(doc["replies"], 1):
        label = item.get("id", f"#{n}") if isinstance(item, dict) else f"#{n}"
        reply = _reply(item, f"{path}: reply {label}", teams, problems)
        if reply is not None and reply.id in found:
            problems.append(f"{path}: reply {reply.id}: the id is used twice")
        elif reply is not None:
            found[reply.id] = reply
    return tuple(found.values())


class CannedLibrary:
    """The KB folder's canned replies, reread when the file changes; an invalid file keeps the last good one."""

    def __init__(self, folder: Path, teams: Sequence[str]) -> None:
        self.path = folder / CANNED_FILE
        self.teams = tuple(teams)
        self._lock = threading.Lock()
        self._seen: float | None = None
        self._replies: tuple[CannedReply, ...] = ()

    def replies(self) -> tuple[CannedReply, ...]:
        try:
            stamp = self.path.stat().st_mtime
        except OSError:
            return ()
        with self._lock:
            if stamp != self._seen:
                problems: list[str] = []
                replies = read_canned(self.path, self.teams, problems)
                if not problems:
                    self._replies = replies
                self._seen = stamp
            return self._replies

    def search(self, query: str, team: str | None = None, limit: int = 20) -> list[CannedReply]:
        words = query.lower().split()
        return [r for r in self.replies() if r.matches(words) and (not team or not r.teams or team in r.teams)][:limit]
