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


def main(argv: list[str]) -> int:
    from .. import open_studio

    ap = argparse.ArgumentParser(prog="python -m engine.training.scenes")
    ap.add_argument("out", type=Path)
    ap.add_argument("--stories", type=int, default=120)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--openers", type=int, default=0, help="chat openers for this many kid questions instead of scenes")
    args = ap.parse_args(argv)
    if args.openers:
        print(json.dumps(generate_openers(open_studio(), args.out, args.openers, args.seed)))
    else:
        print(json.dumps(generate(open_studio(), args.out, args.stories, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
