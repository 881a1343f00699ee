"""Replay: does the learning loop pay? Questions arrive as traffic in time order; users pick in clarify and agents
resolve tickets as the gold labels say; after each batch a maintainer accepts the suggestions a maintainer would
accept, the index is rebuilt, and coverage at the target precision is measured on a held-out part.

    python scripts/replay.py --dataset ths_faq [--batches 3] [--out reports/replay-ths_faq.json]
    python scripts/replay.py --dataset shipped [--batches 2]

Data: ths_faq = ../shared/benchmarks/ths_faq (kb.jsonl, dev.jsonl; read only). shipped = the KB in kb/ with the
labelled questions of tests/fixtures/eval/kb_questions/*_report.jsonl. Each question goes to the traffic or the
held-out part by the md5 of its text (traffic ~40%, held-out ~60%); "time order" is the md5 order within the traffic.

Simulated people: a user whose answer was wrong rates it 没帮助 and is handed to an agent; a user shown a clarify
list picks the right entry when it is there, otherwise asks for a person; an agent answers a ticket by inserting the
right entry's answer (no right entry: a reply in the agent's own words). The maintainer accepts "add as similar
questions" backed by picks or inserted answers (what it leaves out stays open with its own suggestion, as in the
console), and rejects the rest (on these sets every missing entry is out of scope, so a new entry would only answer
questions nobody should get answered). --labelled measures the variant that keeps a third of the accepted questions,
and the out-of-scope ones, as labelled users' questions (tune/) instead. --reviewed SHARE adds the quality review
sample of the admin console (质检抽样): a reviewer labels that share of all the traffic (by md5, whatever the bot
did with each question) with its entry or none, and the labels become labelled users' questions (tune/reviewed.jsonl)
that the next build calibrates on: an unbiased sample of what users ask, where gaps hold only the failures.

Rebuilds reuse what they can: embeddings of texts seen before are cached across builds (the builder takes any
Embedder), and the index is built in memory without writing versions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
sys.path.insert(0, str(ROOT))

from assistant import index as index_mod  # noqa: E402
from assistant.build import IndexBuilder  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.desk.learning.grouping import DRIFT, JOIN, GapGrouper  # noqa: E402
from assistant.desk.learning.suggest import LABELLED_SHARE, Item, split_labelled, suggest  # noqa: E402
from assistant.engine import Assistant  # noqa: E402
from assistant.engine.embed import load_embedder  # noqa: E402
from assistant.evaluation.run import load_queries, run_queries, summarise  # noqa: E402
from assistant.kb import KnowledgeBase, LabelledQuestion, load_kb  # noqa: E402

AGENT_OWN_WORDS = "agent-own-words"  # an agent's reply that carries no entry's answer (compared, never shown)


class CachedEmbedder:
    """The model, with every text it encoded remembered: a rebuild embeds only the questions it has not seen."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if new:
            for text, vector in zip(new, self.inner.encode(new, batch_size), strict=True):
                self.cache[text] = vector
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)


