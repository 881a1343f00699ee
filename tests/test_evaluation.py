"""Labelled questions with several right entries (or none), the figures over them, and the baselines beside the
project, on the fixture KB with the hashing embedder (a real build, in seconds)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.build import IndexBuilder
from assistant.build.calibrate import kind_weights
from assistant.config import Settings
from assistant.engine import Assistant
from assistant.errors import AssistantError, KBError
from assistant.evaluation.baselines import Baseline, PlainBm25, PlainDense, compare, table
from assistant.evaluation.run import Record, coverage_at, first_rank, load_queries, summarise
from assistant.kb import KnowledgeBase, LabelledQuestion, kb_checksum, load_kb, parse_expected
from assistant.testing import HashingEmbedder
from assistant.text import Normalizer
from tests.conftest import FIXTURE_KB


def write_lines(path: Path, rows: list[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def test_expected_is_an_id_a_list_of_ids_or_null(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "q.jsonl", [
        {"query": "密码忘了", "expected": "account-password-reset-phone"},
        {"query": "封号了去哪申诉", "expected": ["account-unban-appeal", "community-appeal-how"]},
        "",
        {"query": "今天天气怎么样", "expected": None},
        {"query": "没有标注"},
    ])
    questions = load_queries([path])
    assert [q.expected for q in questions] == [
        ("account-password-reset-phone",), ("account-unban-appeal", "community-appeal-how"), (), ()]
    assert [q.in_scope for q in questions] == [True, True, False, False]
    assert questions[1].source == f"{path}:2" and questions[2].source == f"{path}:4"


@pytest.mark.parametrize("bad", [{"query": "x", "expected": []}, {"query": "x", "expected": 3},
                                 {"query": "x", "expected": ["a", ""]}, {"query": "", "expected": "a"},
                                 {"expected": "a"}, "not json"])
def test_a_bad_line_is_named_with_its_file_and_line(tmp_path: Path, bad: object) -> None:
    path = write_lines(tmp_path / "q.jsonl", [{"query": "密码忘了", "expected": "a"}, bad])
    with pytest.raises(AssistantError, match=r"q.jsonl:2: "):
        load_queries([path])


def test_parse_expected_keeps_the_order_and_drops_repeats() -> None:
    assert parse_expected([" b", "a", "b"]) == ("b", "a")
    assert parse_expected(None) == ()


def record(expected: tuple[str, ...], decision: str, answered: str | None, rank: int, confidence: float,
           by_rule: bool = False) -> Record:
    return Record(expected=expected, decision=decision, answered_id=answered, rank=rank, confidence=confidence,
                  clarify_hit=None, latency_ms=1.0, by_rule=by_rule)


def test_any_expected_entry_is_right() -> None:
    assert first_rank(["c", "b", "a"], ("a", "b")) == 2
    assert first_rank(["c"], ("a",)) == 0
    records = [
        record(("a", "b"), "answer", "b", 1, 0.9),  # the second of two right entries, answered: right
        record(("a",), "answer", "c", 2, 0.8),  # answered wrong
        record(("a",), "handoff", None, 1, 0.2),  # right entry first, handed off by the confidence
        record(("d",), "handoff", None, 1, 0.9, by_rule=True),  # handed off by a rule: not counted as shy
        record(("e",), "handoff", "e", 1, 0.95, by_rule=True),  # to the safety team, the right steps shown
        record((), "answer", "c", 0, 0.7),  # out of scope, answered
        record((), "handoff", None, 0, 0.1),
    ]
    s = summarise(records, {"answer": 0.5})
    assert (s["in_scope"], s["out_of_scope"]) == (5, 2)
    assert s["top1"] == 0.8 and s["recall@3"] == 1.0
    assert s["answered_precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["coverage"] == 0.2 and s["handed_off_with_the_right_steps"] == 0.2
    assert s["oos_not_answered"] == 0.5
    assert s["handoff_right_first"] == 0.2


def test_the_tune_folder_is_part_of_the_kb(tmp_path: Path) -> None:
    kb_dir = shutil.copytree(FIXTURE_KB, tmp_path / "kb")
    before = kb_checksum(kb_dir)
    assert load_kb(kb_dir).tune == ()
    write_lines(kb_dir / "tune" / "users.jsonl", [
        {"query": "密码记不住了咋弄", "expected": "account-password-reset-phone"},
        {"query": "外卖在哪点", "expected": None},
    ])
    kb = load_kb(kb_dir)
    assert [q.expected for q in kb.tune] == [("account-password-reset-phone",), ()]
    assert kb_checksum(kb_dir) != before  # a build learns from them, so they are part of what an index is of
    write_lines(kb_dir / "tune" / "users.jsonl", [{"query": "随便问问", "expected": ["no-such-entry"]}])
    with pytest.raises(KBError) as err:
        load_kb(kb_dir)
    assert err.value.problems == [f"{kb_dir / 'tune' / 'users.jsonl'}:1: unknown entry id `no-such-entry`"]


def test_users_questions_weigh_their_share_of_each_class() -> None:
    settings = Settings(tune_share=0.5, unanswerable_share=0.1, offdomain_share=0.2)
    alone = kind_weights({"in": 100, "oos": 100, "probe": 50}, settings)
    assert alone["in"] == 1.0  # a KB without users' questions is weighted as before
    assert alone["oos"] * 100 == pytest.approx(100 * 0.1 / 0.7)
    assert alone["probe"] * 50 == pytest.approx(100 * 0.2 / 0.7)
    mixed = kind_weights({"in": 100, "oos": 100, "probe": 50, "user": 20, "user_oos": 4}, settings)
    assert mixed["user"] * 20 == pytest.approx(mixed["in"] * 100)  # half the in-scope weight each
    assert mixed["user_oos"] * 4 == pytest.approx(mixed["oos"] * 100)
    assert mixed["in"] * 100 + mixed["user"] * 20 == pytest.approx(100)  # the classes keep their priors
    assert mixed["probe"] == alone["probe"]


@pytest.fixture(scope="module")
def hashed(settings: Settings, fixture_kb: KnowledgeBase) -> Assistant:
    embedder = HashingEmbedder()
    data = IndexBuilder(settings, embedder, progress=False).build(fixture_kb).data
    return Assistant(data, embedder, settings)


def labelled(kb: KnowledgeBase) -> list[LabelledQuestion]:
    """Each entry's standard question (in scope) and two questions no entry answers."""
    questions = [LabelledQuestion(e.question, (e.id,), "kb") for e in kb.entries]
    return questions + [LabelledQuestion(q, (), "none") for q in ("今天天气怎么样", "我想在平台上开一家网店")]


