"""`build --tune`: the model fine-tuned on the KB travels inside the version, is loaded with it, and is calibrated
on questions it was not trained on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import index as index_mod
from assistant.build import IndexBuilder, TuneConfig, tune_holdout
from assistant.engine import Assistant
from assistant.errors import IndexUnavailable


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory, settings, embedder, fixture_kb):
    root = tmp_path_factory.mktemp("tuned") / "index"
    result = IndexBuilder(settings, embedder, progress=False).build(fixture_kb, root, tune=TuneConfig(epochs=2))
    assert result.version is not None
    return root, result


def _owner(kb) -> np.ndarray:
    return np.array([n for n, e in enumerate(kb.entries) for _ in e.questions])


def test_holdout_takes_a_quarter_of_each_entry() -> None:
    owner = np.repeat(np.arange(10), 8)
    held = tune_holdout(owner, seed=1)
    assert all(held[owner == e].sum() == 2 for e in range(10))
    assert tune_holdout(np.array([0, 0, 1, 1, 1]), seed=1).tolist()[:2] == [False, False]  # 2 questions: kept


def test_tuned_version_carries_its_model(tuned, fixture_kb, embedder) -> None:
    root, result = tuned
    model = result.manifest.model
    assert model.base == embedder.name
    assert model.folder == "m3e-small-tuned" and model.name == embedder.name.replace("m3e-small", "m3e-small-tuned")
    assert (result.version / model.folder / "config.json").exists()
    assert not list((root / "versions").glob(".tune-*")), "the scratch folder is removed"
    held = tune_holdout(_owner(fixture_kb), 13)
    assert model.tuned is not None and model.tuned["trained_questions"] == len(held) - held.sum()
    # calibration and the self-test see only the held-out questions
    assert result.manifest.selftest is not None and result.manifest.selftest.queries == held.sum()
    # --if-stale compares the configured (base) model, so `make serve` does not throw a tuned index away
    assert index_mod.up_to_date(root, fixture_kb.sha256, embedder.name)


def test_fine_tuning_pulls_an_entrys_questions_together(tuned, fixture_kb, embedder) -> None:
    _, result = tuned
    owner = _owner(fixture_kb)
    texts = list(result.data.question_texts)
    tuned_model = Assistant.from_index(result.version, result_settings(tuned), embedder).embedder

    def separation(vectors: np.ndarray) -> float:
        sims = vectors @ vectors.T
        same = owner[:, None] == owner[None, :]
        np.fill_diagonal(same, False)
        other = owner[:, None] != owner[None, :]
        return float(sims[same].mean() - sims[other].mean())

    before, after = separation(embedder.encode(texts)), separation(tuned_model.encode(texts))
    assert after > before + 0.02, (before, after)


def result_settings(tuned):
    root, _ = tuned
    from assistant.config import Settings

    return Settings(index_dir=root, cache_dir=root.parent / "cache", selftest_floor=0.0)


def test_loading_a_tuned_version_switches_models_and_back(tuned, built_index: Path, embedder) -> None:
    _, result = tuned
    settings = result_settings(tuned)
    assistant = Assistant.from_index(result.version, settings, embedder)
    assert Path(assistant.embedder.path) == (result.version / "m3e-small-tuned").resolve()
    # the stored vectors are the tuned model's (adapter applied), not the base model's (an index built while int8
    # still ran in batches has vectors near, not equal to, a question encoded alone)
    from assistant.engine.embed import apply_adapter
    from assistant.text import Normalizer

    first = [Normalizer().normalize(assistant.data.question_texts[0])]

    def cosine(model: object) -> float:
        vector = apply_adapter(assistant.data.adapter, model.encode(first))[0]  # type: ignore[attr-defined]
        return float(vector @ assistant.data.vectors[0])

    assert cosine(assistant.embedder) > 0.99
    assert cosine(assistant.embedder) > cosine(embedder)
    reply = assistant.ask("我密码忘记了咋找回来")
    assert reply.answer is not None and reply.answer.id == "account-password-reset-phone"
    # an untuned version given the tuned embedder goes back to the configured model
    plain = Assistant.from_index(built_index, settings, assistant.embedder)
    assert Path(plain.embedder.path).resolve() == Path(settings.model).resolve()


def test_a_version_missing_its_tuned_model_is_refused(tmp_path: Path, tuned) -> None:
    import shutil

    _, result = tuned
    copy = tmp_path / "v"
    shutil.copytree(result.version, copy)
    shutil.rmtree(copy / "m3e-small-tuned")
    with pytest.raises(IndexUnavailable, match="m3e-small-tuned"):
        Assistant.from_index(copy, result_settings(tuned))
