"""An unchanged KB is not built again: a kept version built from the same KB checksum, with the same model, the
same build settings and the same build code, is published again instead (restoring a KB after a bad edit took a full
build, 85 s for the shipped KB). The manifest records the settings (and the code's fingerprint) a build's result
depends on; a version without them (built before they were recorded) or built with a fine-tuned model is never
reused."""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..engine.embed import model_name
from ..errors import IndexUnavailable
from ..index import current, publish, read_manifest, versions
from ..kb import load_kb

# every setting that changes what a build writes (the others act at serving time)
BUILD_SETTINGS = (
    "candidates", "index_kind", "hnsw_min_vectors", "target_precision", "sensitive_target_precision",
    "clarify_recall", "unanswerable_share", "offdomain_share", "tune_share", "index_users_questions", "selftest_floor",
    "calibration_max_queries", "seed",
)


# the package code a build's result depends on (the serving engine's features and ranking included: the models a
# version carries were fitted on them): a version built by other code is built again, and `assistant eval` (whose
# cache reuses versions the same way) measures a code change instead of an index the old code built
BUILD_CODE = ("build", "engine", "index", "kb", "resources", "text.py", "pinyin.py", "cantonese.py", "config.py")


@functools.cache
def build_code() -> str:
    """A fingerprint of the BUILD_CODE files (their paths and bytes)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in BUILD_CODE:
        path = root / name
        files = sorted(f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts) \
            if path.is_dir() else [path]
        for f in files:
            digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


def build_settings(settings: Settings) -> dict[str, Any]:
    return {**{name: getattr(settings, name) for name in BUILD_SETTINGS}, "code": build_code()}


def reusable_version(root: Path, kb_sha256: str, model_name: str, settings: Settings,
                     ignore: tuple[str, ...] = ()) -> Path | None:
    """The version to publish instead of building: the current one if it matches, else the newest that does.
    Settings named in ``ignore`` may differ (evaluation reads any version, whatever self-test floor it passed)."""
    wanted = {k: v for k, v in build_settings(settings).items() if k not in ignore}
    now = current(root)
    for version in ([now] if now is not None else []) + versions(root)[::-1]:
        try:
            manifest = read_manifest(version)
        except IndexUnavailable:
            continue
        if (manifest.kb.sha256 == kb_sha256 and manifest.model.name == model_name and manifest.model.folder is None
                and {k: v for k, v in manifest.build_settings.items() if k not in ignore} == wanted):
            return version
    return None


@dataclass(frozen=True)
class Republished:
    version: Path
    was_current: bool
    seconds: float


def republish(root: Path, kb_path: Path, settings: Settings) -> Republished | None:
    """Publish the reusable version of this KB, if one is kept; None: it must be built. The KB is checked first,
    as a build would."""
    started = time.perf_counter()
    kb = load_kb(kb_path, settings.teams)
    found = reusable_version(root, kb.sha256, model_name(settings.model, settings.runtime), settings)
    if found is None:
        return None
    was = current(root)
    publish(root, found)
    return Republished(found, was == found, time.perf_counter() - started)
