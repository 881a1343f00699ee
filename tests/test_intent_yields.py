"""A question taken by an intent's word gives way to a confident answer from the KB (网页版上哪找客服 is a how-to),
while a request to transfer, a statement and every safety threat still go to a person."""

from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from assistant.engine.intent import Intent, IntentDetector, IntentThresholds, matter_entries
from assistant.engine.logistic import Logistic
from assistant.kb import KnowledgeBase, load_kb
from assistant.text import Normalizer
from tests.conftest import SHIPPED_KB


@cache
def shipped_kb() -> KnowledgeBase:
    """The shipped KB, read once for the module (its ~500 pattern cases each read it: ~1 s apiece)."""
    return load_kb(SHIPPED_KB)


PEOPLE = ["给我转人工", "我要找真人客服", "叫你们经理出来", "人工客服快来", "我不跟机器人说话", "转接人工服务"]
QUESTIONS = ["怎么修改昵称", "视频审核要多久", "金币怎么充值", "怎么关闭私信", "直播权限怎么开通", "怎么注销账号"]


@pytest.fixture(scope="module")
def detector(embedder):
    """The shipped intents with a small human model fitted on a few messages (real vectors)."""
    def detector_with(backing: float, statement: float = 0.0) -> IntentDetector:
        x = embedder.encode(PEOPLE + QUESTIONS)
        y = np.array([1.0] * len(PEOPLE) + [0.0] * len(QUESTIONS))
        models = {"intents": {"human": Logistic.fit(x, y).to_dict(["vector"])}}
        thresholds = IntentThresholds(backing=backing, backing_statement=statement)
        return IntentDetector(shipped_kb().intents, embedder.encode, thresholds, models=models)
    return detector_with


def detect(detector: IntentDetector, embedder, text: str) -> Intent:
    return detector.detect(text, embedder.encode([text])[0], kb_similarity=0.9)


def test_a_question_gives_way_when_the_model_does_not_back_it(detector, embedder) -> None:
    found = detect(detector(1.01), embedder, "网页版上哪找客服")  # any probability is below 1.01
    assert found.name == "human" and found.evidence == "pattern" and found.yields
    assert not detect(detector(0.0), embedder, "网页版上哪找客服").yields  # nothing is below 0


@pytest.mark.parametrize("text", ["给我找个真人", "网页版客服在哪 帮我转人工吗", "有没有真人可以聊",
                                  "字看不清楚 能不能叫个真人用语音跟我说"])  # held50
def test_a_transfer_does_not_give_way(detector, embedder, text: str) -> None:
    found = detect(detector(1.01, statement=1.01), embedder, text)
    assert found.name == "human" and not found.yields


def test_a_statement_gives_way_only_when_the_model_all_but_rules_it_out(detector, embedder) -> None:
    assert detect(detector(1.01, statement=1.01), embedder, "客服态度太差 我要投诉").yields
    assert not detect(detector(1.01, statement=0.0), embedder, "客服态度太差 我要投诉").yields
    legal = detect(detector(1.01, statement=1.01), embedder, "再不退款我就去法院起诉你们")
    assert legal.name == "legal" and not legal.yields  # a legal threat is a statement: it never gives way


def test_a_legal_step_against_the_platform_never_gives_way(embedder) -> None:
    """A legal matter that asks may give way to a confident answer, unless it says outright that the user takes the
    platform to law (held46, 43rd session): then the legal team has it, and the answer is shown under the handoff."""
    legal = ["我要起诉你们平台", "等着收律师函吧", "我已经报警了 你们等着", "我要去12315投诉你们"]
    x = embedder.encode(legal + QUESTIONS)
    y = np.array([1.0] * len(legal) + [0.0] * len(QUESTIONS))
    models = {"intents": {"legal": Logistic.fit(x, y).to_dict(["vector"])}}
    found = IntentDetector(shipped_kb().intents, embedder.encode, IntentThresholds(backing=1.01), models=models)
    against = detect(found, embedder, "未成年人充值不退吗 我已经咨询过律师了 准备跟你们打官司")
    assert against.name == "legal" and not against.yields
    asking = detect(found, embedder, "我在考虑走法律途径 这种情况能不能先退款")
    assert asking.name == "legal" and asking.yields


@pytest.mark.parametrize("text", ["有人说要来我家杀了我 怎么办", "不想活了 怎么死比较快"])
def test_a_threat_never_gives_way(detector, embedder, text: str) -> None:
    found = detect(detector(1.01), embedder, text)
    assert found.name == "safety" and not found.yields


def test_the_decider_answers_an_intent_that_gives_way_and_still_offers_a_person(assistant) -> None:
    ranked = assistant.rank_many(["我密码忘记了咋找回来"])[0]
    taken = replace(ranked, intent=Intent("human", "「找客服」", yields=True))
    reply = assistant.decider.decide(taken, None, 0.0)
    assert reply.decision == "answer" and reply.answer.id == "account-password-reset-phone", reply.reason
    assert reply.intent == "question" and reply.offer_human and "gives way" in reply.reason
    assert reply.message == assistant.data.voice.say("sensitive", "web")
    held = assistant.decider.decide(replace(ranked, intent=Intent("human", "「找客服」")), None, 0.0)
    assert held.decision == "handoff" and held.intent == "human"


def test_an_unsure_kb_keeps_the_intent(assistant) -> None:
    ranked = assistant.rank_many(["红烧肉怎么做好吃"])[0]
    for name in ("human", "offdomain"):
        reply = assistant.decider.decide(replace(ranked, intent=Intent(name, "x", yields=True)), None, 0.0)
        assert reply.decision != "answer" and reply.intent == name, reply.reason


def test_an_off_domain_reading_gives_way_only_to_an_answer_at_least_as_sure(assistant) -> None:
    ranked = assistant.rank_many(["我密码忘记了咋找回来"])[0]
    assert 0.5 < ranked.confidence < 1.0

    def decided(certainty: float):
        intent = Intent("offdomain", "the intent model", evidence="model", yields=True, certainty=certainty)
        return assistant.decider.decide(replace(ranked, intent=intent), None, 0.0)

    assert decided(ranked.confidence - 0.01).decision == "answer"
    surer = decided(1.0)  # the model surer of off-domain than the KB of its answer: the off-domain reply
    assert surer.decision == "smalltalk" and surer.intent == "offdomain", surer.reason


def test_an_intent_never_gives_way_to_the_entry_about_its_own_matter() -> None:
    questions = ["怎么联系人工客服？", "怎么修改昵称？", "涉及律师函、起诉或法院调取证据的事情，怎么联系平台？"]
    found = matter_entries(shipped_kb().intents, questions, Normalizer().normalize)
    assert found == {"human": frozenset({0}), "legal": frozenset({2})}


@pytest.mark.parametrize(("text", "safety"), [("不是全部关掉 就是不想让陌生人再给我发 熟人还得能发", False),
                                              ("屏蔽陌生人私信怎么弄", False),
                                              ("不想让陌生人给我发裸照了 他威胁我", True),
                                              ("有个陌生人老给我女儿发消息 要她照片", True)])
def test_who_may_message_the_user_is_a_setting_not_a_threat(text: str, safety: bool) -> None:
    from assistant.engine.intent import Rule

    assert bool(Rule(shipped_kb().intents.rule("safety")).match(text)) is safety


