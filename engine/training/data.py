"""The GitaGPT dataset: chat-format examples built from the corpus, the companion and the safety set.

Kinds of example:
- ``kid_question``: a child's question from a card's ``kid_questions`` with a warm, cited answer
  composed from the card (the same shape the chat gives);
- ``explain``: "explain verse X to a N-year-old" for each age band;
- ``story``: a short everyday story from the card's ``story_seed`` and its lesson;
- ``safety``: refusals and redirects from the labelled safety set, answered with the guard's own words;
- ``scene`` and ``opener``: story scenes and chat openers the bundled model wrote that passed the
  gates (``assets/data/training/*.jsonl``, made by ``python -m engine.training.scenes``), with the
  composer's and the chat's own prompts.

Split by verse, so validation verses are unseen in training (safety prompts keep their own split).

    .venv/bin/python -m engine.training.data OUT_DIR      # writes train.jsonl, val.jsonl, manifest.json
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import Counter
from pathlib import Path

from ..chat import STYLES
from ..library import VerseLibrary
from ..safety import CATEGORY_ACTION, SafetyGuard, read_safety_set

SYSTEM = "You are a gentle AI helper for children. Answer simply and kindly, and cite the Bhagavad Gita verse."
AGE_WORDS = {"5-7": 6, "8-10": 9, "11-13": 12}
VAL_FRACTION = 0.1


def _answer(card, verse, band: str) -> str:
    parts = [f"In the Bhagavad Gita, verse {verse.ref}: {card.kid_meaning}", f"The big idea: {card.big_idea.rstrip('.')}."]
    if STYLES[band].quote_translation:
        t = verse.translation(language="english")
        if len(t.text.split()) <= 45:
            parts.append(f"In {t.author}'s words: “{t.text}”")
    return " ".join(parts)


def _example(kind: str, user: str, assistant: str, ref: str | None) -> dict:
    return {"kind": kind, "ref": ref, "messages": [{"role": "system", "content": SYSTEM},
                                                   {"role": "user", "content": user},
                                                   {"role": "assistant", "content": assistant}]}


def split_refs(library: VerseLibrary, seed: int = 7) -> tuple[list[str], set[str]]:
    """All verses with a companion card, in order, and the held-out validation verses."""
    refs = sorted(library.cards(), key=lambda r: tuple(map(int, r.split("."))))
    return refs, set(random.Random(seed).sample(refs, max(1, int(len(refs) * VAL_FRACTION))))


def build_examples(library: VerseLibrary, guard: SafetyGuard | None = None, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """(train, validation) examples; validation verses never appear in training."""
    rng = random.Random(seed)
    cards = library.cards()
    refs, val_refs = split_refs(library, seed)
    rng.sample(refs, len(val_refs))  # keeps the shuffle below as it was before split_refs existed
    train, val = [], []
    for ref in refs:
        card = cards[ref]
        verse = library.verse(ref)
        out = val if ref in val_refs else train
        for q in card.kid_questions:
            out.append(_example("kid_question", q, _answer(card, verse, "8-10"), ref))
        for band, age in AGE_WORDS.items():
            out.append(_example("explain", f"Explain Bhagavad Gita {ref} to a {age}-year-old.", _answer(card, verse, band), ref))
        out.append(_example("story", f"Tell me a short story that shows this lesson: {card.big_idea.rstrip('.')}.",
                            f"{card.story_seed} That is what the Bhagavad Gita teaches in verse {ref}: "
                            f"{card.big_idea.rstrip('.')}.", ref))
    for path in sorted((Path(library.assets_dir) / "data" / "training").glob("*.jsonl")):
        # model-written examples that passed the gates (engine.training.scenes): scenes and openers
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                example = json.loads(line)
                (val if example["ref"] in val_refs else train).append(example)
    if guard is not None:
        for row in read_safety_set():
            action = CATEGORY_ACTION[row["category"]]
            if action == "answer":
                continue
            lang = "hi" if row["lang"] == "hi" else "en"
            reply = guard.message(action, lang, row["text"], row["category"])
            (val if row["split"] == "test" else train).append(_example("safety", row["text"], reply, None))
    rng.shuffle(train)
    return train, val


def write_dataset(out_dir: Path, train: list[dict], val: list[dict], tokenizer=None) -> dict:
    """Write train.jsonl and val.jsonl and a manifest with counts, kinds and lengths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"train": len(train), "val": len(val), "kinds": {}, "val_refs": sorted({e["ref"] for e in val if e["ref"]})}
    for name, rows in (("train", train), ("val", val)):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (out_dir / f"{name}.jsonl").write_text(text, encoding="utf-8")
        manifest["kinds"][name] = dict(Counter(r["kind"] for r in rows))
        lengths = [len(tokenizer.apply_chat_template(r["messages"], tokenize=True)) if tokenizer else
                   sum(len(m["content"].split()) for m in r["messages"]) for r in rows]
        manifest[f"{name}_length"] = {"unit": "tokens" if tokenizer else "words", "max": max(lengths, default=0),
                                      "mean": round(sum(lengths) / max(len(lengths), 1), 1)}
        manifest[f"{name}_sha256"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    overlap = set(manifest["val_refs"]) & {e["ref"] for e in train if e["ref"]}
    manifest["verse_overlap"] = len(overlap)
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def main(argv: list[str]) -> int:
    from .. import open_studio

    if len(argv) != 1:
        print("usage: python -m engine.training.data OUT_DIR", file=sys.stderr)
        return 2
    studio = open_studio()
    train, val = build_examples(studio.library, studio.guard())
    print(json.dumps(write_dataset(Path(argv[0]), train, val), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
