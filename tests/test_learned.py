"""Questions accepted from traffic (an entry's `learned` list) are indexed and answered like similar questions,
but the build's calibration never asks them: they were picked for having failed, and asked with themselves left
out they would make the answer threshold stricter than the traffic warrants (build/examples.py)."""

from dataclasses import replace

import numpy as np

from assistant.build import IndexBuilder
from assistant.build.examples import asked_in_calibration
from assistant.engine import Assistant
from assistant.kb import load_kb
from tests.conftest import FIXTURE_KB

LEARNED = {0: ("这玩意儿到底咋弄啊",), 3: ("还是搞不定 咋整", "弄了半天也不行")}


def with_learned(kb):  # type: ignore[no-untyped-def]
    entries = tuple(e.model_copy(update={"learned": LEARNED.get(n, ())}) for n, e in enumerate(kb.entries))
    return replace(kb, entries=entries)


def test_learned_questions_are_not_asked_in_calibration(settings) -> None:  # type: ignore[no-untyped-def]
    kb = with_learned(load_kb(FIXTURE_KB, settings.teams))
    asked = asked_in_calibration(kb)
    texts = [q for e in kb.entries for q in e.questions]
    assert len(asked) == len(texts) == kb.question_count
    assert {t for t, a in zip(texts, asked, strict=True) if not a} == {q for v in LEARNED.values() for q in v}


def test_a_learned_question_is_answered_but_leaves_calibration_as_it_was(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    plain = load_kb(FIXTURE_KB, settings.teams)
    builder = IndexBuilder(settings, embedder, progress=False)
    before = builder.build(plain, None, publish=False).data
    after = builder.build(with_learned(plain), None, publish=False).data
    assert after.question_count == before.question_count + 3
    ex_before, ex_after = before.manifest.calibration.examples, after.manifest.calibration.examples
    assert (ex_after["in_scope"], ex_after["out_of_scope"]) == (ex_before["in_scope"], ex_before["out_of_scope"])
    reply = Assistant(after, embedder, settings).ask("还是搞不定 咋整")
    ranked_first = reply.answer.id if reply.answer else reply.alternatives[0].id
    assert ranked_first == plain.entries[3].id
    assert np.isfinite(after.manifest.calibration.thresholds["answer"])


def test_a_users_question_also_learned_is_asked_with_its_learned_copy_left_out(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    """A question a reviewer labelled (tune/) that the KB also learned from the traffic is asked as the next user
    will ask it: its own copy among the learned questions would otherwise answer it word for word."""
    from assistant.build.calibrate import CrossFitter
    from assistant.engine.features import FEATURES
    from assistant.index import KbText
    from assistant.kb import LabelledQuestion
    from assistant.text import JiebaSegmenter

    question, entry = LEARNED[3][0], 3
    kb = with_learned(load_kb(FIXTURE_KB, settings.teams))
    kb = replace(kb, tune=(LabelledQuestion(question, (kb.entries[entry].id,), "review"),))
    builder = IndexBuilder(settings, embedder, progress=False)
    data = builder.build(kb, None, publish=False).data
    segmenter = JiebaSegmenter(kb.dict_terms, kb.synonyms)
    raw = embedder.encode(list(KbText.read(kb, builder.normalizer, segmenter).texts))
    fitter = CrossFitter(settings, builder.normalizer, segmenter, lambda texts, _: embedder.encode(texts), False)
    (example,) = fitter.user_examples(kb, data, raw, None)
    assert question in data.question_texts  # indexed: asked against its copy it would score ~1.0
    dense = float(example.features[list(example.entries).index(entry), FEATURES.index("dense_max")])
    assert dense < 0.99