@pytest.mark.parametrize(("rule", "text", "found"), [
    ("safety", "第二次申诉也被打回来了 接下来还能干嘛", False),  # an appeal sent back, not a beating
    ("safety", "我老公又打我了", True),
    ("safety", "他说要打回来 弄死我", True),  # 打回来 may be hitting back
    ("safety", "前男友知道我住哪 好怕被人找上门", True),  # a fear of someone, not a reason for a setting
    ("safety", "发视频不想显示位置 怕被人找上门", False),  # a fear as the reason for a privacy setting
    ("safety", "他说知道我住哪 要找上门", True),
    ("safety", "我好怕 他说要找上门来", True),
    ("safety", "老有陌生人给我发私信 想把私信关了 在哪设", False),
    ("human", "跟客服聊完了 在哪给他打个好评", False),  # after talking to an agent: a how-to
    ("human", "我要跟客服聊", True),
    ("human", "有人冒充我开小号发视频 我要投诉", False),  # a report about another account
    ("human", "你们客服态度太差 我要投诉", True),
    ("human", "can u get me someone from support not a bot", True),
    ("human", "你是机器人吧 找个活人来跟我说", True),  # an identity question that also asks for a person
    ("human", "你是机器人吗", False),
    ("human", "工单交上去了 人工一般几天回复", False),
    ("offdomain", "淘宝上卖的那种保证一万粉的涨粉服务靠谱吗", False),  # about the platform's own followers
    ("offdomain", "淘宝怎么退货", True),
    # the 30th session's tune questions: a name added, a binding undone, a privacy wish, a setting for who may write
    ("safety", "有人把我的视频拿去发了 还没打我名字", False),
    ("safety", "换了手机号要换绑 还有顺便把qq解绑了", False),
    ("safety", "发视频的时候不想让人知道我住哪个小区", False),
    ("safety", "发打架视频可以吗 真实的那种", False),
    ("safety", "他们把我绑了 要我家里拿钱", True),
    ("human", "不想让人看我关注了谁", False),
    ("human", "只想让互关的人给我发私信 陌生人别发", False),
    ("human", "偷偷取关一个前同事 他那边会不会收到提示", False),
    ("human", "在智能客服里打什么字能接到人工", False),
    ("human", "机器人听不懂我说啥 转人工吧", True),
    ("human", "有个自称官方的人加我微信 说我开通了什么服务要关掉不然扣钱 是真的吗", False),
    ("human", "有人私信说他是平台内部的工作人员 交钱就能解封 真的假的", False),
    ("human", "让你们的人给我打电话", True),
    ("offdomain", "看到个好笑的想转给我妈微信 咋弄", False),
    ("offdomain", "之前绑的支付宝不用了 想换成银行卡", False),
    ("offdomain", "微博热搜怎么上", True),
    ("offdomain", "怎么才能上热搜", False),
    ("safety", "有人说我不给他刷礼物就把我家地址发到群里让人来收拾我", True),
    ("safety", "小孩被一个游戏主播诱导 每天晚上跟他视频", True),  # a game named does not veto a child lured
    ("safety", "游戏里被人击杀了怎么申诉", False),
    ("safety", "zhen de hao lei, bu xiang huo le", True),
    ("safety", "有人把我照片发出来了 怎么申请删除", False),
    ("human", "麻烦回拨一下给我", True),
    ("human", "陌生人的语音通话怎么关", False),
    ("human", "退出机器人模式", True),
    ("human", "你是机器人吧？那不用说了，换人", True),
    ("human", "你们那个客服电话一直打不通 能不能让人打回给我", True),
    ("human", "客服电话打不通怎么办", False),
    ("legal", "黑猫上我已经发了，消协那边的电话也打好了，等着吧", True),  # the hotline already called
    ("legal", "12315的电话可以写在视频简介里吗", False),
    ("safety", "刚下了他们发的会议软件，对方能看到我手机屏幕", True),
    ("safety", "直播间连麦的那个女生说她男朋友拿着刀在门外", True),  # 连麦 does not veto a knife at the door
    ("safety", "连麦pk怎么开", False),
    ("safety", "有人加我说是官方 要帮我开带货权限 让我下了个会议软件共享屏幕", True),  # selling words do not veto
    ("safety", "说要取消百万保障 得去借款app操作 我已经借了三万了", True),
    ("safety", "有人在直播间说要让我好看 还把我公司地址贴出来了", True),
    ("safety", "和平精英直播 打死人的画面会不会判违规", False),
    ("legal", "有人搬运我的原创视频 我打算起诉他 平台能给我出上传记录证明吗", False),  # against another user
    ("legal", "12315投诉商家之后平台会配合处理吗", False),
    ("legal", "再不给我退款我就起诉你们", True),
    ("human", "有没有人工审核 还是都是机器审的", False),
    ("human", "回拨在哪 错过的语音通话想打回去", False),
    ("human", "怎么关闭视频通话功能 不想让别人打给我", False),
    ("human", "我不想再打字了 直接打给我", True),
    ("human", "我想找个人帮我剪视频 平台有这种服务吗", False),
    ("human", "你们客服是不是都下班了 我要找个人", True),
    ("human", "你是机器人吧 我要和人说", True),
    ("human", "zhen ren zai ma", True),
    ("human", "我想预约回电 什么时候都行", True),
    ("human", "这事你处理不了 让能处理的来", True),
    ("human", "让你们技术来看看吧 视频一直卡在99%发不出去", True),
    ("human", "我等的是客服不是你", True),
    ("human", "我要语音通话 打字太慢了", True),
    ("human", "怎么设置不接收陌生人的语音通话", False),
    ("human", "客服是不是下班了 我现在就要找人", True),
    ("human", "和客服的聊天记录能导出吗", False),
    ("human", "我妈不会用 以后她要找客服的话点哪里 我先记下来教她", False),
    # held12: words in another sense are blanked out, not a veto of the whole message
    ("safety", "气死了 有人威胁说要把我女儿照片发到黄色网站上", True),
    ("safety", "吓死我了 有人说知道我住哪 要来找我", True),
    ("safety", "尴尬到想死 发错视频了 怎么删除啊", False),
    ("safety", "去死吧这破网 直播一直掉线 有啥办法优化吗", False),
    ("safety", "笑死 杀青视频怎么发", False),
    ("safety", "自称平台工作人员让我扫码退款 扫完了 现在让我报验证码", True),
    ("safety", "想要真人客服回我电话 就打我绑定的那个号", False),
    ("safety", "他喝多了就打我", True),
    ("safety", "救命啊 号突然显示异常 登录不上", False),
    ("safety", "救命 有人在砸我家门", True),
    ("safety", "拍警匪短剧 道具枪能出镜吗", False),
    ("safety", "拍菜刀测评视频 会因为刀具被下架吗", False),
    ("safety", "打架视频老给我推 怎么设置不看这类", False),
    ("safety", "一个陌生人老打语音电话给我 烦死了 怎么拉黑", False),
    ("legal", "不退款我就打消协电话", True),
    ("legal", "消协的电话是多少", False),
    ("legal", "我要给电视台打电话 让他们来采访你们", True),
    ("legal", "我是报社记者 想采访你们平台该联系谁", False),
    ("legal", "被人起诉了怎么办 平台能提供证据吗", False),
    ("legal", "12315那边的投诉怎么撤销 商家已经给我退了", False),
    ("human", "你是机器人吧 不想跟你说 把客服叫来", True),
    ("human", "ruhe lianxi rengong kefu", False),
    # held13: exasperation before a how-to, a thing gone missing, a ruling appealed, a knife for sale
    ("safety", "救命！！背景音乐怎么换啊 发完了才发现配错歌了", False),
    ("safety", "救命 他在砸门 怎么办", True),
    ("safety", "杀了我吧 直播间又黑屏了 推流设置到底哪里不对", False),
    ("safety", "他说要杀了我 直播间里说的", True),
    ("safety", "我爸说上次看的那个视频找不到了 还能找回来不", False),
    ("safety", "我爸出门两天了 电话打不通 人找不到了", True),
    ("safety", "视频里对我家狗说了句我要杀了你这个小可爱 被判威胁他人 怎么申诉", False),
    ("safety", "卖厨房菜刀能挂车吗 刀具类目要什么资质", False),
    ("safety", "有个老师在直播间打学生 视频还在播", True),
    ("legal", "我是律师 代表当事人就其账号被封一事向贵平台提出正式法律主张", True),
    ("offdomain", "个人主页简介能放微信号吗 会不会被封", False),
    # held14
    ("safety", "救命 登陆一直说验证码错误怎么办", False),
    ("safety", "钓鱼视频会不会被说虐待动物", False),
    ("safety", "发了个切西瓜的视频 用的大砍刀 直接给我判了个管制刀具 在哪申诉啊", False),
    ("safety", "刷到一个人说今晚要结束自己 怎么办 急", True),
    ("safety", "我妈正在跟一个冒充警察的人视频 要她转账 怎么拦住", True),
    ("legal", "已经在小红书发帖曝光了 下一步找电视台", True),
    ("legal", "fa yuan jian", True),
    ("legal", "怎么联系电视台合作", False),
    # held15
    ("safety", "救命 我不小心把给孙子拍的视频删了 还能找回来吗", False),
    ("safety", "救命啊 手机一打开就自己放视频 声音好大关不掉", False),
    ("safety", "救命 他把我关在屋子里 出不去", True),
    ("safety", "评论区好多人刷“我先走一步了”，这是什么梗", False),
    ("safety", "我先走一步了 药都准备好了", True),
    ("legal", "律师已经在起草诉状了", True),
    ("legal", "已经联系了本地媒体记者，明天来采访我", True),
    ("legal", "我是做消费维权科普的，教人怎么去12315投诉的视频能发吗", False),
    ("human", "联系客服是在“我-设置-反馈与帮助”里面吗", False),
    ("human", "客服那边说会给我回电话，回电号码一般是什么开头的", False),
    ("human", "能不能安排客服给我回个电话", True),
    # held16: a family's everyday worries in words of danger
    ("safety", "我妈拉黑了一个老同学现在后悔了 怎么解除拉黑 她急得打了我十个电话", False),
    ("safety", "孩子把家里地址拍进视频里了 她在学校我联系不上 我能删她的视频吗", False),
    ("safety", "我爸去世后他的号还在扣会员费 家属怎么取消 他手机也找不到了", False),
    ("safety", "我闺女说她同学十二点还在刷 青少年模式几点以后不能用", False),
    ("safety", "怎么设置才能不让陌生人看我女儿的作品", False),
    ("safety", "我妈抖音里绑了我的银行卡 我想解绑", False),
    ("safety", "手机刷着刷着就变得很烫 是不是要爆炸了", False),
    ("safety", "救命 我妈手机刷视频突然没声音了", False),
    ("safety", "他们绑了我儿子 要五十万", True),
    ("safety", "女儿放学没回家 联系不上", True),
    ("safety", "卡里的钱还在刷 怎么办", True),
    ("human", "我看了整个人都不好了 家长有办法处理吗", False),
    ("human", "昨天有人打电话给我爸 说是抖音客服", False),
    ("human", "你们打电话给我 我等着", True),
    # held17 and the KB's users' questions (kb/tune/part_d.jsonl): words of a handoff in another sense
    ("safety", "这周想死磕一个爆款 有没有创作课程推荐", False),
    ("safety", "怎么设置私密账号 不想让陌生人知道我住哪", False),
    ("safety", "他说知道我住哪 要来找我", True),
    ("safety", "播放量一直起不来 是不是内容有问题", False),
    ("safety", "我妈摔倒了起不来", True),
    ("legal", "别人给我发律师函说我视频侵权 平台会删我视频吗", False),
    ("legal", "用户协议里的仲裁条款是什么意思", False),
    ("legal", "新闻说消协约谈了短视频平台 是真的吗", False),
    ("legal", "我要去网信办举报你们", True),
    ("legal", "我已经准备仲裁了", True),
    ("human", "提现的支付宝想换一个", False),
    ("human", "不想让人看到我关注了谁", False),
    ("human", "换一个人来跟我说", True),
    ("offdomain", "想把钱提到支付宝 先得怎么设置", False),  # our earnings, withdrawn to another service
    ("offdomain", "付款那步报错了 可微信里钱已经没了", False),
    ("offdomain", "支付宝花呗怎么关", True),
    ("offdomain", "微信转账转错了能撤回吗", True),
    # held18: the user scrolling (not money drained), a curse at oneself quoted, a scammer's story; a photo of the
    # user's door, a drug taken with alcohol, the police asking for data, a bare transfer
    ("safety", "要死了要死了 明天考试我还在刷 怎么设置用多久就提醒我休息", False),
    ("safety", "凌晨三点了我还在刷", False),
    ("safety", "卡里的钱还在刷 怎么办", True),
    ("safety", "我在视频里骂了自己一句去死吧 开玩笑的 被提示违规了 这也不行", False),
    ("safety", "网上认识的女孩找我借钱说家里出事了 是不是骗子", False),
    ("safety", "我妈出事了 在医院", True),
    ("safety", "那人刚发了一张我家门口的照片过来 就写了两个字 明天见", True),
    ("safety", "视频里说跟踪这两个字会违规吗", False),
    ("safety", "吃了半盒头孢又喝了一瓶白酒 想看看会怎样", True),
    ("legal", "我们是某市公安局某派出所 因办案需要请平台配合调取一个账号的注册信息", True),
    ("legal", "法院要调取我的聊天记录 平台会给吗", False),
    ("human", "我真的受够这个智能助手了 直接帮我转接吧", True),
    # held19: a real person performing, someone claiming to be staff, a joke death, a violation notice, one's own
    # door filmed; a groomer's secrecy, a buyer posting the seller's address and threatening the family
    ("human", "我直播弹吉他被判定录播了 明明是真人在弹啊 怎么申诉", False),
    ("human", "有人加我说是平台工作人员要给我开通带货 要我先交钱 这是真的吗", False),
    ("human", "我要找你们的工作人员", True),
    ("safety", "直播pk输了想死哈哈哈 有没有什么提高pk胜率的技巧", False),
    ("safety", "我直播被断了 提示是疑似诱导未成年打赏 怎么申诉", False),
    ("safety", "视频里拍到了我家门口 担心暴露地址 能不能打码后重新发", False),
    ("safety", "有个人天天找我儿子连麦 让他别告诉爸妈 今天说在校门口等他", True),
    ("safety", "买家把我家地址和孩子照片发出来了 说要让我家里人付出代价", True),
    ("safety", "你们平台早晚要付出代价", False),
    # held20: a knife sent back, a news clip, a seller's 不活了 over a price, a quoted curse, a plea for views, a
    # label put on a video; days counted down, pain as relief; a word said in a video, a hotline on a product page;
    # the police asking, a lawsuit against the platform too, the mayor's hotline; a pop-up that came out, staff to
    # help run a live room; a breathing person; another service's account tied to ours
    ("safety", "在直播间买的菜刀 到手刀刃是断的 怎么退货", False),
    ("safety", "他拿着菜刀在门口砸门", True),
    ("safety", "刷到跳楼的新闻视频 看着难受 怎么设置不推这类", False),
    ("safety", "主播喊家人们我不活了 这价格亏死了 这算不算虚假宣传", False),
    ("safety", "我不活了", True),
    ("safety", "被禁言七天 我就跟朋友开玩笑说了句你去死吧 能解封吗", False),
    ("safety", "救救我的播放量吧 怎么才能上热门", False),
    ("safety", "救救我 他在打我", True),
    ("safety", "爬山视频被打上危险行为请勿模仿 至于吗", False),
    ("safety", "一个礼拜没怎么吃东西了 感觉撑不到下周了", True),
    ("safety", "我把胳膊抓破了 只有疼的时候才好受一点", True),
    ("legal", "普法视频里讲到起诉坐牢这种词会被限流吗", False),
    ("legal", "商品页写着有问题打12315 这是你们平台的电话吗", False),
    ("legal", "再不处理我就打12315", True),
    ("legal", "我是某市公安局民警 办案需要调取一个账号的注册信息和登录记录 请告知协查流程", True),
    ("legal", "我要把mcn和平台一起告了 欠我的分成一分都不能少", True),
    ("legal", "市长热线我打过了 人民网留言板也写了 看你们怎么交代", True),
    ("human", "今天不知道点了啥 出来一个会员说每个月要扣钱 你们帮我看看怎么取消", False),
    ("human", "你们出来一个能管事的", True),
    ("human", "直播间想找个人帮我管 房管在哪设", False),
    ("human", "能不能有个喘气的来回我一下", True),
    ("human", "有人吗？我说的是真的人", True),
    ("offdomain", "QQ关联怎么取消掉", False),
    ("offdomain", "qq怎么改密码", True),
    # held21: a game's ambush, a meme about the network cable, a toy gun, a meme's 不想活, cruelty to animals asked
    # about, exasperation at one's editor and at an effect before a how-to, a buyer's complaint against a seller, a
    # scammer calling himself a court; a scam at the bank counter, photos of a child's body or for a reward, a
    # painless way out, a child beaten next door, blood on a call; the regulator told too, a court's office asking;
    # a person to call an old user, the head of a team
    ("safety", "昨晚直播被打爆了 对面五个人蹲我 录屏能剪成视频发吗", False),
    ("safety", "有人蹲我家楼下 好几天了", True),
    ("safety", "弹幕有人说要顺着网线过来打我 哈哈 这种能自动过滤吗", False),
    ("safety", "cos道具是塑料枪 直播能出镜吗", False),
    ("safety", "我不想活了这个梗视频为啥被下架 我就是在搞笑", False),
    ("safety", "钓鱼直播算不算虐待动物", False),
    ("safety", "我要杀了我的剪辑师 字幕又打错了 发布以后还能改字幕吗", False),
    ("safety", "救命 这个特效到底怎么用啊", False),
    ("safety", "我外公正在银行柜台 说网上一个领导给他发补贴 要先交保证金 怎么办啊", True),
    ("safety", "有个账号天天给小学生发红包 让他们加私人号发身体照片", True),
    ("safety", "有个叔叔说只要我拍张照片给他就给我充游戏币 我11岁可以吗", True),
    ("safety", "室友锁着门不出来 一直在刷教人怎么不痛苦地离开的视频", True),
    ("safety", "邻居家天天传出小孩哭和打骂声 今天特别凶 我录了视频 怎么才能救那个孩子", True),
    ("safety", "跟我连麦的哥们说头晕 然后就倒了 他屋里好像在烧炭取暖", True),
    ("safety", "连麦的时候对方说他手上全是血 然后就不出声了", True),
    ("legal", "买家说不退款就去12315投诉我 我作为商家该怎么应对", False),
    ("legal", "有个号自称法院发传票让我加微信 是不是诈骗", False),
    ("legal", "工商那边我也会同步反映 别以为我只是说说", True),
    ("legal", "法院执行局的 需要平台协助查询一名被执行人的收款记录 怎么对接", True),
    ("human", "我妈让我问 能不能有人打电话教她怎么提现 她看不懂字", True),
    ("human", "游戏直播的分成不对 我要跟你们结算那边的负责人直接沟通", True),
    # held22: laughing till it hurts, blood as make-up, a cop film, 开盒 asked about, a video explaining 12315, staff
    # set up as the shop's service, the shop's account manager; wanting to vanish, 人工 pressed again and again, a
    # person asked for after closing time; our account asked about in English
    ("safety", "刷到一个视频笑到肚子疼 怎么保存到相册", False),
    ("safety", "我肚子疼得厉害 起不来了", True),
    ("safety", "万圣节的流血妆特效能用吗", False),
    ("safety", "发了一段警匪片 警察开枪那段被下架了", False),
    ("safety", "评论区都在说开盒 开盒是什么意思啊", False),
    ("safety", "有人把我开盒了 住址都发出来了", True),
    ("safety", "好想就这样消失", True),
    ("legal", "12315维权流程的科普视频能发吗", False),
    ("human", "企业号怎么添加员工当客服", False),
    ("human", "商家后台怎么设置人工客服接待", False),
    ("human", "商家怎么找到自己的专属客户经理 在后台哪里看", False),
    ("human", "怎么又是你 我点了好几次人工了 到底有没有人", True),
    ("human", "客服是都下班了吗 一个喘气的都没有 我要跟人说", True),
    ("human", "客服几点下班", False),
    ("offdomain", "how to delete my account", False),
    # held23: a stranger asking when a child leaves school, a goodbye in pinyin and English, a scam call in English,
    # the police asking for data; a kitchen knife as goods, a video gone missing, a fight on film, what arbitration
    # means, a licence number, a digital human's stream, where customer service is; held_kbq5: an account bound to
    # WeChat, looking a user up, an adult taken for a minor, an agent complained about; held_fb11: another app held
    # up as the example to follow, our refund looked for in 支付宝
    ("safety", "有人拿我孩子的照片做头像 还私信问孩子几点放学", True),
    ("safety", "bu xiang zai kan dao ming tian de tai yang le", True),
    ("safety", "i dont want to be alive anymore", True),
    ("safety", "pls help my friend is live streaming on a rooftop edge and saying goodbye", True),
    ("safety", "someone pretending to be your staff is on the phone asking for my bank code", True),
    ("safety", "刀具类商品能在小店卖吗 菜刀算不算管制刀具", False),
    ("safety", "他拿着菜刀说要砍我", True),
    ("safety", "我爸不见了 就是他发的那个钓鱼视频 突然没了 怎么找回来", False),
    ("safety", "我女儿不见了 她发的最后一个视频说要去找网友", True),
    ("safety", "拍短剧有打斗流血的镜头 需要打码吗", False),
    ("safety", "绑微信登录 绑了以后能解吗", False),
    ("safety", "他们把我绑了 在一个仓库里", True),
    ("legal", "我是派出所的，正在办一个案子，需要你们配合提供某个用户的登录IP，怎么走正式调证流程", True),
    ("legal", "收到一条短信说法院起诉我网购欠款 是不是诈骗 怎么辨别", False),
    ("legal", "你们是不是诈骗 我要起诉", True),
    ("legal", "仲裁是什么意思 我看用户协议里写着争议提交仲裁", False),
    ("legal", "转载央视新闻的片段会不会侵权", False),
    ("legal", "你们侵权了 我要起诉你们", True),
    ("legal", "工信部备案号在App哪里能看到", False),
    ("legal", "我要去工信部投诉你们", True),
    ("legal", "你们客服态度太差了 我要投诉他", False),
    ("human", "找人功能在哪 怎么通过手机号找朋友", False),
    ("human", "数字人直播需要真人在场吗", False),
    ("human", "where is the customer service entrance in the app?", False),
    ("human", "怎么找一个人 我只知道他叫啥名", False),
    ("human", "咋找个人都没有 你们客服呢", True),
    ("human", "QQ不想跟这个号绑着了", False),
    ("human", "不想和你聊 找人工", True),
    ("human", "说我疑似未成年把号封了 我是大人啊", False),
    ("human", "关掉了“允许通过手机号找到我”，同事还是在推荐好友里看到我了。", False),
    ("human", "后台值班的同事在吗 看到这条麻烦亲自回我一下 不要自动的", True),
    ("offdomain", "人家小红书搜索能按最新排序，这边也弄一个吧。", False),
    ("offdomain", "显示退款成功三天了，支付宝里查不到这笔退款。", False),
    ("offdomain", "淘宝怎么退款", True),
    # held24: a scam reported to the police by its victim, a joke title, a meme, a label put on a video, a draft lost
    ("legal", "被刷单返利骗了三百 已经报警了 平台能封那个骗子号吗", False),
    ("legal", "你们平台骗钱 我已经报警了", True),
    ("legal", "我想做个搞笑视频 标题叫“我要起诉我的猫” 会违规吗", False),
    ("legal", "“律师函警告”这个梗能用在视频标题里吗", False),
    ("safety", "献血的vlog被打了血腥标签 怎么申诉", False),
    ("safety", "我被打了 好疼", True),
    ("safety", "救命啊 草稿全没了 能找回吗", False),
    ("safety", "救命 有人要打我", True),
    # held25: a lawyer's badge applied for, a remix of a TV show, the police asking where to send a request; where
    # the way to a person is, old colleagues, appeals compared, a real teacher; comments exploding, laughing till
    # one could die, 打死我也想不到, a gunshot effect; gas turned on, a fee about to be paid, a child asked out;
    # held_kbq7: a block asked about, a crash filmed, a video sent to WeChat, a withdrawal typed 体现
    ("legal", "想申请律师身份的黄V 要交哪些证明", False),
    ("legal", "我已经请了律师 等着收传票吧", True),
    ("legal", "315晚会相关的二创会不会违规", False),
    ("legal", "我是经侦大队的 关于一起诈骗案需要调取账号交易流水 协查函发到哪", True),
    ("legal", "如果有人被举报到派出所了 平台会配合调查吗", False),
    ("human", "我的页面里哪里能点进去找人工 找半天没找到", False),
    ("human", "想把毛笔字拍下来发上去给老同事们看看 点了加号就不会弄了", False),
    ("human", "人工申诉和自助申诉有啥区别", False),
    ("human", "有没有官方的创作者培训课 真人老师带的那种", False),
    ("human", "给我转人工 在哪都找不到人工", True),
    ("safety", "要炸了 评论一下涨了几千条 怎么置顶评论", False),
    ("safety", "笑到想死 这个合拍怎么弄的", False),
    ("safety", "打死我也想不到视频会火 怎么接广告", False),
    ("safety", "开枪特效在哪里找", False),
    ("safety", "有人拿枪指着我", True),
    ("safety", "煤气已经开了", True),
    ("safety", "网上贷款说要先交解冻费才能放款 我准备转了 这是真的吗", True),
    ("safety", "保证金要交那么多 我就卖点手工饰品 门槛太高了", False),
    ("safety", "有个主播一直哄我家小孩打赏 还约她线下见面 孩子才11岁 明天就要去了", True),
    ("safety", "有个人老是缠着我，想让他再也看不到我、联系不上我", False),
    ("safety", "我女儿出去玩 现在联系不上了", True),
    ("safety", "拍到路上车祸现场了，能发出来提醒大家吗，有血的那种", False),
    ("offdomain", "看到个好玩的想发给微信上的闺蜜，咋发过去", False),
    ("offdomain", "体现到支付宝一般要多久才到账，等了一晚上了", False),
    ("offdomain", "微信怎么发朋友圈", True),
    # held26: another user sued, a lawyer's letter template, a regulator's requirement; a danger word quoted in a
    # title, hyperbole, 救命 in delight; a painless way out searched for, a banking app opened for a scammer; a
    # person asked for after 你是机器人吧, the bot's abilities asked about; a shop moving from 淘宝 to 抖店
    ("legal", "我想起诉盗我视频的那个博主 平台能提供他的身份信息给我吗", False),
    ("legal", "我要起诉你们平台和那个博主", True),
    ("legal", "律师函模板哪里有 我想发给搬运我视频的人", False),
    ("legal", "主管部门要求我们企业号公示营业执照 在哪上传", False),
    ("legal", "我要向主管部门投诉你们", True),
    ("safety", "拍心理危机干预的公益视频 标题能带“自杀”两个字吗", False),
    ("safety", "健身视频标题写“练腿练到想死” 会被当负面内容吗", False),
    ("safety", "救命 这也太好看了吧 这个特效叫啥名字", False),
    ("safety", "救命 他要杀我", True),
    ("safety", "一直在搜怎么能不痛地离开", True),
    ("safety", "刷单那边说再转5000就能全部提现 我手机银行都打开了", True),
    ("human", "你是机器人吧？那就别浪费我时间了 让人工接", True),
    ("human", "你们的智能客服能回答店铺后台的问题吗", False),
    ("offdomain", "之前一直在淘宝 最近想转过来做抖店 新店第一个月大概要交多少钱", False),
    ("offdomain", "淘宝开店要交多少保证金", True),
    # held_fb14: 玩人呢, pushed to spend a refund, picture-in-picture wanted while on WeChat
    ("human", "提现活动说能拿一百 最后差0.01提不了 玩人呢", False),
    ("human", "客服人呢", True),
    ("safety", "退款不退原路 退到抖音余额里 什么意思？逼我接着花？", False),
    ("safety", "他逼我转账", True),
    ("offdomain", "求画中画 想一边回微信一边看", False),
    # held_kbq8: a QQ link to undo, an account no longer followed, a record that follows the user, a phone locked
    # in teen mode
    ("offdomain", "QQ跟这个号连着，我不想连了，怎么断开", False),
    ("offdomain", "qq怎么改密码", True),
    ("human", "之前关注的一个人现在天天发广告，不想跟着他了怎么弄", False),
    ("safety", "之前违规过一次，这个记录会一直跟着我吗，多久能消掉", False),
    ("safety", "他一直跟着我 我好害怕", True),
    ("safety", "青少年模式的4位密码忘了，关不掉，手机被锁在里面了", False),
    ("safety", "我被锁在房间里了", True),
    # held27: burning oneself, someone unresponsive after drinking, a parent following a scammer in online banking,
    # a card password typed into a link, a rooftop said beside 连麦; a child's DMs closed, a hypothetical report, a
    # professional complainer, the cold palace, knife work; 12315 telling the user to negotiate, the police asking
    # or asked about; 紧急联系人, a chat with an agent cut off, 转人 after 你是机器人吧; our shop's deposit
    ("safety", "心里堵得慌，想用烟头烫自己", True),
    ("safety", "连麦对面的主播喝了很多酒，现在泡在浴缸里没反应了", True),
    ("safety", "点了发布按钮没反应了", False),
    ("safety", "我爸正按“抖音官方”的指示操作网银，说要关什么百万保障，我拦不住他", True),
    ("safety", "对方发了个链接让我输银行卡密码领退款，我已经填了一半了", True),
    ("safety", "连麦的那个女生说她已经站在天台边上了", True),
    ("safety", "连麦怎么开", False),
    ("safety", "有陌生人在评论区问我女儿要微信，她没理，我想把她账号的私信关掉，怎么弄", False),
    ("safety", "有陌生人约我女儿见面 我想把她私信关掉", True),
    ("safety", "如果以后刷到有人发想轻生的视频，应该选哪个举报分类？想先了解清楚", False),
    ("safety", "被职业打假人盯上了，他说要去市场监管举报我的店，我这边需要准备些啥材料", False),
    ("safety", "我这号是不是被打入冷宫了，发啥都没流量", False),
    ("safety", "我爸喜欢拍切菜的刀工视频，昨天突然被限流，说涉及危险物品。做饭用的菜刀也不行吗", False),
    ("legal", "12315那边回复说让我先跟平台协商退款，协商的入口在哪", False),
    ("legal", "12315让我先协商 协商不成我就起诉你们", True),
    ("legal", "公安机关的协查函怎么提交给你们？需要调取一个直播间的打赏流水", True),
    ("legal", "平台收到警方调取记录的要求 会通知用户本人吗", False),
    ("human", "紧急联系人最多能加几个？", False),
    ("human", "你是机器人吧？那不用说了，转人", True),
    ("human", "刚才跟人工客服聊到一半断线了，之前的聊天记录在哪能看到", False),
    ("offdomain", "保证金不足提示让补缴，补完之后多久能恢复正常经营", False),
    # held_fb15: a seller's 还活不活了, our shop wished linked to WeChat
    ("safety", "保证金说涨就涨 一个通知就让我们多交两万 小商家还活不活了", False),
    ("safety", "我不活了", True),
    ("offdomain", "要是能跟微信小程序打通就好了 我的老客户都在微信里", False),
    # held_kbq9: ai inside an English word (failed), where customer service is asked in pinyin
    ("human", "upload一直failed 换了网也不行", False),
    ("human", "ai客服说不清楚", True),
    ("human", "rengong kefu zai na li zhao", False),
    # held28: the second line asked for, an agency's contact to be put through, a field controller hired; the police
    # asking in formal words; a child told to undress on a call; passers-by filmed, suicide prevention as a subject,
    # a first-aid video asked about
    ("human", "你的回答没用 请转二线处理", True),
    ("human", "帮我接一下对接我们MCN的运营同学，机构这边有急事", True),
    ("human", "我想给直播间招个人工场控 平台对这个有什么规定吗", False),
    ("legal", "公安机关依法调证，请提供贵平台接收调证函的邮箱和联系人", True),
    ("legal", "法院要调证据找谁", False),
    ("safety", "一个叔叔在直播连麦里让我儿子把衣服脱了", True),
    ("safety", "有人发了偷拍路人的视频 这种内容平台允许吗", False),
    ("safety", "路人不小心入镜 算不算偷拍", False),
    ("safety", "有人偷拍我 还发到网上", True),
    ("safety", "自杀预防主题的公益视频能投DOU+吗", False),
    ("safety", "我需要自杀干预热线", True),
    ("safety", "刷到的急救视频里教的海姆立克法是对的吗", False),
    ("safety", "快叫急救 他倒了", True),
    # held29: service contacts in traditional characters and pinyin, a ticket's progress looked up, a 真人 badge, a
    # meme and a film's line, a review by a person or the system, a voice bot wished for; a game's 杀穿, a murder
    # documentary, a joke's 杀了我, an edit that makes one 想死
    ("human", "怎麼聯絡人工客服", False),
    ("human", "ren gong ke fu dian hua shi duo shao", False),
    ("human", "人工客服说三个工作日 今天第四天了 进度在哪查", False),
    ("human", "工单进度在哪查 给我转人工", True),
    ("human", "交友里那个真人标签怎么获得", False),
    ("human", "我要跟活人说话 这句台词出自哪部电影", False),
    ("human", "申诉之后是人工看还是系统看", False),
    ("human", "你是人工还是机器人 换个人来", True),
    ("human", "机器人客服能改成语音的吗", False),
    ("safety", "今晚五排谁来 我要杀穿", False),
    ("safety", "这个杀人案纪录片叫什么名字", False),
    ("safety", "他说要杀了我哈哈哈 这段拍成视频会火吗", False),
    ("safety", "他说要杀了我 我好怕", True),
    ("safety", "这视频剪得我想死", False),
    # held_fb17: another app that already has a thing, watching in a small window while replying on WeChat
    ("offdomain", "稍后再看功能什么时候能有啊 b站都有", False),
    ("offdomain", "想要个小窗播放 边刷边回微信", False),
    ("offdomain", "b站有没有会员", True),
    # held_kbq11: 人共 inside 家里人共用 (人工 typed 人共 stays a request for a person), a play's 主人公
    ("human", "会员能不能给家里人共用", False),
    ("human", "转人共", True),
    ("human", "这个剧的主人公叫什么", False),
    # held30: exasperation (我要炸了) and a threat to blow something up, a self-defence lesson, progress tracked, a
    # wife's threat to throw the phone, a mother's 打死 over a top-up, a game's quoted 杀了他, meat cut with a knife, a
    # knife's brand, a hooked fish that bled, a farewell; the app's 12315 entry, a law firm's advert, a legal
    # channel's cases, a judge freezing income; an agent rated, the bot praised over the agents
    ("safety", "我要炸了 上传到99%又失败了", False),
    ("safety", "我要炸了他们公司 说到做到", True),
    ("safety", "看了个女生被跟踪的防身教学视频 有更多这类的吗", False),
    ("safety", "健身打卡 跟踪体重变化的视频模板在哪", False),
    ("safety", "有个男的一直跟踪我 我好怕", True),
    ("safety", "我老婆威胁我再刷就把手机扔了 哈哈 有没有防沉迷设置", False),
    ("safety", "要被我妈打死了 手滑充了648 能退吗", False),
    ("safety", "我爸喝醉了说要打死我", True),
    ("safety", "我会被我老公打死的 他已经打过我好几次了", True),
    ("safety", '吃鸡直播里喊"我杀了他" 会不会被系统误判啊', False),
    ("safety", "火锅店直播 有拿刀切肉的画面 可以吗", False),
    ("safety", "这个博主用的菜刀是哪个牌子 想买", False),
    ("safety", "钓鱼视频 鱼嘴挂钩流了点血 审核一直不给过", False),
    ("safety", "明天大家就再也看不到我了", True),
    ("legal", "app里那个12315投诉入口在哪 商家发货太慢了", False),
    ("legal", "我要去12315投诉你们", True),
    ("legal", '老刷到那种"打官司找xx律师"的广告 能不能别推了', False),
    ("legal", "法治频道的案件回顾 能不能搬运", False),
    ("legal", "我是执行局的法官 依法需要冻结某账号的收益", True),
    ("legal", "我是市场监管局的 想开个政务号", False),
    ("human", "刚才那个人工客服态度挺好的 在哪给她打分", False),
    ("human", "你比以前的人工客服还快 厉害", False),
    # held31: a deskmate or a boyfriend who follows the user's lead, door-to-door fees, a gaming friend's solo, a
    # father's 打死 laughed at; a scammer asking for more after the user paid; a tax inspection, a market regulator
    # and a company's legal department asking formally, 广告 read as 告; a dedicated agent arranged
    ("safety", "我同桌天天跟着我 说要学我拍变装视频 变装怎么卡点啊", False),
    ("safety", "我男朋友天天跟着我刷同一个博主 想问怎么创建共同收藏夹", False),
    ("safety", "前男友天天跟着我 还说要来我家", True),
    ("safety", "有个同学天天跟着我回家", True),
    ("safety", "物业说要挨家挨户找上门收费 我录了视频想发 能@物业公司的号吗", False),
    ("safety", "开黑的朋友说要找上门跟我solo 笑死 这种语音能剪进视频吗", False),
    ("safety", "我爸说要打死我因为我打游戏 哈哈 拍个搞笑段子用啥模板好😂", False),
    ("safety", "有人说我中奖了要先交税才能领 我转了一半他催我转剩下的", True),
    ("legal", "税务局稽查 需要平台提供某主播的收入流水", True),
    ("legal", "起诉需要平台提供什么材料", False),
    ("legal", "我是市场监管局的工作人员 要求平台提供某直播间商家的经营资质材料", True),
    ("legal", "我们公司的商标被店铺冒用 法务部要向平台提交正式的侵权投诉函", True),
    ("legal", "我的照片被人拿去做广告 我要发律师函给你们和那个商家", True),
    ("human", "我是商家 店铺保证金的问题请安排专属客服对接", True),
    ("human", "我不和你说了 让你们的老大来", True),
    ("human", "兄弟别发链接了 号被封了战队明天打比赛 让你们运营直接跟我聊", True),
    ("human", "怎么让运营给我推流", False),
    # held32: a danger word quoted as a lyric, a song's name, a self-defence title, a novel's title; a crab's pinch,
    # a water-bead toy gun; a court's judgement, the customs asking
    ("safety", '说唱歌手的"杀"字歌词被消音了', False),
    ("safety", '歌名带"想死"的那首歌为啥在音乐库里找不到', False),
    ("safety", '防身术教学"被人从后面掐脖子怎么挣脱"，这标题能用吗', False),
    ("safety", "推理小说书名叫《我杀了我老公》，能直接当标题吗", False),
    ("safety", '他说"我要杀了你" 我好怕', True),
    ("safety", "赶海被螃蟹夹到手流血，这段要打码吗", False),
    ("safety", "他拿刀划我手流血了", True),
    ("safety", "玩具水弹枪能在小店卖吗", False),
    ("legal", "法院判决要求你们删除那条视频，判决书怎么提交", True),
    ("legal", "法院判决书能拍成视频发吗", False),
    ("legal", "海关缉私局需要核实一个带货账号的资料", True),
    # held33: a fish that died on a fishing stream, a shooter's headshot, an episode's or a sketch's quoted title, a
    # stream's quoted cry, a guild's course quoting the rules; a drama's lawsuit, a regulator's campaign, the user
    # sued and asking how to export messages, the lawyer's letter of the user's own; a sketch's quoted line, a
    # figurine, an agent praised; filming one's working day
    ("safety", "钓鱼直播 鱼死了算血腥画面吗 哈哈", False),
    ("safety", "我的猫死了 我也不想活了", True),
    ("safety", "吃鸡被一枪爆头 气死了 这种集锦怎么剪", False),
    ("safety", "他拿枪指着我", True),
    ("safety", '心理学博主 做了期"如何识别身边人的自杀信号" 能投DOU+吗', False),
    ("safety", '拍了个"老板要杀了我"的职场搞笑段子 能上热门吗', False),
    ("safety", '有人直播喊"救命"其实是在玩恐怖游戏 这种标题党能举报吗', False),
    ("safety", "救命 有人在直播间说要来我家", True),
    ("safety", "想引用平台关于观众发轻生言论时的处理规范 官方文档在哪", False),
    ("safety", "xiang si, mei ren zai hu wo", True),
    ("legal", "打官司题材的短剧 哪里找无版权素材", False),
    ("legal", "网信办的清朗行动对小博主影响大吗", False),
    ("legal", "被人起诉了 律师让我导出聊天记录 平台私信怎么导出", False),
    ("legal", "你们平台是不是被起诉过 网上看到新闻 好奇问问", False),
    ("legal", "粉丝开玩笑说要给我寄律师函 哈哈 这是啥新梗", False),
    ("legal", "收到我的律师函别说没提醒你们", True),
    ("legal", "我要起诉你们 这个短剧明明是我原创的", True),
    ("human", "你们这个客服是真人还是AI啊 好奇问问", False),
    ("human", "你是真人还是AI 不是的话给我转人工", True),
    ("human", '拍了个"叫你们经理出来"的情景喜剧 能上热门吗', False),
    ("human", '在拍客服吐槽短剧 台词里一直喊"转人工" 会被误判吗', False),
    ("human", "真人手办开箱能带货吗", False),
    ("human", "上次那个人工客服很耐心帮我解决了 在哪给她好评", False),
    ("human", "短剧被下架了 转人工", True),
    # held34: a farewell to the world, a bounty on one's address; a TV station's help column called in; staff asked to
    # ring back; against: a video that teaches how to spot a pig-butchering scam, a hair-transplant clinic's ads, a
    # shooter's best gun, an English idiom to translate
    ("safety", "想跟这个世界说拜拜了 没什么好留恋的", True),
    ("safety", "网上有人悬赏我的住址 说找到了就去教训我", True),
    ("safety", "想拍一期教大家识别杀猪盘的视频 需要注意啥", False),
    ("safety", "吃鸡哪把枪最好用", False),
    ("safety", "帮我翻译一下 I want to kill time", False),
    ("safety", "他说要拿枪来找我", True),
    ("legal", "我已经联系了电视台的帮忙栏目 他们下周来采访", True),
    ("legal", "想采访一下同城的探店博主 怎么私信比较礼貌", False),
    ("human", "麻烦让审核那边的老师直接跟我联系", True),
    ("human", "人工植发的广告能在这投吗", False),
    ("human", "人工客服在哪 我要投诉", True),
    # held_kbq14: logging in with WeChat's icon is ours
    ("offdomain", "想以后直接点那个绿色微信图标就能登进来", False),
    # held35: last words to keep, a painless way asked for with nothing it is for; 转接 said again and again; a suit
    # announced before a comma and the word 主播 (the normalised text has ASCII commas); against: a callback's wait
    # asked about, a game's clips asked about as our content, a painless way to get one's ears pierced
    ("safety", "帮我把遗言存一下吧", True),
    ("safety", "最近一直在查哪种方式不会疼", True),
    ("safety", "打耳洞哪种方式不会疼", False),
    ("human", "转接！转接！转接！", True),
    ("legal", "我准备收集好材料直接去法院起诉，不要以为我们小主播好欺负", True),
    ("legal", "起诉那个主播需要什么材料", False),
    ("human", "客服说会有人联系我，大概要等几天？", False),
    ("offdomain", "和平精英击杀集锦能发吗 会不会算暴力", False),
    ("offdomain", "和平精英怎么提升段位", True),
    # held36: the central bank, the copyright office, "the departments concerned", a long post to expose us; a knife
    # packed for revenge (a game stream mentioned does not veto it); a one-to-one contact arranged; against:
    # exaggerations, a game's gunfire, a drama's fall, a consumer body's hotline played in a sketch, a callback's wait
    ("legal", "乱扣款这事我会向人民银行反映的", True),
    ("legal", "材料我已经寄给版权局了，顺便说一声", True),
    ("legal", "我截图录屏全留着 到时候一起交给相关部门", True),
    ("legal", "需要交给相关部门吗", False),
    ("legal", "我要发长文全网曝光，让大家看看你们是怎么对待老用户的", True),
    ("safety", "我弟打游戏直播的时候说今晚要去学校报复那几个人，他书包里装了刀", True),
    ("human", "麻烦给我安排一对一的对接，谢谢", True),
    ("safety", "我要爆炸了 OBS推流一直失败 码率该设多少", False),
    ("safety", "我要炸了他们公司 说到做到", True),
    ("safety", "搞死人了 换绑手机号一直提示频繁", False),
    ("safety", "打CS直播一直有枪声 系统会不会误判啊", False),
    ("safety", "短剧里男主跳楼那集为什么被删了 我还没看完", False),
    ("legal", "想拍一个模仿12315热线接线员的搞笑视频，可以吗", False),
    ("human", "提交了回电申请，一般多久会打过来？", False),
    # the same thing said again and again is impatience (the angry acknowledgement, not the distressed one); a
    # brand's reminders, a message resent, a hotline tried are not (28th session)
    ("emotion.angry", "我再说最后一遍：我 要 找 活 人", True),
    ("emotion.angry", "说了八百遍了 转人工", True),
    ("emotion.angry", "第三次问了 提现到底什么时候到", True),
    ("emotion.angry", "我的商单视频一直在审核 品牌方催了好几次了", False),
    ("emotion.angry", "消息旁边一直有个红色感叹号，重发多少次都一样", False),
    ("emotion.angry", "我婆婆打了好几遍热线都是语音导航", False),
    # asking how many times one may ask is not impatience; asking how many times one has asked is (29th session)
    ("emotion.angry", "客服一天能问多少次", False),
    ("emotion.angry", "我都问了多少次了 还没人管", True),
    # held37: 信访 and a report to the departments concerned are legal steps; a faint pretended in a prank video is
    # not a danger; 在马 is 在吗 mistyped
    ("legal", "你们再封我号我就去信访", True),
    ("legal", "你们无理由删我的评论，我会向有关部门反映这个问题", True),
    ("legal", "向有关部门反映怎么写材料", False),
    ("safety", "拍了个恶作剧假装晕倒的视频，被下架了，哪里违规了", False),
    ("safety", "我朋友突然晕倒了 叫不醒", True),
    ("smalltalk.ping", "在马？？", True),
    # held40 (33rd session): a lawyer asking how to obtain evidence (the KB answers it) against a lawyer's threat; a
    # bare complaint that the answer missed is a person wanted, the way to complain about it a how-to; another
    # service's account banned or post limited is not ours, ours is; who made the bot
    ("legal", "我是代理律师 案子需要调取平台上的证据 应该走什么流程联系你们", False),
    ("legal", "我是律师 你们侵权 我要起诉你们", True),
    ("human", "答非所问 无语", True),
    ("human", "你说了半天等于没说啊", True),
    ("human", "客服答非所问怎么投诉", False),
    ("offdomain", "小红书笔记被限流了怎么办", True),
    ("offdomain", "微信被封了怎么解封", True),
    ("offdomain", "快手的号被封了 在你们这能申诉吗", False),
    ("offdomain", "我的视频被限流了 微信群里的人都说是违规了", False),
    ("smalltalk.identity", "你是谁开发的", True),
    # kb/tune (35th session): a game's account banned is not ours; the game streamed here is
    ("offdomain", "王者荣耀账号被封了怎么解封", True),
    ("offdomain", "直播王者荣耀号被封了", False),
    # held41 (37th session): which reason to pick when reporting a video, a drama's hanging scene, a quoted nickname,
    # 出人命了 said of views, a lawsuit against the user, a caller checked before paying, machine and human review
    # compared, bot accounts in the comments; against a threat to come offline, a farewell, a payment already made
    ("safety", "看到有人发自残的视频 举报选哪个类别", False),
    ("safety", "有个主播正在直播里说要自杀 你们快管管", True),
    ("safety", "恐怖短剧里有上吊的镜头 是假的 审核能过吗", False),
    ("safety", "我的昵称叫“不想活了的咸鱼” 改名时提示违规 为啥", False),
    ("safety", "我真的不想活了", True),
    ("safety", "出人命了 播放量从十万掉到两百 是限流了吗", False),
    ("safety", "这游戏玩的我想死 游戏直播要怎么开", False),
    ("safety", "有人自称平台客服让我转钱解冻账户 是真的吗", False),
    ("safety", "有人自称平台客服让我转钱解冻 我已经转了三千 是真的吗", True),
    ("safety", "榜一大哥说不跟他连麦就来线下找我算账 他已经查到我在哪个城市了", True),
    ("safety", "跟我说声晚安吧 以后不会再来了", True),
    ("legal", "朋友说我视频里用了他的照片要起诉我 我先删视频有用吗", False),
    ("legal", "你们再不退钱 我就起诉你们", True),
    ("human", "机审和人审有什么区别", False),
    ("human", "评论区全是机器人水军 能过滤掉吗", False),
    ("human", "官方客服会用什么号码打给我 怎么辨别真假", False),
    ("human", "能不能让真的客服加我一下 我截图发给他看", True),
    ("smalltalk.identity", "你是AI还是真人啊", True),
    # held42: a child who swallowed a laundry pod, danger in English, 救命 before a blurred export, 去死 quoted from the
    # comments, a house number to hide, someone who says he will sue the user, records exported for a lawsuit with
    # a merchant, a lost phone reported, the police asking us to cooperate, a person asked to look, a phone for the
    # elderly, who is liable; with their counterparts
    ("safety", "俺家娃学视频里的吃洗衣凝珠，刚咽下去一个，咋办咋办", True),
    ("safety", "吃洗衣凝珠的挑战视频能发吗", False),
    ("safety", "I am scared, a man from live stream find my home address, he is outside my door now", True),
    ("safety", "救命 剪好的视频导出来糊成一片", False),
    ("safety", "有人在我视频底下刷“去死吧”，怎么批量删评论", False),
    ("safety", "视频里不小心拍到我家门牌号了，能改成仅自己可见吗", False),
    ("safety", "他拍到我家门牌号了 说今晚要来找我", True),
    ("legal", "有个大爷说我拍到他的脸要起诉我，你们会不会把我电话给他", False),
    ("legal", "我想把跟商家的聊天记录导出来，打官司要用，能导吗", False),
    ("legal", "手机丢了已经报警了，回执也有，账号能先冻结吗", False),
    ("legal", "老公在你们直播间被主播骗去二十多万打赏，我们已经报案，公安要求你们配合", True),
    ("legal", "我被人骗了两千 已经报警了", False),
    ("human", "我那个申诉能不能让人亲眼看一下，机器审的根本就不对", True),
    ("human", "老人机能装你们这个不", False),
    ("human", "直播间挂的是别人家的货，出了问题谁负责", False),
    ("human", "出了问题谁负责 叫你们负责人出来", True),
    ("human", "人工客服在哪儿能找到啊 我在设置里翻半天没看着", False),
    # held41's and held42's vetoes give way to an explicit transfer, as their neighbours do (transfer_asked)
    ("human", "人工客服在哪 给我转人工", True),
    ("human", "评论区全是水军 给我转人工", True),
    ("human", "心理援助热线一直打不通 给我转人工", True),
    ("human", "谁负责 帮我转人工", True),
    ("human", "我搜《不想长大》这首歌 为什么跳出来一个求助热线", False),
    # held43 (38th session): threats said in jest and asked about, a drama's kidnapping and river scene, a spinning
    # upload, a quoted 我要炸了, 杀马特, the agents asked about out of curiosity, a lawyer's-letter sticker; against
    # a goodbye that asks not to be looked for, a job at a border compound, suing us over an official account, a
    # lawyer threatened back, a court's freeze, the platform told it shares the blame
    ("safety", "评论区有人说要打我 其实是我兄弟开玩笑的 这种评论我自己能删吗", False),
    ("safety", "在评论里说我杀了你这种玩笑话 会被屏蔽吗", False),
    ("safety", "直播的时候开玩笑说了句我要跳楼了 结果被断播了 怎么申诉", False),
    ("safety", "他说其实是开玩笑 可他真的到我家楼下了", True),
    ("safety", "想拍个被绑架的短剧 道具枪能出镜吗", False),
    ("safety", "短剧里女主跳河的情节 审核能过吗", False),
    ("safety", "气死我了 视频发了半天还在转圈", False),
    ("safety", "卡里的钱还在扣 停不下来", True),
    ("safety", "标题写“我要炸了”会不会触发审核", False),
    ("safety", "粉丝说我是杀马特 头像怎么换", False),
    ("safety", "如果我明天没更新 就别找我了 不用担心", True),
    ("safety", "网上认识的人让我去缅甸那边工作 说月薪三万包吃住", True),
    ("human", "人工客服是外包的吗 好奇问问", False),
    ("human", "好奇问问 算了直接给我转人工", True),
    ("legal", "我发了个律师函警告的表情包 结果被判违规了 为啥", False),
    ("legal", "我的原创作品被你们平台自己的官方号盗用了 我要起诉你们侵权", True),
    ("legal", "收到一封律师函说我侵权 我要你们给个解释 否则我也找律师", True),
    ("legal", "法院要冻结执行我账户里的收益", True),
    ("legal", "我报警了 你们平台上的店铺卖假货 平台也脱不了干系", True),
    # held_kbq25 (38th session): money taken out to 支付宝, a third-party login no longer wanted, bots to look busy,
    # chatting while watching, a newspaper's interview
    ("offdomain", "赚的钱咋转出来 到支付宝里", False),
    ("safety", "QQ那个不想绑了 怎么解开", False),
    ("human", "开播没人看 想弄点机器人挂在直播间撑场面 行不行", False),
    ("human", "边看直播边跟人聊微信 画面能悬浮在上面吗", False),
    ("legal", "我在报社工作 想就青少年沉迷问题约你们公关聊聊", False),
    # held44 (38th session): a review by a person asked about, a certificate for a lawsuit, an AI voice, 救命 before a
    # lost draft, the cost of a lawyer, another app's own how-to, Cantonese; with their counterparts
    ("human", "俺想问下人工复审咋申请", False),
    ("human", "用AI配音会不会被判不是真人", False),
    ("human", "係咪真人嚟㗎", False),
    ("legal", "打官司要用私信记录 平台能出个证明不", False),
    ("legal", "请律师一般要多少钱", False),
    ("legal", "信唔信我告你哋", True),
    ("safety", "救命啊 草稿箱全没了", False),
    ("safety", "救命 孩子不见了", True),
    ("safety", "點解要活落去 好攰", True),
    ("offdomain", "快手直播怎么开", True),
    ("offdomain", "如何在youtube上开直播", True),
    ("offdomain", "腾讯视频会员怎么取消自动续费", True),
    ("offdomain", "在快手上开直播和你们这有啥区别", False),
    ("offdomain", "花呗分期能用吗", False),
    # held_kbq26 (39th session): another service's own payment password, a bank's card limit; ours paid with them
    ("offdomain", "微信支付密码忘了怎么找回", True),
    ("offdomain", "建行信用卡额度怎么提", True),
    ("offdomain", "信用卡还款日是哪天", True),
    ("offdomain", "用微信支付怎么充值抖币", False),
    ("offdomain", "信用卡额度不够 充值不了抖币", False),
    ("smalltalk.thanks", "唔該晒", True),
    # 40th session: a request for a person that says it does not want the machine (a Cantonese one of the held sets,
    # read in Mandarin) and the comparison the veto is for; small talk from intents/cantonese_tune
    ("human", "帮我转人工啊 不想和机器聊", True),
    ("human", "我要人工，不要跟机器说话", True),
    ("human", "人工客服和智能客服有什么区别", False),
    ("smalltalk.ping", "有没有人在这", True),
    ("smalltalk.greeting", "早晨", True),
    ("smalltalk.identity", "你多大了", True),
    ("smalltalk.ack", "nsdd", True),
    # held45 (41st session): a caller having a relative read out a bank code, a prize's fee about to be paid,
    # starving oneself shut in, 砍一刀 of a shopping app, exposure on Weibo, a reporter's story, a user who is a real
    # person, a call put through, a goodbye and praise in other words, a Taobao order; with their counterparts
    ("safety", "我爸正在跟客服视频 对方让他把银行卡验证码念出来", True),
    ("safety", "婆婆说中奖了要交保证金 她现在正在找银行卡", True),
    ("safety", "中奖了要交手续费 是不是骗子", False),
    ("safety", "把自己关在屋里 饿死算了", True),
    ("safety", "饿死了 外卖还没到", False),
    ("safety", "直播间有人说要砍我一刀 是拼多多的意思吗", False),
    ("safety", "他说要砍我一刀 我好怕", True),
    ("legal", "信不信我把聊天记录全发微博 让大家看看你们什么嘴脸", True),
    ("legal", "我是记者 你们今天不回应的话稿子明天直接发", True),
    ("legal", "记者认证怎么弄", False),
    ("human", "直接给我接线 别绕弯子了", True),
    ("human", "我明明是真人 为啥一直弹验证说我操作频繁", False),
    ("human", "我是真人 给我转人工", True),
    ("smalltalk.goodbye", "没别的事了 回头见", True),
    ("smalltalk.praise_bot", "牛啊 一下就懂我意思了", True),
    ("offdomain", "淘宝买的衣服一直不发货怎么办", True),
    ("offdomain", "小黄车买的衣服一直不发货怎么办", False),
    ("legal", "我想起诉侵权的人需要什么材料", False),
    # held_kbq28 (41st session): our splash ad that opens another app, streaming here and on another app at once
    ("offdomain", "每次打开都有广告 一摇就跳到淘宝 能关掉吗", False),
    ("offdomain", "能同时在这边和快手一起播吗", False),
    ("offdomain", "快手怎么开直播", True),
    ("legal", "我要起诉你们 需要什么材料", True),
    ("human", "拍了个\"叫你们经理出来\"的搞笑短剧 背景音乐被静音了是为啥", False),
    ("human", "客服之前说会给我回电话 一直没打来 一般要等多久", False),
    ("human", "客服说会给我回电话 现在就给我打", True),
    # held46 (42nd session): bail demanded for a relative said to be arrested, exposure on named platforms and to
    # CCTV, a person asked for after asking whether this is a bot, staff in Cantonese; a video searched for by what
    # happens in it, a heroine's fate, whether staff ask to share the screen, process questions with a legal word,
    # questions about the agents, greetings in other words, medicines and another shop's shipping insurance; with
    # their counterparts
    ("safety", "奶奶接到电话说我被抓了要交保释金 她准备去转账", True),
    ("legal", "我要在小红书和知乎把你们这波操作全部发出来", True),
    ("legal", "我会把这些聊天记录全部发给央视新闻", True),
    ("human", "你是机器人吧 那别浪费时间了 给我叫个人来", True),
    ("human", "你是机器人吧", False),
    ("human", "有没有staff可以帮我睇下", True),
    ("safety", "想找一个视频 有个人站在楼顶要跳楼 被外卖小哥拉回来了 怎么搜得到", False),
    ("safety", "我想找个视频 我也想跳楼", True),
    ("safety", "那个短剧女主最后跳楼了没有", False),
    ("safety", "官方客服会让用户共享屏幕吗 我朋友说遇到过", False),
    ("safety", "客服让我共享屏幕 现在正在共享", True),
    ("legal", "我的照片被人冒充 想走法律程序 要先在平台上做哪些", False),
    ("legal", "我在12315投诉了一个商家 平台这边也会跟进吗", False),
    ("legal", "我要起诉你们 在平台上有什么渠道", True),
    ("human", "客服回复我的消息在哪里看", False),
    ("human", "人工客服可以帮忙恢复删掉的视频吗", False),
    ("human", "人工客服能帮我处理一下吗", True),
    ("human", "智能客服能帮我查订单吗", False),
    ("smalltalk.greeting", "新年快乐呀", True),
    ("smalltalk.identity", "跟我聊天的是程序吧", True),
    ("smalltalk.ping", "还在线不", True),
    ("offdomain", "淘宝退货的运费险怎么用", True),
    ("offdomain", "运费险怎么用", False),
    ("offdomain", "头疼吃布洛芬还是对乙酰氨基酚好", True),
    # held_kbq30 (42nd session): a video flung to a relative's WeChat is ours to share
    ("offdomain", "刷到个搞笑的想甩给我妈微信上看 咋弄过去", False),
    ("offdomain", "微信怎么发朋友圈", True),
    # held47 (43rd session): a lawyer's letter the platform will receive, a reporter's story run unless answered, a
    # six-digit code read out to a caller, sextortion in English; a fear of being found given for a privacy setting,
    # a takedown's quoted reason, strangers kept from a child's messages as a setting; another service's account
    # stolen, a music app's own membership, a symptom's remedy; small talk in other words; with their counterparts
    ("legal", "我已经委托律师了 下周你们会收到律师函", True),
    ("legal", "收到一封律师函说我侵权 怎么办", False),
    ("legal", "我是记者 关于你们平台的调查报道明天就发 不回应我就按现有材料写了", True),
    ("legal", "我是记者 想开个认证号 怎么弄", False),
    ("safety", "有人打电话说我账号要冻结 让我把手机刚收到的六位数字念给他", True),
    ("safety", "someone has my nude pics and says pay or he posts them everywhere", True),
    ("safety", "发视频怎么不显示定位 怕被人找到我家", False),
    ("safety", "他说已经找到我家了 就在楼下", True),
    ("safety", "恐怖片预告被下架说涉嫌暴力恐吓 咋申诉", False),
    ("safety", "有人一直恐吓我 说要弄死我", True),
    ("safety", "有没有办法让陌生人不能私信我女儿的号", False),
    ("safety", "有个陌生人一直私信我女儿 要她的照片", True),
    ("offdomain", "王者荣耀账号被盗了怎么找回", True),
    ("offdomain", "账号被盗了怎么找回", False),
    ("offdomain", "网易云音乐会员怎么取消自动续费", True),
    ("offdomain", "网易云音乐的歌能用在视频里吗", False),
    ("offdomain", "感冒了喝姜汤管用吗", True),
    ("offdomain", "血压140/90算高吗", True),
    ("offdomain", "主播说喝姜汤能治感冒 是真的吗 这种视频违规吗", False),
    ("smalltalk.ack", "原来如此", True),
    ("smalltalk.identity", "你们这个客服是AI吗", True),
    ("smalltalk.identity", "你会不会累啊", True),
    ("smalltalk.praise_bot", "哇塞你反应好快", True),
    ("smalltalk.greeting", "你好 第一次用这个", True),
    # held48 (43rd session): 我要找人工 and 我现在就要 after asking when a person comes, a post on named platforms to
    # dig us out, a summons announced; where a legal letter goes, a certificate asked of the platform, a fever, a
    # quoted 想死 said to be a meme, a phrase in French; holiday wishes, a goodbye's wishes, praise; with their
    # counterparts
    ("human", "人工在哪 我要找人工", True),
    ("human", "人工客服在哪里能找到", False),
    ("human", "人工客服啥时候能接进来 我现在就要", True),
    ("human", "人工客服啥时候上班", False),
    ("legal", "信不信我发小红书和知乎把你们扒个底朝天", True),
    ("legal", "準備收傳票吧", True),
    ("legal", "律师函应该寄到你们公司哪个地址 有没有法务的联系方式", False),
    ("legal", "律师函已经寄到你们公司了 等着吧", True),
    ("legal", "被人起诉了 平台能给我出一个视频发布时间的证明吗", False),
    ("safety", "帮我写个请假条 就说发烧了", False),
    ("safety", "他说要烧了我家", True),
    ("safety", "标题写了一句我想死了 其实是玩梗 结果被限流 这种词是不能用吗", False),
    ("safety", "我想死了 不是玩梗", True),
    ("offdomain", "how do you say thank you in french", True),
    ("offdomain", "how do i change the app language to french", False),
    ("smalltalk.greeting", "端午安康", True),
    ("smalltalk.goodbye", "再见 祝你工作顺利", True),
    ("smalltalk.praise_bot", "你咋这么聪明", True),
    # held49 (43rd session): a real person asked for by an older user past a veto's word; where a court's request for
    # evidence goes, a lawyer's letter to another user passed on, a scammer out of reach after the money went;
    # another app's lite version; small talk in other words; with their counterparts
    ("human", "老人家不会弄这些按钮 有没有人能一步步教我 要真人那种", True),
    ("human", "这些按钮在哪里设置", False),
    ("legal", "法院要调证据的话是联系你们哪个部门", False),
    ("legal", "要给一个侵权的博主发律师函 平台能帮忙转交吗", False),
    ("legal", "律师函已经寄给你们平台了", True),
    ("safety", "我妈前两天给一个理财老师转了两万 现在人联系不上了 能找平台吗", False),
    ("safety", "我妈出门买菜 现在人联系不上了", True),
    ("safety", "孩子转了两千给网友 现在孩子联系不上了", True),
    ("offdomain", "快手极速版看视频赚的金币怎么提现", True),
    ("offdomain", "极速版看视频赚的金币怎么提现", False),
    ("smalltalk.identity", "你會講粵語嗎", True),
    ("smalltalk.greeting", "good morning", True),
    ("smalltalk.goodbye", "行吧 就这样", True),
    # held50 (44th session): a court's letter asking for help, a lawyer's letter to a creator passed on, the police's
    # channel for evidence asked about, a doxxing already reported; a formal notice that claims joint liability from
    # the platform, a letter to the People's Daily; a child lured with game skins; social insurance, a phone's photos,
    # an elder's phone; a polite no and a weekend wish; with their counterparts
    ("legal", "法院開的協助調查函應該寄到你們哪個地址", False),
    ("legal", "我们是派出所的 协查函应该寄到你们哪个地址", True),
    ("legal", "我们公司要给一个盗用我们素材的博主发律师函 能通过平台转交吗", False),
    ("legal", "我是受害人 派出所民警让我问下平台调取证据要走什么渠道", False),
    ("legal", "派出所民警需要贵平台配合调取证据", True),
    ("legal", "我司法务部正式函告：贵平台用户侵犯我司商标权，请于48小时内下架，否则将追究平台连带责任", True),
    ("legal", "起诉那个盗用我视频的博主需要什么材料", False),
    ("legal", "我要写信给人民日报 把你们的问题反映上去", True),
    ("safety", "被人开盒了 已经报过警了 警察让我找平台要相关记录 怎么申请", False),
    ("safety", "被人开盒了 他说要来我家 已经报过警了 警察让我找平台要记录 怎么申请", True),
    ("safety", "有人拿游戏皮肤哄我妹妹加他私聊 还老让她开视频", True),
    ("safety", "我妹妹玩游戏总输 哄她半天", False),
    ("offdomain", "五险一金在哪查缴纳记录", True),
    ("offdomain", "手机相册存储满了 照片怎么备份到电脑", True),
    ("offdomain", "视频怎么保存到相册", False),
    ("offdomain", "我那个老年机怎么把铃声调大点啊", True),
    ("smalltalk.ack", "不用了", True),
    ("smalltalk.goodbye", "周末愉快呀", True),
    # held51 (44th session): a crime drama's commentary asked about, whether the one reported learns who reported him;
    # a farewell after a last video, a fake agent asking to share the screen on a call now; a name, a wish, a phone's
    # battery and a sentence to translate; with their counterparts
    ("safety", "做刑侦剧解说，里面有枪有血，需要打码吗", False),
    ("safety", "有人拿着枪在我家楼下", True),
    ("safety", "举报人信息会告诉被举报人吗？怕被找上门", False),
    ("safety", "我举报了他 他说知道我住哪 要找上门", True),
    ("safety", "刷完最后一个视频我就走了，再见", True),
    ("safety", "我现在正在跟一个自称你们客服的人视频，他让我开屏幕共享转钱，是不是骗子？急！", True),
    ("safety", "有个自称你们客服的人加我 是真的吗", False),
    ("offdomain", "translate this into chinese: the meeting is postponed", True),
    ("offdomain", "帮我想个公司名，做奶茶的", True),
    ("offdomain", "幫我寫個生日祝福俾阿媽", True),
    ("offdomain", "iPhone电池健康掉到80了要不要换", True),
    ("offdomain", "视频字幕能翻译成英文吗", False),
    # held52 (45th session): another user to be sued or a merchant reported elsewhere, with how to keep the evidence
    # or find the order; the platform asked to issue a record; people's hours; an exclamation before a streaming tool;
    # a real stand-in asked for a clip; with their counterparts
    ("legal", "有个用户一直在视频里造谣我，我打算起诉他，聊天记录和视频要怎么保存才算有效证据？", False),
    ("legal", "你们平台纵容造谣，我打算起诉你们，聊天记录要怎么保存", True),
    ("legal", "打算去12315投诉直播间那个商家 订单截图在哪看", False),
    ("legal", "打算去12315投诉你们平台 订单截图在哪看", True),
    ("legal", "被网友骗了钱想去起诉他，平台能不能出具一下他账号的注册信息？", False),
    ("legal", "已经联系了3·15栏目组 他们对你们很感兴趣", True),
    ("legal", "经侦已经受理了我对你们平台的报案", True),
    ("legal", "被骗了已经报案了 经侦受理了 平台需要我提供什么", False),
    ("human", "你们人工是24小时的吗 凌晨三点能找到人不", False),
    ("human", "人工排队要多久啊 先帮我排上", True),
    ("human", "想找个真人剪辑师帮我剪片 平台有官方服务商推荐吗", False),
    ("human", "can I talk to a staff 唔该", True),
    ("safety", "救命啊 推流码在哪复制 还有五分钟就开播了", False),
    ("safety", "救命啊 他在门外砸门", True),
    ("safety", "呢個人一直跟住我 仲話要斬我", True),
    ("safety", "wo xiang si", True),
    ("safety", "wo xiang si ni le", False),
    ("offdomain", "个税app怎么申请退税", True),
    ("offdomain", "提现扣的个税能退吗", False),
    ("offdomain", "驾照扣了几分在哪查", True),
    ("offdomain", "小红书账号怎么改名", True),
    ("offdomain", "账号怎么改名", False),
    ("offdomain", "微信付的款退款 多久能原路退回来", False),
    # held_kbq34 (45th session, now kb/tune/part_zi): views bought in another shop, signing in with WeChat wished,
    # typing too slow for subtitles, a place hidden for fear of a visit; with their counterparts
    ("offdomain", "淘宝上有那种10块钱一万播放的，买了会怎么样", False),
    ("offdomain", "淘宝上买的衣服怎么退", True),
    ("offdomain", "能不能以后点一下微信就直接进来，不想每次都输验证码了", False),
    ("human", "我拍的都是口播，打字太慢了，能不能让它自己认出字幕来", False),
    ("human", "打字太慢了 给我打个电话吧", True),
    ("safety", "发的视频下面显示我住哪个小区，怕被人找上门，怎么弄掉", False),
    ("safety", "他说知道我住哪个小区 要找上门", True),
    # held53 (45th session): how a threat is reported, what record the platform issues or whether it settles a
    # quarrel, the bot refused by typing; held_kbq35: a label put on a video, a fight filmed, another user to be sued
    ("safety", "举报恐吓私信需要截图吗 还是平台能直接看到", False),
    ("safety", "他恐吓我说要杀了我 举报需要截图吗", True),
    ("legal", "别人用我的照片开号 我想走法律程序 平台能提供什么证明", False),
    ("legal", "你们平台侵权 我要起诉 平台能提供什么证明", True),
    ("legal", "跟别的主播因为抄袭吵起来了 平台能仲裁吗", False),
    ("legal", "想起诉一个网暴我的人 需要他的真实信息 平台能给吗", False),
    ("human", "不想打字跟AI说了 有没有人工", True),
    ("human", "有没有人工客服", False),
    ("safety", "我视频被打了个不实信息的标 我说的都是亲身经历", False),
    ("safety", "我被打了个半死", True),
    ("safety", "路过看见有人打架 我录下来了 能发出来吗", False),
    ("smalltalk.ack", "好的好的 我知道怎么弄了", True),
    ("smalltalk.ack", "好的 那怎么弄", False),
    ("smalltalk.greeting", "客服你吃午饭了没", True),
    ("smalltalk.ping", "ping", True),
    ("smalltalk.goodbye", "明天见", True),
    ("smalltalk.identity", "小助手你有名字吗", True),
    ("smalltalk.identity", "你是小哥哥还是小姐姐", True),
    # held54 (45th session): a step against another user or a merchant with its evidence asked about; a danger on a
    # stream that is over, asked whether it can still be reported, and one on a stream now; a game's rank
    ("legal", "有网友造谣我，我打算走法律程序，截图录屏哪些证据比较有用", False),
    ("legal", "你们平台纵容网友造谣 我要起诉你们 哪些证据有用", True),
    ("legal", "买家在小黄车下单后恶意差评还骂人，我想给他发律师函，平台这边能提供订单信息吗", False),
    ("legal", "和合作博主分钱闹翻了，我准备起诉他，平台后台的合作订单记录能导出来当证据吗", False),
    ("legal", "想问一下去12315投诉直播间商家虚假宣传，需要准备哪些订单信息", False),
    ("legal", "商家骗人平台也不管 我要去12315投诉你们 需要准备哪些材料", True),
    ("legal", "如果我收到别的用户寄来的律师函说我侵权，我的视频要先删掉吗", False),
    ("safety", "昨晚有个直播间主播拿刀比划说要砍人，现在直播已经结束了，还能举报吗", False),
    ("safety", "前两天有个人直播说要跳楼，后来直播关了，我当时没举报，现在还能反馈吗", False),
    ("safety", "有个主播正在直播说要跳楼 还在播 怎么举报", True),
    ("human", "你们AI要不要吃饭睡觉的", False),
    ("human", "ai回的都没用 别让ai回我了", True),
    ("offdomain", "和平精英怎么从钻石打到王牌", True),
    ("offdomain", "直播打和平精英怎么涨粉", False),
    ("offdomain", "个税年度汇算怎么操作", True),
    # held_kbq36 (45th session, now kb/tune/part_zk): a cruelty-to-animals video to be taken down, signing in with
    # WeChat instead of a phone number
    ("safety", "刷到有人虐待小猫的视频 看得我手都抖 怎么让平台删掉", False),
    ("safety", "邻居一直虐待他家孩子", True),
    ("offdomain", "号上挂着我的手机号不放心 我有微信能登 能把手机号去掉吗", False),
    # held55 and held_kbq37 (46th session): a friend tagged to come and look, a brand's contact person, a bargain's
    # 砍到骨折, a threat of a visit after a doxxing, a grown-up met in a game and a child's secret video calls, an
    # account moved here from another app
    ("human", "评论里咋艾特我闺蜜让她来看", False),
    ("human", "叫你们领导出来跟我说", True),
    ("human", "我们是做家电的品牌，想跟你们官方谈谈投放合作，对接人是谁", False),
    ("human", "别废话了 赶紧接人", True),
    ("safety", "砍价视频里说“砍到骨折”算不算夸大宣传", False),
    ("safety", "他在私信里说要砍我", True),
    ("safety", "有人把我身份证照片和住址贴出来了，还说要找人上门收拾我", True),
    ("safety", "有个叔叔在游戏里认识了我弟，现在让他半夜偷偷开视频，还一直给他发红包", True),
    ("safety", "我弟天天半夜偷偷开视频聊天打游戏 怎么给他设时间锁", False),
    ("offdomain", "我之前在快手有十万粉，搬到这边来能不能认证是同一个人", False),
    ("offdomain", "快手极速版怎么提现", True),
    # held56 and held_kbq38 (46th session): posting here after moving from another app, a stranger who will come to
    # the user's school, a year-in-review 朋友圈 shows off, a company's name asked for
    ("offdomain", "从小红书转过来的，这边图文笔记要怎么发", False),
    ("offdomain", "我在B站有原创认证了，来这边能直接认证吗", False),
    ("offdomain", "帮我给新公司起个名字", True),
    ("safety", "连麦认识的一个人说要来学校找我，他知道我在哪个班，我好怕", True),
    ("safety", "朋友圈都在晒那个今年的报告 我怎么找不到", False),
    ("safety", "我朋友两天了都联系不上", True),
    # held57 (47th session): the entrance to a person asked in pinyin, 人工 typed 认工, a butcher's knife work,
    # a wish to die typed in pinyin, a train ticket, a diet and a fund that are no business of ours
    ("human", "rengong kefu de rukou zai nali a", False),
    ("human", "wo yao ren gong", True),
    ("human", "转认工", True),
    ("safety", "烧烤店老板一枚 想发砍排骨的刀工视频 会不会被限", False),
    ("safety", "他说想来砍我", True),
    ("safety", "zhen de hao xiang si a", True),
    ("safety", "zhe liang ge shipin hao xiang si", False),
    ("offdomain", "火车票抢不到 抢票软件哪个好用", True),
    ("offdomain", "一个月瘦十斤靠谱的方法有吗", True),
    ("offdomain", "直播卖火车票需要什么资质", False),
    # ...and a stranger coming to the user's school gets the threat's message, not the general one (46th's review)
    ("danger.threat", "连麦认识的一个人说要来学校找我，他知道我在哪个班，我好怕", True),
    ("danger.threat", "学校门口的奶茶店能开直播吗", False),
    # held58 and held_kbq40 (47th session): a leak by us reported to the police, the phone number of a person, 想s了,
    # someone held where they were lured, a drink for a condition, a script, the service's hours in pinyin, stuck in
    # teen mode, a video put up for sale, the WeChat icon at login
    ("legal", "我手机号被你们泄露给骗子了，我要报案，还要追究你们平台的责任", True),
    ("human", "有没有人工客服的电话号码？想打电话问问", False),
    ("human", "有没有人工客服 给我转过去", True),
    ("human", "rengong kefu wanshang shi dian hai you ren ma", False),
    ("safety", "我想s了", True),
    ("safety", "我被骗到这边来了，手机被收了不让走，这是偷偷发的", True),
    ("safety", "我都三十了怎么还被困在青少年模式里，怎么退出来啊", False),
    ("safety", "我被困在房间里出不去", True),
    ("safety", "朋友托我帮他卖电子烟，我拍视频挂出来可以吗", False),
    ("safety", "他把我聊天记录截图挂出来了", True),
    ("offdomain", "高血压的人能不能喝酒", True),
    ("offdomain", "写个python脚本把两个csv合并一下", True),
    ("offdomain", "想点那个绿色的微信图标直接进，不用每次输号码，要先在哪里设置", False),
    # held59 (48th session): 想死 in pinyin followed by more, relief at one's own death, an elder lost, what the 315
    # gala said asked about, 人工 said again and again, another shop's order, a card overdue, two phones compared
    ("safety", "wo zhen de xiang si, mei ren neng bang wo", True),
    ("safety", "wo xiang si ni le", False),
    ("safety", "要是我不在了，家里人应该都轻松了吧", True),
    ("safety", "我姥爷早上出门遛弯走丢了，到现在没回来", True),
    ("legal", "315晚会说的那种直播间套路 平台有什么提醒吗", False),
    ("human", "人工 人工 人工 有人听到吗", True),
    ("offdomain", "京东的订单怎么开发票", True),
    ("offdomain", "在你们这下的订单怎么开发票", False),
    ("offdomain", "信用卡逾期三天影响征信不", True),
    ("offdomain", "华为和苹果哪个好用", True),
    # held60 (48th session): 想活 in pinyin with 再, a group selling videos of children, 开盒 punished asked about,
    # another app's streaming threshold and followers, a fund at a loss; the bot called useless
    ("safety", "wo bu xiang zai huo le", True),
    ("safety", "有个群在出售儿童不雅视频", True),
    ("safety", "平台对人肉别人的行为会怎么处罚", False),
    ("offdomain", "快手上开直播需要多少粉", True),
    ("offdomain", "快手的直播能同步到这边吗", False),
    ("offdomain", "小红书的号怎么涨粉", True),
    ("offdomain", "股票亏了三成 该止损吗", True),
    ("smalltalk.complain_bot", "你好蠢", True),
    ("smalltalk.complain_bot", "你们机器人有点笨 头像怎么改", False),
    # held61 and held_kbq43 (49th session): child sexual abuse videos sold, a threat typed in pinyin, 救命 before a
    # message to take back, dozing off while watching, a game's tips, another app's post limited, the tax office's
    # app, another service's own password
    ("safety", "有账号在私信里发链接卖儿童色情视频", True),
    ("safety", "you ren weixie yao sha wo quan jia", True),
    ("safety", "zhe ge sha fa zen me mai", False),
    ("safety", "救命 刚把吐槽老板的话发到老板私信里了，还能收回来吗", False),
    ("safety", "睡前刷着刷着就睡过去了，能不能设个半小时自动停", False),
    ("safety", "药都吃了 就想这样睡过去", True),
    ("offdomain", "王者荣耀卡在钻石上不去了 用啥英雄好上分", True),
    ("offdomain", "直播王者荣耀 钻石段位的号被封了", False),
    ("offdomain", "我在小红书发的笔记小眼睛一直是0 是不是被限流了", True),
    ("offdomain", "小红书发的视频搬到这边被限流了", False),
    ("offdomain", "今年在个人所得税app上申请退税 一直显示审核中是啥意思", True),
    ("offdomain", "好多年没登的QQ 密码忘了 绑的手机也换了 还能找回不", True),
    ("offdomain", "抖音绑的QQ 密码忘了 还能登吗", False),
    # held62 (49th session): 救命 after a message to take back, another app's streaming permission applied for, a
    # suit against another user supposed, the platform named a co-defendant, a police report in pinyin
    ("safety", "私信发错人了！！！把吐槽领导的话发给领导了，还能收回来吗救命", False),
    ("safety", "救命 有人在我家门口砸门", True),
    ("offdomain", "我想在快手那边也开播 快手的直播权限要怎么申请", True),
    ("offdomain", "这边的直播权限怎么申请", False),
    ("legal", "如果我要起诉造谣我的人，平台能提供哪些东西？比如对方的注册信息", False),
    ("legal", "我委托了律师起诉那个造谣的博主，平台也会被列为共同被告", True),
    ("legal", "yijing baojing le, jingcha hui lianxi nimen", True),
])

