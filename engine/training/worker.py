"""The training worker: data, LoRA fine-tuning, evaluation, GGUF export and quantization.

It runs in its own process (``python -m engine.training.worker RUN_DIR/config.json``); the UI and
the CLI start it, follow ``RUN_DIR/log.jsonl``, and stop it by creating ``RUN_DIR/STOP``, after
which it saves a checkpoint and exits. Started again with the same folder, it resumes.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from pathlib import Path

from .config import TrainConfig

STOP_FILE = "STOP"
LOG_FILE = "log.jsonl"
SUMMARY_FILE = "summary.json"


class RunLog:
    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / LOG_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.start = time.perf_counter()

    def write(self, **event) -> None:
        event.setdefault("time", round(time.perf_counter() - self.start, 2))
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(event) + "\n")


def read_log(run_dir: Path) -> list[dict]:
    path = Path(run_dir) / LOG_FILE
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line being written right now
            continue
    return rows


def _tokenize(tokenizer, example: dict, max_len: int) -> tuple[list[int], list[int]]:
    """Token ids and labels; only the assistant's answer is learned (the prompt is masked with -100)."""
    full = tokenizer.apply_chat_template(example["messages"], tokenize=True)
    prompt = tokenizer.apply_chat_template(example["messages"][:-1], tokenize=True, add_generation_prompt=True)
    full = list(full["input_ids"] if hasattr(full, "keys") else full)[:max_len]  # transformers 5 returns a BatchEncoding
    n_prompt = min(len(list(prompt["input_ids"] if hasattr(prompt, "keys") else prompt)), len(full))
    return full, [-100] * n_prompt + full[n_prompt:]


