"""A share of `make fuzz` (scripts/fuzz.py): schemathesis with every check against the app's own OpenAPI
document, with no key, an agent key and an admin key. No server error, and nothing the document does not say."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.fuzz import run_fuzz
from tests.api.live import LiveServer
from tests.conftest import FIXTURE_KB

pytest.importorskip("schemathesis")


def test_the_api_keeps_to_its_document(app_factory, api_settings, key_for, tmp_path: Path) -> None:
    keys = {"anonymous": None,
            "agent": key_for(api_settings, "fuzz-agent", "agent")["Authorization"].removeprefix("Bearer "),
            "admin": key_for(api_settings, "fuzz-admin", "admin")["Authorization"].removeprefix("Bearer ")}
    kb = tmp_path / "kb"  # whatever the fuzzer manages to change stays out of the checkout
    shutil.copytree(FIXTURE_KB, kb)
    with LiveServer(app_factory(auth_failure_limit=0, kb_dir=kb)) as server:
        summary = run_fuzz(server.url, keys, max_examples=3, seed=19, reports=tmp_path / "reports")
    runs = summary["runs"]
    assert all(run["cases"] >= 100 for run in runs.values()), runs
    assert summary["total"] == {**summary["total"], "failures": 0, "errors": 0, "server_5xx": 0}, runs
