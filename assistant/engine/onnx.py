"""Export a local sentence-transformers folder to ONNX once, into a cache folder keyed by the model's files.

The graph is the whole sentence encoder, not only the transformer: BERT, then mean pooling over the tokens the
attention mask keeps, then L2 normalisation. Padding therefore cannot leak into a vector, whatever the batch.
The tokenizer transformers configures for the folder is saved next to the graph, so serving needs neither torch
nor transformers. Supported: BERT-like folders with mean pooling (m3e-small has no modules.json and gets mean
pooling, exactly as sentence-transformers does); anything else raises UnsupportedModel and stays on PyTorch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UnsupportedModel

EXPORT_VERSION = 2  # bump when the exported graph or its files change
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FP32, INT8 = "model.onnx", "model-int8.onnx"
META = "export.json"
PROBES = "probes.npy"  # the fp32 graph's vectors of PROBE_LENGTHS fixed token sequences, written at export
PROBE_LENGTHS = (6, 12, 20, 32, 48, 64)
INT8_MIN_COSINE = 0.99  # below this on any probe, the int8 graph is not the model on this CPU


def model_key(model_dir: Path) -> str:
    """A digest of every file of the model folder and of the export code's version."""
    digest = hashlib.sha256(f"onnx-export-v{EXPORT_VERSION}".encode())
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        digest.update(f"\0{path.relative_to(model_dir).as_posix()}\0".encode())
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def ensure_export(model_dir: Path, cache_dir: Path, int8: bool = False) -> Path:
    """The export folder for this model (created on first use); with ``int8`` also the quantised graph."""
    folder = cache_dir / "onnx" / f"{model_dir.name}-{model_key(model_dir)}"
    if not (folder / META).exists():
        _publish(_export(model_dir, folder.parent), folder)
    if int8 and not (folder / INT8).exists():
        tmp = folder / f".{INT8}.{os.getpid()}"
        _quantize(folder / FP32, tmp)
        os.replace(tmp, folder / INT8)
    return folder


def probe_feeds(vocab_size: int) -> list[dict[str, np.ndarray]]:
    """Fixed token sequences (a seeded draw of ordinary ids between [CLS] and [SEP]) that the exported graphs are
    checked on: any sequence shows a graph that has drifted from the model, no text is needed."""
    rng = np.random.default_rng(20261202)
    feeds = []
    for n in PROBE_LENGTHS:
        ids = np.concatenate([[101], rng.integers(1000, max(1001, min(vocab_size, 20000)), size=n), [102]])[None, :]
        ids = ids.astype(np.int64)
        feeds.append({"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)})
    return feeds


def int8_agreement(session: Any, folder: Path) -> float:
    """The lowest cosine between the int8 graph's vectors of the probes and the fp32 graph's (written at export).

    Dynamic int8 multiplies unsigned 8-bit activations by signed 8-bit weights; on x86 CPUs without VNNI (AVX2
    only) ONNX Runtime does it with an instruction whose 16-bit sums saturate, and with full-range weights the
    vectors came out at cosine ~0.74 to the model's (seen on an AMD EPYC with AVX2 only): answers still looked
    plausible, the intents and near-misses did not. The graph is quantised with 7-bit weights (``_quantize``),
    and this check, run whenever the graph is loaded, keeps a graph that still disagrees from serving."""
    reference = np.load(folder / PROBES)
    vocab = int(read_meta(folder).get("vocab_size", 20000))
    got = np.vstack([session.run(["embedding"], feed)[0] for feed in probe_feeds(vocab)])
    return float((got * reference).sum(axis=1).min())


def read_meta(folder: Path) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((folder / META).read_text(encoding="utf-8"))
    return meta


def _publish(tmp: Path, folder: Path) -> None:
    """Rename the finished export into place; if another process got there first, keep theirs."""
    try:
        os.rename(tmp, folder)
    except OSError:
        if not (folder / META).exists():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _check_pooling(model_dir: Path) -> None:
    modules_file = model_dir / "modules.json"
    if not modules_file.exists():
        return  # sentence-transformers builds Transformer + mean pooling for such a folder
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    pooling = [m for m in modules if m.get("type", "").endswith("Pooling")]
    if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"} or len(pooling) != 1:
        raise UnsupportedModel(f"{model_dir}: modules {kinds} (only Transformer + mean Pooling is exported)")
    config = json.loads((model_dir / pooling[0]["path"] / "config.json").read_text(encoding="utf-8"))
    # older folders flag each mode (pooling_mode_mean_tokens: true); sentence-transformers 5+ writes pooling_mode
    modes = ([config["pooling_mode"]] if isinstance(config.get("pooling_mode"), str) else
             [k for k, v in config.items() if k.startswith("pooling_mode") and v])
    if modes not in (["pooling_mode_mean_tokens"], ["mean"]):
        raise UnsupportedModel(f"{model_dir}: pooling {modes} (only mean pooling is exported)")


def _export(model_dir: Path, parent: Path) -> Path:
    """Write model.onnx, tokenizer.json and export.json into a new hidden folder under ``parent``."""
    import torch  # export time only
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    _check_pooling(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    if not tokenizer.is_fast:
        raise UnsupportedModel(f"{model_dir}: no fast tokenizer")
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()
    config = model.config
    max_length = min(int(tokenizer.model_max_length), int(getattr(config, "max_position_embeddings", 512)))
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".tmp-{model_dir.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
    sample = tokenizer(["示例问题", "怎么开通直播权限"], padding=True, return_tensors="pt")
    if "token_type_ids" not in sample:
        raise UnsupportedModel(f"{model_dir}: the tokenizer gives no token_type_ids")
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer notes about shape arithmetic; parity is tested instead
        torch.onnx.export(
            _mean_pooled(model), tuple(sample[name] for name in INPUTS), str(tmp / FP32),
            input_names=list(INPUTS), output_names=["embedding"], dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )
    vocab_size = int(config.vocab_size)
    import onnxruntime as ort

    fp32 = ort.InferenceSession(str(tmp / FP32), providers=["CPUExecutionProvider"])  # equal to the model, tested
    np.save(tmp / PROBES, np.vstack([fp32.run(["embedding"], f)[0] for f in probe_feeds(vocab_size)]))
    meta = {"source": str(model_dir), "key": model_key(model_dir), "dimension": int(config.hidden_size),
            "max_length": max_length, "pad_id": int(tokenizer.pad_token_id or 0),
            "pad_token": str(tokenizer.pad_token), "vocab_size": vocab_size, "torch": torch.__version__}
    (tmp / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return tmp


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the matrix products, one scale per output channel, weights in 7 bits.

    Activations are quantised on the fly, per batch. The embedding tables stay float: quantising them too (the
    library's default) cost ths_faq dense top-1 1.2 points instead of 0.3. ``reduce_range`` keeps the weights in
    [-64, 63], so that the u8 x s8 products' pairwise sums fit in 16 bits on CPUs without VNNI (see
    ``int8_agreement``): the 8-bit weights gave cosine ~0.74 to the model there, 7-bit ones 0.997 (ONNX Runtime's
    advice for this case; unsigned weights gave the same agreement at the same speed).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # it advises "pre-processing" on every call; not needed for this graph
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=True, op_types_to_quantize=["MatMul"])
    finally:
        logging.disable(logging.NOTSET)


def _mean_pooled(bert: Any) -> Any:
    """The encoder as sentence-transformers runs it: BERT, mean over unmasked tokens, L2 normalisation."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return MeanPooled()
