"""KB changes written into the YAML files in place: only the lines that change are touched, so the order, the
comments and the style of everything else stay as the maintainer wrote them (a YAML round trip would lose the
comments, and no round-trip library is a dependency). Every change is checked by loading the whole KB from a
scratch copy before the file is replaced (atomically)."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ...errors import KbEditRejected, KBError
from ...kb.load import SPECIAL_FILES, load_kb

_ID = r"^(\s*)-\s+id:\s*['\"]?{}['\"]?\s*(#.*)?$"


@dataclass(frozen=True)
class Edit:
    path: Path  # the file changed
    before: str
    after: str

    def diff(self, root: Path) -> str:
        name = str(self.path.relative_to(root)) if self.path.is_relative_to(root) else self.path.name
        return "".join(difflib.unified_diff(self.before.splitlines(keepends=True),
                                            self.after.splitlines(keepends=True), f"a/{name}", f"b/{name}"))


def scalar(text: str) -> str:
    """A question as a YAML scalar: plain when YAML reads it back as the same text, else double-quoted."""
    text = " ".join(text.split())
    try:
        plain = yaml.safe_load(text) == text and not text.startswith(("-", "?", ":", "!", "&", "*", "%", "@", "`"))
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def yaml_files(kb_dir: Path) -> list[Path]:
    if not kb_dir.is_dir():
        raise KbEditRejected(f"{kb_dir}: the console edits a KB folder of YAML files, not a single file")
    return sorted(p for p in kb_dir.glob("*.y*ml") if p.name not in SPECIAL_FILES)


def _find_entry(kb_dir: Path, entry_id: str) -> tuple[Path, list[str], int, int, int]:
    """The file holding the entry, its lines, the entry's first line, the line after it and its key indent."""
    pattern = re.compile(_ID.format(re.escape(entry_id)))
    for path in yaml_files(kb_dir):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for n, line in enumerate(lines):
            if (m := pattern.match(line.rstrip("\n"))) is not None:
                dash = len(m.group(1))
                end = next((i for i in range(n + 1, len(lines)) if _content(lines[i]) and _indent(lines[i]) <= dash),
                           len(lines))
                while end > n + 1 and not lines[end - 1].strip():
                    end -= 1
                return path, lines, n, end, line.index("id:")
    raise KbEditRejected(f"there is no entry {entry_id!r} in a YAML file of {kb_dir}")


def _key_line(lines: list[str], start: int, end: int, indent: int, key: str) -> int | None:
    pattern = re.compile(rf"^ {{{indent}}}{key}:(\s|$)")
    return next((i for i in range(start, end) if pattern.match(lines[i])), None)


def _value_end(lines: list[str], at: int, end: int, indent: int) -> int:
    """The line after a key's value (its continuation lines and, for a block list, its items)."""
    i = at + 1
    while i < end and (not lines[i].strip() or _indent(lines[i]) > indent
                       or (_indent(lines[i]) == indent and lines[i].lstrip().startswith("- "))):
        i += 1
    while i > at + 1 and not lines[i - 1].strip():
        i -= 1
    return i


def add_similar(kb_dir: Path, entry_id: str, questions: Sequence[str], today: dt.date, key: str = "similar") -> Edit:
    """Append questions to an entry's block list ``key`` (``similar``, or ``learned`` for questions accepted from
    traffic), which is made after the question (and its similar questions) when the entry has none."""
    path, lines, start, end, k = _find_entry(kb_dir, entry_id)
    before = "".join(lines)
    at = _key_line(lines, start, end, k, key)
    if at is not None and lines[at].split(":", 1)[1].strip() not in ("", "[]") and \
            not lines[at].split(":", 1)[1].strip().startswith("#"):
        raise KbEditRejected(f"{path}:{at + 1}: write `{key}:` as a block list to let the console add to it")
    if at is None:
        after = [a for a in (_key_line(lines, start, end, k, n) for n in ("question", "similar")) if a is not None]
        anchor = _value_end(lines, max(after), end, k) if after else start + 1
        lines[anchor:anchor] = [" " * k + f"{key}:\n"]
        at, end = anchor, end + 1
    elif lines[at].rstrip().endswith("[]"):
        lines[at] = lines[at].replace("[]", "").rstrip() + "\n"
    stop = _value_end(lines, at, end, k)
    items = [ln for ln in lines[at + 1 : stop] if ln.lstrip().startswith("- ")]
    pad = _indent(items[0]) if items else k + 2
    lines[stop:stop] = [f"{' ' * pad}- {scalar(q)}\n" for q in questions]
    end += len(questions)
    _set_updated(lines, start, end, k, today)
    return Edit(path, before, "".join(lines))


