"""Embedders: the protocol the pipeline depends on, and the sentence-transformers implementation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import IndexUnavailable


@runtime_checkable
class Embedder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...


class SentenceTransformerEmbedder:
    """A local sentence-transformers folder, loaded offline (nothing is downloaded at run time)."""

    def __init__(self, model: str, device: str = "cpu") -> None:
        path = Path(model)
        if not path.is_dir():
            raise IndexUnavailable(f"embedding model folder not found: {model} (set FAQ_MODEL to a local folder)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer  # heavy import, only when a model is loaded
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # a folder without modules.json gets mean pooling: expected, not news
        hf_logging.disable_progress_bar()

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
