"""The engine end to end on the fixture KB with the real model: decisions, polarity, handoff rules, bad input."""

from dataclasses import replace

import numpy as np
import pytest

from assistant.cantonese import is_cantonese
from assistant.errors import InvalidQuestion


class ReadingModel:
    """The real model, and what it is given to read."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.dimension, self.read = inner, inner.name, inner.dimension, []

    def encode(self, texts: list[str], batch_size: int = 32):
        self.read.extend(texts)
        return self.inner.encode(texts, batch_size)


def test_a_paraphrase_gets_its_answer(assistant) -> None:
    reply = assistant.ask("我密码忘记了咋找回来")
    assert reply.decision == "answer", reply.reason
    assert reply.answer.id == "account-password-reset-phone"
    assert "忘记密码" in reply.answer.answer
    assert 0.0 <= reply.confidence <= 1.0
    assert reply.timing["total_ms"] > 0


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("怎么开通直播权限", "live-permission-apply"),
        ("我不想直播了怎么关闭直播权限", "live-permission-close"),
        ("青少年模式怎么打开", "minors-teen-mode-on"),
        ("青少年模式怎么关掉", "minors-teen-mode-off"),
        ("怎么把一个人拉黑", "safety-block-user"),
        ("拉黑了怎么取消拉黑", "safety-unblock-user"),
    ],
)
def test_polarity_pairs_are_not_confused(assistant, question: str, expected: str) -> None:
    ranked = assistant.rank_many([question])[0]
    assert assistant.data.entries[int(ranked.entries[0])].id == expected


@pytest.mark.parametrize("question", ["帳號被盜了怎麼辦", "zhanghao bei dao le zenme ban", "我的帐号被别人盗了!!!😭"])
def test_traditional_pinyin_and_noise(assistant, question: str) -> None:
    ranked = assistant.rank_many([question])[0]
    assert assistant.data.entries[int(ranked.entries[0])].id == "account-stolen"


@pytest.mark.parametrize(("question", "expected"), [
    ("畀人盜咗號點算呀 仲登唔返入去", "account-stolen"),
    ("點解我條片冇乜人睇嘅 一直得幾百", "content-low-views"),
    ("我想改個名 幾耐先可以改一次呀", "app-change-nickname"),
])
def test_cantonese_is_read_in_mandarin_by_the_model(assistant, question: str, expected: str) -> None:
    """The model, the lexical leg and the intents' patterns read 咗, 冇 and 點解 as 了, 没有 and 为什么
    (assistant/cantonese.py)."""
    from assistant.engine import Assistant

    model = ReadingModel(assistant.embedder)
    reply = Assistant(assistant.data, model, assistant.settings).ask(question)
    assert reply.decision == "answer" and reply.answer.id == expected, reply.reason
    assert model.read and not any(is_cantonese(text) for text in model.read), model.read
    assert not is_cantonese(assistant.retriever.prepare(question).said)


@pytest.mark.parametrize(("message", "kind"), [("唔該晒 拜拜喇", "smalltalk.goodbye"),
                                               ("有冇人喺度呀", "smalltalk.ping")])
def test_cantonese_small_talk_opens_no_ticket(assistant, message: str, kind: str) -> None:
    reply = assistant.ask(message)
    assert reply.decision == "smalltalk" and reply.intent == kind, reply.reason


@pytest.mark.parametrize(("message", "kind"), [("不用了 谢谢", "smalltalk.thanks"), ("不用了", "smalltalk.ack"),
                                               ("周末愉快呀", "smalltalk.goodbye"), ("测试一下", "smalltalk.ping"),
                                               ("无聊 陪我聊会儿天", "smalltalk.identity"),
                                               ("无聊 陪我聊会天呗", "smalltalk.identity"),
                                               ("你平时都干啥呀", "smalltalk.identity"),
                                               ("你都能干点啥", "smalltalk.identity"),
                                               ("xiexie ni la xiao zhushou", "smalltalk.thanks"),
                                               ("你真是一点用都没有", "smalltalk.complain_bot"),
                                               ("什么破机器人 答非所问", "smalltalk.complain_bot"),
                                               ("您好 不好意思打扰您一下哈", "smalltalk.greeting"),
                                               ("有人在吗 怎么没动静", "smalltalk.ping"),
                                               ("你能陪我随便聊聊天吗", "smalltalk.identity"),
                                               ("你好 我是新来的", "smalltalk.greeting"),
                                               ("你是哪年被造出来的 算起来几岁啦", "smalltalk.identity"),
                                               ("收到 我这就去操作", "smalltalk.ack"),
                                               ("我就随便问问 没事", "smalltalk.ack"),
                                               ("好的好的 我知道怎么弄了", "smalltalk.ack"),
                                               ("一天回这么多消息你不累吗", "smalltalk.identity"),
                                               ("你平时也刷短视频吗", "smalltalk.identity"),
                                               ("明天见", "smalltalk.goodbye"),
                                               ("有在线的没", "smalltalk.ping"),
                                               ("ping 一下 看看通不通", "smalltalk.ping"),
                                               ("1", "smalltalk.ping"),
                                               ("跟我说话的这个是程序吧？", "smalltalk.identity"),
                                               ("你们AI要不要吃饭睡觉的", "smalltalk.identity"),
                                               ("你能陪我聊会天吗", "smalltalk.identity"),
                                               ("okk 那就这样吧没别的了", "smalltalk.goodbye"),
                                               ("好吧 那算了", "smalltalk.ack"),
                                               ("你好，小客服", "smalltalk.greeting"),
                                               ("说实话，你背后是真人在打字还是AI", "smalltalk.identity"),
                                               ("可以可以，回答得挺专业", "smalltalk.praise_bot"),
                                               ("你有男朋友吗", "smalltalk.identity"),
                                               ("👋 嘿，路过跟你打个招呼", "smalltalk.greeting"),
                                               ("你是哪年出生的机器人呀", "smalltalk.identity"),
                                               ("你会不会唱歌，给我哼两句", "smalltalk.identity"),
                                               ("你怎么这么可爱", "smalltalk.praise_bot"),
                                               ("你的回答好专业 必须点个赞", "smalltalk.praise_bot"),
                                               ("你会不会讲冷笑话 来一个", "smalltalk.identity"),
                                               ("你喜欢什么颜色", "smalltalk.identity"),
                                               ("行叭 那我等等看", "smalltalk.ack"),
                                               ("嘿嘿 就是想跟你打个招呼", "smalltalk.greeting"),
                                               ("跟我说话的这个是程序自动回的还是有人在打字", "smalltalk.identity"),
                                               ("哇你怎么这么聪明", "smalltalk.praise_bot"),
                                               ("睡不着 随便跟你聊聊", "smalltalk.identity"),
                                               ("nihao ya xiaozhushou", "smalltalk.greeting"),
                                               ("好人一生平安", "smalltalk.thanks"),
                                               ("👌👌", "smalltalk.ack"), ("🙏🙏", "smalltalk.thanks"),
                                               ("👍", "smalltalk.praise_bot"),
                                               ("我猜跟我聊天的是个自动程序，对不对", "smalltalk.identity"),
                                               ("今天被好多人问问题，你心情还好不", "smalltalk.identity"),
                                               ("你累不累啊，一天到晚回答问题", "smalltalk.identity"),
                                               ("屏幕对面到底是人还是程序啊，好奇问问", "smalltalk.identity"),
                                               ("收到啦，我照着弄一下", "smalltalk.ack"),
                                               ("我就随便逛逛，跟你打个招呼", "smalltalk.greeting"),
                                               ("xiexie la, jiejue le", "smalltalk.thanks"),
                                               ("能看见我发的字吗", "smalltalk.ping"),
                                               ("你能听得懂粤语吗", "smalltalk.identity"),
                                               ("我该怎么称呼你呀", "smalltalk.identity"),
                                               ("你们机器人也有周末吗", "smalltalk.identity"),
                                               ("hi xiao zhushou wanshang hao", "smalltalk.greeting"),
                                               ("xiexie, wo mingbai le", "smalltalk.thanks"),
                                               ("你到底是真人还是ai 说实话", "smalltalk.identity"),
                                               ("能听见吗", "smalltalk.ping"),
                                               ("nihao a xiao zhushou", "smalltalk.greeting"),
                                               ("你怎么这么笨啊", "smalltalk.complain_bot"),
                                               ("没用的机器人 啥都不懂", "smalltalk.complain_bot")])
def test_a_polite_no_a_weekend_wish_a_test_and_boredom_are_small_talk(assistant, message: str, kind: str) -> None:
    """held50, held51 (44th session), held52 to held54 (45th), held55 and held56 (46th), held57,
    held58 and emoji sent alone (47th), held59 and held60 (48th): a ticket for the nearest
    entry's team, feedback, an answer or an off-domain reply before."""
    reply = assistant.ask(message)
    assert reply.decision == "smalltalk" and reply.intent == kind, reply.reason


