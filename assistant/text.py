"""Chinese text processing: normalisation for both legs, and jieba tokens for the lexical leg.

Why each step:
- NFKC folds full-width Latin letters, digits and punctuation (ｍｉｍａ, １２３, ！) to their ASCII forms, so a
  question typed with a Chinese IME in full-width mode matches the KB.
- Traditional characters are converted to simplified (OpenCC t2s): the KB is written in simplified Chinese.
- Emoji and repeated punctuation carry no retrievable meaning and only shift the embedding.
- Spoken fillers (嗯, 那个, 就是说) come from speech-to-text; they are dropped for the lexical leg only, because
  the embedding model has seen them in its training text and BM25 would treat them as content.
- Tokens get a toneless-pinyin twin ("py:mima") so that pinyin input (mima wangle) and homophone typos
  (登陆/登录, 验正码/验证码) still meet their words.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref
from collections.abc import Iterable, Mapping

import jieba
import opencc

from .pinyin import pinyin_key

jieba.setLogLevel(60)

# Emoji a user sends alone to say something (👍 after an answer, 🙏 for thanks): a message of nothing else is read as
# these words, so it gets the small-talk reply its words would get instead of "nothing readable" (held56's 👌👌,
# 🤣🤣🤣). In a message with words, emoji are dropped like the rest: they only shift the embedding.
EMOJI_WORDS = {
    "👍": "赞", "👌": "好的", "🆗": "好的", "🙏": "谢谢", "👋": "你好", "💯": "赞", "👏": "赞",
    "😂": "哈哈", "🤣": "哈哈", "😄": "哈哈", "😁": "哈哈", "😆": "哈哈",
}
_EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x200D, 0x200D), (0xFE0F, 0xFE0F), (0x2B50, 0x2B50),
                 (0x2B55, 0x2B55), (0x23E9, 0x23FA))


def _char_class(ranges: tuple[tuple[int, int], ...], leave_out: frozenset[int] = frozenset()) -> str:
    """A character class's body for the ranges less some characters: astral characters literal (a JSON Schema
    pattern cannot escape them), the rest as \\u escapes."""
    def char(code: int) -> str:
        return chr(code) if code > 0xFFFF else f"\\u{code:04x}"
    runs: list[list[int]] = []  # [first, last] of each run of consecutive characters kept
    for code in (c for lo, hi in ranges for c in range(lo, hi + 1) if c not in leave_out):
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    parts = [char(a) if a == b else f"{char(a)}-{char(b)}" for a, b in runs]
    return "".join(parts)


# Character classes (regular-expression syntax that Python, JSON Schema validators and pydantic read alike; the
# emoji planes as literal characters). The API's schemas are written with them (api/schemas.py).
CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"  # never meant; databases choke on NUL
BLANK_CHARS = r"\t\n\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # str.isspace, less controls
EMOJI_CHARS = _char_class(_EMOJI_RANGES)
# emoji that say nothing on their own (every emoji less EMOJI_WORDS' ones)
MUTE_EMOJI_CHARS = _char_class(_EMOJI_RANGES, frozenset(ord(e) for e in EMOJI_WORDS))
_EMOJI = re.compile(f"[{EMOJI_CHARS}]+")
_EMOJI_WORD = re.compile("(" + "|".join(EMOJI_WORDS) + r")\1*")  # 👍👍👍 is one 赞
# A question is readable when it has a character that is not blank, a mute emoji or a control character.
_READABLE = re.compile(f"[^{CONTROL_CHARS}{BLANK_CHARS}{MUTE_EMOJI_CHARS}\ud800-\udfff]")
_WORDS_READABLE = re.compile(f"[^{CONTROL_CHARS}{BLANK_CHARS}{EMOJI_CHARS}\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
_REPEATED_PUNCT = re.compile(r"([!?,.;:~。，、！？；：…\-_=*#])\1+")
# Fillers at the start of a clause (string start, after punctuation or a space) and hesitation sounds anywhere.
_CLAUSE_FILLER = re.compile(
    r"(^|[\s,.!?;:，。！？；：、])(?:那个|就是说|然后呢|然后就|这个嘛|怎么说呢|你好|您好|请问)+"
)
_HESITATION = re.compile(r"[嗯呃]+|(?<![金度])额(?=[,.!?，。！？\s]|$)|(^|[,，。\s])[哎唉诶啊]+(?=[,，。\s])")
_LATIN_WORD = re.compile(r"^[a-z]+$")

_STOPWORD_TEXT = """的 了 吗 呢 啊 吧 呀 嘛 哦 哈 噢 哇 啦 么 是 我 你 您 他 她 它 我们 你们
    这 那 这个 那个 这样 那样 就 都 也 还
    在 和 与 及 或 把 被 给 让 对 从 向 又 很 太 挺 才 却 一下 一个 一些 有点 有些 下 一 个 请 请问 谢谢 麻烦 你好
    您好 好的 知道 告诉 问 问下 想问 问一下 咨询 里 上 中 说 弄 搞 呗 哎 唉 诶 嗯 呃"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def readable(text: str) -> bool:
    """Whether the text says anything: normalisation leaves a question without one of these characters empty."""
    return _READABLE.search(text) is not None