def test_held_near_misses_and_requests(rule: str, text: str, found: bool) -> None:
    """Phrasings from the held sets held6_a/b, held7_c, held9 to held58, held_kbq5, held_kbq7 to held_kbq9,
    held_kbq11, held_kbq14, held_kbq25, held_kbq26, held_fb11, held_fb14, held_fb15 and held_fb17
    (tests/fixtures/eval/intents) and their counterparts."""
    from assistant.engine.intent import Rule

    norm = Normalizer().normalize(text)
    assert bool(Rule(shipped_kb().intents.rule(rule)).match(norm)) is found


def test_a_lawyers_own_verification_and_praise_for_an_agent_veto_what_the_models_hear() -> None:
    """held_kbq37: 我是执业律师 想给账号加个V went to the legal team on the intent model's 0.40 alone, and five stars
    for a patient agent to a person on its 0.36; a lawsuit or a transfer asked in the same words still stands."""
    from assistant.engine.intent import Rule

    norm = Normalizer().normalize
    legal, human = (Rule(shipped_kb().intents.rule(name)) for name in ("legal", "human"))
    assert legal.vetoed(norm("我是执业律师，想给账号加个V"))
    assert not legal.vetoed(norm("我是律师 代表当事人起诉你们平台"))
    assert human.vetoed(norm("刚才那个客服小哥特别耐心，想给他打个五星"))
    assert not human.vetoed(norm("客服小哥特别耐心 不过还是给我转个真人吧"))
    assert human.vetoed(norm("客服说话很温柔，还主动帮我跟进后续，必须表扬一下"))  # held_fb40