def test_the_bot_called_useless_gets_an_apology_and_a_person_offered_but_a_question_after_it_an_answer(
        assistant) -> None:
    reply = assistant.ask("垃圾机器人")
    assert reply.decision == "smalltalk" and reply.intent == "smalltalk.complain_bot" and reply.offer_human
    assert "抱歉" in reply.message and "人工" in reply.message
    asked = assistant.ask("你们机器人有点笨 算了 忘记密码了怎么办")
    assert asked.decision != "smalltalk", asked.reason


def test_explicit_request_for_a_person_is_handed_off(assistant) -> None:
    reply = assistant.ask("别跟我扯了，转人工")
    assert reply.decision == "handoff"
    assert "asked for a person" in reply.reason
    assert reply.answer is None and reply.offer_human


def test_safety_words_go_to_the_safety_team_whatever_the_score(assistant) -> None:
    reply = assistant.ask("我充值不到账，再不处理我就去法院起诉你们")
    assert reply.decision == "handoff" and reply.team == "safety"
    assert "110" in reply.message


def test_a_threat_the_kb_answers_is_handed_off_with_the_answer_and_one_it_does_not_without(assistant) -> None:
    reply = assistant.ask("有人一直私信威胁我 怎么把他拉黑")
    assert reply.decision == "handoff" and reply.team == "safety" and "110" in reply.message
    assert reply.answer is not None and reply.answer.id == "safety-block-user"
    assert "shown meanwhile" in reply.reason
    alone = assistant.ask("有人说要来我家杀了我")
    assert alone.decision == "handoff" and alone.team == "safety" and alone.answer is None


