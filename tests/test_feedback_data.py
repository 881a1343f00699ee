"""The feedback collector's data and pure parts: the labelled set's size and split, the KB's training examples
kept apart from the report part, the grouping rule's pieces, the board's spike flag and CSV export, and which
readings of a message give way to feedback."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from assistant.desk.feedback import Topic
from assistant.desk.feedback.board import sort_views, topic_csv, topic_view
from assistant.desk.feedback.grouping import best_topic, centred, pairwise, title_of
from assistant.desk.feedback.models import FeedbackItem
from assistant.engine.feedback import (
    CUES,
    OFFDOMAIN_FEEDBACK,
    FeedbackDetector,
    FeedbackModels,
    asks_for_help,
    elsewhere,
)
from assistant.engine.intent import Intent
from assistant.engine.intent_feedback import read_feedback
from assistant.engine.logistic import Logistic
from assistant.kb.examples import read_feedback_examples
from tests.conftest import BENCHMARKS, ROOT

SET = ROOT / "tests" / "fixtures" / "eval" / "feedback"


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (SET / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_labelled_set_has_400_of_each_and_the_kb_learns_from_the_tune_part_only() -> None:
    tune, report = rows("tune.jsonl"), rows("report.jsonl")
    assert sum(r["feedback"] for r in tune + report) >= 400
    assert sum(not r["feedback"] for r in tune + report) >= 400
    problems: list[str] = []
    examples = read_feedback_examples(ROOT / "kb" / "feedback_examples.jsonl", problems)
    assert not problems
    extra = [r for n in ("", "2", "3", "4", "6") for r in rows(f"tune_extra{n}.jsonl")]
    extra += [r for n in range(1, 42) for r in rows(f"held_fb{n}.jsonl")]  # 20, 23-41: 42nd to 49th sessions
    reported = {r["text"] for r in report}  # held_fb30 wrote three short questions the report part has: left out
    assert {e.text for e in examples} == {r["text"] for r in tune + extra} - reported
    assert not {e.text for e in examples} & reported
    fixture = (ROOT / "tests" / "fixtures" / "kb" / "feedback_examples.jsonl").read_text(encoding="utf-8")
    assert fixture == (ROOT / "kb" / "feedback_examples.jsonl").read_text(encoding="utf-8")


def test_grouping_rule_pieces() -> None:
    a = centred([1.0, 0.0, 0.0], None)
    b = centred([0.0, 1.0, 0.0], None)
    candidates = {1: [(a, "希望能批量下载视频")], 2: [(b, "直播老是卡")]}
    assert best_topic(list(a), "求批量下载视频", candidates) == 1
    assert best_topic([0.0, 0.0, 1.0], "评论区能按时间排吗", candidates) is None
    assert pairwise([0, 0, 1], ["x", "x", "y"]) == (1.0, 1.0)
    assert pairwise([0, 0, 0], ["x", "x", "y"]) == (1 / 3, 1.0)
    assert title_of("希望加个夜间模式！晚上看太刺眼") == "希望加个夜间模式"


def item(n: int, at: dt.datetime, text: str = "闪退") -> FeedbackItem:
    return FeedbackItem(id=n, text=text, category="bug", area="app", sentiment="negative", status="received",
                        source="chat", channel="web", session_id=None, contact=None, has_screenshot=False,
                        entry_id=None, topic_id=1, created_at=at, updated_at=at)


def test_a_bug_spike_is_flagged_and_csv_cells_are_not_formulas() -> None:
    now = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
    topic = Topic(id=1, title="闪退", category="bug", area="app", status="received", reports=3, first_seen=now,
                  last_seen=now, status_by=None, status_at=None)
    spike = topic_view(topic, [item(i, now - dt.timedelta(hours=i)) for i in range(3)], now)
    calm = topic_view(topic, [item(i, now - dt.timedelta(days=i + 1)) for i in range(3)], now)
    assert spike.spike and not calm.spike
    assert spike.by_day["2026-11-29"] == 3 and len(spike.by_day) == 14
    assert sort_views([calm, spike], "trend")[0] is spike
    text = topic_csv(topic, [item(1, now, "=HYPERLINK(\"x\")")])
    assert "'=HYPERLINK" in text and text.startswith("topic_id,")


def test_feedback_is_about_this_platform() -> None:
    assert elsewhere("今天行情又不刷新了 委托也下不了")
    assert elsewhere("宽带三天两头断网")
    assert not elsewhere("直播间老有人推荐基金 能不能管管")  # the platform's own things named too
    assert not elsewhere("更新后一直闪退")


def test_feedback_that_asks_for_help_is_told_from_feedback_that_only_tells() -> None:
    assert asks_for_help("更新后一直闪退 怎么办", "bug")
    assert asks_for_help("直播卡成ppt了 你们服务器是不是挂了", "bug")
    assert not asks_for_help("更新后一直闪退", "bug")
    assert not asks_for_help("我关了个性化推荐 过几天自己又打开了", "bug")
    assert asks_for_help("人工复审提交了三天了还没动静 正常吗", "complaint")
    assert not asks_for_help("我就写了个杀疯了 评论就被吞了 至于吗", "complaint")  # rhetorical: thanked, recorded
    assert not asks_for_help("为什么总给我推这些", "complaint")
    assert asks_for_help("有没有一键发布到多个平台的功能", "feature_request")
    assert not asks_for_help("能不能加个批量下载 有没有可能", "feature_request")  # a request to add one
    assert not asks_for_help("越来越好用了 是不是更新了", "praise")
    assert asks_for_help("微信那边扣了30块 抖币一个没加", "bug")  # money lost: help, asked or not
    assert asks_for_help("充值老是不到账 服了", "complaint")
    assert not asks_for_help("充值页面的按钮太小了", "complaint")
    assert asks_for_help("找真人的按钮翻了个遍也没看到 到底从哪点进去", "bug")  # asks where
    assert asks_for_help("截图留了证据之后要交到哪", "complaint")
    assert not asks_for_help("哪有你们这样的", "complaint")
    assert asks_for_help("想把视频发给闺女 点了半天不知道怎么弄 麻烦你们教教我", "other")
    assert not asks_for_help("就是想说一声 你们加油", "other")


def detector_saying(p: float, dim: int = 4) -> FeedbackDetector:
    """A detector whose model gives every message probability ``p`` (no cue or n-gram weighs anything)."""
    width = dim + len(CUES)
    flat = Logistic(mean=np.zeros(width), std=np.ones(width), coef=np.zeros(width),
                    intercept=float(np.log(p / (1 - p))))
    detector = FeedbackDetector(None)
    detector.models = FeedbackModels(vocabulary={}, is_feedback=flat, threshold=0.5,
                                     categories={"bug": flat}, areas={"app": flat}, sentiments={"negative": flat},
                                     centre=np.zeros(dim))
    return detector


def test_an_off_domain_reading_by_meaning_gives_way_to_sure_feedback() -> None:
    """engine/feedback.py OFFDOMAIN_FEEDBACK: 红点上显示3 可所有消息我都看过了 reads as off-domain to the intent
    models (far from the KB's questions); the detector sure of feedback takes it. A message off-domain by another
    service's name, small talk and a handoff stay what they are; a question is feedback at the detector's own
    threshold."""
    said, raw = "红点上显示3 可所有消息我都看过了", np.zeros(4)
    sure, unsure = detector_saying(OFFDOMAIN_FEEDBACK + 0.01), detector_saying(OFFDOMAIN_FEEDBACK - 0.05)
    by_meaning = Intent("offdomain", "off-domain", evidence="distance", yields=True)
    assert read_feedback(sure, by_meaning, said, raw).name == "feedback"
    assert read_feedback(unsure, by_meaning, said, raw).name == "offdomain"
    assert read_feedback(unsure, Intent("question"), said, raw).name == "feedback"
    assert read_feedback(sure, Intent("offdomain", "「qq」", evidence="pattern"), said, raw).name == "offdomain"
    assert read_feedback(sure, Intent("smalltalk.ack", evidence="examples"), said, raw).name == "smalltalk.ack"
    handed = read_feedback(sure, Intent("human", evidence="pattern"), said, raw)
    assert handed.name == "human" and handed.feedback is not None  # handed off, and recorded too


def test_the_ths_faq_shape_labels_match_the_benchmark_and_name_no_text() -> None:
    """scripts/feedback_shape.py splits the ths_faq KB's texts taken as feedback by a blind label; the labels file
    holds an entry id and a position for each of the benchmark's texts (never the text: it is read from ../shared)."""
    import sys

    if not (BENCHMARKS / "ths_faq" / "kb.jsonl").exists():
        pytest.skip("needs ../shared/benchmarks")
    sys.path.insert(0, str(ROOT / "scripts"))
    from feedback_shape import LABELS, labelled_texts

    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    assert all(set(r) == {"id", "n", "label"} for r in rows)
    texts = labelled_texts(BENCHMARKS)
    assert len(texts) == len(rows) == 1620
    labels = [label for _, label in texts]
    assert set(labels) <= {"bug", "complaint", "feature_request", "praise", "none"}
    assert "今天你们的全景500档有问题都不刷新了" in {t for t, label in texts if label == "bug"}
