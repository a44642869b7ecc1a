"""The model registry: exported GitaGPT models with their config and evaluation, and which one is in use."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ModelError
from ..resources import check_gguf

ACTIVE_FILE = "active_model.json"


def runs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "runs"


def list_models(data_dir: Path) -> list[dict]:
    """Every exported GGUF of every finished run, newest first."""
    models = []
    for summary_path in runs_dir(data_dir).glob("*/summary.json"):
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        config = json.loads((summary_path.parent / "config.json").read_text(encoding="utf-8"))
        for kind, path in summary.get("files", {}).items():
            p = Path(path)
            if p.exists():
                models.append({"run": summary_path.parent.name, "kind": kind, "path": str(p),
                               "size_mb": round(p.stat().st_size / 1e6, 1), "date": summary_path.stat().st_mtime,
                               "val_loss_base": summary.get("val_loss_base"), "val_loss_tuned": summary.get("val_loss_tuned"),
                               "preset": config.get("preset"), "steps": summary.get("steps"),
                               "answers": summary.get("answers", {}), "product": summary.get("product", {})})
    return sorted(models, key=lambda m: -m["date"])


def set_active(data_dir: Path, path: Path | None) -> None:
    """Use ``path`` for the chat and the stories (None: back to the bundled model). Checked first."""
    target = Path(data_dir) / ACTIVE_FILE
    if path is None:
        target.unlink(missing_ok=True)
        return
    check_gguf(Path(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"path": str(path)}), encoding="utf-8")


def active_model(data_dir: Path) -> Path | None:
    target = Path(data_dir) / ACTIVE_FILE
    if not target.exists():
        return None
    path = Path(json.loads(target.read_text(encoding="utf-8"))["path"])
    if not path.exists():
        raise ModelError(f"The chosen model {path} is gone. Pick another on the Training page, or delete {target}.")
    return path