def test_a_fraud_a_threat_or_a_missing_child_gets_its_own_safety_text_and_a_danger_to_life_the_general_one(
        assistant) -> None:
    """intents.yaml dangers picks voice safety.missing for a safety message about a person missing or lured away,
    safety.fraud for one with a fraud's words and safety.threat for one with a threat's (a threat to kidnap is a
    threat, a kidnap done is missing); a danger to life said with them (不想活了, a farewell) keeps the general text,
    which speaks of it."""
    voice = assistant.decider.voice
    for text, kind in (("有人冒充客服打视频电话 让我把银行卡验证码念给他 我正在转账", "fraud"),
                       ("有人说要来我家杀了我", "threat"), ("刚被骗走五千块 不想活了", None),
                       ("有人说要来我家杀了我 我也不想活了", None),
                       ("我女儿去见网友 到现在联系不上了 她才十四", "missing"),
                       ("有人私信说要绑架我孩子 还发了学校门口的照片", "threat"),
                       ("有个陌生号码说我孩子在他手上 让我马上转钱 孩子电话打不通", "fraud"),
                       ("我朋友说活不下去了 现在人联系不上", None)):
        reply = assistant.ask(text)
        assert (reply.decision, reply.intent, reply.team) == ("handoff", "safety", "safety"), (text, reply.reason)
        assert reply.message == voice.say(f"safety.{kind}" if kind else "safety"), text
        assert (f"({kind})" in reply.reason) is bool(kind), reply.reason
    assert "96110" in voice.say("safety.fraud") and "110" in voice.say("safety.threat")
    assert "24小时" in voice.say("safety.missing")