def test_a_machine_that_reads_text_aloud_is_not_the_bot_the_user_wants_away_from() -> None:
    """held_kbq34: 让机器把我打的字念出来 went to a person on the intent model's 0.81 alone, 机器 read as the bot."""
    from assistant.engine.intent_words import PERSON

    assert not PERSON.search("不想用自己的声音,能不能让机器把我打的字念出来")
    # held61: dai (带) is not ai, and the intent model's 0.34 for a person sent a weather question in pinyin to one
    assert not PERSON.search("mingtian hangzhou tianqi zenmeyang yao dai san ma")
    assert PERSON.search("wo yao zhao ren") and PERSON.search("bu yao ai kefu")
    assert not PERSON.search("能不能让机器帮我念文案 我普通话不标准")  # held_kbq35
    assert PERSON.search("别让机器回我了") and PERSON.search("跟机器说不清楚")


def model_alone_reads(embedder, name: str, positives: list[str], odd: list[str]) -> list[str]:
    """What a detector whose only model, ``name``, learned ``positives`` and ``odd`` against plain questions makes
    of each odd message (the model itself calls the first one ``name``: checked)."""
    x = embedder.encode(positives + odd + QUESTIONS)
    y = np.array([1.0] * (len(positives) + len(odd)) + [0.0] * len(QUESTIONS))
    found = IntentDetector(shipped_kb().intents, embedder.encode,
                           models={"intents": {name: Logistic.fit(x, y).to_dict(["vector"])}})
    vectors = embedder.encode(odd)
    assert float(found.intent_model[name].proba(vectors[:1])[0]) > 0.5  # the model does call it so
    return [found.detect(text, vector, kb_similarity=0.9).name for text, vector in zip(odd, vectors, strict=True)]


