"""Chat speed: warm time to first token (retrieval included), decode speed against plain
llama-cpp-python on the same GGUF (side by side, same settings), and retrieval latency.

    .venv/bin/python bench/chat.py [--questions 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from engine import open_studio
from engine.llm import Timing
from engine.resources import resolve_model_path

PROMPT_MESSAGES = [{"role": "system", "content": "You are a storyteller for children."},
                   {"role": "user", "content": "Tell a long story about a brave little elephant who loves to paint."}]


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=128)
    args = ap.parse_args()
    studio = open_studio()
    chat = studio.chat_engine()
    items = [json.loads(line) for line in (Path(__file__).resolve().parent.parent / "tests/data/retrieval_eval.jsonl")
             .read_text(encoding="utf-8").splitlines()][: args.questions]
    chat.ask("warm up, what does 2.47 say?").text()

    ttft, total, retrieval, used = [], [], [], []
    for item in items:
        turn = chat.ask(item["question"], age_band="8-10")
        turn.text()
        ttft.append(turn.result.ttft_ms)
        total.append(turn.result.total_ms)
        used.append(turn.result.used_model_sentences > 0)
        t = time.perf_counter()
        chat.index.search(item["question"], k=5)
        retrieval.append((time.perf_counter() - t) * 1000)
    print(f"Warm chat turn over {len(items)} questions (age 8-10):")
    print(f"  time to first token: median {statistics.median(ttft):.0f} ms, p95 {pct(ttft, 0.95):.0f} ms (goal: median <= 1000)")
    print(f"  whole answer:        median {statistics.median(total):.0f} ms")
    print(f"  answers opened by a model sentence that passed the gate: {sum(used)}/{len(used)}")
    print(f"  retrieval alone:     median {statistics.median(retrieval):.1f} ms, p95 {pct(retrieval, 0.95):.1f} ms (goal: p95 <= 50)")

    # decode speed, ours against plain llama-cpp-python, alternating so both see the same machine state
    from llama_cpp import Llama

    s = studio.settings
    path = resolve_model_path(s.model_path)
    plain = Llama(model_path=str(path), n_ctx=s.n_ctx, n_threads=s.n_threads, n_threads_batch=s.n_threads,
                  seed=s.seed, verbose=False)
    ours = studio.runtime("chat")  # the chat engine has none unless GITA_CHAT_MODEL_OPENER is set
    prompt, _ = ours.format_chat(PROMPT_MESSAGES)
    plain_rates, our_rates = [], []
    for _ in range(args.rounds):
        first, n = None, 0
        for _chunk in plain.create_completion(prompt, max_tokens=args.tokens, temperature=0.0, repeat_penalty=1.15,
                                              stream=True, seed=s.seed):
            n += 1
            if first is None:
                first = time.perf_counter()
        plain_rates.append((n - 1) / (time.perf_counter() - first))
        timing = Timing()
        "".join(ours.stream(prompt, max_tokens=args.tokens, temperature=0.0, repeat_penalty=1.15, timing=timing))
        our_rates.append(timing.decode_tok_s)
    p, o = statistics.median(plain_rates), statistics.median(our_rates)
    print(f"Decode speed, {path.name}, {args.tokens} tokens x {args.rounds} rounds:")
    print(f"  plain llama-cpp-python: {p:.1f} tok/s   Gita Tales runtime: {o:.1f} tok/s   ratio {o / p:.2f} (goal >= 0.9)")


if __name__ == "__main__":
    main()
