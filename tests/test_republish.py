"""A build of a KB a kept version was built from (same checksum, model and build settings) publishes that version
again instead of building (build/reuse.py); anything else that changes the result builds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from assistant import index as index_mod
from assistant.build.reuse import build_settings, republish, reusable_version
from assistant.engine.embed import model_name
from assistant.evaluation.run import cached_index
from assistant.index.manifest import MANIFEST
from tests.conftest import FIXTURE_KB


def kept(root: Path, built: Path, name: str, **manifest_changes: object) -> Path:
    """A copy of a built version under ``root/versions``, its manifest changed as given."""
    dest = root / "versions" / name
    shutil.copytree(built, dest)
    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    for key, value in manifest_changes.items():
        section, _, field = key.partition("__")
        if field:
            manifest[section][field] = value
        elif value is None:
            manifest.pop(section, None)
        else:
            manifest[section] = value
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return dest


def test_an_unchanged_kb_republishes_its_kept_version(tmp_path: Path, built_index: Path, settings) -> None:
    root = tmp_path / "index"
    mine = kept(root, built_index, "20260101T000000000000Z-aaaaaaaa")
    other = kept(root, built_index, "20260102T000000000000Z-bbbbbbbb", kb__sha256="0" * 64)
    index_mod.publish(root, other)
    done = republish(root, FIXTURE_KB, settings)
    assert done is not None and done.version == mine and not done.was_current
    assert index_mod.current(root) == mine
    again = republish(root, FIXTURE_KB, settings)
    assert again is not None and again.was_current


def test_other_settings_a_tuned_model_or_an_older_manifest_build_anew(tmp_path: Path, built_index: Path,
                                                                       settings) -> None:
    root = tmp_path / "index"
    sha = json.loads((built_index / MANIFEST).read_text(encoding="utf-8"))["kb"]["sha256"]
    name = model_name(settings.model, settings.runtime)
    kept(root, built_index, "20260101T000000000000Z-aaaaaaaa", build_settings=None)  # built before they were kept
    kept(root, built_index, "20260102T000000000000Z-bbbbbbbb", model__folder="m3e-small-tuned")
    assert reusable_version(root, sha, name, settings) is None
    kept(root, built_index, "20260103T000000000000Z-cccccccc")
    assert reusable_version(root, sha, name, settings) == root / "versions" / "20260103T000000000000Z-cccccccc"
    assert reusable_version(root, sha, name, settings.model_copy(update={"target_precision": 0.9})) is None
    assert reusable_version(root, sha, name + "+int8", settings) is None
    assert reusable_version(root, "1" * 64, name, settings) is None


def test_a_version_built_by_other_code_builds_anew(tmp_path: Path, built_index: Path, settings) -> None:
    """The build's code is part of what a kept version must match: after a change to features, ranking or
    calibration, the service and `assistant eval` build again instead of serving what the old code built."""
    root = tmp_path / "index"
    sha = json.loads((built_index / MANIFEST).read_text(encoding="utf-8"))["kb"]["sha256"]
    name = model_name(settings.model, settings.runtime)
    mine = build_settings(settings)
    assert len(mine["code"]) == 16
    kept(root, built_index, "20260101T000000000000Z-aaaaaaaa", build_settings={**mine, "code": "0" * 16})
    assert reusable_version(root, sha, name, settings) is None
    same = kept(root, built_index, "20260102T000000000000Z-bbbbbbbb", build_settings=mine)
    assert reusable_version(root, sha, name, settings) == same


def test_evaluation_takes_the_served_version_of_the_same_kb_instead_of_building(tmp_path: Path, built_index: Path,
                                                                                 settings, embedder) -> None:
    """`make index` then `make eval`: the eval's cache takes the index folder's version (any self-test floor)."""
    root = tmp_path / "index"
    sha = json.loads((built_index / MANIFEST).read_text(encoding="utf-8"))["kb"]["sha256"]
    name = model_name(settings.model, settings.runtime)
    floor = {**build_settings(settings), "selftest_floor": 0.5}
    mine = kept(root, built_index, "20260101T000000000000Z-aaaaaaaa", build_settings=floor)
    assert reusable_version(root, sha, name, settings) is None  # a build would not republish it...
    assert reusable_version(root, sha, name, settings, ignore=("selftest_floor",)) == mine  # ...an eval reads it
    mine_settings = settings.model_copy(update={"index_dir": root, "cache_dir": tmp_path / "cache"})
    path = cached_index(FIXTURE_KB, mine_settings, embedder, progress=False)
    assert path.name == mine.name and tmp_path / "cache" in path.parents
    assert (path / MANIFEST).read_bytes() == (mine / MANIFEST).read_bytes()
    assert cached_index(FIXTURE_KB, mine_settings, embedder, progress=False) == path  # cached from then on
    # another build setting is another index: the cached one is not used for it, the index folder's is taken
    other = kept(root, built_index, "20260102T000000000000Z-bbbbbbbb",
                 build_settings={**floor, "tune_share": 0.25})
    moved = cached_index(FIXTURE_KB, mine_settings.model_copy(update={"tune_share": 0.25}), embedder, progress=False)
    assert moved.name == other.name and tmp_path / "cache" in moved.parents
    assert cached_index(FIXTURE_KB, mine_settings, embedder, progress=False).name == mine.name  # and back
