"""Versioned index folders: build, save, load, publish atomically, roll back.

Layout of ``<root>``::

    versions/<stamp>-<kb sha8>/   manifest.json, entries.json, questions.json, text.json,
                                  vectors.npy, dense.faiss, lexical/ (bm25s)
    current -> versions/<...>     a symlink, swapped with os.replace so readers never see a half state
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from .errors import IndexUnavailable
from .kb import Entry, KnowledgeBase, Triggers
from .text import JiebaSegmenter, Normalizer, PinyinTransliterator, bigrams, polarity_sides

FORMAT_VERSION = 4  # bump whenever the files of a version change shape
MANIFEST = "manifest.json"


@dataclass
class IndexData:
    """Everything retrieval needs, in memory. Questions are stored grouped by entry, in entry order."""

    path: Path | None
    manifest: dict[str, Any]
    entries: tuple[Entry, ...]
    question_texts: tuple[str, ...]
    question_entry: np.ndarray  # int64 (n_questions,)
    vectors: np.ndarray  # float32 (n_questions, dim), L2-normalised
    faiss: Any
    bm25: bm25s.BM25
    entry_words: tuple[frozenset[str], ...]
    entry_keywords: tuple[tuple[str, ...], ...]
    entry_polarity: tuple[frozenset[tuple[int, int]], ...]
    dict_terms: tuple[str, ...]
    synonyms: dict[str, str]
    triggers: Triggers
    adapter: np.ndarray | None = None  # (dim, dim) applied to query vectors before search
    question_words: tuple[frozenset[str], ...] = ()  # build time only: leave-one-out coverage
    question_bigrams: tuple[frozenset[str], ...] = ()
    pinyin: dict[str, str] = field(default_factory=dict)  # pinyin key -> KB word, for pinyin-typed questions
    model_dir: Path | None = None  # a fine-tuned model (`build --tune`) saved inside the version

    @property
    def question_count(self) -> int:
        return len(self.question_texts)

    @property
    def starts(self) -> np.ndarray:
        return self._starts

    def __post_init__(self) -> None:
        counts = np.bincount(self.question_entry, minlength=len(self.entries))
        ends = np.cumsum(counts)
        self._starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
        self.ranges = [(int(s), int(e)) for s, e in zip(self._starts, ends, strict=True)]


def make_faiss(vectors: np.ndarray, kind: str, hnsw_min_vectors: int) -> Any:
    """Exact inner product for small KBs; HNSW (approximate, much faster per query) above the threshold."""
    dim = vectors.shape[1]
    index: Any
    if kind == "hnsw" or (kind == "auto" and len(vectors) >= hnsw_min_vectors):
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    return index


def assemble(
    kb: KnowledgeBase,
    vectors: np.ndarray,
    normalizer: Normalizer,
    segmenter: JiebaSegmenter,
    index_kind: str = "auto",
    hnsw_min_vectors: int = 8000,
    manifest: dict[str, Any] | None = None,
) -> IndexData:
    """Put a built index together in memory from a KB and its question vectors."""
    texts, owners, words, tokens, qwords, qgrams = [], [], [], [], [], []
    vocabulary: Counter[str] = Counter()
    for i, entry in enumerate(kb.entries):
        entry_words: set[str] = set()
        for q in entry.questions:
            norm = normalizer.drop_fillers(normalizer.normalize(q))
            texts.append(q)
            owners.append(i)
            segmented = segmenter.words(norm)
            tokens.append(segmenter.tokens_of(segmented))
            qwords.append(frozenset(segmented))
            vocabulary.update(qwords[-1])
            qgrams.append(bigrams(norm))
            entry_words.update(qwords[-1])
        entry_words.update(segmenter.words(normalizer.normalize(" ".join(entry.keywords))))
        words.append(frozenset(entry_words))
    bm25 = bm25s.BM25()
    bm25.index([t or ["<empty>"] for t in tokens], show_progress=False)
    return IndexData(
        path=None,
        manifest=manifest or {},
        entries=kb.entries,
        question_texts=tuple(texts),
        question_entry=np.asarray(owners, dtype=np.int64),
        vectors=vectors,
        faiss=make_faiss(vectors, index_kind, hnsw_min_vectors),
        bm25=bm25,
        entry_words=tuple(words),
        entry_keywords=tuple(tuple(normalizer.normalize(k) for k in e.keywords) for e in kb.entries),
        entry_polarity=tuple(polarity_sides(normalizer.normalize(e.question)) for e in kb.entries),
        dict_terms=kb.dict_terms,
        synonyms=kb.synonyms,
        triggers=kb.triggers,
        question_words=tuple(qwords),
        question_bigrams=tuple(qgrams),
        pinyin=PinyinTransliterator.from_vocabulary(vocabulary).table,
    )


def save(data: IndexData, folder: Path) -> None:
    folder.mkdir(parents=True)
    entries = [e.model_dump(mode="json") for e in data.entries]
    (folder / "entries.json").write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    questions = {"texts": list(data.question_texts), "entry": data.question_entry.tolist(),
                 "bigrams": [sorted(g) for g in data.question_bigrams],
                 "entry_words": [sorted(w) for w in data.entry_words]}
    (folder / "questions.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    text = {"dict_terms": list(data.dict_terms), "synonyms": data.synonyms, "pinyin": data.pinyin,
            "triggers": {"human": list(data.triggers.human), "safety": list(data.triggers.safety)}}
    (folder / "text.json").write_text(json.dumps(text, ensure_ascii=False, indent=1), encoding="utf-8")
    np.save(folder / "vectors.npy", data.vectors)
    if data.adapter is not None:
        np.save(folder / "adapter.npy", data.adapter)
    faiss.write_index(data.faiss, str(folder / "dense.faiss"))
    data.bm25.save(str(folder / "lexical"))
    if data.model_dir is not None:
        shutil.copytree(data.model_dir, folder / data.model_dir.name)
    (folder / MANIFEST).write_text(json.dumps(data.manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexUnavailable(f"{folder}: no readable {MANIFEST} ({exc})") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexUnavailable(f"{folder}: index format {manifest.get('format')} is not {FORMAT_VERSION}; rebuild it")
    return manifest


def load(folder: Path, model_name: str | None = None, dimension: int | None = None) -> IndexData:
    """Load an index folder, checking its manifest against the embedding model in use."""
    folder = Path(folder)
    if not folder.exists():
        raise IndexUnavailable(f"{folder}: no index here; run `assistant build` first")
    folder = folder.resolve()
    manifest = read_manifest(folder)
    model = manifest["model"]
    if model_name is not None and model["name"] != model_name:
        raise IndexUnavailable(
            f"{folder}: built with model {model['name']!r}, but the model in use is {model_name!r}; rebuild the index"
        )
    if dimension is not None and model["dimension"] != dimension:
        raise IndexUnavailable(f"{folder}: vectors have {model['dimension']} dims, the model gives {dimension}")
    try:
        entries = tuple(Entry.model_validate(e) for e in json.loads((folder / "entries.json").read_text("utf-8")))
        questions = json.loads((folder / "questions.json").read_text("utf-8"))
        text = json.loads((folder / "text.json").read_text("utf-8"))
        vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        dense = faiss.read_index(str(folder / "dense.faiss"))
        bm25 = bm25s.BM25.load(str(folder / "lexical"))
        adapter = np.load(folder / "adapter.npy") if (folder / "adapter.npy").exists() else None
        model_dir = tuned_model(folder, manifest)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise IndexUnavailable(f"{folder}: damaged index ({exc!r})") from exc
    normalizer = Normalizer()
    return IndexData(
        path=folder,
        manifest=manifest,
        entries=entries,
        question_texts=tuple(questions["texts"]),
        question_entry=np.asarray(questions["entry"], dtype=np.int64),
        vectors=vectors,
        faiss=dense,
        bm25=bm25,
        entry_words=tuple(frozenset(w) for w in questions["entry_words"]),
        entry_keywords=tuple(tuple(normalizer.normalize(k) for k in e.keywords) for e in entries),
        entry_polarity=tuple(polarity_sides(normalizer.normalize(e.question)) for e in entries),
        dict_terms=tuple(text["dict_terms"]),
        synonyms=dict(text["synonyms"]),
        triggers=Triggers(human=tuple(text["triggers"]["human"]), safety=tuple(text["triggers"]["safety"])),
        adapter=adapter,
        question_bigrams=tuple(frozenset(g) for g in questions["bigrams"]),
        pinyin=dict(text["pinyin"]),
        model_dir=model_dir,
    )


def tuned_model(folder: Path, manifest: dict[str, Any] | None = None) -> Path | None:
    """The fine-tuned model folder an index version carries (built with `--tune`), or None."""
    folder = Path(folder).resolve()
    manifest = manifest if manifest is not None else read_manifest(folder)
    name = manifest["model"].get("folder")
    if not name:
        return None
    path = folder / name
    if not (path / "config.json").exists():
        raise IndexUnavailable(f"{folder}: the fine-tuned model folder {name!r} is missing or incomplete")
    return path


def library_versions() -> dict[str, str]:
    out = {}
    for name in ("faiss-cpu", "sentence-transformers", "torch", "jieba", "bm25s", "numpy"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def base_manifest(kb: KnowledgeBase, model_name: str, dimension: int, index_kind: str) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "model": {"name": model_name, "dimension": dimension},
        "kb": {"source": str(kb.source), "sha256": kb.sha256, "entries": len(kb.entries),
               "questions": kb.question_count},
        "faiss": index_kind,
        "libraries": library_versions(),
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


# ---- publishing -------------------------------------------------------------------------------------------


def versions(root: Path) -> list[Path]:
    folder = root / "versions"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def current(root: Path) -> Path | None:
    link = root / "current"
    return link.resolve() if link.exists() else None


def up_to_date(root: Path, kb_sha256: str, model_name: str) -> bool:
    """Whether ``root/current`` was built from this KB with this model, in this index format."""
    now = current(root)
    if now is None:
        return False
    try:
        manifest = read_manifest(now)
    except IndexUnavailable:
        return False
    model = manifest["model"]
    return bool(manifest["kb"]["sha256"] == kb_sha256 and model.get("base", model["name"]) == model_name)


def write_version(data: IndexData, root: Path, sha256: str) -> Path:
    """Write into a hidden temporary folder, then rename it into place (a rename is atomic)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{stamp}-{sha256[:8]}"
    tmp = root / "versions" / f".tmp-{name}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        save(data, tmp)
        final = root / "versions" / name
        os.rename(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def publish(root: Path, version: Path) -> None:
    """Point ``root/current`` at a version: a new symlink, renamed over the old one."""
    tmp = root / f".current-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(Path("versions") / version.name, tmp)
    os.replace(tmp, root / "current")


def rollback(root: Path) -> Path:
    """Publish the version before the current one."""
    all_versions = versions(root)
    now = current(root)
    if now is None or now not in all_versions:
        raise IndexUnavailable(f"{root}: no current index to roll back from")
    pos = all_versions.index(now)
    if pos == 0:
        raise IndexUnavailable(f"{root}: {now.name} is the oldest version; nothing to roll back to")
    previous = all_versions[pos - 1]
    publish(root, previous)
    return previous


def prune(root: Path, keep: int) -> list[Path]:
    """Delete the oldest versions beyond ``keep``, never the current one."""
    now = current(root)
    old = [v for v in versions(root) if v != now][: max(0, len(versions(root)) - keep)]
    for v in old:
        shutil.rmtree(v, ignore_errors=True)
    return old


def question_sample(n_questions: int, limit: int, seed: int) -> Sequence[int]:
    if n_questions <= limit:
        return range(n_questions)
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(n_questions, size=limit, replace=False).tolist())