def _set_updated(lines: list[str], start: int, end: int, k: int, today: dt.date) -> None:
    at = _key_line(lines, start, end, k, "updated")
    if at is not None:
        lines[at] = f"{' ' * k}updated: {today.isoformat()}\n"
        return
    if end and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    lines[end:end] = [f"{' ' * k}updated: {today.isoformat()}\n"]


@dataclass(frozen=True)
class NewEntry:
    id: str
    category: str
    question: str
    similar: tuple[str, ...]
    answer: str
    team: str | None = None


def add_entry(kb_dir: Path, new: NewEntry, today: dt.date) -> Edit:
    """Append the entry to the file of its category (the first file of the KB when no file has it)."""
    files = yaml_files(kb_dir)
    if not files:
        raise KbEditRejected(f"{kb_dir}: no YAML file to add the entry to")
    path = next((p for p in files if _category(p) == new.category), files[0])
    text = path.read_text(encoding="utf-8")
    first = re.search(r"^( *)-( +)id:", text, re.M)
    dash, k = (len(first.group(1)), len(first.group(1)) + 1 + len(first.group(2))) if first else (2, 4)
    pad = " " * k
    style = re.search(r"^( *)similar:\n( *)- ", text, re.M)  # the file's own indentation of list items
    item = pad + " " * (len(style.group(2)) - len(style.group(1)) if style else 2)
    block = [f"{' ' * dash}- id: {new.id}\n", f"{pad}question: {scalar(new.question)}\n"]
    if new.category != _category(path):
        block.append(f"{pad}category: {scalar(new.category)}\n")
    if new.similar:
        block += [f"{pad}similar:\n"] + [f"{item}- {scalar(q)}\n" for q in new.similar]
    block += [f"{pad}answer: |\n"] + [f"{pad}  {line}\n" if line.strip() else "\n"
                                      for line in new.answer.strip().splitlines()]
    if new.team:
        block.append(f"{pad}team: {new.team}\n")
    block.append(f"{pad}updated: {today.isoformat()}\n")
    sep = "" if text.endswith("\n\n") or not text else ("\n" if text.endswith("\n") else "\n\n")
    return Edit(path, text, text + sep + "".join(block))


def _category(path: Path) -> str | None:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None
    return str(doc.get("category")) if isinstance(doc, dict) and doc.get("category") else None


LEARNED = Path("tune") / "learned.jsonl"  # labelled users' questions the console keeps (see suggest.split_labelled)


def add_labelled(kb_dir: Path, questions: Sequence[str], entry_id: str | None, file: Path = LEARNED) -> Edit:
    """Users' questions with the entry that answers them (None: no entry does; out of scope), appended to
    ``tune/learned.jsonl`` (or ``file``): the build learns its ranking and confidence from them."""
    path = kb_dir / file
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = [json.dumps({"query": q, "expected": entry_id}, ensure_ascii=False) + "\n" for q in questions]
    sep = "\n" if before and not before.endswith("\n") else ""
    return Edit(path, before, before + sep + "".join(lines))


def apply(kb_dir: Path, edits: Sequence[Edit], teams: Sequence[str]) -> None:
    """Check the KB with the edits (as check-kb does), then write each file atomically."""
    with tempfile.TemporaryDirectory(prefix=".kb-check-") as scratch:
        copy = Path(scratch) / "kb"
        shutil.copytree(kb_dir, copy)
        for edit in edits:
            target = copy / edit.path.relative_to(kb_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(edit.after, encoding="utf-8")
        try:
            load_kb(copy, teams)
        except KBError as exc:
            problems = str(exc).replace(str(copy), str(kb_dir))
            raise KbEditRejected(f"the change would make the KB invalid: {problems}") from exc
    for edit in edits:
        now = edit.path.read_text(encoding="utf-8") if edit.path.exists() else ""
        if now != edit.before:
            raise KbEditRejected(f"{edit.path} changed since the change was prepared; look at it again")
        edit.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = edit.path.with_name(f".{edit.path.name}.tmp")
        tmp.write_text(edit.after, encoding="utf-8")
        os.replace(tmp, edit.path)
