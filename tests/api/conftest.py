"""The service in process: a fresh SQLite file and key ring per test, the session's real Assistant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from assistant.config import Settings
from tests.api.live import LiveServer


@pytest.fixture()
def api_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"data_dir": tmp_path / "data", "rate_limit": 0})


@pytest.fixture()
def app(api_settings: Settings, assistant):
    from assistant.api import create_app

    return create_app(api_settings, assistant=assistant)


@pytest.fixture()
def app_factory(api_settings: Settings, assistant):
    """An app with some settings changed: ``app_factory(rate_limit=3)``."""
    from assistant.api import create_app

    def make(**overrides: object):
        return create_app(api_settings.model_copy(update=overrides), assistant=assistant)

    return make


@pytest.fixture()
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def add_key(settings: Settings, name: str, role: str = "agent") -> dict[str, str]:
    """A new key, as the Authorization header that carries it."""
    from assistant.keys import KeyRing

    return {"Authorization": f"Bearer {KeyRing(settings.keys_file).add(name, role)}"}


@pytest.fixture()
def key_for():
    """Make a key in any settings' key ring: ``key_for(settings, name, role)``."""
    return add_key


@pytest.fixture()
def agent(api_settings: Settings) -> dict[str, str]:
    return add_key(api_settings, "alice", "agent")


@pytest.fixture()
def agent2(api_settings: Settings) -> dict[str, str]:
    return add_key(api_settings, "bob", "agent")


@pytest.fixture()
def admin(api_settings: Settings) -> dict[str, str]:
    return add_key(api_settings, "root", "admin")


@pytest.fixture()
def live(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright (browser tests are skipped without it)."""
    import shutil

    playwright_api = pytest.importorskip("playwright.sync_api")
    from tests.api.test_browser import ARGS, CHROMIUM, SHOTS

    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
