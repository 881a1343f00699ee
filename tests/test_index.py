"""Versioned index folders: manifest, atomic publish, rollback, and clear errors on load."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import index as index_mod
from assistant.errors import IndexUnavailable


def test_manifest_describes_the_build(built_index: Path, fixture_kb) -> None:
    m = json.loads((built_index / "manifest.json").read_text(encoding="utf-8"))
    assert m["model"] == {"name": "m3e-small+int8-7bit", "dimension": 512}  # the default runtime, int8, named
    assert m["kb"]["sha256"] == fixture_kb.sha256
    assert m["kb"]["entries"] == 25 and m["kb"]["questions"] == fixture_kb.question_count
    assert m["faiss"] == "flat"
    assert {"faiss-cpu", "sentence-transformers", "jieba"} <= set(m["libraries"])
    t = m["confidence"]["thresholds"]
    assert 0 <= t["clarify"] <= t["answer"] <= t["answer_sensitive"] <= 1
    assert m["selftest"]["queries"] > 100


def test_loaded_index_matches_the_kb(built_index: Path, fixture_kb, embedder) -> None:
    data = index_mod.load(built_index, embedder.name, embedder.dimension)
    assert data.faiss.ntotal == fixture_kb.question_count == data.question_count
    assert [e.id for e in data.entries] == [e.id for e in fixture_kb.entries]
    assert data.adapter is not None and data.adapter.shape == (512, 512)


def test_a_loaded_index_keeps_its_bigrams_and_model_weights_as_arrays(built_index: Path, embedder) -> None:
    """What every worker holds for as long as it serves: the questions' bigrams as ids in shared arrays (not a set of
    strings a question) and the fitted models' weights as float64 arrays (not lists of Python floats)."""
    data = index_mod.load(built_index, embedder.name, embedder.dimension)
    stored = json.loads((built_index / "questions.json").read_text("utf-8"))["bigrams"]
    grams = data.question_grams
    assert grams.question_count == data.question_count == len(stored)
    for q, expected in enumerate(stored):
        assert grams.bigrams(q) == frozenset(expected)
        assert all(q in grams.postings([g])[0].tolist() for g in expected)
        terms = set(expected) | {c for g in expected for c in g}
        assert sorted(grams.question_terms(q).tolist()) == sorted(grams.vocab[t] for t in terms)
    assert sum(len(p) for p in grams.postings(list(grams.vocab))) == sum(len(b) for b in stored)
    assert grams.postings(["不在题库里"]) == []
    characters = [t for t, i in grams.vocab.items() if i >= grams.n_grams]  # document terms only, not bigrams
    assert characters and grams.postings(characters) == []
    raw = json.loads((built_index / "text.json").read_text("utf-8"))["intent_models"]
    fitted = list(_fitted(data.intent_models, raw))
    assert fitted  # the fixture KB's intent, emotion and feedback models
    for model, stored_model in fitted:
        assert isinstance(model["coef"], np.ndarray) and model["coef"].dtype == np.float64
        assert isinstance(model["features"], list) and isinstance(model["intercept"], float)
        assert model["coef"].tolist() == stored_model["coef"] and model["mean"].tolist() == stored_model["mean"]


def _fitted(tree, stored):
    """The fitted models (a dict with coefficients) in a loaded tree, with the same model as stored."""
    if isinstance(tree, dict):
        if "coef" in tree:
            yield tree, stored
        for k, v in tree.items():
            yield from _fitted(v, stored[k])


def test_current_points_at_the_published_version(settings, built_index: Path) -> None:
    assert index_mod.current(settings.index_dir) == built_index.resolve()
    assert (settings.index_dir / "current").is_symlink()


def test_publish_rollback_and_prune(tmp_path: Path, built_index: Path) -> None:
    root = tmp_path / "idx"
    names = ["20260101T000000000000Z-aaaa", "20260102T000000000000Z-bbbb", "20260103T000000000000Z-cccc"]
    for name in names:
        shutil.copytree(built_index, root / "versions" / name)
    index_mod.publish(root, root / "versions" / names[2])
    assert index_mod.current(root) == (root / "versions" / names[2]).resolve()
    assert index_mod.rollback(root).name == names[1]
    assert index_mod.current(root).name == names[1]
    index_mod.rollback(root)
    with pytest.raises(IndexUnavailable, match="oldest version"):
        index_mod.rollback(root)
    index_mod.publish(root, root / "versions" / names[2])
    removed = index_mod.prune(root, keep=1)
    assert [p.name for p in removed] == names[:2]
    assert [p.name for p in index_mod.versions(root)] == [names[2]]


def test_load_refuses_another_model(built_index: Path) -> None:
    with pytest.raises(IndexUnavailable, match=r"built with model 'm3e-small\+int8-7bit'.*rebuild"):
        index_mod.load(built_index, "bge-base-zh", 768)


def test_load_names_the_path_of_a_damaged_index(tmp_path: Path, built_index: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(built_index, broken)
    (broken / "dense.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(IndexUnavailable, match=str(broken)):
        index_mod.load(broken)
    with pytest.raises(IndexUnavailable, match="no index here"):
        index_mod.load(tmp_path / "missing")


def test_hnsw_is_chosen_above_the_size_threshold() -> None:
    import numpy as np

    vectors = np.random.default_rng(0).standard_normal((300, 16)).astype("float32")
    assert type(index_mod.make_faiss(vectors, "auto", 100)).__name__ == "IndexHNSWFlat"
    assert type(index_mod.make_faiss(vectors, "auto", 1000)).__name__ == "IndexFlatIP"


def test_the_lexical_index_files_do_not_depend_on_the_process(tmp_path: Path) -> None:
    """Two builds of one KB write the same BM25 files: its vocabulary is numbered in sorted order, not in the order a
    set of words iterates, which changes with each process's string hashing."""
    import subprocess
    import sys

    script = (
        "import sys, hashlib, pathlib\n"
        "from assistant.index.data import lexical_index\n"
        "docs = [['直播', '权限', '开通'], ['密码', '忘记', '找回'], ['直播', '关闭'], ['<empty>']]\n"
        "index = lexical_index(docs)\n"
        "index.save(sys.argv[1], show_progress=False)\n"
        "print(index.get_scores(['直播', '关闭']).round(4).tolist())\n"
    )
    seen = []
    for seed in ("1", "2", "3"):
        out = tmp_path / seed
        done = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, cwd=Path(__file__).resolve().parent.parent)
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
        seen.append((done.stdout, files))
    assert seen[0] == seen[1] == seen[2]
    assert "vocab.index.json" in seen[0][1]
