import re

import pytest

from engine.corpus import ENGLISH_AUTHORS, HINDI_AUTHORS

EXPECTED_COUNTS = {1: 47, 2: 72, 3: 43, 4: 42, 5: 29, 6: 47, 7: 30, 8: 28, 9: 34,
                   10: 42, 11: 55, 12: 20, 13: 35, 14: 27, 15: 20, 16: 24, 17: 28, 18: 78}
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def test_701_verses_in_18_chapters(library):
    assert len(library.verses) == 701
    assert library.verse_counts() == EXPECTED_COUNTS
    for ch, n in EXPECTED_COUNTS.items():
        assert [v.verse for v in library.verses if v.chapter == ch] == list(range(1, n + 1))


def test_every_verse_has_sanskrit_and_all_translations(library):
    for v in library.verses:
        assert DEVANAGARI.search(v.sanskrit), v.ref
        assert v.transliteration and v.word_meanings, v.ref
        english = [t.author for t in v.translations if t.language == "english"]
        hindi = [t.author for t in v.translations if t.language == "hindi"]
        assert sorted(english) == sorted(ENGLISH_AUTHORS), v.ref
        assert sorted(hindi) == sorted(HINDI_AUTHORS), v.ref
        assert all(t.text.strip() for t in v.translations), v.ref


def test_quirks_are_cleaned(library):
    for v in library.verses:
        texts = [v.sanskrit, v.transliteration, v.word_meanings] + [t.text for t in v.translations]
        for text in texts:
            assert "।।" not in text, v.ref
            assert not re.search(r"\d+\.\d+", v.sanskrit), v.ref
            assert text == text.strip() and "\u00a0" not in text, v.ref
            assert all(line == line.rstrip() for line in text.splitlines()), v.ref
        assert "टिप्पणी" not in " ".join(t.text for t in v.translations), v.ref
    # speaker lines glued to the verse are split off, half-lines glued together are split
    assert library.verse("12.1").speaker_line == "अर्जुन उवाच"
    assert library.verse("12.1").sanskrit.count("\n") == 1


@pytest.mark.parametrize("ref,speaker", [("1.1", "Dhritarashtra"), ("1.2", "Sanjaya"), ("2.9", "Sanjaya"),
                                         ("2.47", "Krishna"), ("11.15", "Arjuna"), ("18.73", "Arjuna"),
                                         ("18.78", "Sanjaya")])
def test_speakers(library, ref, speaker):
    assert library.verse(ref).speaker == speaker


def test_known_text(library):
    v = library.verse("2.47")
    assert v.sanskrit.startswith("कर्मण्येवाधिकारस्ते मा फलेषु कदाचन")
    assert "right is only to work" in v.translation("Swami Sivananda").text
    assert v.word_meaning_pairs()[0][0] == "karmaṇi"


def test_chapters(library):
    assert [c.number for c in library.chapters] == list(range(1, 19))
    assert library.chapter(2).name_translation == "Sankhya Yoga"
    assert all(c.summary and DEVANAGARI.search(c.summary_hindi) for c in library.chapters)


def test_recitations(library):
    recited = library.recited_verses()
    assert len(recited) == 129
    head = library.recitation(library.verse("2.47")).read_bytes()[:3]
    assert head == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3")  # an MP3 stream
    assert library.recitation(library.verse("1.2")) is None


def test_verse_of_the_day_is_stable_and_recited(library):
    import datetime as dt

    day = dt.date(2026, 11, 23)
    assert library.verse_of_the_day(day) == library.verse_of_the_day(day)
    assert library.recitation(library.verse_of_the_day(day)) is not None
    days = {library.verse_of_the_day(day + dt.timedelta(d)).ref for d in range(30)}
    assert len(days) == 30
    # a greeting's verse is one of Krishna's teachings with nothing flagged: no war, killing or death
    for d in range(366):
        card = library.card(library.verse_of_the_day(day + dt.timedelta(d)))
        assert card.speaker == "Krishna" and not card.sensitivity.flags, card.ref
