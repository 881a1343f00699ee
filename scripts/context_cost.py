"""What reading follow-ups in their conversation costs the engine: CPU a question, model characters a question.

    python scripts/context_cost.py [--index .cache/bench/index-10000-onnx-int8] [--questions 300] [--rounds 4]

Conversations of 5 ths_faq dev questions each (as bench_serve's clients ask them), each message answered with the
ones before it (Assistant.ask_batch, as the ask lane does), on a fresh Assistant (empty caches) per round. Four
ways alternate round by round in one process, so that a shared machine's load moves all: ``whole``, every reading
in context run through the model as one text (before context.compose); ``composed, all reread``, a composed vector
and the whole text whenever that reading is not confident (before assistant.REREAD_CHARS); and ``composed``, the
default (the whole text only for a long follow-up whose composed reading is not confident); and, for the
record, ``alone``: the same questions with no conversation (nothing read in context). Prints the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


class CountedModel:
    """The real model, counting what it is given to read."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.texts = self.chars = 0

    def encode(self, texts: list[str], batch_size: int = 32) -> Any:
        self.texts += len(texts)
        self.chars += sum(map(len, texts))
        return self.inner.encode(texts, batch_size)


def one_round(base: Any, questions: list[str], way: str) -> dict[str, float]:
    from assistant.engine import Ask, Assistant
    from assistant.engine.context import PriorTurn, Reading

    model = CountedModel(base.embedder)
    assistant = Assistant(base.data, model, base.settings)
    in_context = assistant._in_context
    if way == "whole":  # the contextual text without its parts: the model reads it as one text

        def whole_reading(text: str, prior: Any, alone: Any) -> Reading | None:
            reading = in_context(text, prior, alone)
            return None if reading is None else Reading(reading.text)

        assistant._in_context = whole_reading  # type: ignore[method-assign]
    elif way == "composed, all reread":  # every unsure composed reading read again whole, short follow-ups too

        def reread_reading(text: str, prior: Any, alone: Any) -> Reading | None:
            reading = in_context(text, prior, alone)
            return None if reading is None else replace(reading, reread=True)

        assistant._in_context = reread_reading  # type: ignore[method-assign]
    model.texts = model.chars = 0
    t0 = time.process_time()
    for start in range(0, len(questions), 5):
        prior: list[PriorTurn] = []
        for q in questions[start:start + 5]:
            reply = assistant.ask_batch([Ask(q, prior=tuple(prior) if way != "alone" else ())])[0]
            assert not isinstance(reply, Exception)
            prior.append(PriorTurn(q, reply.decision, reply.answer.id if reply.answer else None))
    n = len(questions)
    return {"cpu_ms": (time.process_time() - t0) * 1e3 / n, "model_texts": model.texts / n,
            "model_chars": model.chars / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / ".cache" / "bench" / "index-10000-onnx-int8",
                        help="an index root (make bench-serve builds this one)")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    from bench import dev_queries

    from assistant.config import Settings
    from assistant.engine import Assistant

    base = Assistant.from_index(args.index / "current", Settings())
    questions = dev_queries()[:args.questions]
    rounds: dict[str, list[dict[str, float]]] = {"whole": [], "composed, all reread": [], "composed": [],
                                                  "alone": []}
    for _ in range(args.rounds):
        for way in rounds:
            rounds[way].append(one_round(base, questions, way))
    print("| reading in context | engine CPU ms a question | model runs a question | model characters a question |")
    print("|---|---|---|---|")
    for way, done in rounds.items():
        med = {k: statistics.median(r[k] for r in done) for k in done[0]}
        print(f"| {way} | {med['cpu_ms']:.2f} | {med['model_texts']:.2f} | {med['model_chars']:.1f} |")
    print(json.dumps({w: [{k: round(v, 3) for k, v in r.items()} for r in d] for w, d in rounds.items()}))


if __name__ == "__main__":
    main()
