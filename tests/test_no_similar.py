"""A KB whose entries have no similar questions (or only some do) builds and answers: calibration asks generated
variants of the lonely questions instead (build/variants.py), and the manifest says so. Real model, fixture KB."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from assistant.build import IndexBuilder
from assistant.build.variants import variants
from assistant.engine import Assistant
from assistant.kb import load_kb
from assistant.kb.validate import question_key
from assistant.text import JiebaSegmenter, Normalizer
from tests.conftest import FIXTURE_KB


def strip_similar(out: Path, keep_every: int = 0) -> Path:
    """The fixture KB with the similar questions removed (from every ``keep_every``-th entry kept, if given)."""
    out.mkdir(parents=True, exist_ok=True)
    for f in sorted(FIXTURE_KB.glob("cat*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for n, e in enumerate(doc["entries"]):
            if not keep_every or n % keep_every:
                e.pop("similar", None)
        (out / f.name).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for name in ("dict.txt", "synonyms.yaml", "handoff.yaml"):
        (out / name).write_text((FIXTURE_KB / name).read_text(encoding="utf-8"), encoding="utf-8")
    return out


def test_variants_differ_from_the_question_and_each_other() -> None:
    seg = JiebaSegmenter()
    rng = np.random.default_rng(1)
    norm = Normalizer().normalize("忘记密码了，怎么通过绑定的手机号找回？")
    found = variants(norm, seg, rng)
    keys = {question_key(v) for v in found}
    assert len(found) == 3 and len(keys) == 3 and question_key(norm) not in keys
    assert variants("好", seg, rng) == []


@pytest.fixture(scope="module")
def no_similar(tmp_path_factory, settings, embedder) -> Assistant:
    root = tmp_path_factory.mktemp("nosim")
    kb = load_kb(strip_similar(root / "kb"), settings.teams)
    assert all(not e.similar for e in kb.entries)
    result = IndexBuilder(settings, embedder, progress=False).build(kb, root / "index")
    assert result.version is not None
    return Assistant.from_index(result.version, settings, embedder)


def test_a_kb_without_similar_questions_builds_and_says_how(no_similar: Assistant) -> None:
    conf = no_similar.data.manifest.calibration
    assert conf.fallback == "variants"
    assert conf.examples["entries_without_similar"] == 25
    assert conf.examples["variants"] >= 50
    assert 0.0 < conf.thresholds["answer"] < 1.0


@pytest.mark.parametrize(("question", "expected"), [
    ("我密码忘记了咋找回来", "account-password-reset-phone"),
    ("怎么开通直播权限", "live-permission-apply"),
])
def test_a_kb_without_similar_questions_answers(no_similar: Assistant, question: str, expected: str) -> None:
    reply = no_similar.ask(question)
    assert reply.decision in ("answer", "clarify"), reply.reason
    first = reply.answer if reply.answer is not None else reply.alternatives[0]
    assert first.id == expected


def test_off_domain_is_still_not_answered(no_similar: Assistant) -> None:
    assert no_similar.ask("红烧肉怎么做好吃").decision != "answer"


def test_a_kb_where_only_some_entries_have_similar_questions(tmp_path: Path, settings, embedder) -> None:
    kb = load_kb(strip_similar(tmp_path / "kb", keep_every=2), settings.teams)
    lonely = sum(1 for e in kb.entries if not e.similar)
    assert 0 < lonely < len(kb.entries)
    result = IndexBuilder(settings, embedder, progress=False).build(kb)
    conf, st = result.manifest.calibration, result.manifest.selftest
    assert conf.fallback == "variants" and conf.examples["entries_without_similar"] == lonely
    assert st is not None and st.queries > 0  # the entries with similar questions are held out as before
