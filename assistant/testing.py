"""A deterministic stand-in for the embedding model, for fast unit tests of the stages.

It sits behind the ``Embedder`` protocol like the real model: character unigrams, bigrams and trigrams hashed
(CRC32, stable across processes) into signed buckets, L2-normalised. Texts that share characters get similar
vectors, which is enough to exercise retrieval, ranking, calibration and the service without loading the model
(seconds instead of a minute). Integration and evaluation tests keep the real model.
"""

from __future__ import annotations

import zlib

import numpy as np


class HashingEmbedder:
    runtime = "hash"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.name = f"hash-ngrams-{dimension}"
        self.path = ""

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = "".join(text.split())
            for n, weight in ((1, 0.5), (2, 1.0), (3, 0.7)):
                for i in range(len(chars) - n + 1):
                    h = zlib.crc32(chars[i : i + n].encode("utf-8"))
                    out[row, h % self.dimension] += weight if (h >> 16) & 1 else -weight
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.ascontiguousarray(out / np.maximum(norms, 1e-12), dtype=np.float32)
