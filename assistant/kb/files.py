"""Reading the KB's files: YAML documents and JSON Lines, every problem named with its file (and line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml


def load_yaml(path: Path, problems: list[str]) -> tuple[object, bool]:
    """``(document, True)`` (None for an empty file), or ``(None, False)`` when it is not valid YAML (said in
    ``problems`` with the parser's line and column)."""
    doc, ok, _ = load_yaml_lines(path, problems)
    return doc, ok


def load_yaml_lines(path: Path, problems: list[str], key: str = "entries") -> tuple[object, bool, list[int]]:
    """``load_yaml``, and the line of each item of the document's list ``key`` (for problems naming file:line)."""
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            doc = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        why = exc.problem or ""
        if exc.context and exc.context_mark is not None:  # where the unclosed quote or bracket began
            why = f"{exc.context} at {exc.context_mark.line + 1}:{exc.context_mark.column + 1}: {why}"
        problems.append(f"{path}{at}: not valid YAML ({why.strip(': ')})")
        return None, False, []
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: not valid YAML ({str(exc).splitlines()[0]})")
        return None, False, []
    lines: list[int] = []
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.SequenceNode):
                lines = [item.start_mark.line + 1 for item in v.value]
    return doc, True, lines


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
