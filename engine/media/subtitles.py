"""Subtitles: cues timed across each card's narration, written as SRT (with the ``srt`` library)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import srt
from pydantic import BaseModel

MAX_WORDS_PER_CUE = 12


class Cue(BaseModel):
    start: float
    end: float
    text: str


def split_text(text: str, max_words: int = MAX_WORDS_PER_CUE) -> list[str]:
    parts = []
    for sentence in re.split(r"(?<=[.!?।])\s+", text.strip()):
        words = sentence.split()
        for i in range(0, len(words), max_words):
            parts.append(" ".join(words[i:i + max_words]))
    return [p for p in parts if p]


def cues_for(text: str, start: float, speech_seconds: float) -> list[Cue]:
    """Cues for one card's narration, spread over its speech time by length."""
    chunks = split_text(text)
    total = sum(len(c) for c in chunks) or 1
    cues, t = [], start
    for c in chunks:
        d = speech_seconds * len(c) / total
        cues.append(Cue(start=t, end=t + d, text=c))
        t += d
    return cues


def write_srt(cues: list[Cue], path: Path) -> Path:
    subs = [srt.Subtitle(index=i + 1, start=dt.timedelta(seconds=c.start), end=dt.timedelta(seconds=c.end), content=c.text)
            for i, c in enumerate(cues)]
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(srt.compose(subs), encoding="utf-8")
    tmp.replace(path)
    return path
