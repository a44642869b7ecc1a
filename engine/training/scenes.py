"""GitaGPT's own data: story scenes and chat openers the bundled model wrote that passed the gates.

Rejection sampling: for many story requests on training verses (never the validation verses of
:func:`engine.training.data.split_refs`), the composer asks the base model for every scene with
its own prompt and grammar, and keeps only the scenes that pass the whole gate (real words,
reading level, the plan's names, closeness to the beat, safety). Fine-tuning on them teaches
GitaGPT what the gate accepts, so more of its scenes are used and fewer come from the plan.
The same for the chat: kid questions of training verses, kept where the model's opening
sentence passed the chat gate (``--openers N``).

    .venv/bin/python -m engine.training.scenes OUT.jsonl [--stories 120] [--seed 11]
    .venv/bin/python -m engine.training.scenes OUT.jsonl --openers 600
    .venv/bin/python -m engine.training.scenes OUT.jsonl --import-openers WRITTEN.jsonl

The last form takes openers the team wrote ({"ref", "question", "opener"} per line, for training
verses only) and keeps those that pass the same chat gate as the model's own.

Writes one chat example per kept scene, as it goes (a stopped run keeps what it wrote).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from ..story import scene_messages
from ..story_models import StoryRequest
from .data import split_refs

BANDS = ("4-6", "7-9", "10-12")
TONES = ("gentle", "funny", "adventurous")


def requests(library, interests: list[str], n: int, seed: int) -> list[StoryRequest]:
    """Varied story requests on training verses only."""
    refs, val_refs = split_refs(library)
    pool = [r for r in refs if r not in val_refs]
    rng = random.Random(seed)
    return [StoryRequest(verse=rng.choice(pool), age_band=rng.choice(BANDS), interests=[rng.choice(interests)],
                         tone=rng.choice(TONES), length="medium", seed=rng.randrange(10**6)) for _ in range(n)]


def generate(studio, out: Path, n_stories: int, seed: int = 11) -> dict:
    composer = studio.story_composer()
    interests = [k for k in composer.templates["interests"] if k != "default"]
    out.parent.mkdir(parents=True, exist_ok=True)
    kept = written = 0
    start = time.perf_counter()
    with out.open("a", encoding="utf-8") as fh:
        for i, req in enumerate(requests(studio.library, interests, n_stories, seed)):
            story = composer.compose(req)
            plan = composer.plan(req, studio.library.verse(req.verse))
            for index, scene in enumerate(story.scenes):
                if scene.role == "verse":
                    continue
                written += 1
                if scene.fallback:
                    continue
                kept += 1
                messages = scene_messages(req, plan, index) + [
                    {"role": "assistant", "content": json.dumps({"narration": scene.narration}, ensure_ascii=False)}]
                fh.write(json.dumps({"kind": "scene", "ref": req.verse, "messages": messages}, ensure_ascii=False) + "\n")
            fh.flush()
            print(f"story {i + 1}/{n_stories}: kept {kept} of {written} scenes, {time.perf_counter() - start:.0f} s",
                  file=sys.stderr, flush=True)
    return {"stories": n_stories, "scenes": written, "kept": kept, "seconds": round(time.perf_counter() - start, 1)}


def generate_openers(studio, out: Path, n: int, seed: int = 11) -> dict:
    from ..chat import AGE_BANDS, STYLES, ChatResult, opener_messages

    chat = studio.chat_engine()
    refs, val_refs = split_refs(studio.library)
    pool = [q for r in refs if r not in val_refs for q in studio.library.card(studio.library.verse(r)).kid_questions]
    rng = random.Random(seed)
    kept = 0
    start = time.perf_counter()
    with out.open("a", encoding="utf-8") as fh:
        for i, question in enumerate(rng.sample(pool, min(n, len(pool)))):
            band = rng.choice(AGE_BANDS)
            main = chat._citations(chat.index.search(question, k=5), question)[0]
            said = list(chat._model_opener(question, main, STYLES[band], ChatResult()))
            if said:
                kept += 1
                messages = opener_messages(question, studio.library.card(main), STYLES[band]) + [
                    {"role": "assistant", "content": " ".join(said)}]
                fh.write(json.dumps({"kind": "opener", "ref": main.ref, "messages": messages}, ensure_ascii=False) + "\n")
                fh.flush()
            if (i + 1) % 25 == 0:
                print(f"question {i + 1}/{n}: kept {kept}, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return {"questions": n, "kept": kept, "seconds": round(time.perf_counter() - start, 1)}


def import_openers(studio, written: Path, out: Path, seed: int = 11) -> dict:
    """Team-written openers that pass the chat gate, as opener examples with the chat's own prompt.

    A short opener is paired with any age band's prompt, a longer one only with the older bands'."""
    from collections import Counter

    from ..chat import AGE_BANDS, STYLES, opener_gate_context, opener_messages

    chat = studio.chat_engine()
    _, val_refs = split_refs(studio.library)
    rng = random.Random(seed)
    kept, problems = 0, Counter()
    rows = [json.loads(line) for line in Path(written).read_text(encoding="utf-8").splitlines() if line.strip()]
    with out.open("a", encoding="utf-8") as fh:
        for row in rows:
            if row["ref"] in val_refs:
                problems["validation verse"] += 1
                continue
            verse = studio.library.verse(row["ref"])
            card = studio.library.card(verse)
            sentence = row["opener"].strip()
            n_words = len(sentence.split())
            band = rng.choice(AGE_BANDS if n_words <= 12 else AGE_BANDS[1:] if n_words <= 16 else AGE_BANDS[2:])
            found = chat._problems(sentence, opener_gate_context(row["question"], verse, card, STYLES[band]), [])
            if found:
                problems.update(p.split(" ")[0] if p.startswith("invented") else p for p in found)
                continue
            kept += 1
            messages = opener_messages(row["question"], card, STYLES[band]) + [{"role": "assistant", "content": sentence}]
            fh.write(json.dumps({"kind": "opener", "ref": verse.ref, "messages": messages}, ensure_ascii=False) + "\n")
    return {"written": len(rows), "kept": kept, "problems": dict(problems.most_common(8))}


def main(argv: list[str]) -> int:
    from .. import open_studio

    ap = argparse.ArgumentParser(prog="python -m engine.training.scenes")
    ap.add_argument("out", type=Path)
    ap.add_argument("--stories", type=int, default=120)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--openers", type=int, default=0, help="chat openers for this many kid questions instead of scenes")
    ap.add_argument("--import-openers", type=Path, help="team-written openers to gate and convert")
    args = ap.parse_args(argv)
    if args.import_openers:
        print(json.dumps(import_openers(open_studio(), args.import_openers, args.out, args.seed)))
    elif args.openers:
        print(json.dumps(generate_openers(open_studio(), args.out, args.openers, args.seed)))
    else:
        print(json.dumps(generate(open_studio(), args.out, args.stories, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
