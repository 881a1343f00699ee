"""Written Cantonese read as Mandarin, for what the model and the lexical leg read of a question.

Users in Guangdong and Hong Kong type the way they speak: 畀人盜咗號點算呀 (my account was stolen, what do I do),
點解我條片冇乜人睇 (why does nobody watch my video). The KB and the embedding model's training text are Mandarin:
m3e reads 咗, 冇 and 睇 as characters it has little reason to relate to 了, 没有 and 看, and jieba has no words for
them; the intents' patterns and the feedback cues are written in Mandarin too (要不要 asks, 要唔要 did not). A
message with a word only Cantonese uses (咗, 唔, 冇, 點解...) has its Cantonese words put in Mandarin, for the
model, the lexical leg and the patterns alike (``Query.said``); every other message is left exactly as it was, so
Mandarin questions and the KB's own texts read the same as before.

The text arrives normalised: simplified characters (OpenCC t2s writes 嗰 as 𠮶, 搵 as 揾, 喎 as 㖞).
"""

from __future__ import annotations

import re

# Words no Mandarin sentence uses; one of them makes the message Cantonese.
_MARKER = re.compile(
    r"[咗唔嘅冇啲佢喺嘢㗎哋嚟揾𠮶乜咩睇攞畀噉㖞啫瞓揿㩒闩咭]|点解|(?<![一有差多少快])点算|点样|几耐|几多|系咪|边度|边个"
    r"|住边|屋企|头先|琴晚|无啦啦|核突|好惊|净系|喇(?![叭嘛])")

_END = r"(?=[\s,.!?，。！？~]|$)"

