"""API keys: the key ring, and `assistant keys add | list | revoke` through the real entry point."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import KeyStoreError
from assistant.keys import KeyRing, Principal


def run(*args: str, data_dir: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "FAQ_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_key_ring(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path / "data" / "keys.json")
    assert ring.records() == () and ring.authenticate("faq_x") is None
    key = ring.add("alice", "agent")
    assert key.startswith("faq_") and len(key) > 40
    assert ring.authenticate(key) == Principal("alice", "agent")
    assert key not in ring.path.read_text() and stat.S_IMODE(ring.path.stat().st_mode) == 0o600
    with pytest.raises(KeyStoreError):
        ring.add("alice", "admin")
    with pytest.raises(KeyStoreError):
        ring.add("bad name!", "agent")
    other = KeyRing(ring.path)  # another process's view picks changes up from the file
    admin = other.add("root", "admin")
    assert ring.authenticate(admin) == Principal("root", "admin")
    ring.revoke("alice")
    assert other.authenticate(key) is None
    with pytest.raises(KeyStoreError):
        ring.revoke("alice")
    assert Principal("root", "admin").allows("agent") and not Principal("a", "agent").allows("admin")


def test_keys_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = run("keys", "add", "--role", "agent", "--name", "alice", data_dir=data)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("faq_") and " " not in key
    assert KeyRing(data / "api-keys.json").authenticate(key) == Principal("alice", "agent")
    assert key not in (data / "api-keys.json").read_text()
    assert run("keys", "add", "--role", "admin", "--name", "root", data_dir=data).returncode == 0
    listed = run("keys", "list", data_dir=data)
    assert listed.returncode == 0
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [["alice", "agent"], ["root", "admin"]]
    assert "faq_" not in listed.stdout
    twice = run("keys", "add", "--role", "agent", "--name", "alice", data_dir=data)
    assert twice.returncode == 1 and "exists" in twice.stderr
    wrong_role = run("keys", "add", "--role", "boss", "--name", "x", data_dir=data)
    assert wrong_role.returncode == 2
    assert run("keys", "revoke", "alice", data_dir=data).returncode == 0
    assert KeyRing(data / "api-keys.json").authenticate(key) is None
    missing = run("keys", "revoke", "alice", data_dir=data)
    assert missing.returncode == 1 and "no key named" in missing.stderr
    assert json.loads((data / "api-keys.json").read_text())["keys"][0]["name"] == "root"


def test_serve_without_an_index_says_what_to_do(tmp_path: Path) -> None:
    out = run("serve", "--port", "1", data_dir=tmp_path / "data", extra_env={"FAQ_INDEX_DIR": str(tmp_path / "none")})
    assert out.returncode == 1
    assert "assistant build" in out.stderr