@pytest.mark.parametrize("kind", ["bm25", "dense"])
def test_a_baseline_ranks_the_kb_own_questions_first(settings: Settings, fixture_kb: KnowledgeBase,
                                                     kind: str) -> None:
    scorer = PlainBm25(fixture_kb, Normalizer()) if kind == "bm25" else PlainDense(fixture_kb, HashingEmbedder(),
                                                                                   Normalizer())
    baseline = Baseline(fixture_kb, scorer, settings)
    assert 0.0 < baseline.threshold <= 1.0
    records = baseline.records(labelled(fixture_kb))
    inscope = [r for r in records if r.in_scope]
    assert all(r.rank == 1 for r in inscope)  # a question that is in the KB finds itself
    assert all(r.decision in ("answer", "handoff") for r in records)
    assert all(0.0 <= r.confidence <= 1.0 for r in records)
    # answered when the calibrated confidence reaches the baseline's own threshold
    assert all((r.decision == "answer") == (r.confidence >= baseline.threshold) for r in inscope)


def test_bm25_does_not_rank_entries_without_a_shared_word(settings: Settings, fixture_kb: KnowledgeBase) -> None:
    baseline = Baseline(fixture_kb, PlainBm25(fixture_kb, Normalizer()), settings)
    ranking = baseline.rank(["直播权限", "xyzzy"], [(0, 0), (0, 0)])
    assert 0 < len(ranking.order(0)) < len(fixture_kb.entries)
    assert len(ranking.order(1)) == 0


def test_leaving_a_question_out_scores_as_if_it_were_absent(settings: Settings, fixture_kb: KnowledgeBase) -> None:
    baseline = Baseline(fixture_kb, PlainDense(fixture_kb, HashingEmbedder(), Normalizer()), settings)
    first = fixture_kb.entries[0]
    whole = baseline.rank([first.question], [(0, 0)])
    without = baseline.rank([first.question], [(0, 1)])  # question 0 is the first entry's standard question
    assert whole.scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert without.scores[0, 0] < whole.scores[0, 0]
    assert np.allclose(without.scores[0, 1:], whole.scores[0, 1:])


