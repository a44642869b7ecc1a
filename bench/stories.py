"""Story quality and speed over 30 stories (10 verses x 3 age bands), with the bundled model.

    .venv/bin/python bench/stories.py [--verses 10] [--length medium]

Prints: structure valid, reading grade inside the band, repeated 4-grams, the interest present,
fallback scenes, and the median time to a full story.
"""

from __future__ import annotations

import argparse
import statistics
import time

from pydantic import ValidationError

from engine import open_studio
from engine.quality import repeated_ngram_rate
from engine.story_models import GRADE_LIMITS, Story, StoryRequest

VERSES = ["2.47", "2.14", "2.62", "3.21", "6.5", "6.35", "9.26", "12.13", "16.1", "18.66", "4.7", "17.15"]
INTERESTS = ["cricket", "animals", "space", "drawing", "music", "football", "reading", "science", "dance", "cooking"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--verses", type=int, default=10)
    ap.add_argument("--length", default="medium", choices=["short", "medium"])
    args = ap.parse_args()
    composer = open_studio().story_composer()
    rows = []
    for i, ref in enumerate(VERSES[: args.verses]):
        for band in ("4-6", "7-9", "10-12"):
            req = StoryRequest(verse=ref, age_band=band, interests=[INTERESTS[i % len(INTERESTS)]], length=args.length,
                               seed=i)
            t = time.perf_counter()
            story = composer.compose(req)
            seconds = time.perf_counter() - t
            try:
                Story.model_validate_json(story.model_dump_json())
                valid = 4 <= len(story.scenes) <= 8 and len(story.quiz) == 3 and len(story.questions) == 3
            except ValidationError:
                valid = False
            text = story.text()
            rows.append({"valid": valid, "grade_ok": story.reading_grade <= GRADE_LIMITS[band],
                         "rep": repeated_ngram_rate(text, 4), "interest": req.interests[0] in text.lower(),
                         "fallback": len(story.fallback_scenes), "scenes": len(story.scenes), "seconds": seconds})
            print(f"  {ref:>6} {band:>5}: grade {story.reading_grade:4.1f}, fallback {story.fallback_scenes}, {seconds:5.1f} s",
                  flush=True)
    n = len(rows)
    scenes = sum(r["scenes"] for r in rows)
    print(f"\n{n} stories ({args.length})")
    print(f"  structure valid:           {sum(r['valid'] for r in rows) / n:.0%}  (goal 100%)")
    print(f"  reading grade in the band: {sum(r['grade_ok'] for r in rows) / n:.0%}  (goal >= 90%)")
    print(f"  repeated 4-grams:          {statistics.mean(r['rep'] for r in rows):.1%} mean, max {max(r['rep'] for r in rows):.1%}  (goal < 5%)")
    print(f"  interest present:          {sum(r['interest'] for r in rows) / n:.0%}  (goal 100%)")
    print(f"  fallback scenes:           {sum(r['fallback'] for r in rows) / scenes:.0%} of {scenes}  (goal < 20%)")
    print(f"  time to a full story:      median {statistics.median(r['seconds'] for r in rows):.1f} s")


if __name__ == "__main__":
    main()
