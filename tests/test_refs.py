import pytest

from engine import InvalidInput, VerseNotFound


@pytest.mark.parametrize("text", ["2.47", "BG 2.47", "2:47", "ch 2 v 47", "Chapter 2, verse 47", "२.४७",
                                  "bg2.47", "Bhagavad Gita 2.47", " chapter 2 verse 47? ", "２.４７", "2.\u200b47"])
def test_accepted_forms(library, text):
    assert library.verse(text).ref == "2.47"


@pytest.mark.parametrize("text,message", [
    ("19.2", "the Gita has 18 chapters (1 to 18)"),
    ("13.36", "Chapter 13 has 35 verses (1 to 35); there is no verse 36"),
    ("2.0", "Chapter 2 has 72 verses (1 to 72); there is no verse 0"),
    ("0.1", "the Gita has 18 chapters"),
])
def test_unknown_verse_names_the_valid_range(library, text, message):
    with pytest.raises(VerseNotFound) as exc:
        library.verse(text)
    assert message in str(exc.value)


@pytest.mark.parametrize("text", ["", "   ", "x" * 100_000, "hello", "🙂🙂", "\u202e74.2", "2.47.3", "\x00", "ch two"])
def test_bad_input_gets_a_clear_message(library, text):
    with pytest.raises(InvalidInput) as exc:
        library.verse(text)
    message = str(exc.value)
    assert "2.47" in message and len(message) < 300


@pytest.mark.parametrize("question,ref", [
    ("what does 2.47 say?", "2.47"),
    ("Tell me chapter 18 verse 66 please", "18.66"),
    ("explain BG 4:7", "4.7"),
    ("why do I get angry?", None),
    ("I woke up at 7:30 am", None),
    ("what is 19.2?", None),
])
def test_find_verse_in_question(library, question, ref):
    found = library.find_verse_in(question)
    assert (found.ref if found else None) == ref
