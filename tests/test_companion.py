"""The kids' companion: every verse has a checked card (issue: the companion)."""

import json

import pytest
from pydantic import ValidationError

from engine.companion import (
    MAX_READING_GRADE,
    CompanionCard,
    check_cards,
    companion_dir,
    devanagari_share,
    load_themes,
    read_card_file,
    reading_grade,
)


@pytest.fixture(scope="module")
def cards(library):
    out = []
    for path in sorted(companion_dir(library.assets_dir).glob("ch*.jsonl")):
        good, problems = read_card_file(path)
        assert not problems, problems[:5]
        out += good
    return out


def test_every_verse_has_exactly_one_card(library, cards):
    refs = [c.ref for c in cards]
    assert len(refs) == len(set(refs)), "duplicate cards"
    assert set(refs) == {v.ref for v in library.verses}


def test_cards_pass_the_publishing_rules(library, cards):
    speakers = {v.ref: v.speaker for v in library.verses}
    assert check_cards(cards, library.verse_counts(), library.themes(), speakers) == []


def test_reading_level_and_hindi(cards):
    for c in cards:
        assert reading_grade(c.kid_meaning) <= MAX_READING_GRADE, c.ref
        assert devanagari_share(c.kid_meaning_hi) >= 0.9, c.ref


def test_theme_vocabulary(library):
    themes = load_themes(library.assets_dir)
    assert 35 <= len(themes) <= 50
    for needed in ("anger", "fear", "sharing", "friendship", "courage", "duty", "honesty", "focus", "grief",
                   "nature", "gods_love", "self_control", "kindness_to_animals"):
        assert needed in themes and themes[needed].description


def test_schema_rejects_bad_cards():
    good = {"ref": "2.47", "speaker": "Krishna", "kid_meaning": "Do your work well and do not worry about the prize.",
            "kid_meaning_hi": "अपना काम अच्छे से करो।", "big_idea": "Do your best", "themes": ["duty"],
            "kid_questions": ["Why?", "How?"], "story_seed": "Asha practises.", "sensitivity": {"flags": [], "note": ""}}
    CompanionCard.model_validate(good)
    for change in ({"kid_meaning": "word " * 46}, {"big_idea": "one two three four five six seven eight nine ten eleven twelve thirteen"},
                   {"kid_meaning_hi": "This is English"}, {"themes": []}, {"kid_questions": ["only one"]},
                   {"ref": "2-47"}, {"speaker": "Duryodhana"}, {"story_seed": "One. Two. Three."}, {"extra": 1}):
        with pytest.raises(ValidationError):
            CompanionCard.model_validate({**good, **change})


def test_check_cards_finds_problems(library):
    card = CompanionCard.model_validate({
        "ref": "13.36", "speaker": "Arjuna", "kid_meaning": "Incomprehensibility characterises transcendental metaphysical consciousness permanently.",
        "kid_meaning_hi": "यह बहुत कठिन है", "big_idea": "Hard", "themes": ["rocket_science"], "kid_questions": ["a?", "b?"],
        "story_seed": "A child reads a hard book.", "sensitivity": {"flags": ["war"], "note": ""}})
    problems = " ".join(check_cards([card, card], library.verse_counts(), library.themes()))
    for expected in ("duplicate", "no such verse", "rocket_science", "grade", "need a note"):
        assert expected in problems


def test_report_script_runs(library):
    from engine.companion import report

    text, n = report(library.assets_dir)
    assert "Companion coverage" in text and "Reading grade" in text and "Themes:" in text
    assert n == 0


def test_cards_are_valid_jsonl(library):
    for path in companion_dir(library.assets_dir).glob("ch*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert isinstance(json.loads(line), dict)
