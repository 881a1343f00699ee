"""The KB's labelled users' questions (tune/*.jsonl) are indexed as questions of the entry that answers them, and
calibration asks each of them with every question of its own tune file left out (build/users.py)."""

from dataclasses import replace

import numpy as np

from assistant.build import IndexBuilder
from assistant.build.calibrate import CrossFitter
from assistant.build.examples import asked_in_calibration
from assistant.build.users import with_users_questions
from assistant.engine.features import FEATURES
from assistant.index import KbText
from assistant.kb import LabelledQuestion, load_kb
from assistant.text import JiebaSegmenter
from tests.conftest import FIXTURE_KB


def users_kb(settings):  # type: ignore[no-untyped-def]
    kb = load_kb(FIXTURE_KB, settings.teams)
    e = kb.entries
    tune = (
        LabelledQuestion("这个东西到底要咋弄才行啊", (e[3].id,), "tune/a.jsonl:1"),
        LabelledQuestion("这个东西到底要咋弄才行啊啊", (e[3].id,), "tune/a.jsonl:2"),  # the same writer again
        LabelledQuestion("两个都想问", (e[0].id, e[1].id), "tune/a.jsonl:3"),  # several entries: not indexed
        LabelledQuestion("你们公司在哪个城市", (), "tune/a.jsonl:4"),  # no entry: not indexed
        LabelledQuestion("弄了好久还是不会弄", (e[3].id,), "tune/b.jsonl:1"),
        LabelledQuestion(e[5].similar[0], (e[5].id,), "tune/b.jsonl:2"),  # already the entry's own question
        LabelledQuestion("弄了好久还是不会弄", (e[3].id,), "tune/c.jsonl:1"),  # already indexed from b
    )
    return replace(kb, tune=tune)


def test_single_entry_users_questions_become_learned_questions_of_their_entry(settings) -> None:  # type: ignore[no-untyped-def]
    kb = users_kb(settings)
    indexed, origin = with_users_questions(kb)
    assert indexed.question_count == kb.question_count + 3
    assert indexed.entries[3].learned == (
        "这个东西到底要咋弄才行啊", "这个东西到底要咋弄才行啊啊", "弄了好久还是不会弄")
    assert [e.learned for n, e in enumerate(indexed.entries) if n != 3] == [()] * (len(kb.entries) - 1)
    texts = [q for e in indexed.entries for q in e.questions]
    assert len(origin) == len(texts)
    assert {t: int(o) for t, o in zip(texts, origin, strict=True) if o >= 0} == {
        "这个东西到底要咋弄才行啊": 0, "这个东西到底要咋弄才行啊啊": 0, "弄了好久还是不会弄": 1}
    assert not asked_in_calibration(indexed)[origin >= 0].any()  # never asked by the KB's own cross-fitting


def test_a_users_question_is_asked_with_its_own_files_questions_left_out(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    kb = users_kb(settings)
    builder = IndexBuilder(settings, embedder, progress=False)
    data = builder.build(kb, None, publish=False).data
    assert "弄了好久还是不会弄" in data.question_texts and data.question_count == kb.question_count + 3
    indexed, origin = with_users_questions(kb)
    segmenter = JiebaSegmenter(kb.dict_terms, kb.synonyms)
    raw = embedder.encode(list(KbText.read(indexed, builder.normalizer, segmenter).texts))
    fitter = CrossFitter(settings, builder.normalizer, segmenter, lambda texts, _: embedder.encode(texts), False)
    examples = fitter.user_examples(indexed, data, raw, None, origin)
    assert len(examples) == len(kb.tune)
    first = examples[0]  # file a: its twin (cosine > 0.99) is left out with it; file b's question is not
    column = FEATURES.index("dense_max")
    got = float(first.features[list(first.entries).index(3), column])
    owner = data.question_entry
    allowed = np.flatnonzero((owner == 3) & (origin != 0))
    query = raw[data.question_texts.index("这个东西到底要咋弄才行啊")]
    assert float(raw[data.question_texts.index("这个东西到底要咋弄才行啊啊")] @ query) > 0.99
    assert got < 0.99
    assert abs(got - float((raw[allowed] @ query).max())) < 1e-3


def test_the_setting_keeps_users_questions_out_of_the_index(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    kb = users_kb(settings)
    off = settings.model_copy(update={"index_users_questions": False})
    data = IndexBuilder(off, embedder, progress=False).build(kb, None, publish=False).data
    assert data.question_count == kb.question_count
    assert data.manifest.build_settings["index_users_questions"] is False
