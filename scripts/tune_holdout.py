"""Held-out figures on the KB's own users' questions (kb/tune/*.jsonl), which the build learns from.

The tune questions are split in two halves by md5 of the text; each half is measured on a build that learned from
the other half only (and the KB), so the questions measured were never trained on. The report part of the labelled
set (tests/fixtures/eval/kb_questions/*_report.jsonl) is not read.

    python scripts/tune_holdout.py                # end to end: two builds, the service's decisions (minutes)
    python scripts/tune_holdout.py --quick        # the fitted models only, on cached build examples (seconds
                                                  # after the first run): answer = confidence over threshold
    python scripts/tune_holdout.py --quick --set tune_share=0.7   # a build setting changed (FAQ_... names)
    python scripts/tune_holdout.py --errors       # end to end, with each held-out question not answered right

Figures: the held-out halves pooled, all tune files and the first two (part_a/part_b) apart; end to end, also the
coverage at precision 0.97 and 0.98 with one threshold over the pooled confidences, which does not move with the
thresholds each build picked (two KBs compared at the same precision).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import index as index_mod  # noqa: E402
from assistant.build import IndexBuilder  # noqa: E402
from assistant.build import adapter as adapter_mod  # noqa: E402
from assistant.build.calibrate import CROSS_FOLDS, Calibrator, CrossFitter, folds  # noqa: E402
from assistant.build.examples import Example  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.engine import Assistant  # noqa: E402
from assistant.engine.embed import load_embedder  # noqa: E402
from assistant.engine.features import ranker_columns  # noqa: E402
from assistant.engine.logistic import Logistic  # noqa: E402
from assistant.engine.rank import CALIBRATION_FEATURES, rank  # noqa: E402
from assistant.evaluation.baselines import Baseline, PlainBm25, PlainDense  # noqa: E402
from assistant.evaluation.run import coverage_at, run_queries, summarise  # noqa: E402
from assistant.index import KbText  # noqa: E402
from assistant.kb import KnowledgeBase, LabelledQuestion, kb_checksum, load_kb  # noqa: E402
from assistant.kb.labelled import TUNE_FOLDER, read_labelled, tune_files  # noqa: E402
from assistant.text import JiebaSegmenter, Normalizer  # noqa: E402

ORIGINAL = ("part_a.jsonl", "part_b.jsonl")  # the tune files before issue 20's written questions


def half(text: str) -> int:
    return int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16) % 2


@dataclass(frozen=True)
class Tagged:
    question: LabelledQuestion
    file: str

    @property
    def half(self) -> int:
        return half(self.question.query)


def tagged_questions(kb_dir: Path) -> list[Tagged]:
    problems: list[str] = []
    out = [Tagged(q, f.name) for f in tune_files(kb_dir) for q in read_labelled(f, problems)]
    if problems:
        raise SystemExit("; ".join(problems[:5]))
    return out


def kb_without(kb_dir: Path, work: Path, keep: list[Tagged]) -> Path:
    """A copy of the KB whose tune folder holds only ``keep``."""
    folder = work / "kb"
    shutil.copytree(kb_dir, folder, ignore=shutil.ignore_patterns(TUNE_FOLDER))
    (folder / TUNE_FOLDER).mkdir()
    with (folder / TUNE_FOLDER / "train.jsonl").open("w", encoding="utf-8") as f:
        for t in keep:
            expected = list(t.question.expected) if t.question.expected else None
            f.write(json.dumps({"query": t.question.query, "expected": expected}, ensure_ascii=False) + "\n")
    return folder


def table(rows: dict[str, dict[str, Any]]) -> str:
    keys = ("queries", "in_scope", "top1", "recall@3", "coverage", "answered_precision", "oos_not_answered", "ece",
            "handoff_right_first")
    lines = ["| set | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, r in rows.items():
        lines.append(f"| {name} | " + " | ".join(str(r.get(k, "")) for k in keys) + " |")
    return "\n".join(lines)


# ---- end to end ----------------------------------------------------------------------------------------------

def full(kb_dir: Path, settings: Settings, baselines: bool, errors: bool = False) -> None:
    embedder = load_embedder(settings)
    compared: dict[str, list[Any]] = {}
    tagged = tagged_questions(kb_dir)
    records: dict[int, list[Any]] = {}
    thresholds = {}
    for h in (0, 1):
        with tempfile.TemporaryDirectory(prefix="tune-holdout-") as work:
            folder = kb_without(kb_dir, Path(work), [t for t in tagged if t.half != h])
            kb = load_kb(folder, settings.teams)
            lenient = settings.model_copy(update={"selftest_floor": 0.0})
            result = IndexBuilder(lenient, embedder, progress=False).build(kb, Path(work) / "index")
            assert result.version is not None
            assistant = Assistant.from_index(result.version, settings, embedder)
            thresholds[h] = assistant.thresholds.to_dict()
            test = [t.question for t in tagged if t.half == h]
            records[h] = run_queries(assistant, test)
            if errors:
                show_lost(assistant, test, records[h])
            if baselines:  # BM25 and plain dense, calibrated on the same training half
                for name, scorer in (("bm25", PlainBm25(kb, Normalizer())),
                                     ("dense", PlainDense(kb, embedder, Normalizer()))):
                    compared.setdefault(name, []).extend(Baseline(kb, scorer, settings).records(test))
        print(f"half {h} held out: thresholds {thresholds[h]}", flush=True)
    held = [t for h in (0, 1) for t in tagged if t.half == h]
    pooled = records[0] + records[1]
    rows = {"all (pooled)": summarise(pooled, {})}
    rows["part_a+b"] = summarise([r for r, t in zip(pooled, held, strict=True) if t.file in ORIGINAL], {})
    rows["written"] = summarise([r for r, t in zip(pooled, held, strict=True) if t.file not in ORIGINAL], {})
    for h in (0, 1):
        rows[f"half {h}"] = summarise(records[h], {})
    rows.update({f"{name} (pooled)": summarise(r, {}) for name, r in compared.items()})
    print(table(rows))
    for target in (0.97, 0.98):
        print(f"one threshold over the pooled confidences, precision >= {target}: coverage, threshold "
              f"{coverage_at(pooled, target)}; part_a+b "
              f"{coverage_at([r for r, t in zip(pooled, held, strict=True) if t.file in ORIGINAL], target)}")


def show_lost(assistant: Assistant, questions: list[Any], records: list[Any]) -> None:
    """Each held-out question the service does not answer right: in scope and not answered with an expected entry
    (the decision, the intent that took it, whether the right entry was first, and why), or out of scope and
    answered."""
    for q, r in zip(questions, records, strict=True):
        if r.in_scope and r.answered_id in q.expected or not r.in_scope and r.decision != "answer":
            continue
        reply = assistant.ask(q.query)
        where = "no entry answers it" if not r.in_scope else "right entry first" if r.rank == 1 else \
            f"right entry at {r.rank}" if r.rank else "right entry not ranked"
        tag = f"answered {r.answered_id}" if r.decision == "answer" else f"{reply.decision}/{reply.intent}"
        print(f"{tag}, {reply.confidence:.2f}, {where} | {q.query} | {reply.reason}", flush=True)


# ---- quick: the fitted models on cached build examples ---------------------------------------------------------

@dataclass
class Cached:
    kb: KnowledgeBase
    base: Any
    kb_examples: list[Example]
    user_examples: list[Example]


def build_examples(kb_dir: Path, settings: Settings) -> Cached:
    """What a build's calibration learns from: the KB's cross-fitted examples and every tune question asked through
    the final adapter (which never sees them)."""
    cache = settings.cache_dir / "tune_holdout" / f"{kb_checksum(kb_dir)[:16]}-{settings.seed}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())  # noqa: S301 (our own cache)
    kb = load_kb(kb_dir, settings.teams)
    embedder = load_embedder(settings)
    builder = IndexBuilder(settings, embedder, progress=False)
    normalizer = Normalizer()
    segmenter = JiebaSegmenter(kb.dict_terms, kb.synonyms)
    text = KbText.read(kb, normalizer, segmenter)
    raw = builder._encode(list(text.texts), "")
    manifest = index_mod.new_manifest(kb.source, kb.sha256, len(kb.entries), kb.question_count, embedder.name,
                                      embedder.dimension, "flat")
    base = index_mod.assemble(kb, raw, normalizer, segmenter, manifest, "flat", settings.hnsw_min_vectors, text)
    fold = folds(base)
    _, (*fold_matrices, matrix) = adapter_mod.fit_early_stopped(
        raw, base.question_entry, [fold != f for f in range(CROSS_FOLDS)] + [None],
        adapter_mod.AdapterConfig(seed=settings.seed))
    fitter = CrossFitter(settings, normalizer, segmenter, builder._encode, progress=False)
    cached = Cached(kb, replace(base, faiss=None), fitter.examples(base, raw, fold, fold_matrices),
                    fitter.user_examples(kb, base, raw, matrix))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(cached))
    return cached


def decide(kb: KnowledgeBase, calibration: Any, examples: list[Example]) -> dict[str, np.ndarray]:
    """The fitted models' pick and confidence, answered when over the (sensitive) threshold."""
    c = calibration
    ranker, scorer = Logistic.from_dict(c.ranker), Logistic.from_dict(c.scorer)
    calibrator = Logistic.from_dict(c.calibrator)
    rcols, scols = ranker_columns(c.ranker["features"]), ranker_columns(c.scorer["features"])
    ccols = [CALIBRATION_FEATURES.index(n) for n in c.calibrator["features"]]
    t = c.thresholds
    top1, p, answered, top3, tops = [], [], [], [], []
    for ex in examples:
        order, inputs = rank(ranker.logit(ex.features[:, rcols]), scorer.logit(ex.features[:, scols]), ex.features,
                             ex.n_words)
        ranked = ex.entries[order]
        top = int(ranked[0]) if len(ranked) else -1
        tops.append(top)
        conf = float(calibrator.proba(inputs[None, ccols])[0]) if len(ranked) else 0.0
        sensitive = top >= 0 and kb.entries[top].risk == "sensitive"
        top1.append(top in ex.golds)
        top3.append(bool(set(ex.golds) & set(ranked[:3].tolist())))
        p.append(conf)
        answered.append(conf >= (t["answer_sensitive"] if sensitive else t["answer"]))
    return {"top1": np.array(top1), "top3": np.array(top3), "p": np.array(p), "answered": np.array(answered),
            "inscope": np.array([bool(ex.golds) for ex in examples]), "tops": np.array(tops)}


