"""Training speed: tokens/s of the GitaGPT worker against a bare PEFT loop on the same batch shape,
in the same run; and the time of merge + GGUF export + quantization (Q8_0 and Q4_K_M).

    .venv/bin/python bench/training.py [--steps 10]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from engine import open_studio
from engine.training.config import resolve
from engine.training.data import build_examples
from engine.training.worker import _batches, _tokenize, load_base, run


def bare_loop(config, steps: int) -> float:
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    torch.set_num_threads(config.threads)
    studio = open_studio()
    train, _ = build_examples(studio.library, studio.guard(), seed=config.seed)
    _, tok, model = load_base(config)
    rows = [_tokenize(tok, e, config.max_len) for e in train]
    model = get_peft_model(model, LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                                             target_modules=config.target_modules, task_type="CAUSAL_LM"))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    batches = _batches(rows, config.batch_size, pad, random.Random(config.seed + 1))  # the worker's batches
    model.train()
    tokens, start = 0, time.perf_counter()
    for _ in range(steps):
        batch = next(batches)
        model(**batch).loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        tokens += int(batch["attention_mask"].sum())
    return tokens / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=16)
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="gita-bench-train-"))
    config = resolve("smoke", out_dir=out, max_steps=args.steps, gen_eval_questions=0, quantize=["Q8_0", "Q4_K_M"],
                     eval_every=10_000, save_every=10_000)
    bare = bare_loop(config, args.steps)
    summary = run(config)
    print(f"Training, batch {config.batch_size} x up to {config.max_len} tokens, {args.steps} steps, {config.threads} threads:")
    print(f"  bare PEFT loop: {bare:.1f} tokens/s   GitaGPT worker: {summary['tokens_per_s']:.1f} tokens/s   "
          f"ratio {summary['tokens_per_s'] / bare:.2f} (goal >= 0.9)")
    print(f"  merge + GGUF export + Q8_0 + Q4_K_M: {summary['export_seconds']:.1f} s (goal < 60 s)")
    print(f"  validation loss base {summary['val_loss_base']} -> tuned {summary['val_loss_tuned']}")


if __name__ == "__main__":
    main()
