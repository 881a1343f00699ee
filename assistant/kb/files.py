"""Reading the KB's files: YAML documents and JSON Lines, every problem named with its file (and line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml


def load_yaml(path: Path, problems: list[str]) -> tuple[object, bool]:
    """``(document, True)`` (None for an empty file), or ``(None, False)`` when it is not valid YAML (said in
    ``problems``)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), True
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: not valid YAML ({str(exc).splitlines()[0]})")
        return None, False


def read_mapping(path: Path, problems: list[str]) -> dict[str, Any]:
    """A YAML file that must hold a mapping (an empty file is an empty one)."""
    doc, ok = load_yaml(path, problems)
    if not ok or doc is None:
        return {}
    if not isinstance(doc, dict):
        problems.append(f"{path}: expected a mapping")
        return {}
    return doc


def read_jsonl(path: Path, problems: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(file:line, object)`` for each non-empty line that is a JSON object; the others said in ``problems``."""
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
