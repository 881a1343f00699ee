"""An index built with one FAQ_RUNTIME and a service started with the other: served, logged once, on /readyz."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from assistant.api import create_app
from assistant.engine.embed import index_runtime
from tests.api.test_admin_ops_api import publish_copy


@pytest.mark.parametrize(("index_model", "runtime", "served"), [
    ("m3e-small+int8", "onnx", "onnx-int8"), ("m3e-small+int8", "torch", "onnx-int8"),
    ("m3e-small", "onnx-int8", "onnx"), ("m3e-small", "torch", "torch"), ("m3e-small", "onnx", "onnx"),
    ("m3e-small+int8", "onnx-int8", "onnx-int8")])
def test_the_runtime_follows_the_index(index_model: str, runtime: str, served: str) -> None:
    assert index_runtime(index_model, runtime) == served


def test_an_index_built_with_another_runtime_is_served_with_its_own(api_settings, embedder, built_index: Path,
                                                                   tmp_path: Path, caplog) -> None:
    root = tmp_path / "index"
    publish_copy(built_index, root, "20260104T000000000000Z-dddddddd")
    other = "onnx" if embedder.runtime == "onnx-int8" else "onnx-int8"
    settings = api_settings.model_copy(update={"index_dir": root, "runtime": other})
    with caplog.at_level(logging.WARNING, logger="assistant"), TestClient(create_app(settings, embedder=embedder)) as c:
        ready = c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["runtime"] == embedder.runtime
        note = ready.json()["note"]
        assert f"FAQ_RUNTIME={embedder.runtime}" in note and "assistant build" in note and str(root) not in note
        assert c.post("/v1/ask", json={"question": "忘记密码了怎么办"}).json()["decision"] == "answer"
        for _ in range(3):
            assert c.get("/readyz").json()["note"] == note
    assert sum("was built with FAQ_RUNTIME" in r.getMessage() for r in caplog.records) == 1


def test_no_note_when_the_runtimes_agree(client: TestClient) -> None:
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and "note" not in ready and ready["runtime"]