def quick_figures(d: dict[str, np.ndarray]) -> dict[str, Any]:
    from assistant.build.calibrate import expected_calibration_error

    ins, ans, right = d["inscope"], d["answered"], d["top1"] & d["answered"]
    return {"queries": len(ins), "in_scope": int(ins.sum()), "top1": round(float(d["top1"][ins].mean()), 4),
            "recall@3": round(float(d["top3"][ins].mean()), 4), "coverage": round(float(right[ins].mean()), 4),
            "answered_precision": round(float(right.sum() / max(ans.sum(), 1)), 4),
            "oos_not_answered": round(float(1 - ans[~ins].mean()), 4) if (~ins).any() else 1.0,
            "ece": round(expected_calibration_error(d["p"], d["top1"].astype(float)), 4),
            "handoff_right_first": round(float((d["top1"] & ~ans)[ins].mean()), 4)}


def show_errors(kb: KnowledgeBase, tagged: list[Tagged], d: dict[str, np.ndarray]) -> None:
    """The held-out tune questions lost: a wrong pick (answered or not), a right pick handed off."""
    for n, t in enumerate(tagged):
        right, ans, top = bool(d["top1"][n]), bool(d["answered"][n]), int(d["tops"][n])
        if (right and ans) or (not t.question.in_scope and not ans):
            continue
        kind = "WRONG-ANSWERED" if ans else ("shy" if right else "wrong")
        pick = kb.entries[top].id if top >= 0 else "-"
        print(f"{kind:14} {d['p'][n]:.2f} {t.question.query} | {','.join(t.question.expected) or 'null'} | {pick}")


