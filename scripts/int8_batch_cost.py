"""CPU per question of the exported graphs (int8 and fp32) by batch size, one thread, on ths_faq dev questions
sorted by token count (so a batch pads little): what batching the model's runs could save.

    python scripts/int8_batch_cost.py [--questions 512] [--shared ../shared]

2026-12-04, 2-core machine under load: int8 batch 1 2.26 ms, 4 1.73, 16 1.62, 32 1.70; fp32 6.73, 4.72, 4.73, 5.15.
The service runs int8 one question a run (engine/embed.py: a question's vector must not depend on its batch).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.engine.embed import model_feeds
from assistant.engine.onnx import FP32, INT8, ensure_export, read_meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=512)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    args = parser.parse_args()
    import onnxruntime as ort
    from tokenizers import Tokenizer

    settings = Settings()
    folder = ensure_export(Path(settings.model), settings.cache_dir, int8=True)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    pad_id = int(read_meta(folder)["pad_id"])
    dev = args.shared / "benchmarks" / "ths_faq" / "dev.jsonl"
    questions = [json.loads(line)["query"] for line in dev.open(encoding="utf-8")][: args.questions]
    encodings = sorted(tokenizer.encode_batch(questions), key=lambda e: len(e.ids))
    print(f"{len(encodings)} questions, {np.mean([len(e.ids) for e in encodings]):.1f} tokens on average")
    for graph in (INT8, FP32):
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(folder / graph), options, providers=["CPUExecutionProvider"])
        for batch in (1, 4, 16, 32):
            chunks = [encodings[k:k + batch] for k in range(0, len(encodings), batch)]
            runs = [model_feeds(c, max(len(e.ids) for e in c), pad_id) for c in chunks]
            for run in runs[:3]:
                session.run(["embedding"], run)
            started = time.process_time()
            for run in runs:
                session.run(["embedding"], run)
            ms = (time.process_time() - started) * 1e3 / len(encodings)
            print(f"{graph:16} batch {batch:2}: {ms:.2f} ms of CPU a question")


if __name__ == "__main__":
    main()
