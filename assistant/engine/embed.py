"""Embedders: the protocol the pipeline depends on, PyTorch (sentence-transformers) and ONNX Runtime.

ONNX Runtime runs the same model several times faster on CPU (a single question in a few milliseconds instead of
~10): the service uses it, and PyTorch stays as the fallback. The fp32 graph gives the PyTorch vectors (cosine
>= 0.999, tested); int8 trades a little accuracy for speed and is checked on ths_faq before it may be the default.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..errors import AssistantError, IndexUnavailable

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger("assistant")


@runtime_checkable
class Embedder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...


class SentenceTransformerEmbedder:
    """A local sentence-transformers folder, loaded offline (nothing is downloaded at run time)."""

    runtime = "torch"

    def __init__(self, model: str, device: str = "cpu") -> None:
        path = Path(model)
        if not path.is_dir():
            raise IndexUnavailable(f"embedding model folder not found: {model} (set FAQ_MODEL to a local folder)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer  # heavy import, only when a model is loaded
        from transformers.utils import logging as hf_logging

        # a folder without modules.json gets mean pooling: expected, not news
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self.name = path.name
        self.path = str(path)
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getter()
        if dim is None:
            raise IndexUnavailable(f"{model}: cannot tell the embedding dimension")
        self.dimension = int(dim)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class OnnxEmbedder:
    """The model exported to ONNX (once, under ``cache_dir``) and run by ONNX Runtime; no torch at run time."""

    def __init__(self, model: str, cache_dir: Path, int8: bool = False, threads: int = 0) -> None:
        path = Path(model)
        if not path.is_dir():
            raise IndexUnavailable(f"embedding model folder not found: {model} (set FAQ_MODEL to a local folder)")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from .onnx import FP32, INT8, INT8_MIN_COSINE, ensure_export, int8_agreement, read_meta

        folder = ensure_export(path, cache_dir, int8=int8)
        meta = read_meta(folder)
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(meta["max_length"]))
        self._tokenizer.no_padding()  # padded per run, see padding_runs
        self._pad_id = int(meta["pad_id"])
        model_file = str(folder / (INT8 if int8 else FP32))
        self._session = _session(ort, model_file, threads)
        if int8 and (agreement := int8_agreement(self._session, folder)) < INT8_MIN_COSINE:
            raise Int8Disagrees(f"the int8 graph gives vectors at cosine {agreement:.3f} to the model's on this "
                                f"CPU (at least {INT8_MIN_COSINE} needed)")
        # A lone question runs on every core when this embedder was given fewer (a worker's share): when one
        # question is all there is to encode, the service is not busy, and the other cores are likely idle
        # (bench_serve's one client: 13.6 -> 11.6 ms p50, medians of 3). Batches keep the worker's share.
        cores = os.cpu_count() or 1
        self._solo = _session(ort, model_file, cores) if 0 < threads < cores else None
        self.runtime = "onnx-int8" if int8 else "onnx"
        self.name = model_name(model, self.runtime)
        self.path = str(path)
        self.dimension = int(meta["dimension"])

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")
        # int8 quantises activations with one scale per run: in a run with others a question's vector moved (cosine
        # 0.9956-1.0), so a confidence at a threshold depended on concurrent traffic. One question a run costs
        # ~5% more model time at the service's batch sizes (2.2 against 2.1 ms of CPU on one thread).
        for start, end in padding_runs(lengths[order].tolist(), 1 if self.runtime == "onnx-int8" else batch_size):
            rows = order[start:end]
            out[rows] = self._run([encodings[i] for i in rows], int(lengths[rows].max()), solo=len(texts) == 1)
        return out

    def _run(self, encodings: list[Any], width: int, solo: bool = False) -> np.ndarray:
        session = self._solo if solo and self._solo is not None else self._session
        vectors: np.ndarray = session.run(["embedding"], model_feeds(encodings, width, self._pad_id))[0]
        return vectors


def model_feeds(encodings: list[Any], width: int, pad_id: int) -> dict[str, np.ndarray]:
    """The exported graph's inputs for tokenizer encodings, padded to ``width`` tokens."""
    feeds = {name: np.full((len(encodings), width), pad_id if name == "input_ids" else 0, dtype=np.int64)
             for name in ("input_ids", "attention_mask", "token_type_ids")}
    for row, e in enumerate(encodings):
        n = len(e.ids)
        feeds["input_ids"][row, :n] = e.ids
        feeds["attention_mask"][row, :n] = e.attention_mask
        feeds["token_type_ids"][row, :n] = e.type_ids
    return feeds


