"""The build keeps the labelled examples' vectors in the cache: the next build with the same examples reads them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.build.builder import _EncodeOnce, vector_store


class _Counting:
    """An encoder of a text's characters' code points (a stand-in for the model: only the calls matter here)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, t in enumerate(texts):
            for j, c in enumerate(t[:8]):
                out[i, j] = ord(c)
        return out


def test_a_second_build_reads_the_vectors_the_first_one_kept(tmp_path: Path) -> None:
    first, second = _Counting(), _Counting()
    made = _EncodeOnce(first, tmp_path)(["希望加个夜间模式", "怎么下载视频", "希望加个夜间模式"])
    again = _EncodeOnce(second, tmp_path)(["希望加个夜间模式", "怎么下载视频", "希望加个夜间模式"])
    assert first.texts == ["希望加个夜间模式", "怎么下载视频"] and second.texts == []
    assert np.array_equal(made, again) and np.array_equal(made[0], made[2])
    # another list is encoded (and kept); a damaged file is encoded again, not trusted
    _EncodeOnce(second, tmp_path)(["闪退了"])
    assert second.texts == ["闪退了"]
    for path in tmp_path.glob("*.npy"):
        path.write_bytes(b"not an array")
    third = _Counting()
    assert np.array_equal(_EncodeOnce(third, tmp_path)(["希望加个夜间模式", "怎么下载视频"]), made[:2])
    assert third.texts == ["希望加个夜间模式", "怎么下载视频"]


def test_the_store_keeps_the_lists_most_recently_used(tmp_path: Path) -> None:
    enc = _Counting()
    for n in range(_EncodeOnce.KEEP + 5):
        _EncodeOnce(enc, tmp_path)([f"问题{n}"])
    assert len(list(tmp_path.glob("*.npy"))) == _EncodeOnce.KEEP
    assert not list(tmp_path.glob("*.tmp"))


def test_without_a_store_nothing_is_kept_and_a_model_folder_names_its_store(tmp_path: Path) -> None:
    enc = _Counting()
    _EncodeOnce(enc)(["你好"])
    _EncodeOnce(enc)(["你好"])
    assert enc.texts == ["你好", "你好"]

    class Folderless:
        name, dimension = "bare", 8

    assert vector_store(tmp_path, Folderless()) is None  # type: ignore[arg-type]
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"1")

    class Local(Folderless):
        path = str(model)

    store = vector_store(tmp_path / "cache", Local())  # type: ignore[arg-type]
    assert store is not None and store.parent == tmp_path / "cache" / "vectors"
    (model / "weights.bin").write_bytes(b"2")  # other weights: another store
    assert vector_store(tmp_path / "cache", Local()) != store  # type: ignore[arg-type]