def test_off_domain_question_is_not_answered(assistant) -> None:
    for q in ["明天北京会下雨吗", "红烧肉怎么做好吃", "给我讲个笑话"]:
        assert assistant.ask(q).decision != "answer", q


def test_sensitive_answers_offer_a_person(assistant) -> None:
    reply = assistant.ask("我的账号被盗了怎么办")
    assert reply.answer is None or reply.answer.risk == "sensitive"
    assert reply.offer_human


def test_clarify_offers_up_to_three_alternatives(assistant) -> None:
    reply = assistant.ask("直播")
    assert reply.decision in ("clarify", "handoff")
    assert 1 <= len(reply.alternatives) <= 3
    assert all(0.0 <= a.score <= 1.0 for a in reply.alternatives)


def test_suggest_ranks_entries_for_agents(assistant) -> None:
    out = assistant.suggest("提现怎么操作", k=5)
    assert len(out) == 5 and out[0].id == "creator-withdraw"
    assert out[0].score >= out[1].score
    assert out[0].answer and out[0].matched_question


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n\t", "empty"), ("问" * 501, "at most 500"), (None, "must be text"),
     (123, "must be text"), ("😭😭😭", "no readable text")],
)
def test_bad_input_is_a_clear_error(assistant, question, message: str) -> None:
    with pytest.raises(InvalidQuestion, match=message):
        assistant.ask(question)


def test_reply_serialises_to_json(assistant) -> None:
    import json

    d = assistant.ask("怎么改昵称", session="s-1").to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False))["session"] == "s-1"
    assert set(d) >= {"decision", "confidence", "answer", "alternatives", "reason", "timing"}


def test_a_repeated_question_comes_from_the_cache_with_its_own_wording(assistant) -> None:
    from assistant.engine import Assistant

    fresh = Assistant(assistant.data, assistant.embedder, assistant.settings)  # its own, empty cache
    first = fresh.ask("帐号被盗了怎么办")
    again = fresh.ask("帳號被盜了怎麼辦")  # traditional characters: the same question once normalised
    assert "cache_ms" not in first.timing and "cache_ms" in again.timing
    assert again.question == "帳號被盜了怎麼辦"
    assert (again.decision, again.confidence, again.alternatives) == (first.decision, first.confidence,
                                                                        first.alternatives)
    assert len(fresh.cache) == 1
    reloaded = Assistant(assistant.data, assistant.embedder, assistant.settings)  # what an index reload makes
    assert "cache_ms" not in reloaded.ask("帐号被盗了怎么办").timing


def test_concurrent_questions_get_the_answers_they_get_alone(assistant) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from assistant.engine import Assistant

    uncached = Assistant(assistant.data, assistant.embedder,
                         assistant.settings.model_copy(update={"answer_cache_size": 0}))
    questions = ["我密码忘记了咋找回来", "怎么开通直播权限", "青少年模式怎么关掉", "提现怎么操作", "怎么把一个人拉黑",
                 "明天北京会下雨吗", "我的账号被盗了怎么办", "怎么改昵称"] * 3
    alone = [uncached.ask(q) for q in questions]
    batches = uncached.batches
    with ThreadPoolExecutor(max_workers=12) as pool:
        together = list(pool.map(uncached.ask, questions))
    assert uncached.batches - batches < len(questions)  # some were ranked together
    for a, b in zip(alone, together, strict=True):
        assert (a.decision, a.answer.id if a.answer else None) == (b.decision, b.answer.id if b.answer else None)
        assert abs(a.confidence - b.confidence) < 1e-3


