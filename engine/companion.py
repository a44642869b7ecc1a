"""The kids' companion: a checked, kid-friendly card for every verse.

Cards live in ``assets/data/companion/chNN.jsonl`` (one JSON object per line) and the
theme vocabulary in ``assets/data/themes.yaml``. :class:`CompanionCard` is the schema;
:func:`check_cards` applies the publishing rules (lengths, reading level, vocabulary,
Devanagari) that tests and the report script share.

Run ``python -m engine.companion [chNN ...]`` to check files and print a report.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import DataError
from .models import Speaker
from .paths import DEFAULT_ASSETS_DIR

MAX_MEANING_WORDS = 45
MAX_BIG_IDEA_WORDS = 12
#: US grade level (Flesch-Kincaid) that a 6 to 9 year old can follow
MAX_READING_GRADE = 4.0
SensitivityFlag = Literal["war", "killing", "death", "caste"]

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_LATIN = re.compile(r"[A-Za-z]")
_REF = re.compile(r"^(\d{1,2})\.(\d{1,2})$")


def word_count(text: str) -> int:
    return len(text.split())


def devanagari_share(text: str) -> float:
    """Share of letters that are Devanagari (1.0 for pure Hindi text)."""
    dev, lat = len(_DEVANAGARI.findall(text)), len(_LATIN.findall(text))
    return dev / (dev + lat) if dev + lat else 0.0


def reading_grade(text: str) -> float:
    """Flesch-Kincaid US grade of English text."""
    import textstat  # imported late: only the checks need it

    return float(textstat.flesch_kincaid_grade(text))


class Theme(BaseModel):
    id: str
    label: str
    label_hi: str
    description: str


class Sensitivity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flags: list[SensitivityFlag] = Field(default_factory=list, description="what a grown-up should know about")
    note: str = Field("", max_length=240, description="one line on handling the verse gently with young children")

    @field_validator("note")
    @classmethod
    def _one_line(cls, v: str) -> str:
        if "\n" in v:
            raise ValueError("the note must be one line")
        return v.strip()


class CompanionCard(BaseModel):
    """One verse explained for children."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: str = Field(description='chapter.verse, e.g. "2.47"')
    speaker: Speaker
    kid_meaning: str = Field(min_length=10, description="what the verse says, for ages 6 to 9, at most 45 words")
    kid_meaning_hi: str = Field(min_length=5, description="the same in simple Hindi (Devanagari)")
    big_idea: str = Field(min_length=3, description="the lesson in at most 12 words")
    themes: list[str] = Field(min_length=1, max_length=4)
    kid_questions: list[str] = Field(min_length=2, max_length=4)
    story_seed: str = Field(min_length=10, description="one or two sentences of an everyday situation today")
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)

    @field_validator("ref")
    @classmethod
    def _ref(cls, v: str) -> str:
        if not _REF.match(v):
            raise ValueError(f'ref must look like "2.47", got {v!r}')
        return v

    @field_validator("kid_meaning")
    @classmethod
    def _meaning(cls, v: str) -> str:
        if word_count(v) > MAX_MEANING_WORDS:
            raise ValueError(f"kid_meaning has {word_count(v)} words; at most {MAX_MEANING_WORDS}")
        return v.strip()

    @field_validator("big_idea")
    @classmethod
    def _big_idea(cls, v: str) -> str:
        if word_count(v) > MAX_BIG_IDEA_WORDS:
            raise ValueError(f"big_idea has {word_count(v)} words; at most {MAX_BIG_IDEA_WORDS}")
        return v.strip()

    @field_validator("kid_meaning_hi")
    @classmethod
    def _hindi(cls, v: str) -> str:
        if devanagari_share(v) < 0.9:
            raise ValueError("kid_meaning_hi must be written in Devanagari")
        return v.strip()

    @field_validator("story_seed")
    @classmethod
    def _seed(cls, v: str) -> str:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", v.strip()) if s]
        if len(sentences) > 2:
            raise ValueError(f"story_seed has {len(sentences)} sentences; one or two please")
        return v.strip()

    @property
    def chapter(self) -> int:
        return int(self.ref.split(".")[0])

    @property
    def verse(self) -> int:
        return int(self.ref.split(".")[1])


@lru_cache(maxsize=4)
def load_themes(assets_dir: Path = DEFAULT_ASSETS_DIR) -> dict[str, Theme]:
    """The theme vocabulary, by id, in file order."""
    path = Path(assets_dir) / "data" / "themes.yaml"
    try:
        return {t["id"]: Theme(**t) for t in yaml.safe_load(path.read_text(encoding="utf-8"))}
    except FileNotFoundError as exc:
        raise DataError(f"The theme list {path} is missing. Restore it from the repository.") from exc


def companion_dir(assets_dir: Path = DEFAULT_ASSETS_DIR) -> Path:
    return Path(assets_dir) / "data" / "companion"


