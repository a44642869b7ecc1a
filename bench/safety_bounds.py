"""Weigh the safety decision's bounds (engine/safety.py: ENCODER_SHARE, HARM_THRESHOLD,
CRISIS_HARM_THRESHOLD, CRISIS_SHARE_STRONG, SELF_HARM_SHARE) for the shipped classifier on a validation
set: blind sets 1-5 (tests/data/safety_blind*.jsonl), which no model is trained on. The held-out split
and blind set 6 stay for the report (bench/safety.py), never for choosing.

    .venv/bin/python bench/safety_bounds.py [--sets 1,2,3,4,5] [--classifier CANDIDATE.npz]

Both models run once per message; each combination of bounds is then one pass of ``decide``. Prints
crisis recall, harmful recall (not answered, exact action) and false refusals per combination, the
shipped bounds marked with *.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from engine import get_settings
from engine import safety as S

GRID = {"encoder_share": (0.5, 0.67, 0.75, 0.8), "harm": (0.55, 0.6, 0.65, 0.7), "crisis_harm": (0.1, 0.15, 0.2, 0.3, 0.6),
        "crisis_share": (0.7, 0.8), "self_harm_share": (0.25, 1.01)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="1,2,3,4,5", help="which blind sets validate (1 is safety_blind.jsonl)")
    ap.add_argument("--classifier", type=Path, default=None,
                    help="a candidate classifier.npz to weigh instead of the shipped one (its gloss.yaml beside it)")
    args = ap.parse_args()
    guard = S.SafetyGuard(get_settings().assets_dir, classifier_path=args.classifier)
    clf = guard.classifier
    files = [Path(f"tests/data/safety_blind{'' if n == '1' else n}.jsonl") for n in args.sets.split(",")]
    rows = [r for f in files for r in S.read_safety_set(f)]
    texts = [r["text"] for r in rows]
    regression, encoder = clf.outputs(texts)
    ruled, after = S._rule_verdicts(guard.rules, rows)
    shipped = (S.ENCODER_SHARE, S.HARM_THRESHOLD, S.CRISIS_HARM_THRESHOLD, S.CRISIS_SHARE_STRONG, S.SELF_HARM_SHARE)
    print(f"{len(rows)} messages from {', '.join(f.name for f in files)}")
    print("encoder_share harm crisis_harm crisis_share self_harm_share | crisis harmful exact false_refusals")
    for combo in itertools.product(*GRID.values()):
        share, harm, crisis_harm, crisis_share, self_harm_share = combo
        p_harm, probs = S._mix(regression, encoder, share)
        got = [S.decide(ruled[i], float(p_harm[i]), dict(zip(clf.classes, probs[i])), harm, crisis_harm, crisis_share,
                        self_harm_share, afterlife=after[i]).action for i in range(len(rows))]
        s = S._scores(rows, got)
        mark = "*" if combo == shipped else " "
        print(f"{mark}{share:<4} {harm:<5} {crisis_harm:<4} {crisis_share:<4} {self_harm_share:<5}| {s['crisis_recall']:.3f} "
              f"{s['harmful_recall']:.3f} {s['exact_action']:.3f} {s['false_refusals_lookalikes']:.3f}")


if __name__ == "__main__":
    main()
