"""The shipped GitaGPT: a LoRA adapter in ``assets/models/gitagpt/``, merged into the bundled base
and written as a GGUF by ``make setup`` (the adapter is a few MB; the merged model is not kept in git).

    .venv/bin/python -m engine.training.bundle      # builds assets/models/gitagpt/gitagpt-q8_0.gguf

``eval.json`` beside the adapter holds the evaluation that decided where GitaGPT is the default
(``default_for``: "stories", "chat"). The build is skipped when the GGUF is newer than the adapter.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from ..paths import DEFAULT_ASSETS_DIR

FOLDER = Path("models") / "gitagpt"
GGUF_NAME = "gitagpt-q8_0.gguf"


def folder(assets_dir: Path = DEFAULT_ASSETS_DIR) -> Path:
    return Path(assets_dir) / FOLDER


def default_for(assets_dir: Path = DEFAULT_ASSETS_DIR) -> set[str]:
    """Where the shipped GitaGPT is the default ("stories", "chat"), from its evaluation; empty if none."""
    return set((report(assets_dir) or {}).get("default_for", []))


def report(assets_dir: Path = DEFAULT_ASSETS_DIR) -> dict | None:
    """The shipped GitaGPT's evaluation (``eval.json``), or None when none ships."""
    path = folder(assets_dir) / "eval.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def built_path(assets_dir: Path = DEFAULT_ASSETS_DIR) -> Path | None:
    """The merged GGUF if ``make setup`` built it."""
    path = folder(assets_dir) / GGUF_NAME
    return path if path.is_file() else None


def build(assets_dir: Path = DEFAULT_ASSETS_DIR) -> Path | None:
    """Merge the adapter into the base and write the Q8_0 GGUF; None when no adapter ships."""
    import torch
    from peft import PeftModel

    from .config import TrainConfig
    from .export import export_model
    from .worker import load_base

    here = folder(assets_dir)
    adapter = here / "adapter_model.safetensors"
    if not adapter.exists():
        return None
    target = here / GGUF_NAME
    if target.exists() and target.stat().st_mtime >= adapter.stat().st_mtime:
        return target
    start = time.perf_counter()
    torch.set_num_threads(2)
    base_path, _, model = load_base(TrainConfig())
    merged = PeftModel.from_pretrained(model, str(here)).merge_and_unload()
    work = here / "build.part"
    exported = export_model(merged, base_path, work, kinds=("Q8_0",))
    Path(exported["files"]["Q8_0"]).replace(target)
    shutil.rmtree(work, ignore_errors=True)
    print(f"GitaGPT built in {time.perf_counter() - start:.0f} s: {target}", file=sys.stderr)
    return target


def main(argv: list[str]) -> int:
    try:
        path = build()
    except Exception as exc:  # noqa: BLE001 - setup goes on with the base model and says why
        print(f"GitaGPT could not be built ({exc}); the bundled SmolLM2 is used instead.", file=sys.stderr)
        return 0
    print(f"GitaGPT: {path}" if path else "No GitaGPT adapter ships; the bundled SmolLM2 is used.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
