"""Index versions: the in-memory index, its manifest, and the versioned folders it is saved in."""

from .data import IndexData, KbText, assemble, make_faiss
from .manifest import (
    FORMAT_VERSION,
    Calibration,
    KbInfo,
    Manifest,
    ModelInfo,
    Overlap,
    SelfTest,
    new_manifest,
    read_manifest,
)
from .store import (
    current,
    load,
    prune,
    publish,
    rollback,
    save,
    tuned_model,
    up_to_date,
    versions,
    write_version,
)

__all__ = [
    "FORMAT_VERSION", "Calibration", "IndexData", "KbInfo", "KbText", "Manifest", "ModelInfo", "Overlap", "SelfTest",
    "assemble",
    "current", "load", "make_faiss", "new_manifest", "prune", "publish", "read_manifest", "rollback", "save",
    "tuned_model", "up_to_date", "versions", "write_version",
]
