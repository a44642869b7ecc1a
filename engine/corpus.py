"""Loading the bundled Bhagavad Gita corpus from ``assets/data/gita``.

The source files (public domain, see ``assets/data/gita/SOURCE.md``) carry quirks that
are cleaned here once: trailing whitespace, ``।।2.47।।`` markers, speaker lines glued
to the first line of a verse, translator notes, numbers stored as strings.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from .errors import DataError
from .models import Chapter, Speaker, Translation, Verse
from .paths import DEFAULT_ASSETS_DIR

ENGLISH_AUTHORS = (
    "Swami Sivananda",
    "Swami Gambirananda",
    "Swami Adidevananda",
    "Dr. S. Sankaranarayan",
    "Shri Purohit Swami",
)
HINDI_AUTHORS = ("Swami Tejomayananda", "Swami Ramsukhdas")
#: translators shown first; the others stay available and are all indexed for search
DEFAULT_AUTHOR = {"english": "Swami Sivananda", "hindi": "Swami Tejomayananda"}

_SPEAKER_LINES: tuple[tuple[str, Speaker], ...] = (
    ("श्री भगवानुवाच", "Krishna"),
    ("श्रीभगवानुवाच", "Krishna"),
    ("अर्जुन उवाच", "Arjuna"),
    ("सञ्जय उवाच", "Sanjaya"),
    ("संजय उवाच", "Sanjaya"),
    ("धृतराष्ट्र उवाच", "Dhritarashtra"),
)
_MARKER = re.compile(r"।?।\s*\d+\s*\.\s*\d+\s*।।?")
_NOTE = re.compile(r"\(\s*टिप्पणी[^)]*\)")


def _clean_lines(text: str) -> str:
    text = re.sub("।{2,}", "।", text.replace("\r", "").replace("\u00a0", " "))
    # some verses glue their half-lines together ("...पर्युपासते।येचाप्य...")
    text = re.sub(r"।(?=[^\s।])", "।\n", text)
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _split_speaker(text: str) -> tuple[str, Speaker | None, str]:
    """Return (speaker line, speaker, verse text) from a raw Devanagari verse."""
    body = text.strip()
    for line, who in _SPEAKER_LINES:
        if body.startswith(line):
            return line, who, body[len(line):]
    return "", None, body


def clean_translation(text: str) -> str:
    text = _NOTE.sub("", _MARKER.sub("", text))
    return re.sub(r"[ \t]+", " ", _clean_lines(text)).strip()


class Corpus:
    """All 701 verses and 18 chapters, with lookups by chapter and verse."""

    def __init__(self, chapters: list[Chapter], verses: list[Verse], recitation_dir: Path):
        self.chapters = chapters
        self.verses = verses
        self.recitation_dir = recitation_dir
        self._by_ref = {(v.chapter, v.verse): v for v in verses}

    def __len__(self) -> int:
        return len(self.verses)

    def chapter(self, number: int) -> Chapter:
        return self.chapters[number - 1]

    def get(self, chapter: int, verse: int) -> Verse:
        """The verse, or ``KeyError``; use :func:`engine.refs.parse_ref` for user text."""
        return self._by_ref[(chapter, verse)]

    def verse_counts(self) -> dict[int, int]:
        return {c.number: c.verses_count for c in self.chapters}

    def recitation_path(self, chapter: int, verse: int) -> Path | None:
        """The bundled Sanskrit recitation MP3 for the verse, or None where none is bundled."""
        path = self.recitation_dir / str(chapter) / f"{verse}.mp3"
        return path if path.is_file() else None


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(f"The Gita data file {path} is missing. Restore the assets folder from the repository.") from exc
    except json.JSONDecodeError as exc:
        raise DataError(f"The Gita data file {path} is damaged ({exc}). Restore it from the repository.") from exc


@lru_cache(maxsize=4)
def load_corpus(assets_dir: Path = DEFAULT_ASSETS_DIR) -> Corpus:
    """Load and clean the corpus (cached per assets folder)."""
    data_dir = Path(assets_dir) / "data" / "gita"
    raw_verses = _read_json(data_dir / "verse.json")
    raw_translations = _read_json(data_dir / "translation.json")
    raw_chapters = _read_json(data_dir / "chapters.json")

    wanted = set(ENGLISH_AUTHORS) | set(HINDI_AUTHORS)
    order = {a: i for i, a in enumerate(ENGLISH_AUTHORS + HINDI_AUTHORS)}
    by_verse: dict[int, list[Translation]] = {}
    for t in raw_translations:
        if t["authorName"] in wanted:
            by_verse.setdefault(int(t["verse_id"]), []).append(
                Translation(author=t["authorName"], language=t["lang"], text=clean_translation(t["description"]))
            )

    chapters = [
        Chapter(
            number=int(c["chapter_number"]),
            name=c["name"].strip(),
            name_transliterated=c["name_transliterated"].strip(),
            name_translation=c["name_translation"].strip(),
            name_meaning=c["name_meaning"].strip(),
            summary=_clean_lines(c["chapter_summary"]),
            summary_hindi=_clean_lines(c["chapter_summary_hindi"]),
            verses_count=int(c["verses_count"]),
        )
        for c in sorted(raw_chapters, key=lambda c: int(c["chapter_number"]))
    ]

    verses: list[Verse] = []
    speaker: Speaker = "Dhritarashtra"
    for raw in sorted(raw_verses, key=lambda v: int(v["id"])):
        ch, vn = int(raw["chapter_number"]), int(raw["verse_number"])
        line, who, body = _split_speaker(raw["text"])
        if who:
            speaker = who
        translations = sorted(by_verse.get(int(raw["id"]), []), key=lambda t: order[t.author])
        verses.append(
            Verse(
                chapter=ch,
                verse=vn,
                sanskrit=_clean_lines(_MARKER.sub("", body)),
                speaker_line=line,
                speaker=speaker,
                transliteration=_clean_lines(raw["transliteration"]),
                word_meanings=_clean_lines(raw["word_meanings"]),
                translations=tuple(translations),
            )
        )
    return Corpus(chapters, verses, Path(assets_dir) / "audio" / "recitation")
