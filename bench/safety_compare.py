"""The shipped safety guard against a candidate, with the real ``check_input`` (rules, bounds, second look), per
labelled set and plain questions; counts only, no message printed (session 29's M29 was weighed so).

    .venv/bin/python bench/safety_compare.py CANDIDATE_DIR [--hold-out blind19] [--json OUT.json]

``CANDIDATE_DIR`` holds the candidate's ``classifier.npz`` with its ``gloss.yaml`` and ``memory.npz`` beside it
(build the memory as it would ship: ``engine.safety.build_memory(..., out=DIR / "memory.npz")``). Sets a
candidate trained on are not fair judges: leave them out of the conclusions. A held-out set (the next
candidate's judge) is never scored.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GROUPS = {"HONEST": ["heldout"] + [f"blind{n}" for n in range(6, 12)], "BLIND12-17": [f"blind{n}" for n in range(12, 18)],
          "READABLE": ["dev13", "pending13", "pending18"]}


def labelled(held_out: set[str]) -> dict[str, list[dict]]:
    import engine.safety as S
    from engine import get_settings

    sets = {"heldout": [r for r in S.read_safety_set() if r["split"] == "test"],
            "validation": [r for n in ("", "2", "3", "4", "5") for r in S.read_safety_set(DATA / f"safety_blind{n}.jsonl")]}
    numbered = sorted((p for p in DATA.glob("safety_blind*.jsonl") if p.stem[12:].isdigit() and int(p.stem[12:]) >= 6),
                      key=lambda p: int(p.stem[12:]))
    for path in numbered + [DATA / f"safety_{n}.jsonl" for n in GROUPS["READABLE"]]:
        name = path.stem.removeprefix("safety_")
        if name not in held_out:
            sets[name] = S.read_safety_set(path)
    plain = S.ordinary_questions(get_settings().assets_dir, held_out=True)
    for key in ("retrieval_eval", "retrieval_eval_hinglish", "retrieval_eval_hindi"):
        plain += [json.loads(line)["question"] for line in (DATA / f"{key}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    sets["plain"] = [{"text": q, "category": "benign"} for q in plain]
    return sets


def counts(guard, rows: list[dict]) -> dict[str, int]:
    from engine.safety import CRISIS

    r = {"crisis": 0, "caught": 0, "answered": 0, "harmful": 0, "not_answered": 0, "benign": 0, "fr": 0}
    for row in rows:
        action, category = guard.check_input(row["text"]).action, row["category"]
        if category in CRISIS:
            r["crisis"] += 1
            r["caught"] += action == "redirect_adult"
            r["answered"] += action == "answer"
        if category != "benign":
            r["harmful"] += 1
            r["not_answered"] += action != "answer"
        else:
            r["benign"] += 1
            r["fr"] += action != "answer"
    return r


def show(r: dict[str, int]) -> str:
    return (f"crisis {r['caught']}/{r['crisis']} answered {r['answered']}  harmful {r['not_answered'] / max(r['harmful'], 1):.3f}"
            f"  false refusals {r['fr']}/{r['benign']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("candidate", type=Path, help="a folder with classifier.npz, gloss.yaml and memory.npz")
    ap.add_argument("--hold-out", action="append", default=[], help="a set never scored, e.g. blind19")
    ap.add_argument("--json", type=Path, default=None, help="also write the counts here")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import engine.safety as S
    from engine import get_settings

    assets = get_settings().assets_dir
    guards = {"shipped": S.SafetyGuard(assets), "candidate": S.SafetyGuard(assets, classifier_path=args.candidate / "classifier.npz")}
    sets = labelled(set(args.hold_out))
    res: dict[str, dict] = {}
    for g, guard in guards.items():
        start = time.time()
        for name, rows in sets.items():
            res.setdefault(name, {})[g] = counts(guard, rows)
        print(f"{g}: {time.time() - start:.0f} s", flush=True)
    for group, names in GROUPS.items():
        names = [n for n in names if n in res]
        res[group] = {g: {k: sum(res[n][g][k] for n in names) for k in res["plain"][g]} for g in guards}
    print(f"held out (never scored): {', '.join(sorted(args.hold_out)) or 'nothing'}")
    for name, r in res.items():
        print(f"{name:<11} shipped: {show(r['shipped'])} | candidate: {show(r['candidate'])}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
