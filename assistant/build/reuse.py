"""An unchanged KB is not built again: a kept version built from the same KB checksum, with the same model and
the same build settings, is published again instead (restoring a KB after a bad edit took a full build, 85 s for
the shipped KB). The manifest records the settings a build's result depends on; a version without them (built
before they were recorded) or built with a fine-tuned model is never reused."""

from __future__ import annotations

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


def build_settings(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in BUILD_SETTINGS}


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
