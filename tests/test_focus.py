"""A follow-up that the entry just shown answers again gets the part of its answer it asks about (engine/focus.py),
with the real model on the fixture KB."""

from __future__ import annotations

from assistant.engine.context import PriorTurn
from assistant.engine.focus import units

STEPS = ("开通直播权限的步骤如下：\n1. 打开本平台 App，进入「我」→「创作者中心」→「直播管理」；\n"
         "2. 点击「开通直播权限」；\n3. 提交申请，一般1个工作日内完成审核。\n"
         "开通前请确认您已年满18周岁。如果页面提示暂不符合开通条件，可点击提示查看原因。")


def test_an_answer_is_cut_into_its_steps_and_the_sentences_of_its_paragraphs() -> None:
    assert units(STEPS) == ["开通直播权限的步骤如下：", "1. 打开本平台 App，进入「我」→「创作者中心」→「直播管理」；",
                            "2. 点击「开通直播权限」；", "3. 提交申请，一般1个工作日内完成审核。",
                            "开通前请确认您已年满18周岁。", "如果页面提示暂不符合开通条件，可点击提示查看原因。"]
    assert units("第一句。第二句；第三句！\n\n") == ["第一句。", "第二句；", "第三句！"]


def test_the_unit_a_follow_up_asks_about_is_picked_and_a_short_answer_is_shown_whole(assistant) -> None:
    picked = assistant.focuser.pick("要多久才能审核完", STEPS)
    assert picked is not None and picked.text == "3. 提交申请，一般1个工作日内完成审核。", picked
    assert picked.margin > 0
    assert assistant.focuser.pick("要多久", "一般1个工作日内完成审核。请耐心等待。") is None  # two units: whole
    # two units that say it both, well ahead of the rest: both, in the answer's order
    both = ("开通步骤如下：\n1. 进入「设置」；\n2. 点击「开通」；\n3. 提交申请，一般1个工作日内完成审核。\n"
            "审核超过3个工作日仍无结果，可以联系人工客服。开通前请确认您已年满18周岁、账号已绑定手机号且近期无严重违规。"
            "如果页面提示暂不符合开通条件，可点击提示查看具体原因。")
    pair = assistant.focuser.pick("审核要多久", both)
    assert pair is not None, pair
    assert pair.text == "3. 提交申请，一般1个工作日内完成审核。\n审核超过3个工作日仍无结果，可以联系人工客服。"
    assert pair.units == (3, 4)


def test_a_wait_asked_about_is_not_answered_by_a_deadline(assistant) -> None:
    """那要等多久 asks how long the review takes, not by when to appeal: the deadline's 30天内 is no time unit for it;
    asked for the time limit, the deadline is the unit."""
    appeal = ("如果您认为处罚有误，可以提交申诉：\n1. 进入「设置」→「申诉」；\n2. 上传证明材料；\n"
              "3. 提交后由人工复核，结果在3个工作日内通知。\n请在收到处罚通知后30天内申诉，每次处罚最多可申诉2次。")
    wait = assistant.focuser.pick("那要等多久", appeal)
    assert wait is not None and "3个工作日" in wait.text and "30天" not in wait.text, wait
    limit = assistant.focuser.pick("申诉有时间限制吗", appeal)
    assert limit is not None and "30天" in limit.text, limit


def test_a_follow_up_on_the_entry_just_shown_gets_its_focus_and_a_new_question_the_whole_answer(assistant) -> None:
    first = assistant.ask("怎么开通直播权限")
    assert first.answer is not None and first.answer.id == "live-permission-apply" and first.focus is None
    prior = [PriorTurn("怎么开通直播权限", first.decision, first.answer.id)]
    again = assistant.ask("直播权限申请多久能通过", prior=prior)
    assert again.answer is not None and again.answer.id == "live-permission-apply", again.reason
    assert again.focus is not None and "1个工作日" in again.focus and again.focus in again.answer.answer
    # the related questions were offered under the first answer: not again under the part of it
    assert first.related and not again.related
    # the same question with nothing shown before it: the whole answer, and its related questions
    alone = assistant.ask("直播权限申请多久能通过")
    assert alone.focus is None and alone.related == first.related


def test_assistant_eval_scores_dialogues_and_their_focus_labels(assistant) -> None:
    """evaluate_dialogues counts each dialogue once (one without a kind too) and scores the focus labels: the unit
    labelled for the follow-up, and [] for one that needs the whole answer."""
    from assistant.engine.focus import units as cut
    from assistant.evaluation.conversation import evaluate_dialogues

    entry = next(e for e in assistant.data.entries if e.id == "live-permission-apply")
    timed = next(u for u in cut(entry.answer) if "1个工作日" in u)
    dialogues = [
        {"turns": ["怎么开通直播权限", "直播权限申请多久能通过"], "expected": entry.id, "focus": [timed]},
        {"turns": ["怎么开通直播权限", "直播权限申请多久能通过"], "expected": entry.id, "focus": []},
        {"turns": ["怎么开通直播权限", "那怎么关掉呢"], "expected": "live-permission-close", "kind": "followup"},
    ]
    report = evaluate_dialogues(assistant, dialogues)
    assert report["dialogues"] == 3 and report["last_turn_top1"]["all"] == 1.0
    assert report["last_turn_top1"]["followup"] == 1.0 and report["answered"] == 1.0
    focus = report["focus"]
    assert (focus["labelled"], focus["picked"], focus["shown_in_pipeline"]) == (2, 2, 2)
    assert (focus["precision"], focus["recall"], focus["whole_kept"], focus["exact"]) == (0.5, 1.0, 0.0, 0.5)