# (pattern, Mandarin), applied in order: phrases before the single characters they contain.
_RULES: tuple[tuple[str, str], ...] = (
    # questions
    (r"点解|做乜嘢|做咩", "为什么"),
    (r"(?<![一有差多少快])点算好?", "怎么办"),
    (r"点样", "怎么"),
    (r"点先", "怎么才"),
    (r"点(?=设|搞|退|申诉|停|罚|出|整|弄|改|开|删|用|做|样)", "怎么"),
    (r"乜嘢|咩嘢|乜", "什么"),
    (r"咩" + _END, "吗"),
    (r"咩", "什么"),
    (r"几耐", "多久"),
    (r"(?:(?<=多久)|(?<=怎么)|(?<=什么时候))先", "才"),
    (r"几多", "多少"),
    (r"几时", "什么时候"),
    (r"边度|边到", "哪里"),
    (r"边个", "谁"),
    (r"(?<=[住去在])边(?![上缘境])", "哪"),
    (r"系咪|系唔系|是唔是", "是不是"),
    (r"定系|定是|定(?=ai|机|人|真)", "还是"),
    (r"(?<![联关体派星直世])系(?![统列数])", "是"),
    (r"有冇", "有没有"),
    (r"得唔得", "行不行"),
    (r"使唔使", "要不要"),
    (r"识唔识", "会不会"),
    (r"未" + _END, "吗"),
    # negation
    (r"唔该晒|唔该" + _END, "谢谢"),
    (r"唔该", "麻烦"),
    (r"唔识", "不会"),
    (r"唔使", "不用"),
    (r"唔好", "不要"),
    (r"唔啱", "不对"),
    (r"唔得", "不行"),
    (r"唔", "不"),
    (r"冇嘢", "没事"),
    (r"冇问题", "没问题"),
    (r"冇", "没有"),
    # people
    (r"人哋", "别人"),
    (r"佢哋", "他们"),
    (r"我哋", "我们"),
    (r"你哋", "你们"),
    (r"哋", "们"),
    (r"佢", "他"),
    (r"(?<=[我你他])个仔", "儿子"),
    (r"(?<=[我你他])个女", "女儿"),
    (r"老豆|老窦|阿爸", "爸爸"),
    (r"阿妈", "妈妈"),
    # this, that, here, inside, now, then
    (r"𠮶啲", "那些"),
    (r"呢啲", "这些"),
    (r"𠮶", "那"),
    (r"呢个", "这个"),
    (r"呢度", "这里"),
    (r"呢排", "最近"),
    (r"喺度", "在这"),
    (r"入面", "里面"),
    (r"(?:(?<=视频)|(?<=片)|(?<=评论)|(?<=电脑)|(?<=手机)|(?<=电视)|(?<=直播))度", "里"),
    (r"咁样|噉样", "这样"),
    (r"(?<=[\s,.!?，。！？])(?:咁|噉)(?=[要点又就是系如怎为])|^(?:咁|噉)", "那"),
    (r"咁", "这么"),
    (r"噉", "这样"),
    (r"屋企", "家"),
    (r"而家|依家|宜家", "现在"),
    (r"琴日|寻日|㖊日", "昨天"),
    (r"琴晚", "昨晚"),
    (r"听日", "明天"),
    (r"今日", "今天"),
    (r"头先", "刚才"),
    (r"成日", "总是"),
    (r"成个", "整个"),
    (r"(?<=个)钟(?!头)", "小时"),
    (r"一齐", "一起"),
    (r"一次过", "一次性"),
    (r"无啦啦", "无缘无故"),
    # verbs
    (r"喺", "在"),
    (r"嚟㗎", ""),
    (r"睇", "看"),
    (r"返工", "上班"),
    (r"收工", "下班"),
    (r"(?<!往)返(?![工学乡回利佣])", "回"),
    (r"入去", "进去"),
    (r"落(?=了?架|单|来|去)", "下"),
    (r"攞|拎", "拿"),
    (r"[畀俾]人(?=[打盗骗封闹骂偷搞杀删举投话踢拉呃])", "被人"),
    (r"畀|俾", "给"),
    (r"嚟", "来"),
    (r"揾", "找"),
    (r"谂", "想"),
    (r"瞓", "睡"),
    (r"揿|㩒", "按"),
    (r"闩", "关"),
    (r"(?<!忙)碌", "刷"),
    (r"钟意", "喜欢"),
    (r"识得", "会"),
    (r"(?<![认知意常见学胆标共])识(?=了|咗|到|个)", "认识"),
    (r"(?<![认知意常见学胆标共])识(?![别字])", "会"),
    (r"(?<![电通对讲说笑情神童画废坏好脏粗闲白回])话(?![费题筒剧术])", "说"),
    (r"(?<![颠答反])覆(?![盖灭])", "回"),
    (r"倾偈", "聊天"),
    (r"倾(?![向斜听诉家销盆覆城注泻])", "聊"),
    (r"(?<=[看试问])吓", "下"),
    (r"呃(?=人|钱|我)", "骗"),
    (r"不蚀", "不亏"),
    (r"谷(?=销量|数|粉|播放)", "刷"),
    (r"拣", "选"),
    (r"(?<=[读用做开看等搞讲示播])紧", "着"),
    (r"净系|净是", "只"),
    (r"(?<![不相共如一认赞陪合])同(?![城步一意款学样时事类行期龄名框性居])", "和"),
    (r"啱啱", "刚刚"),
    (r"啱", "对"),
    (r"嬲", "生气"),
    (r"好惊", "好怕"),
    (r"攰", "累"),
    (r"(?<=搞)(不?)掂", r"\1定"),
    (r"得闲", "有空"),
    (r"冒认", "冒充"),
    (r"仲(?!裁)", "还"),
    # things
    (r"嘢", "东西"),
    (r"机械人", "机器人"),
    (r"人手(?!不够|短缺|紧)", "人工"),
    (r"细路(?:仔|女)?", "小孩"),
    (r"传媒", "媒体"),
    (r"走先", "先走了"),
    (r"迟啲", "晚点"),
    (r"部机", "手机"),
    (r"咭", "卡"),
    (r"户口(?![本簿])", "账号"),
    (r"衫", "衣服"),
    (r"核突", "恶心"),
    (r"(?<=[一二两三四五六七八九十百千万0-9])蚊", "块"),
    (r"(?<=[好咁太])平(?!台)", "便宜"),
    (r"(?<=[张啲])相", "照片"),
    (r"影相", "拍照"),
    (r"(?<![照影卡唱图相芯药名刀底碎])片(?![段头尾名子场面刻区])", "视频"),
    (r"咗", "了"),
    (r"嘅", "的"),
    (r"(?<=[快慢多少好大细早])啲", "点"),
    (r"(?<=[苦谢该帮搞删用食])晒", ""),
    (r"啲", "些"),
    # sentence particles that carry no content
    (r"㗎|啰|㖞|嘞|啫|噃|啩|喇(?!叭)", ""),
)
_COMPILED = tuple((re.compile(p), m) for p, m in _RULES)


def is_cantonese(text: str) -> bool:
    """Whether the (normalised) text has a word that only written Cantonese uses."""
    return _MARKER.search(text) is not None


def read_cantonese(text: str) -> str:
    """The text with its Cantonese words in Mandarin; a text without any is returned unchanged."""
    if not is_cantonese(text):
        return text
    for pattern, mandarin in _COMPILED:
        text = pattern.sub(mandarin, text)
    return text