def test_a_long_follow_up_that_alone_reads_as_feedback_is_answered_in_the_conversation(assistant) -> None:
    from assistant.engine.context import PriorTurn
    from assistant.engine.feedback import ANSWERED_FEEDBACK

    # the first read as feedback alone until the 43rd session, when the feedback models learned held_fb28's
    # look-alike questions (还会被翻出来吗 asks), and again from the 45th (0.53, held_fb33 learned): alone it sits at
    # the detector's threshold either way (None: not checked), and in context it is answered whichever way it falls
    dialogues = (
        ("买粉会被怎么罚", "之前图便宜买过一回 现在已经停了 还会被翻出来吗", "engagement-buy-followers", None),
        ("冲值成功了金币没到", "已经快一个小时了 余额还是原样 要找谁", "payments-coins-not-arrived", True))
    for first, then, entry, feedback_alone in dialogues:
        alone = assistant.ask(then)
        if feedback_alone is not None:
            assert (alone.decision == "feedback" and alone.feedback is not None) == feedback_alone, alone.reason
        prior = [PriorTurn(first, "answer", entry)]
        reply = assistant.ask(then, prior=prior)
        assert reply.decision == "answer" and reply.answer.id == entry and reply.context, reply.reason
        # still recorded: the message is feedback alone, and the Decider records an answered one it is sure of
        assert (reply.feedback is not None) == (alone.feedback is not None
                                                 and alone.feedback.probability >= ANSWERED_FEEDBACK)
    # a suggestion after an unrelated question stays a suggestion
    prior = [PriorTurn("昵称怎么改", "answer", "app-change-nickname")]
    assert assistant.ask("希望能出个批量下载视频的功能 一个一个存太麻烦了", prior=prior).decision == "feedback"


def test_a_question_the_kb_answers_alone_is_not_ranked_again_in_context(assistant) -> None:
    from assistant.engine.context import PriorTurn

    prior = [PriorTurn("怎么开通直播权限", "answer", "live-permission-apply")]
    question = "我密码忘记了咋找回来 手机号还在用"
    within = assistant.followups.contextual(question, prior)
    alone = assistant.ask(question, prior=prior)
    assert alone.decision == "answer" and alone.answer.id == "account-password-reset-phone", alone.reason
    assert alone.context is None
    # ranked alone only: the question with the topic before it was never ranked (every ranking is cached)
    assert assistant.cache.get(assistant.normalizer.normalize(within)) is None
    follow_up = assistant.ask("那怎么关掉呢", prior=prior)
    assert follow_up.context is not None and "直播权限" in follow_up.context
    assert follow_up.answer is not None and follow_up.answer.id == "live-permission-close", follow_up.reason


def test_the_topic_keeps_its_polarity_words_unless_the_follow_up_names_that_pair() -> None:
    """The topic's 开通 is dropped before 那怎么关掉呢 (the follow-up's own 关掉 decides); before 那要等多久, which
    names no side, the topic's 被封 is what the topic is about and stays (it used to be dropped: 我的号 了 怎么申诉)."""
    from assistant.engine.context import FollowUps, PriorTurn

    followups = FollowUps()
    live = [PriorTurn("怎么开通直播权限", "answer", "live-permission-apply")]
    banned = [PriorTurn("我的号被封了 怎么申诉", "answer", "account-unban-appeal")]
    assert followups.parts("那怎么关掉呢", live) == ("怎么 直播权限", "那怎么关掉呢")
    assert followups.parts("那要等多久", banned) == ("我的号被封了 怎么申诉", "那要等多久")
    assert followups.parts("那要等多久", live) == ("怎么开通直播权限", "那要等多久")
    # only the pair the follow-up names: 解封 names the ban pair, not the opening one
    assert followups.parts("解封了那提现呢", [PriorTurn("开通了收益 被封了", "answer", None)]) == (
        "开通了收益 了", "解封了那提现呢")


def test_an_entry_a_ranking_does_not_list_scores_as_its_last_listed_one() -> None:
    """咁要等幾耐 after 我個號俾人封咗 點樣申訴: alone it lists 视频审核 first and not the appeal; in context the appeal
    first and 视频审核 far down. The appeal, unlisted alone, is scored as alone's last entry (not one point below it),
    and the reading in context wins (log-softmax scores of that conversation, 43rd session)."""
    from assistant.engine.context import FollowUps
    from assistant.engine.query import Query
    from assistant.engine.rank import Ranked

    def ranked(entries: list[int], log_probs: list[float], confidence: float) -> Ranked:
        query = Query(text="", norm="", words=(), tokens=(), polarity=frozenset())
        return Ranked(query=query, entries=np.array(entries), scores=np.array(log_probs), matched=np.array(entries),
                      confidence=confidence, timing={})

    # 0 = 视频审核, 1 = the appeal, 2 = the appeal's result, 9..: the rest of each list
    alone = ranked([0, 2, 9, 10], [-0.19, -5.06, -7.0, -8.89], 0.37)
    within = ranked([1, 2, 0, 11], [-0.41, -4.04, -4.86, -6.66], 0.54)
    assert FollowUps.combine(alone, within) is within
    # an entry listed in both, well ahead in both, still wins over one listed in one ranking only
    assert FollowUps.combine(ranked([0, 1], [-0.1, -3.0], 0.9), ranked([0, 1], [-0.2, -2.0], 0.8)).confidence == 0.9


