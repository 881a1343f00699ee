"""How many of the ths_faq KB's questions are feedback in form, and which of them the collector takes.

Issue 16 asks that at most 1% of ths_faq's questions be taken as feedback, and also that a crash report the KB
answers be answered *and* recorded. ths_faq is a securities app's help desk, and many of its questions are reports
of a fault (今天你们的全景500档有问题都不刷新了, 手机版经常出现连接失败). A helper that never saw the collector's output
labelled each of the ths_faq KB's 1,620 texts (the entries' questions and similar questions, in file order) as a
product team would: bug, complaint, feature_request, praise or none (tests/fixtures/eval/feedback/ths_faq_kb_shape.jsonl
holds the entry id, the text's position and the label, not the text: the benchmark is read from ../shared, never
copied). This script asks each text alone through an index, as `assistant eval --feedback` does, and splits the
texts taken as feedback by that label: the ones labelled none are ordinary questions taken for feedback.

    python scripts/feedback_shape.py --index .cache/eval/<kb>/current [--shared ../shared/benchmarks] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.engine.assistant import Assistant  # noqa: E402
from assistant.evaluation.feedback import taken_as_feedback  # noqa: E402

LABELS = ROOT / "tests" / "fixtures" / "eval" / "feedback" / "ths_faq_kb_shape.jsonl"


def labelled_texts(shared: Path) -> list[tuple[str, str]]:
    """(text, label) for each of the ths_faq KB's texts, the labels matched to the texts by entry and position."""
    entries = {e["id"]: [e["question"], *e["similar"]] for line in
               (shared / "ths_faq" / "kb.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()
               for e in [json.loads(line)]}
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(rows) != sum(len(t) for t in entries.values()):
        raise SystemExit(f"{LABELS}: {len(rows)} labels for {sum(len(t) for t in entries.values())} texts")
    return [(entries[r["id"]][r["n"]], r["label"]) for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True, type=Path)
    ap.add_argument("--kb", default="kb")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "benchmarks"), type=Path)
    ap.add_argument("--show", action="store_true", help="print the texts taken, with their label")
    args = ap.parse_args()
    texts = labelled_texts(args.shared)
    bot = Assistant.from_index(args.index, Settings(kb_dir=Path(args.kb), answer_cache_size=0))
    replies = taken_as_feedback(bot, [t for t, _ in texts])
    taken = [(t, label) for (t, label), r in zip(texts, replies, strict=True) if r is not None and r.feedback]
    shape = Counter("feedback" if label != "none" else "none" for _, label in texts)
    got = Counter("feedback" if label != "none" else "none" for _, label in taken)
    n = len(texts)
    print(json.dumps({
        "texts": n, "labelled_feedback": shape["feedback"], "labelled_none": shape["none"],
        "taken": f"{len(taken)} ({len(taken) / n:.2%})",
        "taken_labelled_feedback": got["feedback"],
        "taken_labelled_none": f"{got['none']} ({got['none'] / n:.2%} of all, {got['none'] / max(shape['none'], 1):.2%}"
                               " of the questions)",
        "recall_of_labelled_feedback": round(got["feedback"] / max(shape["feedback"], 1), 4),
    }, ensure_ascii=False, indent=1))
    if args.show:
        for t, label in taken:
            print(f"{label}\t{t}")


if __name__ == "__main__":
    main()