def _session(ort: Any, model_file: str, threads: int) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Workers spin briefly between the graph's operators (a lone question: ~4.0 ms instead of ~4.8 on 2 cores)
    # but not for long after a run, when the cores belong to the Python threads serving requests.
    options.add_session_config_entry("session.intra_op.allow_spinning", "1")
    options.add_session_config_entry("session.intra_op.spin_duration_us", "100")
    return ort.InferenceSession(model_file, options, providers=["CPUExecutionProvider"])


# One encode run costs about 2.2 ms plus 0.145 ms per (padded) token row on 2 cores: a run is worth ~16 token rows.
RUN_COST_TOKENS = 16


def padding_runs(lengths: list[int], max_batch: int) -> list[tuple[int, int]]:
    """Split texts sorted by token count into runs of at most ``max_batch``, minimising padded tokens plus a cost
    per run. Coalesced questions come in all lengths: one padded run of 32 random user questions encodes at
    ~140/s, split this way at ~280/s."""
    best = [0.0] + [float("inf")] * len(lengths)
    cut = [0] * (len(lengths) + 1)
    for end in range(1, len(lengths) + 1):
        for start in range(max(0, end - max_batch), end):
            cost = best[start] + RUN_COST_TOKENS + (end - start) * lengths[end - 1]
            if cost < best[end]:
                best[end], cut[end] = cost, start
    runs, end = [], len(lengths)
    while end > 0:
        runs.append((cut[end], end))
        end = cut[end]
    return runs[::-1]


class Int8Disagrees(RuntimeError):
    """The int8 graph's vectors are too far from the model's on this machine (``onnx.int8_agreement``)."""


# The int8 graph with 7-bit weights (onnx._quantize). Indexes built with the 8-bit graph before it ("+int8") are
# not searched with it: the vectors differ as much as int8 from fp32 ones, and the model check asks for a rebuild.
INT8_TAG = "+int8-7bit"


def model_name(model: str, runtime: str) -> str:
    """The model name an index records. int8 vectors differ enough from fp32 ones (PyTorch or ONNX, which agree)
    that an index must be built and searched with the same kind: mixing them cost 0.7 points of top-1."""
    name = Path(model).name
    return f"{name}{INT8_TAG}" if runtime == "onnx-int8" else name


def index_runtime(index_model: str, runtime: str) -> str:
    """The runtime that gives the vectors of an index built with model ``index_model``: int8 for an int8 index,
    otherwise fp32 (ONNX, or PyTorch when asked for: they agree). A service started with the other FAQ_RUNTIME
    serves the index with this one instead of refusing every question."""
    if "+int8" in index_model:  # this graph's (INT8_TAG) or an older int8 graph's: the model check says rebuild
        return "onnx-int8"
    return "onnx" if runtime == "onnx-int8" else runtime


def load_embedder(settings: Settings) -> Any:
    """The embedder FAQ_RUNTIME asks for; PyTorch if the ONNX model cannot be made (the reason is logged)."""
    if settings.runtime != "torch":
        try:
            return OnnxEmbedder(settings.model, settings.cache_dir, int8=settings.runtime == "onnx-int8",
                                threads=settings.embed_threads)
        except Int8Disagrees as exc:
            log.error("FAQ_RUNTIME=onnx-int8 unusable: %s; serving with FAQ_RUNTIME=onnx (fp32) instead, which "
                      "needs an index built with it (`assistant build` does that under the same setting)", exc)
            return OnnxEmbedder(settings.model, settings.cache_dir, threads=settings.embed_threads)
        except IndexUnavailable:
            raise
        except (ImportError, OSError, RuntimeError, ValueError, AssistantError) as exc:
            log.warning("ONNX runtime unavailable (%s); using PyTorch", exc)
    return SentenceTransformerEmbedder(settings.model, settings.device)


def apply_adapter(matrix: np.ndarray | None, vectors: np.ndarray) -> np.ndarray:
    """Transform and re-normalise vectors (identity when there is no adapter)."""
    if matrix is None:
        return np.ascontiguousarray(vectors, dtype=np.float32)
    out = np.asarray(vectors, dtype=np.float32) @ matrix
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(out, dtype=np.float32)
