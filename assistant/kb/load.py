"""KB loaders (a folder of YAML files, or one JSON Lines file), validated all at once.

Every problem is reported as one line naming the file and the entry (or line), so a maintainer can fix
them all from a single ``assistant check-kb`` run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import KBError
from .canned import CANNED_FILE, read_canned
from .examples import EMOTION_EXAMPLES, EMOTION_LABELS, EXAMPLE_FILES, INTENT_EXAMPLES, INTENT_LABELS, read_examples
from .files import load_yaml_lines, read_jsonl, read_mapping
from .intents import default_intents, read_intents
from .labelled import LabelledQuestion, read_labelled, tune_files, unknown_ids
from .schema import KnowledgeBase
from .validate import validate_entries
from .voice import default_voice, read_voice

SPECIAL_FILES = {"synonyms.yaml", "handoff.yaml", "intents.yaml", "voice.yaml", CANNED_FILE}
DICT_FILE = "dict.txt"


def kb_files(path: Path) -> list[Path]:
    """The files that make up a KB, in a stable order: they are also what its checksum covers."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise KBError([f"{path}: no such KB file or folder"])
    # canned replies are read by the service as they change and need no build: not part of the checksum
    files = sorted(p for p in path.glob("*.yaml") if p.is_file() and p.name != CANNED_FILE)
    files += sorted(p for p in path.glob("*.yml") if p.is_file())
    if (path / DICT_FILE).is_file():
        files.append(path / DICT_FILE)
    files += [path / name for name in EXAMPLE_FILES if (path / name).is_file()]
    return files + tune_files(path)


def kb_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    for file in kb_files(path):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def load_kb(path: Path | str, teams: Sequence[str] | None = None, min_similar: int = 0) -> KnowledgeBase:
    """Load and validate a KB; raise KBError listing every problem found. ``min_similar``: the similar questions
    each entry must have (check-kb's style rule; a build takes any number)."""
    path = Path(path)
    problems: list[str] = []
    if path.is_file() and path.suffix == ".jsonl":
        raw = list(read_jsonl(path, problems))
        dict_terms: tuple[str, ...] = ()
        synonyms: dict[str, str] = {}
        intents, voice = default_intents(), default_voice()
        intent_examples: tuple[tuple[str, str], ...] = ()
        emotion_examples: tuple[tuple[str, str], ...] = ()
        tune: list[LabelledQuestion] = []
    else:
        files = kb_files(path)
        yaml_files = [f for f in files if f.suffix in (".yaml", ".yml") and f.name not in SPECIAL_FILES]
        if path.is_file():
            yaml_files = [path]
        raw = [item for f in yaml_files for item in _read_yaml(f, problems)]
        folder = path if path.is_dir() else path.parent
        dict_terms = _read_dict(folder / DICT_FILE, problems)
        synonyms = _read_synonyms(folder / "synonyms.yaml", problems)
        intents, voice = read_intents(folder, problems), read_voice(folder, problems)
        intent_examples = read_examples(folder / INTENT_EXAMPLES, "intent", INTENT_LABELS, problems)
        emotion_examples = read_examples(folder / EMOTION_EXAMPLES, "emotion", EMOTION_LABELS, problems)
        tune = [q for f in (tune_files(path) if path.is_dir() else []) for q in read_labelled(f, problems)]
        read_canned(folder / CANNED_FILE, teams, problems)  # checked here; the service reads it itself
    entries = validate_entries(raw, teams, problems, min_similar)
    problems += unknown_ids(tune, {str(item.get("id")) for _, item in raw})
    if not entries and not problems:
        problems.append(f"{path}: the KB has no entries")
    if problems:
        raise KBError(problems)
    return KnowledgeBase(
        entries=tuple(entries), source=path, sha256=kb_checksum(path),
        dict_terms=dict_terms, synonyms=synonyms, intents=intents, voice=voice, intent_examples=intent_examples,
        emotion_examples=emotion_examples, tune=tuple(tune),
    )


def _read_yaml(path: Path, problems: list[str]) -> Iterable[tuple[str, dict[str, Any]]]:
    doc, ok, lines = load_yaml_lines(path, problems)
    if not ok:
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        problems.append(f"{path}: expected a mapping with `category` and a list `entries`")
        return
    category = doc.get("category")
    for n, item in enumerate(doc["entries"], 1):
        label = item.get("id", f"#{n}") if isinstance(item, dict) else f"#{n}"
        where = f"{path}:{lines[n - 1]}: entry {label}" if len(lines) >= n else f"{path}: entry {label}"
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
    doc = read_mapping(path, problems)
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