def _batches(rows, batch_size, pad_id, rng):
    import torch

    order = list(range(len(rows)))
    while True:
        rng.shuffle(order)
        for i in range(0, len(order) - batch_size + 1, batch_size):
            chunk = [rows[j] for j in order[i:i + batch_size]]
            n = max(len(ids) for ids, _ in chunk)
            ids = torch.full((len(chunk), n), pad_id, dtype=torch.long)
            labels = torch.full((len(chunk), n), -100, dtype=torch.long)
            mask = torch.zeros((len(chunk), n), dtype=torch.long)
            for k, (a, b) in enumerate(chunk):
                ids[k, : len(a)] = torch.tensor(a)
                labels[k, : len(b)] = torch.tensor(b)
                mask[k, : len(a)] = 1
            yield {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _autocast(device_type: str):
    """bf16 autocast on a GPU (the LoRA weights stay float32); nothing on the CPU."""
    import contextlib

    import torch

    return torch.autocast("cuda", dtype=torch.bfloat16) if device_type == "cuda" else contextlib.nullcontext()


def val_loss(model, rows, pad_id, batch_size: int = 8) -> float:
    import torch

    model.eval()
    total, count = 0.0, 0
    device = next(model.parameters()).device
    gen = _batches(rows, min(batch_size, len(rows)), pad_id, random.Random(0))
    with torch.no_grad(), _autocast(device.type):
        for _ in range(max(1, len(rows) // min(batch_size, len(rows)))):
            batch = {k: v.to(device) for k, v in next(gen).items()}
            n_tokens = int((batch["labels"] != -100).sum())
            total += float(model(**batch).loss) * n_tokens
            count += n_tokens
    model.train()
    return total / max(count, 1)


def load_base(config: TrainConfig):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ..resources import resolve_model_path

    base = Path(config.base_model) if config.base_model else resolve_model_path(None)
    if base.is_dir():
        return base, AutoTokenizer.from_pretrained(str(base)), AutoModelForCausalLM.from_pretrained(str(base))
    tok = AutoTokenizer.from_pretrained(str(base.parent), gguf_file=base.name)
    model = AutoModelForCausalLM.from_pretrained(str(base.parent), gguf_file=base.name)
    return base, tok, model


def read_dataset(folder: Path) -> tuple[list[dict], list[dict]]:
    """(train, validation) examples from a saved dataset folder."""
    from ..errors import InvalidInput

    out = []
    for name in ("train", "val"):
        path = Path(folder) / f"{name}.jsonl"
        if not path.exists():
            raise InvalidInput(f"No {name}.jsonl in {folder}: save a dataset there first "
                               "(`python -m engine.training.data FOLDER` or the Training page).")
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not rows or any(not {"kind", "messages"} <= set(r) for r in rows):
            raise InvalidInput(f"{path} is not a GitaGPT dataset: each line needs 'kind' and 'messages'.")
        out.append(rows)
    return out[0], out[1]


def run(config: TrainConfig) -> dict:
    """All stages; returns the summary (also written to ``summary.json``)."""
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model

    run_dir = config.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(config.model_dump_json(indent=2), encoding="utf-8")
    (run_dir / STOP_FILE).unlink(missing_ok=True)
    log = RunLog(run_dir)
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)

    log.write(event="stage", stage="data")
    studio = None
    if config.dataset:
        train, val = read_dataset(config.dataset)
    else:
        from .. import open_studio
        from .data import build_examples, write_dataset

        studio = open_studio()
        train, val = build_examples(studio.library, studio.guard(), seed=config.seed)
        write_dataset(run_dir / "data", train, val)
    train = [e for e in train for _ in range(config.kind_weights.get(e["kind"], 1))]
    base_path, tok, model = load_base(config)
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    train_rows = [_tokenize(tok, e, config.max_len) for e in train]
    val_rows = [_tokenize(tok, e, config.max_len) for e in rng.sample(val, min(config.val_examples, len(val)))]
    log.write(event="data", train=len(train_rows), val=len(val_rows))

    ckpt = run_dir / "checkpoint"
    if (ckpt / "state.json").exists():
        model = PeftModel.from_pretrained(model, str(ckpt), is_trainable=True)
        state = json.loads((ckpt / "state.json").read_text())
        log.write(event="resume", step=state["step"])
    else:
        model = get_peft_model(model, LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha,
                                                 lora_dropout=config.lora_dropout, target_modules=config.target_modules,
                                                 task_type="CAUSAL_LM"))
        state = {"step": 0}
    model.to(config.device)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    if (ckpt / "optimizer.pt").exists():
        opt.load_state_dict(torch.load(ckpt / "optimizer.pt", map_location=config.device))

    def lr_at(step: int) -> float:
        if step < config.warmup_steps:
            return config.lr * (step + 1) / config.warmup_steps
        progress = (step - config.warmup_steps) / max(1, config.max_steps - config.warmup_steps)
        return config.lr * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    def save(step: int) -> None:
        tmp = run_dir / "checkpoint.part"
        model.save_pretrained(str(tmp))
        torch.save(opt.state_dict(), tmp / "optimizer.pt")
        (tmp / "state.json").write_text(json.dumps({"step": step, "tokens": tokens, "train_time": train_time}))
        (tmp / "config.json").write_text(config.model_dump_json(indent=2))
        import shutil

        shutil.rmtree(ckpt, ignore_errors=True)
        tmp.replace(ckpt)
        log.write(event="checkpoint", step=step)

    with model.disable_adapter():
        base_val = val_loss(model, val_rows, pad_id)
    log.write(event="eval", step=state["step"], val_loss=base_val, which="base")
    log.write(event="stage", stage="train")
    # batch order from its own seed, so a bare loop can replay exactly the same batches (bench/training.py)
    batches = _batches(train_rows, config.batch_size, pad_id, random.Random(config.seed + 1))
    model.train()
    # a resumed run goes on counting its tokens and training time
    tokens, train_time, step = state.get("tokens", 0), state.get("train_time", 0.0), state["step"]
    time_before = train_time
    while step < config.max_steps:
        if (run_dir / STOP_FILE).exists():
            save(step)
            log.write(event="stopped", step=step)
            return {"stopped": True, "step": step}
        step_start = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        loss_sum = 0.0
        for _ in range(config.grad_accum):
            batch = {k: v.to(config.device) for k, v in next(batches).items()}
            with _autocast(config.device):
                loss = model(**batch).loss / config.grad_accum
            loss.backward()
            loss_sum += float(loss.detach())
            tokens += int(batch["attention_mask"].sum())
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        train_time += time.perf_counter() - step_start  # training only: evaluations and checkpoints are not counted
        elapsed = time.perf_counter() - log.start
        log.write(event="step", step=step, loss=round(loss_sum, 4), lr=lr_at(step), tokens_per_s=round(tokens / train_time, 1),
                  elapsed_s=round(elapsed, 1), eta_s=round((train_time - time_before) / max(step - state["step"], 1) * (config.max_steps - step), 1))
        if step % config.eval_every == 0 or step == config.max_steps:
            log.write(event="eval", step=step, val_loss=val_loss(model, val_rows, pad_id), which="tuned")
        if step % config.save_every == 0:
            save(step)
    save(step)
    train_tok_s = tokens / max(train_time, 1e-6)
    if not config.export:
        summary = {"checkpoint": str(ckpt), "val_loss_base": round(base_val, 4), "steps": step,
                   "tokens_per_s": round(train_tok_s, 1), "seconds": round(time.perf_counter() - started, 1)}
        log.write(event="done", **summary)
        return summary

    from .. import open_studio
    from .export import export_model

    studio = studio or open_studio()
    log.write(event="stage", stage="evaluate")
    tuned_val = val_loss(model, val_rows, pad_id)
    log.write(event="stage", stage="export")
    merged = model.merge_and_unload()
    exported = export_model(merged, base_path, run_dir / "export", kinds=tuple(config.quantize))
    log.write(event="export", **exported)
    gguf = exported["files"][config.quantize[-1]] if config.quantize else exported["files"]["F16"]
    summary = {"gguf": gguf, "val_loss_base": round(base_val, 4), "val_loss_tuned": round(tuned_val, 4),
               "ppl_base": round(math.exp(base_val), 2), "ppl_tuned": round(math.exp(tuned_val), 2),
               "tokens_per_s": round(train_tok_s, 1), "export_seconds": exported["seconds"], "steps": step,
               "files": exported["files"]}
    if config.gen_eval_questions:
        log.write(event="stage", stage="answers")
        from .evaluate import answer_eval

        summary["answers"] = answer_eval(studio, [str(base_path), gguf], val, config.gen_eval_questions, config.seed)
    if config.product_eval_stories or config.product_eval_questions:
        log.write(event="stage", stage="product")
        from .evaluate import product_eval

        summary["product"] = product_eval(studio, [str(base_path), gguf], config.product_eval_stories,
                                          config.product_eval_questions, config.seed)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    (run_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    log.write(event="done", **{k: v for k, v in summary.items() if k != "answers"})
    return summary


def main(argv: list[str]) -> int:
    config = TrainConfig.model_validate_json(Path(argv[0]).read_text(encoding="utf-8"))
    summary = run(config)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
