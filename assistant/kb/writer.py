"""Writing entries as KB YAML in the shipped files' style (one file per category, block lists, answers as literal
blocks), and reading back which file holds each existing entry, for `kb import` and `kb export`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pypinyin import lazy_pinyin

from ..errors import KBError
from .files import load_yaml
from .load import SPECIAL_FILES, kb_files, load_kb
from .schema import KnowledgeBase

ORDER = ("id", "question", "similar", "answer", "keywords", "team", "risk", "updated")


def entry_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [f for f in kb_files(folder) if f.suffix in (".yaml", ".yml") and f.name not in SPECIAL_FILES]


def existing_kb(folder: Path, teams: tuple[str, ...] | None) -> tuple[KnowledgeBase | None, dict[str, str]]:
    """The KB in ``folder`` (None when it has no entry files yet) and the file of each entry id. An invalid KB
    raises KBError: fix it before importing into it."""
    files = entry_files(folder)
    if not files:
        return None, {}
    kb = load_kb(folder, teams)
    place: dict[str, str] = {}
    for f in files:
        doc, _ = load_yaml(f, [])
        for item in doc.get("entries", []) if isinstance(doc, dict) else []:
            if isinstance(item, dict) and "id" in item:
                place.setdefault(str(item["id"]), str(f))
    return kb, place


def slug(text: str, fallback: str = "imported") -> str:
    """An ASCII name for a category: its toneless pinyin (账号与登录 -> zhanghaoyudenglu)."""
    out = re.sub(r"[^a-z0-9]+", "-", "".join(lazy_pinyin(text)).lower()).strip("-")
    return out[:24].strip("-") or fallback


def assign_ids(entries: list[dict[str, Any]], taken: set[str]) -> None:
    """Entries without an id get ``<category slug>-<n>``, unused in the KB and in this import."""
    taken |= {e["id"] for e in entries if e["id"]}
    counters: dict[str, int] = {}
    for e in entries:
        if e["id"]:
            continue
        base = slug(e["category"])
        n = counters.get(base, 0)
        while True:
            n += 1
            candidate = f"{base}-{n:03d}"
            if candidate not in taken:
                break
        counters[base] = n
        e["id"] = candidate
        taken.add(candidate)


def _scalar(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    first = yaml.safe_dump(text, allow_unicode=True, width=1 << 30).split("\n", 1)[0]
    return first if yaml.safe_load(first) == text else json.dumps(text, ensure_ascii=False)


def _block(text: str, indent: str) -> list[str]:
    """A literal block (``|``, ``|-`` without a final new line) when YAML can keep the text exactly."""
    lines = text.split("\n")
    if lines[0][:1].isspace() or any("\t" in line for line in lines):
        return [" " + _scalar(text)]
    return [" |" + ("" if text.endswith("\n") else "-")] + [f"{indent}{line}" if line else "" for line in
                                                          (lines[:-1] if text.endswith("\n") else lines)]


def yaml_text(category: str, entries: Iterable[dict[str, Any]]) -> str:
    out = [f"category: {_scalar(category)}", "entries:"]
    for e in entries:
        first = True
        for key in ORDER:
            if key not in e:
                continue
            lead = "  - " if first else "    "
            first = False
            value = e[key]
            if isinstance(value, list):
                out.append(f"{lead}{key}:")
                out += [f"      - {_scalar(v)}" for v in value]
            elif key == "answer" and "\n" in str(value):
                block = _block(str(value), "      ")
                out.append(f"{lead}{key}:{block[0]}")
                out += block[1:]
            else:
                out.append(f"{lead}{key}: {_scalar(value)}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def write_entries(folder: Path, entries: list[dict[str, Any]], teams: tuple[str, ...] | None) -> list[Path]:
    """One new file per category (``<slug>.yaml``, ``<slug>-2.yaml`` when taken), all or none: the files are
    written beside, the KB loaded with them (every problem named), and only then renamed into place."""
    folder.mkdir(parents=True, exist_ok=True)
    by_category: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_category.setdefault(e["category"], []).append({k: v for k, v in e.items() if k in ORDER})
    names: list[Path] = []
    for category, items in by_category.items():
        base, n = slug(category), 1
        path = folder / f"{base}.yaml"
        while path.exists() or path in names:
            n += 1
            path = folder / f"{base}-{n}.yaml"
        text = yaml_text(category, items)
        if yaml.safe_load(text) != {"category": category, "entries": items}:
            raise AssertionError(f"{path}: the YAML written would not read back as the entries")
        names.append(path)
        path.with_name(f".{path.name}.tmp").write_text(text, encoding="utf-8")
    try:
        for path in names:
            os.replace(path.with_name(f".{path.name}.tmp"), path)
        load_kb(folder, teams)
    except KBError:
        for path in names:
            path.unlink(missing_ok=True)
        raise
    finally:
        for path in names:
            path.with_name(f".{path.name}.tmp").unlink(missing_ok=True)
    return names