def test_a_follow_up_naming_no_side_is_read_with_the_topic_it_leans_on(assistant) -> None:
    from assistant.engine.context import PriorTurn

    first = assistant.ask("我的号被封了 怎么申诉")
    assert first.answer is not None and first.answer.id == "account-unban-appeal", first.reason
    reply = assistant.ask("那要等多久", prior=[PriorTurn("我的号被封了 怎么申诉", first.decision, first.answer.id)])
    assert reply.context is not None and "被封" in reply.context
    assert reply.answer is not None and reply.answer.id == "account-unban-appeal", reply.reason


def test_a_short_message_naming_another_service_is_not_read_into_the_conversation(assistant) -> None:
    """A short message that reads off-domain alone may be a follow-up whose topic is missing (那要怎么解); one that
    names another service (微信怎么改名字, after our nickname) is off-domain by that name, and stays so."""
    from assistant.engine.context import PriorTurn

    prior = [PriorTurn("昵称怎么改", "answer", "app-change-nickname")]
    for message, service in (("微信怎么改名字", "微信"), ("微博怎么改名", "微博")):
        alone = assistant.ask(message)
        assert alone.intent == "offdomain" and f"「{service}」" in alone.reason, alone.reason
        reply = assistant.ask(message, prior=prior)
        assert (reply.decision, reply.intent, reply.context) == (alone.decision, "offdomain", None), reply.reason
        assert reply.answer is None


def test_another_service_named_gets_a_reply_that_names_it(assistant) -> None:
    """A question about another service's own things (微信怎么改名字) is told where to ask, by the service's name
    (voice offdomain.service); an off-domain request found by its meaning gets the general off-domain reply."""
    voice = assistant.decider.voice
    for message, service in (("微信怎么改名字", "微信"), ("淘宝的会员怎么开", "淘宝")):
        reply = assistant.ask(message)
        assert (reply.decision, reply.intent) == ("smalltalk", "offdomain"), reply.reason
        assert reply.message == voice.say("offdomain.service", service=service)
        assert f"「{service}」" in reply.message and reply.offer_human and reply.answer is None
    reply = assistant.ask("帮我写一首关于秋天的诗")
    assert reply.intent == "offdomain" and reply.message == voice.say("offdomain"), reply.reason


def test_a_batch_of_conversations_gets_the_replies_each_gets_alone(assistant) -> None:
    """The service's ask lane answers concurrent requests with ask_batch: follow-ups read in their own
    conversation's context, stand-alone questions alone, a bad message its own error, the rest unaffected."""
    from assistant.engine import Ask, Assistant
    from assistant.engine.context import PriorTurn

    uncached = Assistant(assistant.data, assistant.embedder,
                         assistant.settings.model_copy(update={"answer_cache_size": 0}))
    live = [PriorTurn("怎么开通直播权限", "answer", "live-permission-apply")]
    teen = [PriorTurn("青少年模式怎么打开", "answer", "minors-teen-mode-on")]
    asks = [Ask("那怎么关掉呢", "s1", "web", live), Ask("那怎么关掉呢", "s2", "app", teen),
            Ask("   ", "s3"), Ask("我密码忘记了咋找回来 手机号还在用", "s4", "web", live), Ask("谢谢你啊", "s5"),
            Ask("明天北京会下雨吗", "s6", "web", teen)]
    together = uncached.ask_batch(asks)
    assert isinstance(together[2], InvalidQuestion)
    for a, got in zip(asks, together, strict=True):
        if isinstance(got, InvalidQuestion):
            continue
        alone = uncached.ask(a.question, session=a.session, channel=a.channel, prior=a.prior)
        assert (got.decision, got.answer.id if got.answer else None, got.context, got.session) == (
            alone.decision, alone.answer.id if alone.answer else None, alone.context, alone.session), a.question
        assert abs(got.confidence - alone.confidence) < 1e-6
    assert together[0].answer.id == "live-permission-close" and together[1].answer.id == "minors-teen-mode-off"
    assert together[0].context and together[3].context is None


