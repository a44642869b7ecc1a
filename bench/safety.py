"""Safety report on the held-out part of the labelled set (tests/data/safety_set.jsonl, split=test),
or on the blind set written separately and never used to tune the guard (tests/data/safety_blind.jsonl).

    .venv/bin/python bench/safety.py [--split test] [--show-errors]
    .venv/bin/python bench/safety.py --file tests/data/safety_blind.jsonl
    .venv/bin/python bench/safety.py --classifier /tmp/candidate/classifier.npz   # a retrained candidate

Prints recall per category (the right action), overall recall of harmful prompts (any non-answer
action, and the exact action), crisis recall, false refusals on benign prompts and on the
companion's ordinary kid questions of held-out verses and on the retrieval eval's questions in English,
Hinglish and Hindi, and latency per check: in ONNX Runtime (what
ships once ``make setup`` has exported the four MiniLMs) and, as the baseline in the same run, the same
checks with every MiniLM in torch; and the checks in session 16's arrangement (the rules beside the
passes; a crisis rule's hit returned before its passes ended), the baseline of session 17's order.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from engine import get_settings
from engine.embedder import get_embedder
from engine.paths import REPO_ROOT as REPO
from engine.safety import (
    CATEGORY_ACTION,
    CRISIS,
    SECOND_LOOK,
    Classifier,
    SafetyGuard,
    _linear,
    _rule_verdict,
    _stack,
    glossed_texts,
    normalize,
    ordinary_questions,
    read_safety_set,
)
from engine.safety_encoder import average


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="test", help="test, train, or all")
    ap.add_argument("--file", default=None, help="another labelled file, e.g. tests/data/safety_blind.jsonl (all rows)")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--classifier", type=Path, default=None,
                    help="a candidate classifier.npz to weigh instead of the shipped one (its gloss.yaml beside it)")
    args = ap.parse_args()
    guard = SafetyGuard(get_settings().assets_dir, classifier_path=args.classifier)
    if args.file:
        rows, args.split = read_safety_set(Path(args.file)), f"all of {args.file}"
    else:
        rows = [r for r in read_safety_set() if args.split == "all" or r["split"] == args.split]
    guard.check_input("warm up")
    per_cat = defaultdict(list)
    times, errors, second_look = [], [], []
    for r in rows:
        t = time.perf_counter()
        v = guard.check_input(r["text"])
        times.append((time.perf_counter() - t) * 1000)
        want = CATEGORY_ACTION[r["category"]]
        per_cat[r["category"]].append((v.action == want, v.action != "answer"))
        if v.reason == SECOND_LOOK:
            second_look.append(r["category"])
        if v.action != want:
            errors.append(f"  {r['category']:<13} want {want:<14} got {v.action:<14} ({v.reason[:40]}) {r['text']!r}")
    print(f"Safety report on split={args.split}: {len(rows)} prompts")
    print(f"{'category':<15}{'n':>4}{'right action':>14}{'not answered':>14}")
    for cat in sorted(per_cat):
        res = per_cat[cat]
        print(f"{cat:<15}{len(res):>4}{sum(a for a, _ in res) / len(res):>14.3f}{sum(b for _, b in res) / len(res):>14.3f}")
    harmful = [x for c, res in per_cat.items() if c != "benign" for x in res]
    crisis = [x for c, res in per_cat.items() if c in CRISIS for x in res]
    benign = per_cat["benign"]
    print(f"\nharmful recall (not answered): {sum(b for _, b in harmful) / len(harmful):.3f}")
    print(f"harmful recall (exact action): {sum(a for a, _ in harmful) / len(harmful):.3f}")
    print(f"crisis recall (redirect_adult): {sum(a for a, _ in crisis) / len(crisis):.3f}")
    print(f"false refusals on benign: {sum(b for _, b in benign)}/{len(benign)} = {sum(b for _, b in benign) / len(benign):.3f}")
    # the low crisis bound's second look (memory.npz): what it answered that the bound alone would not have
    print(f"answered by the low crisis bound's second look: {second_look.count('benign')} benign, "
          f"{sum(c in CRISIS for c in second_look)} children in danger, "
          f"{sum(c not in CRISIS and c != 'benign' for c in second_look)} other harmful")
    ordinary = ordinary_questions(get_settings().assets_dir, held_out=True)
    refused = [q for q in ordinary if guard.check_input(q).action != "answer"]
    print(f"false refusals on the companion's kid questions of held-out verses: {len(refused)}/{len(ordinary)} = "
          f"{len(refused) / max(len(ordinary), 1):.3f}")
    # the retrieval eval's child questions, in English and as children ask them in Hinglish and Hindi
    # (never trained on): ordinary questions that a Hindi-speaking child must not be refused
    for name in ("retrieval_eval", "retrieval_eval_hinglish", "retrieval_eval_hindi"):
        path = REPO / "tests" / "data" / f"{name}.jsonl"
        asked = [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        refused = [q for q in asked if guard.check_input(q).action != "answer"]
        print(f"false refusals on {path.name}'s ordinary questions: {len(refused)}/{len(asked)} = "
              f"{len(refused) / len(asked):.3f}")
        if args.show_errors:
            print("\n".join(f"    {q!r}" for q in refused))
    print(f"latency per check ({guard.classifier.runtime}): {_latency(times)}")
    baseline = SafetyGuard(get_settings().assets_dir)
    baseline._classifier = Classifier(guard.classifier_path, get_embedder(), onnx_folder=None)
    baseline.check_input("warm up")
    torch_times = []
    for r in rows:
        t = time.perf_counter()
        baseline.check_input(r["text"])
        torch_times.append((time.perf_counter() - t) * 1000)
    print(f"latency per check (torch, baseline): {_latency(torch_times)}")
    print(f"torch / onnxruntime: p50 {statistics.median(torch_times) / statistics.median(times):.2f}x, "
          f"p95 {_p95(torch_times) / _p95(times):.2f}x")
    if guard.classifier.runtime == "onnxruntime":
        for leave in (True, False):
            side = []
            for r in rows:
                t = time.perf_counter()
                _side_by_side(guard, r["text"], leave)
                side.append((time.perf_counter() - t) * 1000)
            how = "a crisis rule's hit returned at once" if leave else "every check waiting for its passes"
            print(f"latency per check, session 16's arrangement ({how}): {_latency(side)}; / shipped: p50 "
                  f"{statistics.median(side) / statistics.median(times):.2f}x, p95 {_p95(side) / _p95(times):.2f}x")
    if args.show_errors and errors:
        print("\nerrors:\n" + "\n".join(errors))


def _side_by_side(guard: SafetyGuard, text: str, leave: bool) -> None:
    """The same work as ``check_input`` as it was until session 16: the four MiniLM passes started as four
    tasks, each tokenising for itself, and the rules run on this thread meanwhile. With ``leave``, as then,
    a crisis rule's hit returns at once and its passes run on, so that the next check queues behind them:
    that, in back-to-back checks, was most of session 16's p95."""
    c = guard.classifier
    norm = normalize(text)
    norm_, glossed = glossed_texts([norm], c.gloss)
    embedded = c._workers.submit(c._embed, glossed)
    encoded = [c._workers.submit(e.predict, glossed) for e in c.encoders]
    verdict = _rule_verdict(guard.rules, text, norm)
    if leave and verdict is not None and verdict.action == "redirect_adult":
        return
    _linear(c.arrays, _stack(embedded.result(), norm_, glossed))
    average([e.result() for e in encoded])


def _p95(times: list[float]) -> float:
    return sorted(times)[int(0.95 * (len(times) - 1))]


def _latency(times: list[float]) -> str:
    return f"p50 {statistics.median(times):.1f} ms, p95 {_p95(times):.1f} ms, max {max(times):.1f} ms"


if __name__ == "__main__":
    main()
