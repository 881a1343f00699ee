"""A gap's suggested action follows its evidence: picks and inserted answers name an entry; agents' own replies
draft a new entry; a 没帮助 or another entry's answer keeps a question away from X."""

from __future__ import annotations

from assistant.desk.learning.grouping import GapGrouper
from assistant.desk.learning.suggest import Item, inserted_entry, split_labelled, suggest

ANSWERS = {"a": "打开设置，点击账号与安全，选择修改密码，输入验证码后设置新密码即可。",
           "b": "直播权限需要实名认证并且粉丝数达到一千，在创作者中心申请开通。"}
KNOWN = {"a": {"怎么改密码"}, "b": {"怎么开直播"}}


def test_picks_and_inserted_answers_suggest_similar_questions() -> None:
    agent = "您好！" + ANSWERS["a"] + "还有问题请随时联系。"
    items = [Item("密码咋改", "picked", "a"), Item("改个密码", "handoff", reply=agent),
             Item("怎么改密码", "clarify"), Item("直播的事", "handoff", reply=ANSWERS["b"]),
             Item("密码改不了", "not_helpful", "a")]
    s = suggest(items, ANSWERS, KNOWN)
    assert (s.action, s.entry_id, s.strong) == ("add_similar", "a", True)
    assert s.questions == ("密码咋改", "改个密码")  # known, another entry's answer, rated 没帮助 on a: left out
    assert {e.kind for e in s.evidence} == {"picked", "inserted", "not_helpful"}


def test_agents_own_words_draft_a_new_entry_and_near_ties_alone_are_weak() -> None:
    s = suggest([Item("草稿没了", "handoff", reply="草稿存在本机。", team="product"),
                 Item("草稿丢了", "handoff", reply="草稿存在本机。", team="product")], ANSWERS, KNOWN)
    assert (s.action, s.answer, s.team) == ("new_entry", "草稿存在本机。", "product")
    assert s.questions == ("草稿没了", "草稿丢了")
    weak = suggest([Item("直播权限", "clarify", near=("b", "a"))], ANSWERS, KNOWN)
    assert (weak.action, weak.entry_id, weak.strong) == ("add_similar", "b", False)
    assert suggest([Item("天气怎么样", "handoff", intent="offdomain")], ANSWERS, KNOWN).action == "out_of_scope"
    assert suggest([Item("嗯嗯", "clarify")], ANSWERS, KNOWN).action == "review"


def test_an_unrelated_reply_is_not_an_inserted_answer() -> None:
    assert inserted_entry("好的，已经帮您处理了。", ANSWERS) is None
    assert inserted_entry(ANSWERS["b"], ANSWERS) == "b"


def test_accepted_questions_are_split_stably_and_the_entry_always_gets_one() -> None:
    questions = [f"问题{n}" for n in range(60)]
    similar, labelled = split_labelled(questions, 1 / 3)
    assert sorted(similar + labelled) == sorted(questions) and split_labelled(questions, 1 / 3) == (similar, labelled)
    assert 10 < len(labelled) < 30
    assert split_labelled(labelled[:1], 1 / 3)[0] == tuple(labelled[:1])
    assert split_labelled(questions) == (tuple(questions), ())  # the default: all become similar questions


def test_the_grouper_opens_a_gap_below_the_threshold() -> None:
    import numpy as np

    g = GapGrouper([], [], 0.8, dimension=2)
    v = np.array([[1, 0], [0.95, 0.05], [0, 1], [0.1, 1]], dtype=np.float32)
    assert g.assign(v) == [0, 0, 1, 1] and g.counts == [2, 2]