def test_the_model_alone_hands_to_a_person_only_a_message_that_names_someone(embedder) -> None:
    """死活收不到验证码 read by a model that calls it a request for a person is still a question: no person, staff,
    bot or call is named in it; the same model's pick stands for a message that names one."""
    odd = ["死活收不到验证码 试了十几次了", "客服你们快点处理一下"]
    assert model_alone_reads(embedder, "human", PEOPLE, odd) == ["question", "human"]


def test_the_model_alone_hands_to_the_legal_team_only_a_message_with_a_legal_word(embedder) -> None:
    """运费险理赔到账了 没想到这么省事 read by a model that calls it a legal matter is not one: it names no law,
    office, complaint or formal step; the same model's pick stands for a message that names one (no pattern
    matches either)."""
    odd = ["运费险理赔到账了 没想到这么省事", "你们这种霸王条款迟早要被追究责任"]
    assert model_alone_reads(embedder, "legal", [], odd) == ["question", "legal"]


def test_words_that_ask_for_a_person_give_way_to_a_danger_the_safety_model_hears(embedder) -> None:
    """给我打电话 is a request for a person by its words; in 一个陌生号码每天给我打电话 说他看见我今天穿什么衣服了 the
    safety model hears a stalker, and the safety team gets it. Without the model's backing the words decide."""
    danger = ["一个陌生号码每天给我打电话 说他看见我今天穿什么衣服了", "有人说要来我家找我算账"]
    x = embedder.encode(danger + PEOPLE + QUESTIONS)
    y = np.array([1.0] * len(danger) + [0.0] * (len(PEOPLE) + len(QUESTIONS)))
    intents = shipped_kb().intents
    safety = {"intents": {"safety": Logistic.fit(x, y, l2=1e-3).to_dict(["vector"])}}
    v = embedder.encode([danger[0], "给我打电话"])
    found = IntentDetector(intents, embedder.encode, models=safety)
    assert found.detect(danger[0], v[0], kb_similarity=0.9).name == "safety"
    assert found.detect("给我打电话", v[1], kb_similarity=0.9).name == "human"
    assert IntentDetector(intents, embedder.encode).detect(danger[0], v[0], kb_similarity=0.9).name == "human"


