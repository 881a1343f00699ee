"""Each normalisation rule with real examples of what users type."""

import pytest

from assistant.text import JiebaSegmenter, Normalizer

N = Normalizer()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｍｉｍａ忘了", "mima忘了"),  # full-width Latin -> half-width, via NFKC
        ("验证码１２３４收不到", "验证码1234收不到"),  # full-width digits
        ("APP闪退", "app闪退"),  # lower-case Latin
        ("帳號被盜了怎麼辦", "帐号被盗了怎么办"),  # traditional -> simplified
        ("直播  权限\t怎么\n开", "直播 权限 怎么 开"),  # whitespace collapsed
        ("为什么限流！！！？？？", "为什么限流!?"),  # repeated punctuation collapsed (after NFKC)
        ("视频被下架了😭😭👍", "视频被下架了"),  # emoji stripped
        ("  前后空格  ", "前后空格"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert N.normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("嗯那个就是说我的账号登不上了", "我的账号登不上了"),
        ("呃 我想问下充值没到账", "我想问下充值没到账"),
        ("你好，请问怎么开直播", "怎么开直播"),
        ("那个视频为什么被删了", "视频为什么被删了"),  # clause-initial 那个 is a filler, even here
        ("额度不够怎么办", "额度不够怎么办"),  # 额 inside a word is kept
        ("我要提现，额，怎么弄", "我要提现，怎么弄"),
    ],
)
def test_drop_fillers(raw: str, expected: str) -> None:
    assert N.drop_fillers(N.normalize(raw)) == N.normalize(expected)


def test_user_dictionary_keeps_platform_terms_whole() -> None:
    plain = JiebaSegmenter()
    custom = JiebaSegmenter(dict_terms=["直播权限", "实名认证"])
    assert "直播权限" not in plain.words("怎么开通直播权限")
    assert "直播权限" in custom.words("怎么开通直播权限")


def test_synonyms_and_stopwords() -> None:
    seg = JiebaSegmenter(synonyms={"口令": "密码", "帐号": "账号"})
    words = seg.words(N.normalize("我的帳號口令忘了吗"))
    assert "密码" in words and "账号" in words
    assert "吗" not in words and "我" not in words


def test_pinyin_twins_match_homophone_typos_and_pinyin_input() -> None:
    seg = JiebaSegmenter(dict_terms=["验证码"])
    assert "py:yanzhengma" in seg.tokens("验证码收不到")
    assert "py:yanzhengma" in seg.tokens("验正码收不到")  # homophone typo
    assert "py:mima" in seg.tokens("mima wangle")  # pinyin typed as Latin letters
    assert "py:mima" in seg.tokens("密码忘了")


def test_segmenters_do_not_share_dictionaries() -> None:
    JiebaSegmenter(dict_terms=["奇怪新词甲乙"])
    assert "奇怪新词甲乙" not in JiebaSegmenter().words("这是奇怪新词甲乙吗")
