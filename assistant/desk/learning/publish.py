"""Accepted changes go live: the KB is checked (as `assistant check-kb`), built into a new index version off to
the side, previewed (which recent questions would now get another decision or answer) and, when the maintainer
says so, published; the service then follows ``current``. One build at a time, in a worker thread."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select

from ... import index as index_mod
from ...build import IndexBuilder
from ...config import Settings
from ...engine import Assistant
from ...errors import AssistantError, BuildInProgress, NothingToPublish
from ...kb import load_kb
from ..db import Database
from ..tables import TurnRow, utcnow
from .store import SqlGapStore

log = logging.getLogger("assistant.desk")
PREVIEW_QUESTIONS = 200  # the most recent distinct questions asked again for the preview
KEEP_VERSIONS = 5


@dataclass(frozen=True)
class Change:
    question: str
    before: dict[str, Any]  # decision, entry_id, entry question
    after: dict[str, Any]


@dataclass(frozen=True)
class BuildJob:
    state: str = "idle"  # idle, building, ready (built, waiting to be published), published, failed
    actor: str | None = None
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    version: str | None = None
    error: str | None = None
    seconds: float | None = None
    asked: int = 0  # recent questions asked in the preview
    changes: tuple[Change, ...] = field(default=())


class KbPublisher:
    def __init__(self, settings: Settings, db: Database, gaps: SqlGapStore,
                 current: Callable[[], Assistant], reload: Callable[[], object]) -> None:
        self.settings = settings
        self.db = db
        self.gaps = gaps
        self.current = current
        self.reload = reload
        self.job = BuildJob()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, actor: str) -> BuildJob:
        with self._lock:
            if self.job.state == "building":
                raise BuildInProgress("a build is running; wait for its preview")
            self.job = BuildJob("building", actor, utcnow())
            self._thread = threading.Thread(target=self._build, args=(actor,), name="kb-build", daemon=True)
            self._thread.start()
            return self.job

    def wait(self, timeout: float | None = None) -> BuildJob:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.job

    def _build(self, actor: str) -> None:
        try:
            kb = load_kb(self.settings.kb_dir, self.settings.teams)  # the check-kb check
            old = self.current()
            result = IndexBuilder(self.settings, old.embedder, progress=False).build(
                kb, self.settings.index_dir, publish=False)
            assert result.version is not None
            new = Assistant(result.data, old.embedder, self.settings)
            asked, changes = self._preview(old, new)
            job = replace(self.job, state="ready", finished=utcnow(), version=result.version.name,
                          seconds=round(result.seconds, 1), asked=asked, changes=tuple(changes))
            self.gaps.audit(actor, "build", {"version": job.version, "changes": len(changes), "asked": asked})
        except AssistantError as exc:
            job = replace(self.job, state="failed", finished=utcnow(), error=exc.detail)
            self.gaps.audit(actor, "build", {"error": exc.detail})
        except Exception as exc:  # a build must not die silently in its thread
            log.exception("the KB build failed")
            job = replace(self.job, state="failed", finished=utcnow(), error=repr(exc))
        with self._lock:
            self.job = job

    def _preview(self, old: Assistant, new: Assistant) -> tuple[int, list[Change]]:
        with self.db.session() as session:
            recent = session.scalars(select(TurnRow.question).where(TurnRow.intent.in_(("question", None)))
                                     .order_by(TurnRow.id.desc()).limit(PREVIEW_QUESTIONS * 3)).all()
        questions = list(dict.fromkeys(recent))[:PREVIEW_QUESTIONS]
        changes = []
        for chunk in range(0, len(questions), 32):
            part = questions[chunk : chunk + 32]
            for q, a, b in zip(part, old.ask_many(part), new.ask_many(part), strict=True):
                before, after = _said(a), _said(b)
                if (before["decision"], before["entry_id"]) != (after["decision"], after["entry_id"]):
                    changes.append(Change(q, before, after))
        return len(questions), changes

    def publish(self, actor: str) -> BuildJob:
        with self._lock:
            job = self.job
            if job.state != "ready" or job.version is None:
                raise NothingToPublish("build the KB and look at the preview first")
            root = self.settings.index_dir
            index_mod.publish(root, root / "versions" / job.version)
            self.job = replace(job, state="published")
        self.reload()
        index_mod.prune(root, KEEP_VERSIONS)
        self.gaps.audit(actor, "publish", {"version": job.version})
        return self.job


def _said(reply: Any) -> dict[str, Any]:
    return {"decision": reply.decision, "entry_id": reply.answer.id if reply.answer else None,
            "entry_question": reply.answer.question if reply.answer else None}



