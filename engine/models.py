"""Typed models of the Gita corpus: verses, chapters, translations."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["english", "hindi"]
Speaker = Literal["Dhritarashtra", "Sanjaya", "Arjuna", "Krishna"]


class Translation(BaseModel):
    """One translator's rendering of one verse."""

    model_config = ConfigDict(frozen=True)

    author: str
    language: Language
    text: str


class Verse(BaseModel):
    """One verse with its Sanskrit, transliteration, glosses and translations."""

    model_config = ConfigDict(frozen=True)

    chapter: int = Field(ge=1, le=18)
    verse: int = Field(ge=1)
    sanskrit: str = Field(description="Devanagari text without the speaker line or the ।।c.v।। marker")
    speaker_line: str = Field("", description="Devanagari speaker line such as 'अर्जुन उवाच', if the verse has one")
    speaker: Speaker
    transliteration: str
    word_meanings: str
    translations: tuple[Translation, ...]

    @property
    def ref(self) -> str:
        return f"{self.chapter}.{self.verse}"

    def translation(self, author: str | None = None, language: Language = "english") -> Translation:
        """The translation by ``author``, or the first one in ``language``."""
        for t in self.translations:
            if (author is None and t.language == language) or t.author == author:
                return t
        raise KeyError(author or language)

    def word_meaning_pairs(self) -> list[tuple[str, str]]:
        """Word-by-word glosses as (Sanskrit word, English meaning) pairs."""
        pairs = []
        for item in self.word_meanings.split(";"):
            word, sep, meaning = item.partition("—")
            if sep and word.strip():
                pairs.append((word.strip(), meaning.strip()))
        return pairs


class Chapter(BaseModel):
    """One of the 18 chapters."""

    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1, le=18)
    name: str = Field(description="Sanskrit name in Devanagari")
    name_transliterated: str
    name_translation: str
    name_meaning: str
    summary: str
    summary_hindi: str
    verses_count: int = Field(ge=1)