_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def _close_spaced_out(text: str) -> str:
    """我 要 找 活 人, typed a character at a time for emphasis, read as 我要找活人: in a message whose words are
    mostly single Chinese characters the gaps between Chinese characters are closed (held36)."""
    words = text.split(" ")
    singles = sum(1 for w in words if len(w) == 1 and "\u4e00" <= w <= "\u9fff")
    if singles >= 3 and singles >= 0.6 * len(words):
        return _CJK_GAP.sub("", text)
    return text


class Normalizer:
    """Text as both legs see it: NFKC, lower-case Latin, simplified characters, no emoji, tidy spacing."""

    def __init__(self) -> None:
        self._t2s = opencc.OpenCC("t2s")

    def normalize(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text).lower()
        text = self._t2s.convert(text)
        if not _WORDS_READABLE.search(text):  # emoji alone: the ones that say something, as their words
            text = _EMOJI_WORD.sub(lambda m: f" {EMOJI_WORDS[m.group(1)]} ", text)
        text = _EMOJI.sub(" ", text)
        text = _REPEATED_PUNCT.sub(r"\1", text)
        return _close_spaced_out(_SPACE.sub(" ", text).strip())

    @staticmethod
    def drop_fillers(text: str) -> str:
        """Remove spoken fillers; applied to already-normalised text for the lexical leg."""
        previous = None
        while previous != text:
            previous = text
            text = _CLAUSE_FILLER.sub(r"\1", text)
            text = _HESITATION.sub(lambda m: m.group(1) or "", text)
        text = _REPEATED_PUNCT.sub(r"\1", _SPACE.sub(" ", text))
        return text.strip(" ,.!?;:，。！？；：、")


