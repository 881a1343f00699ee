"""An index built with one FAQ_RUNTIME and a service started with the other: served, logged once, on /readyz."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from assistant.api import create_app
from assistant.engine.embed import index_runtime
from tests.api.test_admin_ops_api import publish_copy


@pytest.mark.parametrize(("index_model", "runtime", "served"), [
    ("m3e-small+int8-7bit", "onnx", "onnx-int8"), ("m3e-small+int8-7bit", "torch", "onnx-int8"),
    ("m3e-small", "onnx-int8", "onnx"), ("m3e-small", "torch", "torch"), ("m3e-small", "onnx", "onnx"),
    ("m3e-small+int8-7bit", "onnx-int8", "onnx-int8"),
    ("m3e-small+int8", "onnx-int8", "onnx-int8")])  # the 8-bit graph's index: the model check asks for a rebuild
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


def test_an_index_of_the_8bit_int8_graph_asks_for_a_rebuild(settings, embedder, built_index: Path,
                                                            tmp_path: Path) -> None:
    """Its vectors came from a graph that is no longer made (8-bit weights, wrong on CPUs without VNNI): it is not
    searched with the 7-bit graph's vectors, and the error says what to do."""
    import json

    from assistant.engine import Assistant
    from assistant.errors import IndexUnavailable

    if embedder.runtime != "onnx-int8":
        pytest.skip("the default runtime is not int8 here")
    old = tmp_path / "old"
    shutil.copytree(built_index, old)
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    manifest["model"]["name"] = "m3e-small+int8"
    (old / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndexUnavailable, match=r"built with model 'm3e-small\+int8'.*rebuild the index"):
        Assistant.from_index(old, settings.model_copy(update={"runtime": "onnx-int8"}), embedder)
