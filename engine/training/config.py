"""Training configuration: every hyper-parameter described and bounded; presets by name.

The resolved config is saved with every checkpoint, so a run can be rebuilt and resumed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..errors import InvalidInput


class TrainConfig(BaseModel):
    preset: str = Field("smoke", description="The preset this config started from.")
    out_dir: Path = Field(Path("runs/gitagpt"), description="Folder for data, checkpoints, logs and exports.")
    base_model: Path | None = Field(None, description="Base GGUF or Hugging Face folder; empty means the bundled SmolLM2.")
    max_steps: int = Field(30, ge=1, le=100_000, description="Optimizer steps to train.")
    batch_size: int = Field(4, ge=1, le=256, description="Examples per forward pass.")
    grad_accum: int = Field(1, ge=1, le=64, description="Forward passes per optimizer step.")
    max_len: int = Field(256, ge=32, le=4096, description="Longest example in tokens (longer ones are cut).")
    lr: float = Field(3e-4, gt=0, le=1e-2, description="Peak learning rate of the LoRA weights.")
    warmup_steps: int = Field(5, ge=0, le=10_000, description="Linear warm-up steps before the cosine decay.")
    lora_r: int = Field(16, ge=1, le=256, description="LoRA rank.")
    lora_alpha: int = Field(32, ge=1, le=512, description="LoRA scaling numerator (scale = alpha / r).")
    lora_dropout: float = Field(0.05, ge=0.0, le=0.5, description="Dropout on the LoRA path.")
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                                               "up_proj", "down_proj"],
                                      description="Linear layers that get LoRA adapters.")
    val_examples: int = Field(48, ge=4, le=10_000, description="Validation examples used for the loss.")
    eval_every: int = Field(10, ge=1, le=10_000, description="Steps between validation losses.")
    save_every: int = Field(50, ge=1, le=100_000, description="Steps between checkpoints.")
    gen_eval_questions: int = Field(12, ge=0, le=1000, description="Held-out kid questions asked after training.")
    kind_weights: dict[str, int] = Field(default_factory=dict,
                                         description="How many times each example of a kind is repeated in training "
                                                     "(0 leaves the kind out; kinds not named count once).")
    product_eval_stories: int = Field(0, ge=0, le=200, description="Held-out stories whose scenes each model drafts "
                                                                    "after training (scene pass rate).")
    product_eval_questions: int = Field(0, ge=0, le=500, description="Held-out kid questions for the chat opener "
                                                                      "pass rate after training.")
    quantize: list[Literal["Q8_0", "Q4_K_M"]] = Field(default_factory=lambda: ["Q8_0", "Q4_K_M"],
                                                      description="Quantized GGUF files to write.")
    dataset: Path | None = Field(None, description="A saved dataset folder (train.jsonl and val.jsonl, as "
                                                    "`python -m engine.training.data` writes it) to train on; empty "
                                                    "means build one from the corpus and the companion.")
    export: bool = Field(True, description="After training, evaluate, export and quantize here. Off: stop at the "
                                           "checkpoint (a GPU machine without llama.cpp); run again with it on to "
                                           "finish from the checkpoint.")
    device: Literal["cpu", "cuda"] = Field("cpu", description="Where to train.")
    threads: int = Field(2, ge=1, le=256, description="CPU threads for torch.")
    seed: int = Field(7, ge=0, le=2**31 - 1, description="Random seed.")

    @property
    def run_dir(self) -> Path:
        return Path(self.out_dir)


PRESETS: dict[str, dict] = {
    # finishes in under 5 minutes on 2 CPU cores: for tests and demos
    "smoke": {"max_steps": 24, "batch_size": 4, "max_len": 192, "lora_r": 8, "lora_alpha": 16, "val_examples": 24,
              "eval_every": 12, "gen_eval_questions": 8, "quantize": ["Q8_0"]},
    # about an hour on 2 CPU cores: ~110 training tokens/s (bench/training.py) x 3600 s / ~1,300 tokens a step
    "standard": {"max_steps": 300, "batch_size": 8, "grad_accum": 1, "max_len": 320, "val_examples": 128,
                 "eval_every": 25, "save_every": 50, "gen_eval_questions": 60, "product_eval_stories": 10,
                 "product_eval_questions": 30, "kind_weights": {"scene": 5, "opener": 4}},
    # when CUDA is present; the shipped GitaGPT: 1,000 steps in 7 minutes on an H100 (16k tokens/s)
    "gpu": {"max_steps": 1000, "batch_size": 32, "grad_accum": 1, "max_len": 384, "lr": 2e-4, "val_examples": 599,
            "eval_every": 100, "save_every": 250, "gen_eval_questions": 200, "device": "cuda", "threads": 8,
            "product_eval_stories": 30, "product_eval_questions": 100, "kind_weights": {"scene": 5, "opener": 4}},
}


def resolve(preset: str, **overrides) -> TrainConfig:
    if preset not in PRESETS:
        raise InvalidInput(f"Unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}.")
    return TrainConfig(preset=preset, **{**PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}})
