"""Shared fixtures: the real model loaded once, the fixture KB (25 entries) built once into a temp index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from assistant.config import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_KB = ROOT / "tests" / "fixtures" / "kb"
SHIPPED_KB = ROOT / "kb"
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("faq")
    # index_watch_s=0: tests reload explicitly (the watcher has its own test)
    return Settings(kb_dir=FIXTURE_KB, index_dir=base / "index", data_dir=base / "data", cache_dir=base / "cache",
                    selftest_floor=0.0, index_watch_s=0)


@pytest.fixture(scope="session")
def embedder(settings: Settings):
    """The default runtime (ONNX Runtime), exported once into the repository's ignored .cache and reused."""
    from assistant.embed import load_embedder

    return load_embedder(settings.model_copy(update={"cache_dir": ROOT / ".cache"}))


@pytest.fixture(scope="session")
def torch_embedder(settings: Settings):
    from assistant.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.model)


@pytest.fixture(scope="session")
def fixture_kb(settings: Settings):
    from assistant.kb import load_kb

    return load_kb(FIXTURE_KB, settings.teams)


@pytest.fixture(scope="session")
def built_index(settings: Settings, embedder, fixture_kb) -> Path:
    """The fixture KB built and published once; tests must not modify it (build into their own tmp_path)."""
    from assistant.builder import IndexBuilder

    result = IndexBuilder(settings, embedder, progress=False).build(fixture_kb, settings.index_dir)
    assert result.version is not None
    return result.version


@pytest.fixture(scope="session")
def assistant(built_index: Path, settings: Settings, embedder):
    from assistant.pipeline import Assistant

    return Assistant.from_index(built_index, settings, embedder)
