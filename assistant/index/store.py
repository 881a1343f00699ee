"""Versioned index folders: save, load, publish atomically, roll back, prune.

Layout of ``<root>``::

    versions/<stamp>-<kb sha8>/   manifest.json, entries.json, questions.json, text.json,
                                  vectors.npy, dense.faiss, lexical/ (bm25s)
    current -> versions/<...>     a symlink, swapped with os.replace so readers never see a half state
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from ..errors import IndexUnavailable
from ..kb import Entry, Intents, Voice
from ..kb.intents import default_intents
from ..kb.voice import default_voice, with_defaults
from ..text import Normalizer, polarity_sides
from .data import IndexData
from .grams import QuestionGrams
from .manifest import Manifest, read_manifest, write_manifest


def save(data: IndexData, folder: Path) -> None:
    folder.mkdir(parents=True)
    entries = [e.model_dump(mode="json") for e in data.entries]
    (folder / "entries.json").write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    questions = {"texts": list(data.question_texts), "entry": data.question_entry.tolist(),
                 "bigrams": [sorted(data.question_grams.bigrams(q)) for q in range(data.question_count)],
                 "entry_words": [sorted(w) for w in data.entry_words]}
    (folder / "questions.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    text = {"dict_terms": list(data.dict_terms), "synonyms": data.synonyms, "pinyin": data.pinyin,
            "pinyin_common": data.pinyin_common, "intents": data.intents.to_list(), "voice": data.voice.to_dict(),
            "intent_models": data.intent_models}
    (folder / "text.json").write_text(json.dumps(text, ensure_ascii=False, indent=1), encoding="utf-8")
    np.save(folder / "vectors.npy", data.vectors)
    if data.adapter is not None:
        np.save(folder / "adapter.npy", data.adapter)
    faiss.write_index(data.faiss, str(folder / "dense.faiss"))
    data.bm25.save(str(folder / "lexical"))
    if data.model_dir is not None:
        shutil.copytree(data.model_dir, folder / data.model_dir.name)
    write_manifest(data.manifest, folder)


def load(folder: Path, model_name: str | None = None, dimension: int | None = None) -> IndexData:
    """Load an index folder, checking its manifest against the embedding model in use."""
    folder = Path(folder)
    if not folder.exists():
        raise IndexUnavailable(f"{folder}: no index here; run `assistant build` first")
    folder = folder.resolve()
    manifest = read_manifest(folder)
    _check_model(folder, manifest, model_name, dimension)
    try:
        entries = tuple(Entry.model_validate(e) for e in json.loads((folder / "entries.json").read_text("utf-8")))
        questions = json.loads((folder / "questions.json").read_text("utf-8"))
        text = json.loads((folder / "text.json").read_text("utf-8"))
        # mapped (a host's workers share the pages), read as plain arrays (memmap slicing: ~0.2 ms a ranking)
        vectors = np.asarray(np.load(folder / "vectors.npy", mmap_mode="r"))
        dense = read_faiss(folder / "dense.faiss")
        bm25 = bm25s.BM25.load(str(folder / "lexical"), mmap=True)
        bm25.scores = {k: np.asarray(v) if isinstance(v, np.memmap) else v for k, v in bm25.scores.items()}
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
        entry_words=_shared_strings(questions["entry_words"]),
        entry_keywords=tuple(tuple(normalizer.normalize(k) for k in e.keywords) for e in entries),
        entry_polarity=tuple(polarity_sides(normalizer.normalize(e.question)) for e in entries),
        dict_terms=tuple(text["dict_terms"]),
        synonyms=dict(text["synonyms"]),
        intents=Intents.from_list(text["intents"]) if "intents" in text else default_intents(),
        voice=with_defaults(Voice(text["voice"])) if "voice" in text else default_voice(),
        intent_models=numbers_as_arrays(text.get("intent_models", {})),
        adapter=adapter,
        question_grams=QuestionGrams.build(questions["bigrams"]),
        pinyin=dict(text["pinyin"]),
        pinyin_common=dict(text["pinyin_common"]),
        model_dir=model_dir,
    )


def _shared_strings(groups: list[list[str]]) -> tuple[frozenset[str], ...]:
    """Sets of words, every word one string object (the JSON reader makes a copy of a word each time it occurs:
    ~25 MB a worker at 100k questions)."""
    seen: dict[str, str] = {}
    return tuple(frozenset(seen.setdefault(w, w) for w in words) for words in groups)


def numbers_as_arrays(tree: Any) -> Any:
    """A JSON tree with its lists of numbers as float64 arrays: the fitted models' weights (text.json's
    intent_models, ~850k numbers with the shipped KB's feedback models) cost 8 bytes a number instead of a Python
    float and a list slot (~32), in every worker for as long as it serves; the models read them with np.asarray,
    which takes such an array as it is."""
    if isinstance(tree, dict):
        return {k: numbers_as_arrays(v) for k, v in tree.items()}
    if isinstance(tree, list):
        if tree and all(type(x) in (int, float) for x in tree):
            return np.asarray(tree, dtype=np.float64)
        return [numbers_as_arrays(v) for v in tree]
    return tree


def _check_model(folder: Path, manifest: Manifest, model_name: str | None, dimension: int | None) -> None:
    model = manifest.model
    if model_name is not None and model.name != model_name:
        raise IndexUnavailable(
            f"{folder}: built with model {model.name!r}, but the model in use is {model_name!r}; rebuild the index"
        )
    if dimension is not None and model.dimension != dimension:
        raise IndexUnavailable(f"{folder}: vectors have {model.dimension} dims, the model gives {dimension}")


def read_faiss(path: Path) -> Any:
    """The FAISS index mapped read-only from its file: its vectors (and HNSW graph) are then pages of the file, which
    the worker processes of one host share through the page cache instead of each holding a copy (a version
    folder is never written again once published). Falls back to reading it into memory where mapping is not
    supported (another index type or FAISS version)."""
    try:
        return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    except (RuntimeError, AttributeError):
        return faiss.read_index(str(path))


def tuned_model(folder: Path, manifest: Manifest | None = None) -> Path | None:
    """The fine-tuned model folder an index version carries (built with `--tune`), or None."""
    folder = Path(folder).resolve()
    manifest = manifest if manifest is not None else read_manifest(folder)
    name = manifest.model.folder
    if not name:
        return None
    path = folder / name
    if not (path / "config.json").exists():
        raise IndexUnavailable(f"{folder}: the fine-tuned model folder {name!r} is missing or incomplete")
    return path


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
    model = manifest.model
    return manifest.kb.sha256 == kb_sha256 and (model.base or model.name) == model_name


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
