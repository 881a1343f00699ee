"""Entry-level retrieval features on the fixture index: the character TF-IDF document cosine, the centroid and the
soft vote, checked against direct computations, and their leave-one-out versions used for calibration."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from assistant.engine.entry_docs import char_terms
from assistant.engine.features import FEATURES, RANKER_FEATURES, HeldOut, ranker_columns

DOC, SOFT, CENTROID = FEATURES.index("doc_cos"), FEATURES.index("knn_soft"), FEATURES.index("centroid")


def _direct_doc_cosine(assistant, query_terms: frozenset[str], questions: list[int]) -> float:
    """TF-IDF cosine written out plainly: idf smoothed over all questions, an entry's weight per term = idf x the
    number of its questions with the term, the query's = idf of each of its known terms."""
    data = assistant.data
    all_terms = [char_terms(data.question_grams.bigrams(q)) for q in range(data.question_count)]
    df = Counter(t for terms in all_terms for t in terms)
    n = len(all_terms)

    def idf(t: str) -> float:
        return math.log((1 + n) / (1 + df[t])) + 1

    doc = Counter(t for q in questions for t in all_terms[q])
    known = [t for t in query_terms if t in df]
    dot = sum(idf(t) * idf(t) * doc[t] for t in known)
    doc_norm = math.sqrt(sum((idf(t) * c) ** 2 for t, c in doc.items()))
    query_norm = math.sqrt(sum(idf(t) ** 2 for t in known))
    return dot / (doc_norm * query_norm) if doc_norm and query_norm else 0.0


def _features(assistant, text: str, held_out: HeldOut | None = None):
    r = assistant.retriever
    query = r.prepare(text)
    vector = assistant.embed([query.norm])[0]
    if held_out is None:
        return query, vector, r.candidates(query, vector)
    hits = r.dense_search(vector[None, :])
    return query, vector, r.candidates_held_out(query, vector, (hits[0][0], hits[1][0]), r.lexical_scores(query),
                                                held_out)


def test_document_cosine_matches_a_direct_computation(assistant) -> None:
    query, _, c = _features(assistant, "忘记密码了怎么找回账号")
    assert len(c.entries) > 3
    for row, e in enumerate(c.entries.tolist()):
        start, end = assistant.data.ranges[e]
        expected = _direct_doc_cosine(assistant, char_terms(query.bigrams), list(range(start, end)))
        assert c.features[row, DOC] == pytest.approx(expected, abs=1e-5)
    assert c.features[:, DOC].max() > 0.3  # the password entry shares most of the query's characters


def test_centroid_and_soft_vote_match_direct_computations(assistant) -> None:
    _, vector, c = _features(assistant, "直播权限怎么开通")
    data = assistant.data
    for row, e in enumerate(c.entries.tolist()):
        start, end = data.ranges[e]
        mean = data.vectors[start:end].mean(axis=0)
        assert c.features[row, CENTROID] == pytest.approx(float(mean @ vector / np.linalg.norm(mean)), abs=1e-4)
    votes = c.features[:, SOFT]
    assert (votes >= 0).all() and votes.sum() <= 1 + 1e-6
    best = data.question_entry[int(np.argmax(data.vectors @ vector))]
    assert c.entries[int(np.argmax(votes))] == best  # the nearest question's entry gets the largest vote


def test_leave_one_out_features_forget_the_left_out_question(assistant) -> None:
    """Calibration asks each KB question with itself left out: the entry-level features must then be those of an
    entry that never had the question, or calibration would see answers easier than real ones."""
    data = assistant.data
    entry = next(e for e in range(len(data.entries)) if data.ranges[e][1] - data.ranges[e][0] >= 3)
    start, end = data.ranges[entry]
    asked = start + 1
    text = data.question_texts[asked]
    query, vector, c = _features(assistant, text, HeldOut(questions=np.array([asked])))
    row = int(np.flatnonzero(c.entries == entry)[0])
    kept = [q for q in range(start, end) if q != asked]
    assert c.features[row, DOC] == pytest.approx(_direct_doc_cosine(assistant, char_terms(query.bigrams), kept),
                                                 abs=1e-5)
    mean = data.vectors[kept].mean(axis=0)
    assert c.features[row, CENTROID] == pytest.approx(float(mean @ vector / np.linalg.norm(mean)), abs=1e-4)
    # asked without leaving it out, the question finds itself: a higher centroid and document score
    _, _, full = _features(assistant, text)
    full_row = int(np.flatnonzero(full.entries == entry)[0])
    assert full.features[full_row, DOC] > c.features[row, DOC]
    assert full.features[full_row, CENTROID] > c.features[row, CENTROID]


def test_ranker_inputs_are_named_in_the_manifest(assistant) -> None:
    conf = assistant.data.manifest.calibration
    for params in (conf.ranker, conf.scorer):  # the listwise order and the pointwise scores the calibrator reads
        assert params["features"] == list(RANKER_FEATURES)
        assert len(params["coef"]) == len(RANKER_FEATURES)
    assert conf.ranker["intercept"] == 0.0
    assert [FEATURES[i] for i in assistant.ranker.ranker_columns] == list(RANKER_FEATURES)
    assert [FEATURES[i] for i in assistant.ranker.scorer_columns] == list(RANKER_FEATURES)
    with pytest.raises(ValueError, match="unknown ranking features: nope"):
        ranker_columns(["doc_cos", "nope"])


@pytest.mark.parametrize("text", ["直播权限怎么开通", "密码忘了怎么办", "怎么 申诉"])
@pytest.mark.parametrize("n", [1, 3, 10, 1000])
def test_lexical_candidates_are_the_entries_with_the_best_question_scores(assistant, text: str, n: int) -> None:
    r = assistant.retriever
    lex = r.lexical_scores(r.prepare(text))
    per_entry = np.maximum.reduceat(lex, assistant.data.starts)  # every entry's best question, the plain way
    found = r.lexical_entries(lex, n)
    assert len(found) == min(n, int((per_entry > 0).sum()))
    assert len(set(found)) == len(found)
    if found:  # no entry left out scores better than one taken
        rest = np.delete(per_entry, found)
        assert per_entry[found].min() >= rest.max()
        assert list(per_entry[found]) == sorted(per_entry[found], reverse=True)
