"""Pinyin typed without an IME, turned back into Chinese for both retrieval legs.

Users type "mima wangle" or "kan guo de shipin zai nali zhao" when they have no Chinese input at hand. The
embedding model reads such Latin letters as noise, so the question is converted first:

- a run of Latin words that all read as pinyin is converted word by word, longest match first: the KB's own
  words and characters (the spelling the KB uses most: hao -> 号 on a help desk, not 好), then common Chinese
  words (jieba's dictionary, by frequency) for keys of two syllables or more that the KB lacks; a word with no
  known key is split into syllables (shandiao -> 删掉);
- anywhere else (pinyin mixed with English, a lone short word) only KB words of 4+ letters are replaced, so that
  "app", "bug" or "vip auto renew" stay as they are. (A run of English words that all happen to read as pinyin,
  such as "change language", is converted too: rare, and the price of reading real pinyin.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

import jieba
from pypinyin import Style, lazy_pinyin

_LATIN_RUN = re.compile(r"[a-z]+(?: [a-z]+)*")
COMMON_WORDS = 20000  # jieba's most frequent words offered for keys the KB lacks
MAX_SYLLABLE = 6  # zhuang, chuang, shuang
Lookup = Callable[[str], "str | None"]


@lru_cache(maxsize=65536)
def pinyin_key(token: str) -> str:
    """Toneless pinyin of a word, syllables joined: 被盗 -> beidao."""
    return "".join(lazy_pinyin(token, style=Style.NORMAL, errors="ignore"))


@lru_cache(maxsize=1)
def common_words() -> dict[str, str]:
    """Pinyin key -> jieba's most frequent word of two or more characters with that key."""
    rows = []
    with jieba.get_dict_file() as fh:
        for line in fh:
            word, freq, *_ = line.decode("utf-8").split()
            if len(word) >= 2:
                rows.append((int(freq), word))
    rows.sort(reverse=True)
    out: dict[str, str] = {}
    for _, word in rows[:COMMON_WORDS]:
        out.setdefault(pinyin_key(word), word)
    return out


def _best(counts: Mapping[str, int]) -> dict[str, str]:
    """Pinyin key -> the most frequent Chinese word (or character) with it; ties go to the longer word."""
    ranked: dict[str, tuple[int, int, str]] = {}
    for word, count in counts.items():
        if word.isascii():
            continue
        key = pinyin_key(word)
        rank = (count, len(word), word)
        if key and (key not in ranked or rank > ranked[key]):
            ranked[key] = rank
    return {k: v[2] for k, v in ranked.items()}


class PinyinTransliterator:
    """``table``: pinyin key -> KB word or character; ``common``: keys of common words the KB lacks."""

    def __init__(self, table: dict[str, str], common: dict[str, str] | None = None) -> None:
        self.table = table
        self.common = common or {}
        self._syllables = frozenset(k for k, v in table.items() if len(v) == 1 and not v.isascii())

    @classmethod
    def from_vocabulary(cls, words: Mapping[str, int], chars: Mapping[str, int] | None = None,
                        common: Mapping[str, str] | None = None) -> PinyinTransliterator:
        """From the KB's word and character counts (and the common words: jieba's, by default)."""
        # single syllables by how often the KB writes each character (的, not the word 得; 在, not 再)
        table = {**_best(words), **_best(chars or {})}
        wanted = common_words() if common is None else common
        extra = {k: w for k, w in wanted.items() if k not in table and len(w) >= 2}
        return cls(table, extra)

    def __call__(self, text: str) -> str:
        if not self.table or not re.search("[a-z]", text):
            return text
        return _LATIN_RUN.sub(lambda m: self._run(m.group(0).split(" ")), text)

    def _run(self, tokens: list[str]) -> str:
        if len(tokens) >= 2 and all(self._reads_as_pinyin(t) for t in tokens):
            return self._convert(tokens, self._lookup, self._split)
        return self._convert(tokens, lambda key: self._kb_word(key) if len(key) >= 4 else None, None)

    def _kb_word(self, key: str) -> str | None:
        return self.table.get(key)

    def _lookup(self, key: str) -> str | None:
        return self.table.get(key) or self.common.get(key)

    def _reads_as_pinyin(self, token: str) -> bool:
        return self._split(token) is not None

    def _split(self, token: str) -> str | None:
        """A word of no known key, as its syllables' characters (longest syllable first), or None. A final r
        after a syllable is 儿 (nar -> 哪儿)."""
        out, i = [], 0
        while i < len(token):
            for j in range(min(len(token), i + MAX_SYLLABLE), i, -1):
                if token[i:j] in self._syllables:
                    out.append(self.table[token[i:j]])
                    i = j
                    break
            else:
                if token[i:] != "r" or not out:
                    return None
                out.append("儿")
                i = len(token)
        return "".join(out)

    @staticmethod
    def _convert(tokens: list[str], lookup: Lookup, split: Lookup | None) -> str:
        """Adjacent words joined greedily, longest first (bei dao -> beidao -> 被盗)."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for n in (4, 3, 2, 1):
                word = lookup("".join(tokens[i : i + n])) if i + n <= len(tokens) else None
                if word:
                    out.append(word)
                    i += n
                    break
            else:
                piece = split(tokens[i]) if split is not None else None
                out.append(piece or (tokens[i] if not out or not out[-1].isascii() else " " + tokens[i]))
                i += 1
        return "".join(out)
