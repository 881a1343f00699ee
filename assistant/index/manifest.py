"""What an index version says about itself (``manifest.json``): the model, the KB it was built from, the
learned ranking and calibration, the self-test, library versions and build times. Loading checks it before
anything else is read, and names the folder in every error."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import IndexUnavailable

FORMAT_VERSION = 5  # bump whenever the files of a version change shape
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    dimension: int
    base: str | None = None  # a fine-tuned version: the model it was tuned from
    folder: str | None = None  # ... and the folder inside the version that holds it
    tuned: dict[str, Any] | None = None  # ... and how the tuning went

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "dimension": self.dimension}
        if self.folder is not None:
            out.update({"base": self.base, "folder": self.folder, "tuned": self.tuned})
        return out


@dataclass(frozen=True)
class KbInfo:
    source: str
    sha256: str
    entries: int
    questions: int


@dataclass(frozen=True)
class Overlap:
    """An entry whose own questions mostly retrieve another entry first (build/overlaps.py)."""

    entry: str
    other: str
    retrieved: int  # of its questions asked, how many retrieved ``other`` first
    asked: int


@dataclass(frozen=True)
class SelfTest:
    """Leave-one-out retrieval of the KB's own questions: the build's floor and `check-kb --selftest`."""

    queries: int
    top1: float
    recall_at_3: float
    failed_entries: tuple[str, ...]
    overlaps: tuple[Overlap, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"queries": self.queries, "top1": self.top1, "recall@3": self.recall_at_3,
                "failed_entries": list(self.failed_entries), "overlaps": [vars(o) for o in self.overlaps]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SelfTest:
        return cls(d["queries"], d["top1"], d["recall@3"], tuple(d["failed_entries"]),
                   tuple(Overlap(**o) for o in d.get("overlaps", [])))


@dataclass(frozen=True)
class Calibration:
    """The learned models (as plain parameter lists), the thresholds derived from them, and held-out figures."""

    ranker: dict[str, Any]
    scorer: dict[str, Any]
    calibrator: dict[str, Any]
    thresholds: dict[str, float]
    target_precision: float
    sensitive_target_precision: float
    priors: dict[str, float]
    examples: dict[str, int]
    held_out: dict[str, float]
    # what stood in for the similar questions a KB lacks (build/variants.py): none, variants, entry_questions
    fallback: str = "none"


@dataclass(frozen=True)
class Manifest:
    format: int
    model: ModelInfo
    kb: KbInfo
    faiss: str
    libraries: dict[str, str]
    built_at: str
    adapter: dict[str, Any] = field(default_factory=dict)
    confidence: Calibration | None = None
    selftest: SelfTest | None = None
    build_seconds: dict[str, float] = field(default_factory=dict)
    # the settings the build's result depends on (build/reuse.py): an unchanged KB with the same ones is republished
    build_settings: dict[str, Any] = field(default_factory=dict)

    @property
    def calibration(self) -> Calibration:
        if self.confidence is None:
            raise IndexUnavailable("the index manifest has no calibration; rebuild it")
        return self.confidence

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": self.format, "model": self.model.to_dict(), "kb": vars(self.kb), "faiss": self.faiss,
            "libraries": self.libraries, "built_at": self.built_at,
        }
        if self.adapter:
            out["adapter"] = self.adapter
        if self.confidence is not None:
            out["confidence"] = vars(self.confidence)
        if self.selftest is not None:
            out["selftest"] = self.selftest.to_dict()
        if self.build_seconds:
            out["build_seconds"] = self.build_seconds
        if self.build_settings:
            out["build_settings"] = self.build_settings
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Manifest:
        st = d.get("selftest")
        return cls(
            format=d["format"], model=ModelInfo(**d["model"]), kb=KbInfo(**d["kb"]), faiss=d["faiss"],
            libraries=d.get("libraries", {}), built_at=d.get("built_at", ""), adapter=d.get("adapter", {}),
            confidence=Calibration(**d["confidence"]) if "confidence" in d else None,
            selftest=SelfTest.from_dict(st) if st else None,
            build_seconds=d.get("build_seconds", {}), build_settings=d.get("build_settings", {}),
        )

    def with_(self, **changes: Any) -> Manifest:
        return replace(self, **changes)


def new_manifest(source: Path, sha256: str, entries: int, questions: int, model_name: str, dimension: int,
                 index_kind: str) -> Manifest:
    return Manifest(
        format=FORMAT_VERSION, model=ModelInfo(model_name, dimension),
        kb=KbInfo(source=str(source), sha256=sha256, entries=entries, questions=questions),
        faiss=index_kind, libraries=library_versions(),
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def read_manifest(folder: Path) -> Manifest:
    try:
        raw: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexUnavailable(f"{folder}: no readable {MANIFEST} ({exc})") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_VERSION:
        found = raw.get("format") if isinstance(raw, dict) else None
        raise IndexUnavailable(f"{folder}: index format {found} is not {FORMAT_VERSION}; rebuild it")
    try:
        return Manifest.from_dict(raw)
    except (KeyError, TypeError) as exc:
        raise IndexUnavailable(f"{folder}: damaged {MANIFEST} ({exc!r})") from exc


def write_manifest(manifest: Manifest, folder: Path) -> None:
    text = json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2)
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def library_versions() -> dict[str, str]:
    out = {}
    for name in ("faiss-cpu", "sentence-transformers", "torch", "jieba", "bm25s", "numpy"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
