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

from ..errors import UnsupportedModel

EXPORT_VERSION = 1  # bump when the exported graph or its files change
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FP32, INT8 = "model.onnx", "model-int8.onnx"
META = "export.json"


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
    meta = {"source": str(model_dir), "key": model_key(model_dir), "dimension": int(config.hidden_size),
            "max_length": max_length, "pad_id": int(tokenizer.pad_token_id or 0),
            "pad_token": str(tokenizer.pad_token), "torch": torch.__version__}
    (tmp / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return tmp


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the matrix products, one scale per output channel.

    Activations are quantised on the fly, per batch. The embedding tables stay float: quantising them too (the
    library's default) cost ths_faq dense top-1 1.2 points instead of 0.3.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # it advises "pre-processing" on every call; not needed for this graph
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])
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
