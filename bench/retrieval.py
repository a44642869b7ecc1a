"""Retrieval benchmark: hit@5 of BM25 alone, dense alone and the fusion, side by side, and latency.

    .venv/bin/python bench/retrieval.py [--k 5] [--eval tests/data/retrieval_eval.jsonl]

Prints hit@k per question kind and overall, then p50/p95 query latency with the models loaded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from engine import open_studio
from engine.retrieval import SearchIndex


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--eval", default=str(Path(__file__).resolve().parent.parent / "tests/data/retrieval_eval.jsonl"))
    ap.add_argument("--misses", action="store_true", help="list the questions the fusion misses")
    args = ap.parse_args()
    studio = open_studio()
    index = SearchIndex.open_or_build(studio.library, studio.settings.data_dir,
                                      progress=lambda f, m: print(f"  [{f:4.0%}] {m}", flush=True))
    items = [json.loads(line) for line in Path(args.eval).read_text(encoding="utf-8").splitlines() if line.strip()]
    modes = ("bm25", "dense", "hybrid")
    hits = {m: defaultdict(list) for m in modes}
    top1 = defaultdict(list)
    times = {m: [] for m in modes}
    index.search("warm up", k=args.k)
    for item in items:
        for mode in modes:
            t = time.perf_counter()
            found = [h.ref for h in index.search(item["question"], k=args.k, mode=mode)]
            times[mode].append((time.perf_counter() - t) * 1000)
            ok = bool(set(found) & set(item["refs"]))
            if mode == "hybrid":
                top1[item["kind"]].append(found[0] in item["refs"])
                top1["all"].append(found[0] in item["refs"])
            hits[mode][item["kind"]].append(ok)
            hits[mode]["all"].append(ok)
            if args.misses and mode == "hybrid" and not ok:
                print(f"  miss: {item['question']!r} want {item['refs']} got {found}")
    kinds = sorted({i["kind"] for i in items}) + ["all"]
    print(f"\nhit@{args.k} on {len(items)} questions")
    print(f"{'kind':<10}" + "".join(f"{m:>10}" for m in modes) + f"{'hybrid@1':>10}")
    for kind in kinds:
        print(f"{kind:<10}" + "".join(f"{sum(hits[m][kind]) / len(hits[m][kind]):>10.3f}" for m in modes)
              + f"{sum(top1[kind]) / len(top1[kind]):>10.3f}")
    print("\nlatency per query (ms)")
    for mode in modes:
        ts = sorted(times[mode])
        print(f"{mode:<10} p50 {statistics.median(ts):6.1f}   p95 {ts[int(0.95 * (len(ts) - 1))]:6.1f}")


if __name__ == "__main__":
    main()