def test_dangers_and_questions_are_said_again_with_a_short_request_for_a_person() -> None:
    """The safety model's extra examples (build/intents.py): each example of the label joined, in turn before and
    after, with the examples' own short requests for a person; nothing without such a request."""
    from assistant.build.intents import ASK_CHARS, asking_too

    long_ask = "我要找你们负责人出来把这件事说清楚" * 2
    examples = (("转人工", "human"), ("叫你们经理来", "human"), (long_ask, "human"),
                ("有人说要来我家", "safety"), ("他一直跟踪我", "safety"), ("怎么改名字", "question"))
    assert len(long_ask) > ASK_CHARS
    assert asking_too(examples, "safety") == ["有人说要来我家 转人工", "叫你们经理来 他一直跟踪我"]
    assert asking_too(examples, "question") == ["怎么改名字 转人工"]
    assert asking_too((("有人说要来我家", "safety"),), "safety") == []


def test_the_users_questions_that_other_teams_entries_answer_are_ordinary_questions() -> None:
    """build/intents.py: the KB's labelled users' questions join the intent models' ordinary questions, except
    those only the safety team's entries answer (often dangers) and those no entry answers."""
    from assistant.build.intents import users_questions
    from assistant.kb.labelled import LabelledQuestion

    kb = shipped_kb()
    team = {e.id: e.team for e in kb.entries}
    safety = next(i for i, t in team.items() if t == "safety")
    other = next(i for i, t in team.items() if t not in (None, "safety"))
    tune = (LabelledQuestion("发出去画质糊了", (other,), "t:1"), LabelledQuestion("有人放话要弄死我", (safety,), "t:2"),
            LabelledQuestion("怎么领养猫", (), "t:3"), LabelledQuestion("被盗号了 有人冒充我", (safety, other), "t:4"))
    assert users_questions(replace(kb, tune=tune)) == ["发出去画质糊了", "被盗号了 有人冒充我"]


