"""Measure the rule that groups unanswered questions into gaps (assistant/desk/learning/grouping.py): online
assignment to the nearest gap centroid when the cosine reaches a threshold.

    python scripts/gap_threshold.py [--thresholds 0.8 0.83 0.86 0.89 0.92]

On the tune part of ths_faq dev (md5 share < 0.4, the replay's traffic part; the report part is never looked at),
questions in time (md5) order: pairs of one gap that share their gold entry (pair precision), pairs of one gold
entry that share a gap (pair recall), and gaps per gold entry. A maintainer reads one gap as one topic, so
precision matters more than recall: a topic split in two is two suggestions, two topics merged is a wrong one.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from replay import SHARED, split  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.desk.learning.grouping import GapGrouper  # noqa: E402
from assistant.engine.embed import load_embedder  # noqa: E402
from assistant.engine.query import QueryPreparer  # noqa: E402
from assistant.evaluation.run import load_queries  # noqa: E402
from assistant.text import JiebaSegmenter, Normalizer  # noqa: E402


def pairs(groups: list[int], labels: list[str]) -> tuple[float, float]:
    same_gap = Counter(groups)
    same_both = Counter(zip(groups, labels, strict=True))
    same_label = Counter(labels)
    both = sum(n * (n - 1) / 2 for n in same_both.values())
    gap_pairs = sum(n * (n - 1) / 2 for n in same_gap.values())
    label_pairs = sum(n * (n - 1) / 2 for n in same_label.values())
    return both / max(gap_pairs, 1), both / max(label_pairs, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.8, 0.83, 0.86, 0.89, 0.92])
    args = parser.parse_args()
    settings = Settings()
    flow, _ = split(load_queries([SHARED / "ths_faq" / "dev.jsonl"]), 0.4)
    flow = [q for q in flow if q.in_scope]
    read = QueryPreparer(Normalizer(), JiebaSegmenter((), {}), {}, {})
    vectors = load_embedder(settings).encode([read.prepare(q.query).norm for q in flow])
    labels = [q.expected[0] for q in flow]
    print(f"{len(flow)} questions of {len(set(labels))} entries")
    print("| rule | join | gaps | pair precision | pair recall | gaps per entry |\n|---|---|---|---|---|---|")
    for drift in (True, False):
        for join in args.thresholds:
            groups = GapGrouper([], [], join, dimension=vectors.shape[1], drift=drift).assign(vectors)
            p, r = pairs(groups, labels)
            per = len(set(zip(groups, labels, strict=True))) / len(set(labels))
            rule = "centroid (mean)" if drift else "leader (first question)"
            print(f"| {rule} | {join} | {len(set(groups))} | {p:.3f} | {r:.3f} | {per:.2f} |")


if __name__ == "__main__":
    main()
