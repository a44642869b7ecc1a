"""The shipped safety guard against a candidate, with the real ``check_input`` (rules, bounds, second look), per
labelled set and plain questions; counts only, no message printed (session 29's M29 was weighed so).

    .venv/bin/python bench/safety_compare.py CANDIDATE_DIR [--hold-out safety_blind19] [--json OUT.json]

``CANDIDATE_DIR`` holds the candidate's ``classifier.npz`` with its ``gloss.yaml`` and ``memory.npz`` beside it
(build the memory as it would ship: ``engine.safety.build_memory(..., out=DIR / "memory.npz")``). The sets and
the counts are ``bench/safety_gpu.py``'s (there with cached encoder outputs, here with the files themselves).
Sets a candidate trained on are not fair judges: leave them out of the conclusions. A held-out set (the next
candidate's judge) is never scored.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from safety_gpu import labelled_sets, line, plain_questions, weigh_sets

#: sums beside the per-set figures (``weigh_sets`` adds the honest sets': held-out and blind sets 6-11)
GROUPS = {"BLIND12-17": [f"blind{n}" for n in range(12, 18)], "READABLE": ["dev13", "pending13", "pending18"]}


def main() -> None:
    from engine import get_settings
    from engine.safety import SafetyGuard

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("candidate", type=Path, help="a folder with classifier.npz, gloss.yaml and memory.npz")
    ap.add_argument("--hold-out", action="append", default=[], help="a set never scored (a file's stem: safety_blind19)")
    ap.add_argument("--json", type=Path, default=None, help="also write the counts here")
    args = ap.parse_args()
    assets = get_settings().assets_dir
    guards = {"shipped": SafetyGuard(assets), "candidate": SafetyGuard(assets, classifier_path=args.candidate / "classifier.npz")}
    sets = labelled_sets(set(args.hold_out)) | {"plain": [{"text": q, "category": "benign"} for q in plain_questions()]}
    res = {}
    for name, guard in guards.items():
        start = time.time()
        res[name] = weigh_sets(guard, sets)
        for group, members in GROUPS.items():
            res[name][group] = {k: sum(res[name][m][k] for m in members if m in sets) for k in res[name]["heldout"]}
        print(f"{name}: {time.time() - start:.0f} s", flush=True)
    print(f"held out (never scored): {', '.join(sorted(args.hold_out)) or 'nothing'}")
    for set_name in res["shipped"]:
        print(f"{line(set_name, res['shipped'][set_name])}\n{'  candidate':<12}{line('', res['candidate'][set_name])[12:]}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