def test_words_in_another_sense_are_blanked_out_not_a_veto() -> None:
    """`ignore` (kb/intents.yaml): 笑死 neither matches 死 nor keeps 要杀我 from matching; `unless` still vetoes the
    whole message; the rule round-trips through the manifest, and one stored before `ignore` existed still reads."""
    from assistant.engine.intent import Rule
    from assistant.kb.intents import IntentRule, parse_intents

    problems: list[str] = []
    doc = {"safety": {"patterns": ["死", "要杀我"], "unless": ["怎么举报"], "ignore": ["笑死"], "examples": []}}
    rule = parse_intents(doc, "intents.yaml", problems).rule("safety")
    assert not problems
    found = Rule(rule)
    assert found.match("笑死 这个视频") is None and found.vetoed("笑死 这个视频")
    assert found.match("笑死 他说要杀我") == "要杀我"
    assert found.match("他说要杀我 怎么举报") is None
    assert IntentRule.from_dict(rule.to_dict()) == rule
    assert IntentRule.from_dict({k: v for k, v in rule.to_dict().items() if k != "ignore"}).ignore == ()
    parse_intents({"safety": {"patterns": [], "ignore": ["("]}}, "intents.yaml", problems)
    assert problems and "`safety`" in problems[0] and "not a valid regular expression" in problems[0]


