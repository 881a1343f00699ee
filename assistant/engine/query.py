"""The first stage: a question as both retrieval legs see it (normalised, transliterated, segmented)."""

from __future__ import annotations

from dataclasses import dataclass

from ..cantonese import read_cantonese
from ..errors import InvalidQuestion
from ..pinyin import PinyinTransliterator
from ..text import JiebaSegmenter, Normalizer, bigrams, polarity_sides, readable


@dataclass(frozen=True)
class Query:
    text: str
    norm: str
    words: tuple[str, ...]
    tokens: tuple[str, ...]
    polarity: frozenset[tuple[int, int]]
    bigrams: frozenset[str] = frozenset()
    said: str = ""  # normalised (Cantonese read in Mandarin), in the user's words otherwise (no pinyin reading, no
    # canonical words): intents read it


class QueryPreparer:
    """Normalise, read Cantonese in Mandarin, turn typed pinyin back into KB words, put the KB's canonical words
    for synonyms, drop fillers for the lexical leg, segment."""

    def __init__(self, normalizer: Normalizer, segmenter: JiebaSegmenter, pinyin: dict[str, str],
                 common: dict[str, str] | None = None) -> None:
        self.normalizer = normalizer
        self.segmenter = segmenter
        self.transliterate = PinyinTransliterator(pinyin, common)

    def prepare(self, text: str) -> Query:
        said = self.said(text)
        norm = self.model_text(said)
        lexical = self.normalizer.drop_fillers(norm)
        words = self.segmenter.words(lexical)
        return Query(
            text=text, norm=norm, words=tuple(words), tokens=tuple(self.segmenter.tokens_of(words)),
            polarity=polarity_sides(norm), bigrams=bigrams(lexical), said=said,
        )

    def said(self, text: str) -> str:
        """``Query.said``: the text normalised, its Cantonese words in Mandarin."""
        return read_cantonese(self.normalizer.normalize(text))

    def model_text(self, said: str) -> str:
        """What the model reads of a said text (``Query.norm``): pinyin read back, canonical words."""
        return self.segmenter.canonical(self.transliterate(said))


def validate_question(question: object, max_chars: int) -> str:
    """The question as text, or InvalidQuestion saying what is wrong with it. The API's schema states the same
    rules (api/schemas.py), so a question it allows is one the engine takes."""
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be text")
    if len(question) > max_chars:
        raise InvalidQuestion(f"the question is {len(question)} characters long; at most {max_chars} are allowed")
    text = question.strip()
    if not text:
        raise InvalidQuestion("the question is empty")
    if not readable(text):
        raise InvalidQuestion("the question has no readable text")
    return text
