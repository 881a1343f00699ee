"""The service in process: a fresh SQLite file and key ring per test, the session's real Assistant."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from assistant.config import Settings


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

    return {"Authorization": f"Bearer {KeyRing(settings.keys_file).add(name, role)}"}  # type: ignore[arg-type]


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn in a thread on a free loopback port (for the browser and concurrency tests)."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture()
def live(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
