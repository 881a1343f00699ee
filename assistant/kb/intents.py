"""What a message is when it is not a question for the KB (``intents.yaml``): safety and legal threats, a request
for a person, small talk, off-domain requests; and how the user feels (``emotions``).

A KB's ``intents.yaml`` replaces the shipped defaults (``assistant/resources/intents.yaml``) section by section;
an older KB's ``handoff.yaml`` (lists of words) adds its words to the human and safety patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .files import load_yaml, read_mapping

# checked in this order; the first that matches decides
HANDOFF_INTENTS = ("safety", "legal", "human")
# in order of precedence: a message with phrases of several kinds is the first of them ("好的 拜拜" is goodbye);
# complain_bot is the bot called stupid or useless (垃圾机器人): an apology and a person offered
SMALLTALK_KINDS = ("goodbye", "thanks", "complain_bot", "praise_bot", "identity", "greeting", "ping", "ack")
EMOTIONS = ("angry", "anxious", "distressed")
# kinds of danger with a safety message of their own (voice.yaml safety.<kind>), the first that matches: a missing or
# lured person is told to call 110 at once, a fraud in progress to stop the transfer, a threat to keep safe and keep
# the evidence, not pointed to a helpline for self-harm (which the general text, for every other danger, speaks of)
DANGERS = ("missing", "fraud", "threat")
INTENT_NAMES = (*HANDOFF_INTENTS, *(f"smalltalk.{k}" for k in SMALLTALK_KINDS), "offdomain")
INTENTS_FILE = "intents.yaml"
LEGACY_FILE = "handoff.yaml"
VETOES = "vetoes"  # intents.yaml's named phrases that keep a pattern from applying (not an intent)


@dataclass(frozen=True)
class IntentRule:
    name: str  # an INTENT_NAMES entry, "emotion.<name>" or "danger.<kind>"
    patterns: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    # words in another sense (笑死, 杀青, 打卡): blanked out before the patterns are matched, so that they neither
    # match a pattern nor veto one that the rest of the message matches (气死了 有人威胁说要…)
    ignore: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "patterns": list(self.patterns), "unless": list(self.unless),
                "examples": list(self.examples), "ignore": list(self.ignore)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IntentRule:
        return cls(d["name"], tuple(d["patterns"]), tuple(d["unless"]), tuple(d["examples"]),
                   tuple(d.get("ignore", ())))


@dataclass(frozen=True)
class Intents:
    rules: tuple[IntentRule, ...]

    def rule(self, name: str) -> IntentRule:
        return next((r for r in self.rules if r.name == name), IntentRule(name))

    def to_list(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.rules]

    @classmethod
    def from_list(cls, items: list[dict[str, Any]]) -> Intents:
        return cls(tuple(IntentRule.from_dict(d) for d in items))


def off_domain_probes() -> list[str]:
    """Generic off-domain sentences shipped with the package: calibration learns from them that such a message
    must not be answered, and the intent detector recognises off-domain requests by them."""
    text = resources.files("assistant").joinpath("resources/offdomain.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def default_intents() -> Intents:
    text = resources.files("assistant").joinpath("resources/intents.yaml").read_text(encoding="utf-8")
    problems: list[str] = []
    intents = parse_intents(yaml.safe_load(text), "assistant/resources/intents.yaml", problems)
    assert not problems, problems
    return intents


def read_intents(folder: Path, problems: list[str]) -> Intents:
    """The KB folder's intents (defaults for what it does not define), every problem named with its file."""
    base = {r.name: r for r in default_intents().rules}
    path = folder / INTENTS_FILE
    if path.is_file():
        doc, _ = load_yaml(path, problems)
        base.update({r.name: r for r in parse_intents(doc or {}, str(path), problems).rules})
    legacy = folder / LEGACY_FILE
    if legacy.is_file():
        for name, words in _legacy_words(legacy, problems).items():
            rule = base.get(name, IntentRule(name))
            extra = tuple(re.escape(w) for w in words)
            base[name] = IntentRule(name, rule.patterns + extra, rule.unless, rule.examples, rule.ignore)
    return Intents(tuple(base.values()))


