"""The chat model runtime: llama.cpp through llama-cpp-python.

One :class:`LlamaRuntime` per model file per process, guarded by a lock, because one
``Llama`` must never serve two threads at once (two browser tabs chatting queue up
instead of crashing). Generation is exposed as an iterator of text pieces plus timing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ModelError
from .resources import resolve_model_path

_RUNTIMES: dict[tuple[str, int, int], LlamaRuntime] = {}
_RUNTIMES_LOCK = threading.Lock()


@dataclass
class Timing:
    """Figures of one generation (filled in while it streams)."""

    prompt_tokens: int = 0
    tokens: int = 0
    ttft_ms: float | None = None
    decode_s: float = 0.0
    total_ms: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def decode_tok_s(self) -> float:
        # tokens after the first, over the time after the first
        return (self.tokens - 1) / self.decode_s if self.tokens > 1 and self.decode_s > 0 else 0.0


class LlamaRuntime:
    """A loaded GGUF model; thread-safe streaming completions."""

    def __init__(self, model_path: Path, n_ctx: int = 2048, n_threads: int = 2, seed: int = 7):
        from llama_cpp import Llama

        self.model_path = Path(model_path)
        try:
            self.llm = Llama(model_path=str(self.model_path), n_ctx=n_ctx, n_threads=n_threads,
                             n_threads_batch=n_threads, seed=seed, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"The model {self.model_path} could not be loaded ({exc}). "
                             "It may be damaged or not a llama.cpp model: choose another GGUF file.") from exc
        self.lock = threading.Lock()
        self.n_ctx = n_ctx
        self._grammars: dict[str, object] = {}  # compiled grammars, by schema or GBNF text

    def format_chat(self, messages: list[dict], assistant_prefix: str = "") -> tuple[str, list[str]]:
        """The prompt for ``messages`` in the model's own chat template, and its stop strings.

        Falls back to ChatML (SmolLM2's format) where the GGUF carries no template.
        """
        template = self.llm.metadata.get("tokenizer.chat_template")
        if not template:
            return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages) + \
                "<|im_start|>assistant\n" + assistant_prefix, ["<|im_end|>"]
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        eos = self.llm.detokenize([self.llm.token_eos()]).decode("utf-8", "ignore")
        bos = self.llm.detokenize([self.llm.token_bos()]).decode("utf-8", "ignore")
        result = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)(messages=messages)
        stops = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return result.prompt + assistant_prefix, [s for s in stops if s] + ["<|im_end|>"]

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, prompt: str, *, max_tokens: int = 96, temperature: float = 0.3, seed: int | None = None,
               stop: list[str] | None = None, repeat_penalty: float = 1.15, timing: Timing | None = None,
               json_schema: dict | None = None, grammar: str | None = None) -> Iterator[str]:
        """Yield text pieces of a raw completion of ``prompt`` (the chat template applied by the caller).

        The lock is held while the generator runs; close it early to release the model.
        ``json_schema`` constrains the output with a llama.cpp grammar made from the schema; ``grammar``
        is a GBNF grammar given directly, for shapes a schema cannot say (validate the result anyway).
        """
        timing = timing if timing is not None else Timing()
        with self.lock:
            start = time.perf_counter()
            timing.prompt_tokens = self.count_tokens(prompt)
            budget = max(1, min(max_tokens, self.n_ctx - timing.prompt_tokens - 8))
            first = None
            compiled = self._grammar(json_schema, grammar) if (json_schema or grammar) else None
            pieces = self.llm.create_completion(prompt, max_tokens=budget, temperature=temperature,
                                                stop=stop or [], repeat_penalty=repeat_penalty, stream=True,
                                                seed=seed, grammar=compiled)
            try:
                for chunk in pieces:
                    text = chunk["choices"][0]["text"]
                    timing.tokens += 1
                    now = time.perf_counter()
                    if first is None:
                        first = now
                        timing.ttft_ms = (now - start) * 1000
                    timing.decode_s = now - first
                    if text:
                        yield text
            finally:
                pieces.close()
                timing.total_ms = (time.perf_counter() - start) * 1000

    def _grammar(self, schema: dict | None, gbnf: str | None):
        import json

        from llama_cpp import LlamaGrammar

        key = gbnf if gbnf is not None else json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            try:
                self._grammars[key] = (LlamaGrammar.from_string(gbnf, verbose=False) if gbnf is not None
                                       else LlamaGrammar.from_json_schema(key, verbose=False))
            except ValueError as exc:
                raise ModelError(f"The output grammar could not be compiled ({exc}).") from exc
        return self._grammars[key]


def get_runtime(model_path: Path | None, n_ctx: int = 2048, n_threads: int = 2, seed: int = 7) -> LlamaRuntime:
    """The process-wide runtime for the configured (or bundled) model; loaded once."""
    path = resolve_model_path(model_path)
    key = (str(path), n_ctx, n_threads)
    with _RUNTIMES_LOCK:
        if key not in _RUNTIMES:
            _RUNTIMES[key] = LlamaRuntime(path, n_ctx=n_ctx, n_threads=n_threads, seed=seed)
        return _RUNTIMES[key]