class JiebaSegmenter:
    """jieba with the KB's user dictionary, a stopword list, synonyms and pinyin twins.

    Each segmenter owns its jieba.Tokenizer, so two KBs with different dictionaries never share state.
    """

    _shared: weakref.WeakValueDictionary[tuple[frozenset[str], frozenset[tuple[str, str]]], JiebaSegmenter] = (
        weakref.WeakValueDictionary())
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls, dict_terms: Iterable[str] = (), synonyms: Mapping[str, str] | None = None) -> JiebaSegmenter:
        """The segmenter for this dictionary that another index in this process uses already, or a new one.
        A reload of a version with the same dictionary (the usual case) then reuses the jieba dictionary (~350k
        words, tens of MB of small objects) instead of building it again beside the old one; it is only read."""
        key = (frozenset(dict_terms), frozenset((synonyms or {}).items()))
        with cls._shared_lock:
            found = cls._shared.get(key)
            if found is None:
                found = cls._shared[key] = cls(key[0], dict(key[1]))
            return found

    def __init__(self, dict_terms: Iterable[str] = (), synonyms: Mapping[str, str] | None = None) -> None:
        self.synonyms = dict(synonyms or {})
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for term in {*dict_terms, *self.synonyms, *self.synonyms.values()}:
            if not _LATIN_WORD.match(term):
                self._tokenizer.add_word(term, freq=200000)

    def canonical(self, text: str) -> str:
        """Normalised text with every synonym variant replaced by its canonical word. Both legs read it, and the
        KB's questions are embedded the same way: a typo (蜜码), a homophone or a slang word (小黄车) then reads as
        the KB's own word to the embedding model too, which otherwise only sees characters it has no reason to
        relate (蜜码 is not 密码 to m3e; 2fa is not 两步验证)."""
        if not self.synonyms:
            return text
        return "".join(self.synonyms.get(piece, piece) for piece in self._tokenizer.cut(text, HMM=True))

    def words(self, text: str) -> list[str]:
        """Content words of normalised text, with synonyms mapped to their canonical word."""
        out = []
        for raw in self._tokenizer.cut_for_search(text, HMM=True):
            word = raw.strip()
            if not word or word in STOPWORDS or not any(ch.isalnum() for ch in word):
                continue
            out.append(self.synonyms.get(word, word))
        return out

    def tokens(self, text: str) -> list[str]:
        """Lexical-leg tokens: the words, plus each word's toneless pinyin.

        Pinyin typed with spaces between syllables ("bei dao") is also joined in runs of two and three, so it
        meets the pinyin of the word (被盗 -> beidao).
        """
        return self.tokens_of(self.words(text))

    @staticmethod
    def tokens_of(words: list[str]) -> list[str]:
        """``tokens`` for words already segmented (saves a second jieba pass)."""
        extra = []
        latin_run: list[str] = []
        for word in [*words, ""]:
            if word and _LATIN_WORD.match(word):
                latin_run.append(word)
                continue
            for n in (1, 2, 3):
                extra += ["py:" + "".join(latin_run[i : i + n]) for i in range(len(latin_run) - n + 1)]
            latin_run = []
            if word and not word.isascii():
                py = pinyin_key(word)
                if py:
                    extra.append("py:" + py)
        return words + extra


_NOT_CONTENT = re.compile(r"[^\w]|_")


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the letters and digits: a surface match that does not depend on segmentation."""
    chars = _NOT_CONTENT.sub("", text)
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1)) or frozenset(chars)


# Pairs of opposite intents. The longer phrase of a pair is matched first ("取消拉黑" before "拉黑").
POLARITY_PAIRS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("关闭", "取消", "关掉", "停用", "退出", "撤销", "不想要", "去掉"),
     ("开通", "开启", "打开", "申请", "开始", "恢复")),
    (("解封", "解冻", "解除封禁", "解禁", "恢复账号"), ("封禁", "封号", "冻结", "被封")),
    (("掉粉", "粉丝减少", "粉丝少了"), ("涨粉", "增粉", "粉丝增加")),
    (("提现",), ("充值",)),
    (("解绑", "解除绑定", "取消绑定"), ("绑定",)),
    (("取消拉黑", "解除拉黑", "移出黑名单"), ("拉黑", "加入黑名单")),
)


def polarity_sides(text: str) -> frozenset[tuple[int, int]]:
    """(pair, side) markers present in text; the first side's phrases are removed before the second is read."""
    found = set()
    for i, (first, second) in enumerate(POLARITY_PAIRS):
        rest = text
        for phrase in first:
            if phrase in rest:
                found.add((i, 0))
                rest = rest.replace(phrase, " ")
        if any(phrase in rest for phrase in second):
            found.add((i, 1))
    return frozenset(found)