def test_a_follow_up_is_read_in_context_without_running_the_model_on_the_topic_again(assistant) -> None:
    """The follow-up with the topic before it gets a vector made of its parts' (context.compose): the model reads
    the follow-up alone and the topic's question as it was asked (without polarity words); not the two together."""
    from assistant.engine import Assistant
    from assistant.engine.context import PriorTurn

    model = ReadingModel(assistant.embedder)
    fresh = Assistant(assistant.data, model, assistant.settings)
    first = fresh.ask("怎么开通直播权限")
    model.read.clear()
    reply = fresh.ask("那怎么关掉呢", prior=[PriorTurn("怎么开通直播权限", first.decision, first.answer.id)])
    assert reply.decision == "answer" and reply.answer.id == "live-permission-close", reply.reason
    assert reply.context is not None and "直播权限" in reply.context
    # the follow-up, and the topic without its polarity word (开通), each alone: never the two together
    assert sorted(model.read) == sorted([fresh.retriever.prepare("那怎么关掉呢").norm,
                                         fresh.retriever.prepare("怎么 直播权限").norm])


def test_only_a_long_follow_up_is_read_again_whole_when_its_composed_reading_is_unsure(assistant) -> None:
    """A follow-up whose composed reading is not confident is read by the model together with the topic only when
    it is longer than REREAD_CHARS: a short one (还是不行) keeps its composed reading, a long one loses its own words
    in the composition and is read whole."""
    from assistant.engine import Assistant
    from assistant.engine.assistant import REREAD_CHARS
    from assistant.engine.context import PriorTurn

    topic = "账号有点问题"  # too vague for the KB: no reading of a follow-up in it is sure (怎么开通直播权限 is)
    seen = {}
    for follow_up in ("还是不行", "我已经按你们说的弄了好几遍了 还是一点反应都没有 是不是系统出问题了"):
        probe = Assistant(assistant.data, assistant.embedder, assistant.settings)
        first = probe.ask(topic)
        prior = [PriorTurn(topic, first.decision, first.answer.id if first.answer else None)]
        alone = probe.rank_many([follow_up])[0]
        reading = probe._in_context(follow_up, prior, alone)
        assert reading is not None and reading.reread == (len(alone.query.norm) > REREAD_CHARS)
        composed = probe._rank_readings([replace(reading, reread=False)])[0]
        assert not probe._answers(composed), follow_up  # unsure: the case the rule is about
        model = ReadingModel(assistant.embedder)
        fresh = Assistant(assistant.data, model, assistant.settings)
        fresh.ask(topic)
        model.read.clear()
        fresh.ask(follow_up, prior=prior)
        own = fresh.retriever.model_text(follow_up)
        seen[follow_up] = [t for t in model.read if own in t and t != own]
    short, long_ = seen.values()
    assert short == [], short
    assert len(long_) == 1, long_


def test_feedback_the_kb_would_offer_choices_for_gets_them_beside_the_thanks(assistant) -> None:
    # told as a bug, and the KB's confidence reaches clarify: thanked, recorded, and the account entries offered
    told = assistant.ask("半夜收到消息说我的号在广州登录了 我人在哈尔滨根本没登")
    assert told.decision == "feedback" and told.feedback is not None, told.reason
    assert told.confidence >= assistant.thresholds.clarify
    assert "account-stolen" in [a.id for a in told.alternatives]
    # a wish the KB has nothing near: thanked, with no choices
    wish = assistant.ask("希望能出个批量下载视频的功能")
    assert wish.decision == "feedback" and wish.confidence < assistant.thresholds.clarify, wish.reason
    assert wish.alternatives == ()