def parse_intents(doc: object, where: str, problems: list[str]) -> Intents:
    if not isinstance(doc, dict):
        problems.append(f"{where}: expected a mapping of intents")
        return Intents(())
    rules: list[IntentRule] = []
    vetoes = _vetoes(doc.get(VETOES), where, problems)
    for key, value in doc.items():
        if key == VETOES:
            continue
        if key == "smalltalk" and isinstance(value, dict):
            rules += [_rule(f"smalltalk.{k}", v, where, problems, vetoes) for k, v in value.items()]
        elif key == "emotions" and isinstance(value, dict):
            rules += [_rule(f"emotion.{k}", v, where, problems, vetoes) for k, v in value.items()]
        elif key == "dangers" and isinstance(value, dict):
            rules += [_rule(f"danger.{k}", v, where, problems, vetoes) for k, v in value.items()]
        else:
            rules.append(_rule(str(key), value, where, problems, vetoes))
    known = {*INTENT_NAMES, *(f"emotion.{e}" for e in EMOTIONS), *(f"danger.{d}" for d in DANGERS)}
    for r in rules:
        if r.name not in known:
            problems.append(f"{where}: unknown intent `{r.name}` (known: {', '.join(sorted(known))})")
    return Intents(tuple(r for r in rules if r.name in known))


def _vetoes(value: object, where: str, problems: list[str]) -> dict[str, str]:
    """The named phrases that keep a pattern from applying (``{match: ..., except: name}``)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                              for k, v in value.items()):
        problems.append(f"{where}: `{VETOES}` must map names to regular expressions")
        return {}
    for name, pattern in value.items():
        _check_pattern(pattern, f"{where}: `{VETOES}.{name}`", problems)
    return {k: v.strip() for k, v in value.items()}


def _guarded(item: dict[Any, Any], vetoes: dict[str, str], where: str, problems: list[str]) -> str | None:
    """``{match: M, except: name}``: M, unless the message also has the named veto's phrases anywhere (one veto
    of a veto, written once and named, where patterns used to repeat the same look-ahead)."""
    match, veto = item.get("match"), item.get("except")
    if set(item) != {"match", "except"} or not isinstance(match, str) or not match.strip():
        problems.append(f"{where}: a mapping item needs `match` (a regular expression) and `except` (a veto's name)")
        return None
    if veto not in vetoes:
        problems.append(f"{where}: `except: {veto}` names no entry of `{VETOES}` (known: {', '.join(vetoes)})")
        return None
    return f"^(?!.*({vetoes[veto]})).*({match.strip()})"


def _items(items: object, patterns: bool, vetoes: dict[str, str], where: str, problems: list[str]) -> tuple[str, ...]:
    """A list of non-empty strings; of patterns, also ``{match, except}`` mappings (compiled by _guarded)."""
    also = " (or {match, except} mappings)" if patterns else ""
    wrong = f"{where} must be a list of non-empty strings{also}"
    if not isinstance(items, list):
        problems.append(wrong)
        return ()
    out: list[str] = []
    for item in items:
        if patterns and isinstance(item, dict):
            pattern = _guarded(item, vetoes, where, problems)
            out += [pattern] if pattern else []
        elif isinstance(item, str) and item.strip():
            out.append(item.strip())
        else:
            problems.append(wrong)
            return ()
    return tuple(out)


def _check_pattern(pattern: str, where: str, problems: list[str]) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        problems.append(f"{where}: pattern `{pattern}` is not a valid regular expression ({exc})")


def _rule(name: str, value: object, where: str, problems: list[str], vetoes: dict[str, str]) -> IntentRule:
    if not isinstance(value, dict):
        problems.append(f"{where}: `{name}` must be a mapping with patterns, unless, ignore and examples")
        return IntentRule(name)
    lists: dict[str, tuple[str, ...]] = {}
    for field in ("patterns", "unless", "ignore", "examples"):
        lists[field] = _items(value.get(field) or [], field != "examples", vetoes, f"{where}: `{name}.{field}`",
                              problems)
    for pattern in lists["patterns"] + lists["unless"] + lists["ignore"]:
        _check_pattern(pattern, f"{where}: `{name}`", problems)
    return IntentRule(name, lists["patterns"], lists["unless"], lists["examples"], lists["ignore"])


def _legacy_words(path: Path, problems: list[str]) -> dict[str, tuple[str, ...]]:
    doc = read_mapping(path, problems)
    out: dict[str, tuple[str, ...]] = {}
    for key in ("human", "safety"):
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and str(v).strip() for v in value):
            problems.append(f"{path}: `{key}` must be a list of phrases")
            continue
        out[key] = tuple(str(v).strip() for v in value)
    return out
