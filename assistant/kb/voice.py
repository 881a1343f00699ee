"""The assistant's voice (``voice.yaml``): every sentence it says that is not a KB answer, and the labels of the
widget and the agent console, per channel where it matters.

The shipped voice (``assistant/resources/voice.yaml``) says which texts the service needs and which {names} each
may use; a KB's ``voice.yaml`` must have every one of them (check-kb says which are missing or wrong).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .files import load_yaml

SECTIONS = ("say", "widget", "console")
CHANNELS = ("default", "web", "embed", "app", "agent")
VOICE_FILE = "voice.yaml"
Texts = dict[str, dict[str, dict[str, str]]]  # section -> key -> channel -> text


@dataclass(frozen=True)
class Voice:
    texts: Texts

    def say(self, key: str, channel: str = "web", section: str = "say", **values: object) -> str:
        """The text for a channel (or its default), with its {names} filled in."""
        variants = self.texts[section][key]
        text = variants.get(channel) or variants["default"]
        return text.format(**values) if values else text

    def flat(self, section: str, channel: str = "web") -> dict[str, str]:
        """One section for one channel, unfilled: what the widget and the console read."""
        return {k: v.get(channel) or v["default"] for k, v in self.texts[section].items()}

    def to_dict(self) -> Texts:
        return self.texts


def default_voice() -> Voice:
    text = resources.files("assistant").joinpath("resources/voice.yaml").read_text(encoding="utf-8")
    problems: list[str] = []
    voice = parse_voice(yaml.safe_load(text), "assistant/resources/voice.yaml", problems)
    assert not problems, problems
    return voice


def with_defaults(voice: Voice) -> Voice:
    """The voice with the shipped texts it lacks filled in: an index built by an older version has no texts for
    what the service has learnt to say since (until it is rebuilt)."""
    base = default_voice().texts
    return Voice({s: {**base.get(s, {}), **voice.texts.get(s, {})} for s in SECTIONS})


def read_voice(folder: Path, problems: list[str]) -> Voice:
    """The KB folder's voice, checked against the shipped one; the shipped voice when the KB has none."""
    path = folder / VOICE_FILE
    base = default_voice()
    if not path.is_file():
        return base
    doc, ok = load_yaml(path, problems)
    if not ok:
        return base
    voice = parse_voice(doc, str(path), problems)
    _check_against(voice, base, str(path), problems)
    return voice


def parse_voice(doc: object, where: str, problems: list[str]) -> Voice:
    texts: Texts = {s: {} for s in SECTIONS}
    if not isinstance(doc, dict):
        problems.append(f"{where}: expected a mapping with {', '.join(SECTIONS)}")
        return Voice(texts)
    for section in SECTIONS:
        items = doc.get(section) or {}
        if not isinstance(items, dict):
            problems.append(f"{where}: `{section}` must be a mapping of texts")
            continue
        for key, value in items.items():
            variants = _variants(value)
            if variants is None:
                problems.append(f"{where}: `{section}.{key}` must be a non-empty text, or channel: text with a default")
                continue
            texts[section][str(key)] = variants
    return Voice(texts)


def _variants(value: Any) -> dict[str, str] | None:
    if isinstance(value, str) and value.strip():
        return {"default": value.strip()}
    if (isinstance(value, dict) and "default" in value and set(value) <= set(CHANNELS)
            and all(isinstance(v, str) and v.strip() for v in value.values())):
        return {str(k): str(v).strip() for k, v in value.items()}
    return None


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_against(voice: Voice, base: Voice, where: str, problems: list[str]) -> None:
    for section in SECTIONS:
        for key, variants in base.texts[section].items():
            mine = voice.texts[section].get(key)
            if mine is None:
                problems.append(f"{where}: `{section}.{key}` is missing (the service says it)")
                continue
            allowed = set().union(*(placeholders(t) for t in variants.values()))
            for channel, text in mine.items():
                try:
                    extra = placeholders(text) - allowed
                except ValueError as exc:
                    problems.append(f"{where}: `{section}.{key}` ({channel}): {exc}")
                    continue
                if extra:
                    problems.append(f"{where}: `{section}.{key}` ({channel}) uses {{{', '.join(sorted(extra))}}}; "
                                    f"it may use only {', '.join('{' + a + '}' for a in sorted(allowed)) or 'none'}")


CJK = re.compile(r"[\u4e00-\u9fff]")
