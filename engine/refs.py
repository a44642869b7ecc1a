"""Parsing verse references typed by people: "2.47", "BG 2.47", "2:47", "ch 2 v 47",
"Chapter 2, verse 47", "२.४७", and finding a reference inside a question.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import InvalidInput, VerseNotFound

MAX_REF_CHARS = 200
N_CHAPTERS = 18

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_PREFIX = r"(?:(?:the\s+)?(?:shrimad\s+)?(?:bhagavad[\s-]*)?(?:gita|geeta)|bg|b\.g\.)"
_CH = r"(?:chapter|chap|ch|adhyaya|अध्याय)\.?"
_V = r"(?:verse|vers|v|shloka|sloka|श्लोक)\.?"
_FULL = [
    re.compile(rf"^(?:{_PREFIX}\s*)?(\d{{1,3}})\s*[.:/\-]\s*(\d{{1,3}})$"),
    re.compile(rf"^(?:{_PREFIX}\s*,?\s*)?{_CH}\s*(\d{{1,3}})\s*[,;]?\s*{_V}\s*(\d{{1,3}})$"),
]
_IN_TEXT = [
    re.compile(rf"\b{_CH}\s*(\d{{1,3}})\s*[,;]?\s*(?:and\s+)?{_V}\s*(\d{{1,3}})\b"),
    re.compile(r"(?<![\d.])(\d{1,2})\s*[.:]\s*(\d{1,3})(?![\d.]|\s*(?:am|pm)\b)"),
]


def normalize(text: str) -> str:
    """NFKC, invisible characters removed, any Unicode digits (e.g. Devanagari) made ASCII."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def check_ref(chapter: int, verse: int, verse_counts: dict[int, int]) -> tuple[int, int]:
    """Raise :class:`VerseNotFound` naming the valid range unless the verse exists."""
    if chapter not in verse_counts:
        raise VerseNotFound(f"There is no chapter {chapter}: the Gita has {N_CHAPTERS} chapters (1 to {N_CHAPTERS}).")
    count = verse_counts[chapter]
    if not 1 <= verse <= count:
        raise VerseNotFound(f"Chapter {chapter} has {count} verses (1 to {count}); there is no verse {verse}.")
    return chapter, verse


def parse_ref(text: str, verse_counts: dict[int, int]) -> tuple[int, int]:
    """Parse a whole string as a verse reference and check that the verse exists.

    Returns ``(chapter, verse)``. Raises :class:`InvalidInput` for empty, overlong or
    unreadable text and :class:`VerseNotFound` for a verse that does not exist.
    """
    if text is None or not str(text).strip():
        raise InvalidInput('Type a verse reference such as "2.47" or "chapter 2 verse 47".')
    if len(text) > MAX_REF_CHARS:
        raise InvalidInput(f'That is {len(text):,} characters; a verse reference is short, such as "2.47".')
    clean = re.sub(r"\s+", " ", normalize(text)).strip().lower().rstrip("?.!")
    for pattern in _FULL:
        m = pattern.match(clean)
        if m:
            return check_ref(int(m.group(1)), int(m.group(2)), verse_counts)
    shown = clean if clean.isprintable() else ascii(clean)
    raise InvalidInput(f'"{shown[:40]}" is not a verse reference. Try "2.47", "BG 2.47" or "chapter 2 verse 47".')


def find_ref(text: str, verse_counts: dict[int, int]) -> tuple[int, int] | None:
    """The first existing verse named inside free text ("what does 2.47 say?"), or None."""
    clean = normalize(text[:2000]).lower()
    for pattern in _IN_TEXT:
        for m in pattern.finditer(clean):
            chapter, verse = int(m.group(1)), int(m.group(2))
            if 1 <= verse <= verse_counts.get(chapter, 0):
                return chapter, verse
    return None
