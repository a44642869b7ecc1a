"""The verse library: the facade's read side over the corpus and the companion."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .companion import CompanionCard, Theme, load_companion, load_themes
from .corpus import Corpus, load_corpus
from .models import Chapter, Verse
from .refs import check_ref, find_ref, parse_ref


class VerseLibrary:
    """Look up verses by typed reference, chapters, recitations, companion cards and themes."""

    def __init__(self, assets_dir: Path):
        self.assets_dir = Path(assets_dir)
        self.corpus: Corpus = load_corpus(self.assets_dir)

    # -- verses ---------------------------------------------------------------------------
    @property
    def chapters(self) -> list[Chapter]:
        return self.corpus.chapters

    @property
    def verses(self) -> list[Verse]:
        return self.corpus.verses

    def verse_counts(self) -> dict[int, int]:
        return self.corpus.verse_counts()

    def verse(self, ref: str) -> Verse:
        """The verse named by ``ref`` in any accepted form ("2.47", "BG 2:47", "२.४७", ...).

        Raises :class:`~engine.errors.InvalidInput` or :class:`~engine.errors.VerseNotFound`
        with a message that names the valid range.
        """
        return self.corpus.get(*parse_ref(ref, self.verse_counts()))

    def verse_at(self, chapter: int, verse: int) -> Verse:
        return self.corpus.get(*check_ref(chapter, verse, self.verse_counts()))

    def find_verse_in(self, text: str) -> Verse | None:
        """A verse named inside a question ("what does 2.47 say?"), or None."""
        found = find_ref(text, self.verse_counts())
        return self.corpus.get(*found) if found else None

    def chapter(self, number: int) -> Chapter:
        check_ref(number, 1, self.verse_counts())
        return self.corpus.chapter(number)

    def recitation(self, verse: Verse) -> Path | None:
        """The bundled Sanskrit recitation MP3, or None for the verses without one."""
        return self.corpus.recitation_path(verse.chapter, verse.verse)

    def recited_verses(self) -> list[Verse]:
        return [v for v in self.verses if self.recitation(v)]

    def verse_of_the_day(self, day: dt.date | None = None) -> Verse:
        """One verse per calendar day, chosen among those with a recitation so it can be heard, and among
        those, Krishna's teachings whose card flags nothing (a child saying "hi" was greeted with 2.36, "Those
        against you will say many unkind things about you")."""
        recited = self.recited_verses()
        gentle = [v for v in recited if (c := self.card(v)) and c.speaker == "Krishna" and not c.sensitivity.flags]
        pool = gentle or recited or self.verses
        day = day or dt.date.today()
        # a fixed stride walks the pool in an order that does not follow chapter order
        return pool[(day.toordinal() * 37) % len(pool)]

    # -- companion ------------------------------------------------------------------------
    def card(self, verse: Verse) -> CompanionCard | None:
        """The kids' companion card of the verse, or None while it is not written yet."""
        return load_companion(self.assets_dir).get(verse.ref)

    def cards(self) -> dict[str, CompanionCard]:
        return load_companion(self.assets_dir)

    def themes(self) -> dict[str, Theme]:
        return load_themes(self.assets_dir)

    def verses_for_theme(self, theme_id: str) -> list[tuple[Verse, CompanionCard]]:
        """Verses whose card carries the theme, in book order."""
        cards = self.cards()
        return [(v, cards[v.ref]) for v in self.verses if v.ref in cards and theme_id in cards[v.ref].themes]