def test_the_safety_model_reads_the_messages_character_ngrams_too(embedder, fixture_kb) -> None:
    """build/intents.py GRAM_CLASSES: the safety model (small talk too, which these examples lack) is fitted on the
    vector and the n-grams that enough labelled examples share (engine/feedback.py gram_row), and the detector gives
    it the same row; the other models read the vector alone. Fitted on a few examples whose dangers all say 跟踪,
    the n-gram carries a danger said in words the examples do not otherwise have."""
    from assistant.build import intents as build_intents
    from assistant.engine.feedback import gram_row

    dangers = ["有人一直跟踪我", "那个男的跟踪我到家", "他天天跟踪我上下班", "被人跟踪了好害怕", "下班有人跟踪我",
               "放学路上有人跟踪我女儿"]
    questions = ["怎么修改昵称", "视频审核要多久", "金币怎么充值", "怎么关闭私信", "直播权限怎么开通", "怎么注销账号",
                 "跟拍视频怎么拍", "怎么跟别人合拍"]
    kb = replace(fixture_kb, intent_examples=tuple((t, "safety") for t in dangers)
                 + tuple((t, "question") for t in questions) + tuple((t, "human") for t in PEOPLE), tune=())
    kb_questions = [q for e in kb.entries for q in e.questions][:200]
    models = build_intents.fit_intent_models(kb, kb_questions, embedder.encode(kb_questions), embedder.encode, str)
    vocabulary = {g: i for i, g in enumerate(models["intent_grams"])}
    assert "跟踪" in vocabulary and "怎么" in vocabulary and "审核" not in vocabulary  # shared by 5 examples or more
    safety, human = models["intents"]["safety"], models["intents"]["human"]
    assert safety["features"] == ["vector", "grams"] and human["features"] == ["vector"]
    dim = embedder.encode(["x"]).shape[1]
    assert len(safety["coef"]) == dim + len(vocabulary) and len(human["coef"]) == dim
    found = IntentDetector(kb.intents, embedder.encode, models=models)
    assert found.by_grams == {"safety"}
    said = "最近总感觉被跟踪"
    row = np.concatenate([embedder.encode([said])[0], gram_row(said, vocabulary)])
    expected = float(Logistic.from_dict(safety).proba(row[None, :])[0])
    assert found._proba("safety", said, embedder.encode([said])[0]) == pytest.approx(expected)
    assert gram_row(said, vocabulary)[vocabulary["跟踪"]] == 1.0
    # without GRAM_CLASSES every model reads the vector alone, and no vocabulary is kept
    plain = build_intents.fit_intent_models(kb, kb_questions, embedder.encode(kb_questions), embedder.encode, str,
                                            gram_classes=())
    assert "intent_grams" not in plain and plain["intents"]["safety"]["features"] == ["vector"]
    assert IntentDetector(kb.intents, embedder.encode, models=plain).by_grams == frozenset()


@pytest.mark.parametrize(("text", "found"), [
    ("微信支付密码忘了怎么找回", True),
    ("支付宝支付密码怎么改", True),
    ("用微信支付怎么充值", False),
    ("能用支付宝付款吗", False),
])
def test_the_shipped_defaults_leave_another_services_payment_password_off_domain(text: str, found: bool) -> None:
    """A KB without its own intents.yaml (ths_faq's) reads another service's own payment password as off-domain,
    and paying here with it as ours; the banks' cards stay in kb/intents.yaml only (a brokerage answers them)."""
    from assistant.engine.intent import Rule
    from assistant.kb.intents import default_intents

    norm = Normalizer().normalize(text)
    assert bool(Rule(default_intents().rule("offdomain")).match(norm)) is found
