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


# What makes a test slow: the real model (loaded, or an index built with it), a database server, a browser, or
# server processes. Such tests get the `slow` marker here, from the fixtures they use, so that `make test-fast`
# (pytest -m "not slow") runs the unit tier without anyone having to remember to mark them.
SLOW_FIXTURES = frozenset({"embedder", "torch_embedder", "built_index", "assistant", "pg_server", "browser"})
SLOW_MODULES = frozenset({"test_workers", "test_server_durability", "test_browser", "test_tune", "test_embed",
                          "test_kb_selftest", "test_cli"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if (names & SLOW_FIXTURES or params.get("dsn") == "postgresql"
                or item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("faq")
    # index_watch_s=0: tests reload explicitly (the watcher has its own test)
    return Settings(kb_dir=FIXTURE_KB, index_dir=base / "index", data_dir=base / "data", cache_dir=base / "cache",
                    selftest_floor=0.0, index_watch_s=0)


@pytest.fixture(scope="session")
def embedder(settings: Settings):
    """The default runtime (ONNX Runtime), exported once into the repository's ignored .cache and reused."""
    from assistant.engine.embed import load_embedder

    return load_embedder(settings.model_copy(update={"cache_dir": ROOT / ".cache"}))


@pytest.fixture(scope="session")
def torch_embedder(settings: Settings):
    from assistant.engine.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.model)


@pytest.fixture(scope="session")
def fixture_kb(settings: Settings):
    from assistant.kb import load_kb

    return load_kb(FIXTURE_KB, settings.teams)


@pytest.fixture(scope="session")
def built_index(settings: Settings, embedder, fixture_kb) -> Path:
    """The fixture KB built and published once; tests must not modify it (build into their own tmp_path)."""
    from assistant.build import IndexBuilder

    result = IndexBuilder(settings, embedder, progress=False).build(fixture_kb, settings.index_dir)
    assert result.version is not None
    return result.version


@pytest.fixture(scope="session")
def assistant(built_index: Path, settings: Settings, embedder):
    from assistant.engine import Assistant

    return Assistant.from_index(built_index, settings, embedder)