def test_compare_puts_the_baselines_beside_the_project(hashed: Assistant, settings: Settings,
                                                       fixture_kb: KnowledgeBase) -> None:
    results = compare(fixture_kb, labelled(fixture_kb), hashed, settings)
    assert list(results) == ["bm25", "dense", "project"]
    for r in results.values():
        assert r["queries"] == len(fixture_kb.entries) + 2 and r["in_scope"] == len(fixture_kb.entries)
        assert r["top1"] == 1.0
    text = table(results).splitlines()
    assert text[0].split()[:3] == ["method", "top1", "recall@3"] and [line.split()[0] for line in text[1:]] == [
        "bm25", "dense", "project"]


def test_a_build_learns_from_the_kb_users_questions(settings: Settings, tmp_path: Path) -> None:
    kb_dir = shutil.copytree(FIXTURE_KB, tmp_path / "kb")
    write_lines(kb_dir / "tune" / "users.jsonl", [
        {"query": "密码记不住了咋弄", "expected": "account-password-reset-phone"},
        {"query": "号被人偷了", "expected": "account-stolen"},
        {"query": "封了号去哪喊冤", "expected": ["account-unban-appeal", "community-appeal-how"]},
        {"query": "外卖在哪点", "expected": None},
    ])
    embedder = HashingEmbedder()
    m = IndexBuilder(settings, embedder, progress=False).build(load_kb(kb_dir)).manifest
    assert m.calibration.examples["users_in_scope"] == 3 and m.calibration.examples["users_out_of_scope"] == 1
    assert "rank_gap" in m.calibration.calibrator["features"]  # learned on users' questions
    plain = IndexBuilder(settings, embedder, progress=False).build(load_kb(FIXTURE_KB)).manifest
    assert plain.calibration.examples["users_in_scope"] == 0
    assert "rank_gap" not in plain.calibration.calibrator["features"]
    assert m.selftest is not None and plain.selftest is not None
    assert m.selftest.queries == plain.selftest.queries  # users' questions are no part of the self-test


def test_the_calibrator_reads_its_inputs_by_name(hashed: Assistant) -> None:
    """A version keeps working when calibration inputs are added: this one (no users' questions) has fewer."""
    from assistant.engine.rank import CALIBRATION_FEATURES, Logistic, rank

    calibrator = hashed.data.manifest.calibration.calibrator
    assert set(calibrator["features"]) < set(CALIBRATION_FEATURES)
    query = hashed.retriever.prepare("怎么拉黑一个用户")
    c = hashed.retriever.candidates(query, hashed.embed([query.norm])[0])
    r = hashed.ranker
    _, inputs = rank(r.ranker.logit(c.features[:, r.ranker_columns]), r.scorer.logit(c.features[:, r.scorer_columns]),
                     c.features, len(query.words))
    by_name = [CALIBRATION_FEATURES.index(n) for n in calibrator["features"]]
    expected = float(Logistic.from_dict(calibrator).proba(inputs[None, by_name])[0])
    assert hashed.ask("怎么拉黑一个用户").confidence == pytest.approx(expected, abs=1e-4)


def test_coverage_at_a_precision_takes_one_threshold_over_the_confidences() -> None:
    def rec(expected: tuple[str, ...], decision: str, rank: int, p: float, by_rule: bool = False) -> Record:
        return Record(expected, decision, None, rank, p, None, 0.0, by_rule)

    records = [rec(("a",), "answer", 1, 0.95), rec(("b",), "clarify", 1, 0.9), rec((), "answer", 1, 0.8),
               rec(("c",), "handoff", 1, 0.7), rec(("d",), "handoff", 2, 0.6),
               rec(("e",), "handoff", 1, 0.99, by_rule=True)]  # a person asked for: never moved
    # 5 in scope; down to 0.9 both right (2/5); the out-of-scope answer at 0.8 costs precision, so 0.7 gives 3/4
    assert coverage_at(records, 1.0) == (0.4, 0.9)
    assert coverage_at(records, 0.75) == (0.6, 0.7)
    assert coverage_at(records, 0.6) == (0.6, 0.7)  # 0.6 adds a wrong answer and no coverage: the higher one kept
    # two records at the same confidence are answered together or not at all
    tied = [rec(("a",), "answer", 1, 0.9), rec((), "answer", 1, 0.9)]
    assert coverage_at(tied, 1.0) == (0.0, 1.0) and coverage_at(tied, 0.5) == (1.0, 0.9)
