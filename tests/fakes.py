"""Test doubles used only inside unit tests: a model that returns queued text, a fixed index."""

from __future__ import annotations

from collections.abc import Iterator

from engine.llm import Timing
from engine.retrieval import Hit


class FakeRuntime:
    """Stands in for LlamaRuntime: streams queued answers word by word."""

    def __init__(self, *answers: str):
        self.answers = list(answers)
        self.prompts: list[str] = []
        self.grammars: list[str | None] = []

    def format_chat(self, messages, assistant_prefix=""):
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant: ", ["<|im_end|>"]

    def stream(self, prompt, *, max_tokens=96, temperature=0.3, seed=None, stop=None, repeat_penalty=1.15,
               timing: Timing | None = None, json_schema=None, grammar=None) -> Iterator[str]:
        self.prompts.append(prompt)
        self.grammars.append(grammar)
        text = self.answers.pop(0) if self.answers else ""
        timing = timing if timing is not None else Timing()
        timing.ttft_ms = 1.0
        words = text.split(" ")
        for i, word in enumerate(words):
            timing.tokens += 1
            yield word + (" " if i < len(words) - 1 else "")


class FakeIndex:
    """Returns fixed refs for every query; embeds with the real embedder when given one."""

    def __init__(self, library, refs, embedder=None):
        self.library = library
        self.refs = refs
        self.embedder = embedder or _BagOfWords()

    def search(self, query, k=5, mode="hybrid"):
        return [Hit(ref=r, score=1.0 - i / 10, text="") for i, r in enumerate(self.refs[:k])]


class _BagOfWords:
    """A crude embedder for tests: shared words make vectors close."""

    def embed(self, texts):
        import numpy as np

        vocab = {}
        rows = []
        for t in texts:
            words = [w.strip(".,!?").lower() for w in t.split()]
            rows.append([vocab.setdefault(w, len(vocab)) for w in words])
        out = np.zeros((len(texts), max(len(vocab), 1)))
        for i, ids in enumerate(rows):
            for j in ids:
                out[i, j] = 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)