def read_card_file(path: Path) -> tuple[list[CompanionCard], list[str]]:
    """Parse one chNN.jsonl file; returns the valid cards and one message per bad line."""
    cards, problems = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            cards.append(CompanionCard.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            problems.append(f"{path.name}:{n}: {exc}")
    return cards, problems


@lru_cache(maxsize=4)
def load_companion(assets_dir: Path = DEFAULT_ASSETS_DIR) -> dict[str, CompanionCard]:
    """Every valid card that exists, by ref. Cards still being written are simply absent."""
    cards: dict[str, CompanionCard] = {}
    for path in sorted(companion_dir(assets_dir).glob("ch*.jsonl")):
        for card in read_card_file(path)[0]:
            cards[card.ref] = card
    return cards


def check_cards(
    cards: list[CompanionCard], verse_counts: dict[int, int], themes: dict[str, Theme], speakers: dict[str, str] | None = None
) -> list[str]:
    """Publishing rules beyond the schema: refs exist, no duplicates, vocabulary, reading level, speaker."""
    problems = []
    seen: set[str] = set()
    for card in cards:
        where = f"{card.ref}:"
        if card.ref in seen:
            problems.append(f"{where} duplicate card")
        seen.add(card.ref)
        if card.chapter not in verse_counts or not 1 <= card.verse <= verse_counts[card.chapter]:
            problems.append(f"{where} no such verse")
        unknown = [t for t in card.themes if t not in themes]
        if unknown:
            problems.append(f"{where} themes not in themes.yaml: {unknown}")
        if len(set(card.themes)) != len(card.themes):
            problems.append(f"{where} repeated theme")
        grade = reading_grade(card.kid_meaning)
        if grade > MAX_READING_GRADE:
            problems.append(f"{where} kid_meaning reads at grade {grade:.1f}; at most {MAX_READING_GRADE}")
        if speakers and card.ref in speakers and speakers[card.ref] != card.speaker:
            problems.append(f"{where} speaker is {speakers[card.ref]} in the text, not {card.speaker}")
        if card.sensitivity.flags and not card.sensitivity.note:
            problems.append(f"{where} sensitivity flags need a note")
    return problems


def report(assets_dir: Path = DEFAULT_ASSETS_DIR, only: list[str] | None = None) -> tuple[str, int]:
    """A coverage and quality report; returns (text, number of problems)."""
    from .corpus import load_corpus

    corpus = load_corpus(assets_dir)
    counts = corpus.verse_counts()
    speakers = {v.ref: v.speaker for v in corpus.verses}
    themes = load_themes(assets_dir)
    files = sorted(companion_dir(assets_dir).glob("ch*.jsonl"))
    if only:
        files = [f for f in files if f.stem in only]
    cards, problems = [], []
    for f in files:
        got, bad = read_card_file(f)
        cards += got
        problems += bad
    problems += check_cards(cards, counts, themes, speakers)
    lines = ["Companion coverage", "chapter  cards / verses"]
    per_ch = Counter(c.chapter for c in cards)
    for ch, n in counts.items():
        lines.append(f"  {ch:>2}     {per_ch.get(ch, 0):>3} / {n}")
    lines.append(f"  all    {len(cards):>3} / {sum(counts.values())}")
    if cards:
        grades = [reading_grade(c.kid_meaning) for c in cards]
        words = [word_count(c.kid_meaning) for c in cards]
        bands = Counter("<=1" if g <= 1 else "1-2" if g <= 2 else "2-3" if g <= 3 else "3-4" if g <= 4 else ">4" for g in grades)
        lines.append("Reading grade of kid_meaning (Flesch-Kincaid)")
        lines.append(f"  median {statistics.median(grades):.1f}, max {max(grades):.1f}; " + ", ".join(f"{k}: {bands[k]}" for k in ("<=1", "1-2", "2-3", "3-4", ">4")))
        lines.append(f"Words in kid_meaning: median {statistics.median(words)}, max {max(words)}")
        theme_counts = Counter(t for c in cards for t in c.themes)
        lines.append("Themes: " + ", ".join(f"{t} {theme_counts.get(t, 0)}" for t in themes))
        flags = Counter(f for c in cards for f in c.sensitivity.flags)
        lines.append("Sensitivity flags: " + (", ".join(f"{k} {v}" for k, v in flags.most_common()) or "none"))
        speakers = Counter(c.speaker for c in cards)
        lines.append("Speakers: " + ", ".join(f"{k} {v}" for k, v in speakers.most_common()))
    lines.append(f"Problems: {len(problems)}")
    lines += ["  " + p for p in problems]
    return "\n".join(lines), len(problems)


if __name__ == "__main__":
    text, n_problems = report(only=sys.argv[1:] or None)
    print(text)
    sys.exit(1 if n_problems else 0)