def md5_share(text: str) -> float:
    return int(hashlib.md5(text.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF


def dataset(name: str, teams: Sequence[str]) -> tuple[KnowledgeBase, list[LabelledQuestion]]:
    if name == "ths_faq":
        return (load_kb(SHARED / "ths_faq" / "kb.jsonl", teams),
                load_queries([SHARED / "ths_faq" / "dev.jsonl"]))
    folder = ROOT / "tests" / "fixtures" / "eval" / "kb_questions"
    return load_kb(ROOT / "kb", teams), load_queries(sorted(folder.glob("*_report.jsonl")))


def split(queries: list[LabelledQuestion], traffic: float) -> tuple[list[LabelledQuestion], list[LabelledQuestion]]:
    seen: set[str] = set()
    unique = [q for q in queries if not (q.query in seen or seen.add(q.query))]  # type: ignore[func-returns-value]
    flow = sorted((q for q in unique if md5_share(q.query) < traffic), key=lambda q: md5_share(q.query))
    return flow, [q for q in unique if md5_share(q.query) >= traffic]


@dataclass
class Loop:
    """The state of the replay: the KB as accepted so far, the gaps, and what each gap holds."""

    kb: KnowledgeBase
    grouper: GapGrouper
    items: dict[int, list[Item]]
    labelled: bool = False  # the variant: a third of the accepted questions and the out-of-scope ones as tune/ examples
    reviewed: float = 0.0  # share of all traffic a reviewer labels (a QA sample) and that becomes tune/ examples
    accepted: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    added: int = 0


def simulate(assistant: Assistant, batch: list[LabelledQuestion]) -> list[Item]:
    """What the people did with each question the bot did not answer right."""
    answers = {e.id: e.answer for e in assistant.data.entries}
    out = []
    replies = assistant.ask_many([q.query for q in batch])
    for q, reply in zip(batch, replies, strict=True):
        gold = q.expected[0] if q.expected else None
        agent = answers[gold] if gold else AGENT_OWN_WORDS
        near = tuple(a.id for a in reply.alternatives)
        if reply.decision == "answer" and reply.answer is not None:
            if reply.answer.id in q.expected:
                continue
            out.append(Item(q.query, "not_helpful", reply.answer.id, reply.intent, agent, reply.team, near))
        elif reply.decision == "clarify" and gold in near:
            out.append(Item(q.query, "picked", gold, reply.intent, None, reply.team, near))
        elif reply.decision in ("clarify", "handoff"):
            out.append(Item(q.query, reply.decision, None, reply.intent, agent, reply.team, near))
    return out


def mine_and_accept(loop: Loop, assistant: Assistant, items: list[Item]) -> None:
    """Group the batch's items into gaps, then act on every gap's suggestion as the maintainer would: accept
    "add as similar questions" backed by picks or inserted answers; mark out of scope a gap that agents answered
    in their own words (no entry answers it on these sets); reject the rest."""
    if items:
        vectors = assistant.embedder.encode([assistant.retriever.prepare(i.question).norm for i in items])
        for item, gap in zip(items, loop.grouper.assign(vectors), strict=True):
            loop.items.setdefault(gap, []).append(item)
    entries = {e.id: e for e in loop.kb.entries}
    answers = {e.id: e.answer for e in loop.kb.entries}
    known = {e.id: set(e.questions) for e in loop.kb.entries}
    tune = list(loop.kb.tune)
    for gap, gap_items in list(loop.items.items()):
        while gap_items:  # what an accepted change leaves out stays open, with its own suggestion (service.py)
            gap_items = accept_one(loop, gap_items, entries, answers, known, tune)
        loop.items[gap] = []
    loop.kb = replace(loop.kb, entries=tuple(entries[e.id] for e in loop.kb.entries), tune=tuple(tune))


def accept_one(loop: Loop, gap_items: list[Item], entries: dict[str, Any], answers: dict[str, str],
               known: dict[str, set[str]], tune: list[LabelledQuestion]) -> list[Item]:
    """Act on a gap's suggestion; returns the items left open."""
    s = suggest(gap_items, answers, known)
    if s.action == "add_similar" and s.strong and s.entry_id in entries:
        similar, labelled = split_labelled(s.questions, 1 / 3 if loop.labelled else LABELLED_SHARE)
        entry = entries[s.entry_id]
        entries[s.entry_id] = entry.model_copy(update={"learned": (*entry.learned, *similar)})
        known[s.entry_id] |= set(s.questions)
        tune += [LabelledQuestion(q, (s.entry_id,), "replay") for q in labelled]
        loop.accepted, loop.added = loop.accepted + 1, loop.added + len(s.questions)
        return [i for i in gap_items if i.question not in s.questions]
    if loop.labelled and s.action == "new_entry" and s.answer == AGENT_OWN_WORDS:
        tune += [LabelledQuestion(i.question, (), "replay") for i in gap_items if i.reply == AGENT_OWN_WORDS]
        loop.out_of_scope += 1
    else:
        loop.rejected += 1
    return []


def measure(assistant: Assistant, held: list[LabelledQuestion]) -> dict[str, Any]:
    """Coverage and precision as the service answers (the build's own thresholds), and coverage at the target
    precision with the threshold picked on the held-out part itself (the benchmark's definition:
    ../shared/benchmarks/README.md), which says how well the confidence orders right before wrong."""
    records = run_queries(assistant, held)
    s = summarise(records, assistant.thresholds.to_dict())
    out = {k: s[k] for k in ("coverage", "answered_precision", "answered", "oos_not_answered", "top1", "thresholds")}
    return out | picked_on_held_out(records, assistant.settings.target_precision)


def picked_on_held_out(records: list[Any], target: float) -> dict[str, float]:
    """Answer every question whose confidence reaches t (its first-ranked entry); the lowest t whose answers are
    right at the target precision, and the share of answerable questions it answers right."""
    asked = [r for r in records if not r.by_rule]
    order = sorted(asked, key=lambda r: -r.confidence)
    right = np.cumsum([r.in_scope and r.rank == 1 for r in order])
    precision = right / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(precision >= target)
    n = int(ok[-1]) + 1 if len(ok) else 0
    in_scope = sum(r.in_scope for r in records)
    return {"coverage_at_target": round(float(right[n - 1]) / in_scope, 4) if n else 0.0,
            "threshold_at_target": round(order[n - 1].confidence, 4) if n else 1.0}


def build(builder: IndexBuilder, kb: KnowledgeBase, settings: Settings) -> tuple[Assistant, float]:
    started = time.perf_counter()
    data = builder.build(kb, None, publish=False).data
    return Assistant(data, builder.embedder, settings), time.perf_counter() - started


def start(name: str, kb: KnowledgeBase, held: list[LabelledQuestion], builder: IndexBuilder,
          settings: Settings) -> tuple[Assistant, dict[str, Any]]:
    """Round 0: the KB as shipped, built and measured once and kept under the cache folder (every run starts from
    the same index, and a rerun skips the first build)."""
    root = settings.cache_dir / "replay" / f"{name}-{kb.sha256[:12]}"
    row_file = root / "round0.json"
    current = index_mod.current(root)
    if current is not None and row_file.exists():
        data = index_mod.load(current, builder.embedder.name, builder.embedder.dimension)
        return Assistant(data, builder.embedder, settings), json.loads(row_file.read_text("utf-8"))
    started = time.perf_counter()
    result = builder.build(kb, root)
    assistant = Assistant(result.data, builder.embedder, settings)
    row = {"round": 0, "traffic_seen": 0, "questions": kb.question_count,
           "build_s": round(time.perf_counter() - started, 1), **measure(assistant, held)}
    row_file.write_text(json.dumps(row), "utf-8")
    return assistant, row


def replay(name: str, batches: int, traffic: float, labelled: bool = False, join: float = JOIN,
           drift: bool = DRIFT, reviewed: float = 0.0) -> dict[str, Any]:
    settings = Settings().model_copy(update={"selftest_floor": 0.0})
    embedder = CachedEmbedder(load_embedder(settings))
    kb, queries = dataset(name, settings.teams)
    flow, held = split(queries, traffic)
    builder = IndexBuilder(settings, embedder, progress=False)  # type: ignore[arg-type]
    assistant, first = start(name, kb, held, builder, settings)
    rows = [first]
    print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    loop = Loop(kb, GapGrouper([], [], join, dimension=embedder.dimension, drift=drift), {}, labelled, reviewed)
    size = -(-len(flow) // batches)
    for n in range(batches):
        batch = flow[n * size : (n + 1) * size]
        sample = [q for q in batch if md5_share("review:" + q.query) < loop.reviewed]
        loop.kb = replace(loop.kb, tune=(*loop.kb.tune, *(LabelledQuestion(q.query, q.expected, "review")
                                                          for q in sample)))
        mine_and_accept(loop, assistant, simulate(assistant, batch))
        assistant, seconds = build(builder, loop.kb, settings)
        rows.append({"round": n + 1, "traffic_seen": min(len(flow), (n + 1) * size),
                     "questions": loop.kb.question_count, "build_s": round(seconds, 1), "accepted": loop.accepted,
                     "out_of_scope": loop.out_of_scope, "rejected": loop.rejected, "tune": len(loop.kb.tune),
                     "added": loop.added, "gaps": len(loop.grouper.counts),
                     **measure(assistant, held)})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return {"dataset": name, "labelled": labelled, "reviewed": reviewed, "join": join, "drift": drift,
            "traffic": len(flow),
            "held_out": len(held), "held_out_in_scope": sum(q.in_scope for q in held), "rounds": rows}


def table(result: dict[str, Any]) -> str:
    head = ("| round | traffic seen | KB questions | labelled (tune) | accepted / out of scope / rejected | coverage | "
            "answered precision | out of scope not answered | coverage at 0.95 (threshold on held-out) | build s |\n"
            "|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in result["rounds"]:
        lines.append(f"| {r['round']} | {r['traffic_seen']} | {r['questions']} | {r.get('tune', 0)} | "
                     f"{r.get('accepted', 0)} / {r.get('out_of_scope', 0)} / {r.get('rejected', 0)} | "
                     f"{r['coverage']:.3f} | {r['answered_precision']:.3f} | "
                     f"{r['oos_not_answered']:.3f} | {r['coverage_at_target']:.3f} | {r['build_s']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=("ths_faq", "shipped"), default="ths_faq")
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--traffic", type=float, default=0.4, help="share of the questions fed as traffic")
    parser.add_argument("--labelled", action="store_true",
                        help="the variant: a third of the accepted questions, and the questions of gaps marked out of "
                        "scope (expected null), become labelled users' questions (tune/) instead of similar ones")
    parser.add_argument("--reviewed", type=float, default=0.0,
                        help="share of the traffic a reviewer labels (a QA sample): labelled users' questions (tune/)")
    parser.add_argument("--join", type=float, default=JOIN, help="gap join threshold (grouping.py)")
    parser.add_argument("--drift", action="store_true", help="gaps centred on the running mean of their questions "
                        "instead of their first question")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result = replay(args.dataset, args.batches, args.traffic, labelled=args.labelled, join=args.join,
                    drift=args.drift or DRIFT, reviewed=args.reviewed)
    print(table(result))
    out = args.out or ROOT / "reports" / f"replay-{args.dataset}{'-labelled' if args.labelled else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
