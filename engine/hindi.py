"""Hindi words in the forms a word list has: shared by search (``engine.retrieval``) and the safety
classifier's glosses (``engine.safety``)."""

from __future__ import annotations

#: inflected endings of Hindi nouns, adjectives and verbs, longest first, and the endings of their
#: dictionary forms
HINDI_ENDINGS = ("ियों", "ाओं", "ुओं", "ियाँ", "ियां", "ों", "ें", "ीं", "ाँ", "ां", "ते", "ती", "ता", "ना", "ने", "नी",
                 "ा", "ी", "े", "ो")
HINDI_BASE_ENDINGS = ("ा", "ी", "े", "ना", "ि", "ु")


def known_form(word: str, table) -> str:
    """A Devanagari word ``table`` lacks, in a form it has: "कपड़ों" (clothes, oblique plural) is looked
    up as "कपड़े". Hindi inflects by its ending; a word in the table, a Latin word, or one with no known
    form stays as it is."""
    if word in table or word.isascii():
        return word
    for ending in HINDI_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            stem = word[: -len(ending)]
            for form in (stem, *(stem + e for e in HINDI_BASE_ENDINGS)):
                if form in table:
                    return form
    return word