def quick(kb_dir: Path, settings: Settings, errors: bool = False, train_files: tuple[str, ...] = ()) -> None:
    cached = build_examples(kb_dir, settings)
    tagged = tagged_questions(kb_dir)
    assert len(tagged) == len(cached.user_examples)
    parts: dict[str, list[dict[str, np.ndarray]]] = {"all (pooled)": [], "part_a+b": [], "written": []}
    for h in (0, 1):
        train = [i for i, t in enumerate(tagged) if t.half != h and (not train_files or t.file in train_files)]
        test = [i for i, t in enumerate(tagged) if t.half == h]
        kb = replace(cached.kb, tune=tuple(tagged[i].question for i in train))
        calibration, _, _ = Calibrator(settings).fit(kb, cached.base,
                                                     cached.kb_examples + [cached.user_examples[i] for i in train])
        print(f"half {h} held out: thresholds {calibration.thresholds}", flush=True)
        for name, rows in (("all (pooled)", test), ("part_a+b", [i for i in test if tagged[i].file in ORIGINAL]),
                           ("written", [i for i in test if tagged[i].file not in ORIGINAL])):
            if rows:
                parts[name].append(decide(kb, calibration, [cached.user_examples[i] for i in rows]))
        if errors:
            show_errors(kb, [tagged[i] for i in test], decide(kb, calibration, [cached.user_examples[i] for i in test]))
    print(table({k: quick_figures({f: np.concatenate([d[f] for d in v]) for f in v[0]})
                 for k, v in parts.items() if v}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=ROOT / "kb")
    parser.add_argument("--quick", action="store_true", help="the fitted models only, on cached build examples")
    parser.add_argument("--baselines", action="store_true", help="BM25 and plain dense beside (end to end)")
    parser.add_argument("--errors", action="store_true", help="list the held-out questions lost")
    parser.add_argument("--train-files", nargs="*", default=[], help="learn only from these tune files (--quick)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a build setting")
    args = parser.parse_args()
    settings = Settings(**dict(s.split("=", 1) for s in args.set))  # type: ignore[arg-type]
    if args.quick:
        quick(args.kb, settings, args.errors, tuple(args.train_files))
    else:
        full(args.kb, settings, args.baselines, args.errors)


if __name__ == "__main__":
    main()
