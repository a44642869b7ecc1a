"""Fit a safety guard candidate on this machine (no GPU: about 45 minutes an encoder on 2 cores, three encoders; session 30) into
a folder that ``bench/safety_compare.py`` weighs against the shipped guard: ``classifier.npz``, ``gloss.yaml`` and
``memory.npz``, each made as ``python -m engine.safety train`` and ``memory`` would make them had the candidate's
rows been the safety set's train split. Session 30's M30::

    .venv/bin/python bench/safety_candidate.py OUT_DIR --train safety_pending13,safety_pending18,safety_pending20,\\
        safety_pending22,safety_pending23,safety_pending28 --crisis-weight 3 --memory safety_dev13

``--dry-run`` prints the rows and the digest the classifier would carry, and fits nothing. Write the rule that
decides on the candidate before running the comparison, and hold out the set that judges it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from engine import get_settings
    from engine import safety as S

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--train", default="", help="files (stems) whose train rows join the safety set's, comma-separated")
    ap.add_argument("--memory", default="", help="files (stems) the second look's memory holds beside the train rows")
    ap.add_argument("--crisis-weight", type=float, default=S.CRISIS_WEIGHT)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    assets = get_settings().assets_dir
    folder = Path(assets) / "data" / "safety"
    S.CRISIS_WEIGHT = args.crisis_weight  # _weights reads it: the regression's and the encoders' crisis rows
    stems = lambda names: [S.SAFETY_SET.parent / f"{n}.jsonl" for n in names.split(",") if n]
    rows = S.training_rows(assets, extra=tuple(stems(args.train)))
    mem = rows + [r for f in stems(args.memory) for r in S.read_safety_set(f)]
    table = S.load_gloss(folder)
    print(json.dumps({"rows": len(rows), "crisis": sum(r["category"] in S.CRISIS for r in rows), "memory": len(mem),
                      "train_hash": S._train_hash(rows, table), "memory_digest": S.memory_digest(mem, table),
                      "crisis_weight": args.crisis_weight}), flush=True)
    if args.dry_run:
        return
    from engine.embedder import get_embedder

    start = time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    embedder = get_embedder()
    S.train_classifier(assets, embedder, rows=rows, out=args.out / "classifier.npz",
                       progress=lambda m: print(f"{time.time() - start:.0f} s {m}", flush=True))
    shutil.copy(folder / "gloss.yaml", args.out / "gloss.yaml")
    S.build_memory(assets, embedder, out=args.out / S.MEMORY_FILE, rows=mem)
    print(f"done in {(time.time() - start) / 60:.1f} min: {args.out}", flush=True)

if __name__ == "__main__":
    main()
