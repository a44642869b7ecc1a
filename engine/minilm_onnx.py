"""MiniLM through ONNX Runtime, for the safety check's two sentence passes.

A child's message is short (16 tokens at the median): torch spends most of a pass in per-operator
overhead, ONNX Runtime about 2.3 times less on one core (``bench/safety.py``). Each MiniLM the check
needs (the bundled one for the regression, the fine-tuned one for the encoder) is exported once with
``torch.onnx.export`` and kept beside the other built models (``assets/models/safety/``, not in git;
``make setup`` builds them, ``python -m engine.safety export`` too). A file's name carries a digest of
the weights it was made from, so a retrained classifier never runs with a stale export.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

FOLDER = Path("models") / "safety"


def weights_digest(arrays: dict[str, np.ndarray] | None = None, path: Path | None = None) -> str:
    """A short digest of the weights an export is made from: arrays, or a weights file's bytes."""
    h = hashlib.sha256()
    if path is not None:
        h.update(Path(path).read_bytes())
    for key in sorted(arrays or {}):
        h.update(key.encode())
        h.update(np.ascontiguousarray(arrays[key]).tobytes())
    return h.hexdigest()[:16]


def export(model, tokenizer, path: Path) -> Path:
    """Write ``model`` (a transformers BertModel) as one ONNX file that returns the mean of the token
    vectors under the attention mask (not normalised), for any batch size and length."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * m).sum(1) / m.sum(1).clamp(min=1)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    example = tokenizer(["a short message to trace the model with", "hi"], padding=True, return_tensors="pt")
    model.eval()
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logger.setLevel(logging.ERROR)  # "torchvision is not installed": nothing here needs it
        torch.onnx.export(Pooled(model), (example["input_ids"], example["attention_mask"]), str(part),
                          input_names=["input_ids", "attention_mask"], output_names=["pooled"],
                          dynamic_shapes=({0: "batch", 1: "tokens"}, {0: "batch", 1: "tokens"}),
                          dynamo=True, external_data=False, verbose=False)
        logger.setLevel(level)
    os.replace(part, path)
    return path


class OnnxPooler:
    """Mean-pooled MiniLM vectors from an exported file, on one core (the check runs two side by side)."""

    def __init__(self, path: Path, tokenizer, max_tokens: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer, self.max_tokens, self.path = tokenizer, max_tokens, Path(path)

    def feed(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The model's inputs for ``texts``: token ids and mask, padded and cut at ``max_tokens``."""
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="np")
        return {"input_ids": enc["input_ids"].astype(np.int64), "attention_mask": enc["attention_mask"].astype(np.int64)}

    def run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        """The pooled vectors of inputs made by :meth:`feed` (of this pooler or one with the same tokenizer
        and ``max_tokens``)."""
        return self.session.run(None, feed)[0]

    def pooled(self, texts: list[str]) -> np.ndarray:
        return self.run(self.feed(texts))

    def unit_vectors(self, texts: list[str]) -> np.ndarray:
        """The pooled vectors scaled to length 1 (what sentence-transformers' MiniLM gives)."""
        return unit(self.pooled(texts))


def unit(pooled: np.ndarray) -> np.ndarray:
    """Pooled vectors scaled to length 1."""
    return pooled / np.maximum(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)


def pooler(folder: Path, name: str, digest: str, build: Callable[[], tuple], max_tokens: int) -> OnnxPooler:
    """The exported model ``name`` for these weights, exporting it first when it is missing (about
    10 s); ``build`` gives (model, tokenizer). Older exports of the same name are removed."""
    path = Path(folder) / f"{name}-{digest}.onnx"
    tokenizer = None
    if not path.exists():
        model, tokenizer = build()
        export(model, tokenizer, path)
        for old in path.parent.glob(f"{name}-*.onnx"):
            if old != path:
                old.unlink(missing_ok=True)
    if tokenizer is None:
        from transformers import AutoTokenizer

        from .resources import embedder_path

        tokenizer = AutoTokenizer.from_pretrained(str(embedder_path()))
    return OnnxPooler(path, tokenizer, max_tokens)
