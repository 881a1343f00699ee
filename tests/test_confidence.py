"""The listwise ranker's fit and how the calibrator reads a ranked list."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.engine.logistic import Logistic
from assistant.engine.rank import query_features, rank


def _lists(seed: int = 0, n: int = 300) -> tuple[list[np.ndarray], list[int]]:
    """Lists of 5-12 candidates; the gold one tends to have a high first feature, the second is noise."""
    rng = np.random.default_rng(seed)
    lists, gold = [], []
    for _ in range(n):
        x = rng.normal(size=(int(rng.integers(5, 13)), 2))
        g = int(rng.integers(len(x)))
        x[g, 0] += 3.0
        lists.append(x)
        gold.append(g)
    return lists, gold


def _objective(model: Logistic, lists: list[np.ndarray], gold: list[int], l2: float) -> float:
    total = 0.0
    for x, g in zip(lists, gold, strict=True):
        s = model.logit(x)
        total += np.log(np.exp(s - s.max()).sum()) + s.max() - s[g]
    return total / len(lists) + l2 * float(model.coef @ model.coef)


def test_listwise_fit_reaches_the_minimum_of_its_objective() -> None:
    lists, gold = _lists()
    l2 = 1e-2
    model = Logistic.fit_listwise(lists, gold, l2=l2)
    assert model.intercept == 0.0
    assert model.coef[0] > 1.0 > abs(model.coef[1])  # the informative feature carries the score
    best = _objective(model, lists, gold, l2)
    for i in range(len(model.coef)):  # any small move of a weight makes the objective worse
        for delta in (-1e-3, 1e-3):
            coef = model.coef.copy()
            coef[i] += delta
            moved = Logistic(mean=model.mean, std=model.std, coef=coef, intercept=0.0)
            assert _objective(moved, lists, gold, l2) > best
    picked = [int(np.argmax(model.logit(x))) for x in lists]
    assert np.mean(np.array(picked) == np.array(gold)) > 0.85


def test_stronger_l2_shrinks_the_listwise_weights() -> None:
    lists, gold = _lists(seed=1)
    weak = Logistic.fit_listwise(lists, gold, l2=1e-3)
    strong = Logistic.fit_listwise(lists, gold, l2=1.0)
    assert np.linalg.norm(strong.coef) < np.linalg.norm(weak.coef)


def test_rank_orders_by_the_ranker_and_describes_the_pick_with_the_pointwise_scores() -> None:
    features = np.arange(56, dtype=np.float32).reshape(4, 14)
    order_scores = np.array([0.1, 3.0, 2.0, -1.0])  # the ranker picks candidate 1
    point_scores = np.array([1.5, 0.5, 2.5, -2.0])  # the scorer would have picked candidate 2
    order, inputs = rank(order_scores, point_scores, features, n_words=3)
    assert order.tolist() == [1, 2, 0, 3]
    # the pick's own pointwise score first, then the others' by their pointwise order: a negative gap says the
    # scorer doubts the pick
    expected = query_features(np.array([0.5, 2.5, 1.5, -2.0]), features[1], 3, rank_gap=1.0)
    np.testing.assert_allclose(inputs, expected)
    assert inputs[1] == pytest.approx(-2.0)
    assert inputs[-1] == pytest.approx(1.0)  # the ranker's own margin over its runner-up


def test_rank_of_an_empty_list() -> None:
    order, inputs = rank(np.zeros(0), np.zeros(0), np.zeros((0, 14), dtype=np.float32), n_words=2)
    assert len(order) == 0
    assert inputs[0] == -10.0  # no top score: nothing to be sure of


def test_listwise_weights_count_a_list_that_many_times() -> None:
    lists, gold = _lists(seed=2, n=120)
    weights = [2.0 if i % 3 == 0 else 1.0 for i in range(len(lists))]
    weighted = Logistic.fit_listwise(lists, gold, weight=weights)
    repeated_lists = lists + [x for i, x in enumerate(lists) if i % 3 == 0]
    repeated_gold = gold + [g for i, g in enumerate(gold) if i % 3 == 0]
    repeated = Logistic.fit_listwise(repeated_lists, repeated_gold)
    # the standardisation sees the lists once, not twice: compare the scores' orders, not the raw weights
    for x in lists[:20]:
        assert np.argsort(weighted.logit(x)).tolist() == np.argsort(repeated.logit(x)).tolist()
    ignored = Logistic.fit_listwise(lists, gold, weight=[0.0 if i % 2 else 1.0 for i in range(len(lists))])
    alone = Logistic.fit_listwise(lists, gold, weight=[1.0] * len(lists))
    assert not np.allclose(ignored.coef, alone.coef)  # a zero weight takes the list out of the objective


def test_the_sensitive_threshold_is_set_on_answers_that_pick_a_sensitive_entry() -> None:
    from assistant.build.calibrate import MIN_SENSITIVE_EXAMPLES, answer_threshold, sensitive_threshold

    rng = np.random.default_rng(3)
    p = rng.uniform(size=2000)
    sensitive = rng.uniform(size=2000) < 0.3
    # sensitive picks are right more often at the same confidence than the others
    right = (rng.uniform(size=2000) < np.where(sensitive, np.sqrt(p), p)).astype(float)
    w = np.ones(2000)
    overall = answer_threshold(p, right, w, 0.95)
    among = answer_threshold(p[sensitive], right[sensitive], w[sensitive], 0.95)
    assert among < overall
    assert sensitive_threshold(p, right, w, sensitive, 0.95, 0.1) == among
    assert sensitive_threshold(p, right, w, sensitive, 0.95, 0.99) == 0.99  # never below the answer threshold
    few = sensitive & (np.cumsum(sensitive) < MIN_SENSITIVE_EXAMPLES)
    assert sensitive_threshold(p, right, w, few, 0.95, 0.1) == overall  # too few to judge: all answers


def test_a_wide_logistic_solved_by_conjugate_gradients_equals_the_hessian_solve(monkeypatch) -> None:
    from assistant.engine import logistic

    rng = np.random.default_rng(7)
    x = (rng.random((300, logistic.WIDE + 50)) < 0.05).astype(float)
    x[:, :20] = rng.normal(size=(300, 20))
    y = (x[:, :20] @ rng.normal(size=20) + rng.normal(size=300) > 0).astype(float)
    weight = rng.uniform(0.5, 2.0, size=300)
    wide = Logistic.fit(x, y, weight, l2=0.01)
    monkeypatch.setattr(logistic, "WIDE", x.shape[1] + 1)
    solved = Logistic.fit(x, y, weight, l2=0.01)
    assert np.abs(wide.coef - solved.coef).max() < 1e-8
    assert abs(wide.intercept - solved.intercept) < 1e-8
    assert 0.2 < wide.proba(x).mean() < 0.8


def test_a_sparse_matrix_fits_the_same_logistic_as_its_dense_rows(monkeypatch) -> None:
    from scipy import sparse

    from assistant.engine import logistic
    from assistant.engine.logistic import Inputs

    rng = np.random.default_rng(11)
    x = (rng.random((400, logistic.WIDE + 80)) < 0.01).astype(float)
    x[:, :16] = rng.normal(size=(400, 16))
    y = (x[:, :16] @ rng.normal(size=16) + 3 * x[:, 100] + rng.normal(size=400) > 0).astype(float)
    dense = Logistic.fit(x, y, l2=0.01)
    shared = Inputs(sparse.csr_array(x))  # made once, for several fits on the same rows
    for fitted in (Logistic.fit(sparse.csr_array(x), y, l2=0.01), Logistic.fit(shared, y, l2=0.01)):
        assert np.abs(fitted.coef - dense.coef).max() < 1e-8
        assert np.abs(fitted.std - dense.std).max() < 1e-12
    assert shared.wide is not None and len(shared.wide.dense_cols) == 16  # the n-grams stay sparse
    narrow = x[:, :40]
    assert np.abs(Logistic.fit(sparse.csr_array(narrow), y).coef - Logistic.fit(narrow, y).coef).max() < 1e-8
