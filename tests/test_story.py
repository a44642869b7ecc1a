"""Story composer: planning, the scene gate, fallbacks, regeneration, the library, exports, translation."""

import json

import pytest

from engine import InvalidInput
from engine.export import to_json, to_markdown, to_pdf
from engine.storage import Database
from engine.stories_store import StoryStore
from engine.story import StoryComposer
from engine.story_models import GRADE_LIMITS, Story, StoryRequest, age_to_band
from engine.translate import GoogleTranslator, TranslationUnavailable
from tests.fakes import FakeRuntime

GOOD = json.dumps({"narration": "Ravi held his bat tight. He missed the ball and felt sad. Leo smiled and said, "
                                "'Let us try again tomorrow.'", "picture": "Ravi and Leo at the park"})
BAD = json.dumps({"narration": "This story is about a child who loves cricket... [Ravi]", "picture": "x"})


@pytest.fixture
def composer(library):
    def make(*answers):
        return StoryComposer(library, FakeRuntime(*answers) if answers else None, None)
    return make


def test_plan_follows_the_card_and_the_request(composer, library):
    req = StoryRequest(verse="2.47", age_band="7-9", interests=["cricket"], name="ravi", length="medium")
    c = composer()
    plan = c.plan(req, library.verse("2.47"))
    assert plan.name == "Ravi" and plan.interest == "cricket" and len(plan.roles) == 6
    assert plan.group == "effort"
    story = c.compose(req)
    assert len(story.scenes) == 6 and story.verse == "2.47"
    assert "cricket" in story.text() and "Ravi" in story.text()
    verse_scene = next(s for s in story.scenes if s.role == "verse")
    assert library.card(library.verse("2.47")).kid_meaning in verse_scene.narration
    assert not verse_scene.fallback
    assert story.fallback_scenes == [0, 1, 2, 4, 5]  # no model: every other scene comes from the plan
    assert len(story.questions) == 3 and len(story.quiz) == 3
    assert all(q.answer in q.choices for q in story.quiz)
    assert story.reading_grade <= GRADE_LIMITS["7-9"]
    assert story.request.name is None  # the child's name is not kept in the settings


def test_good_model_scene_is_used_and_garbage_falls_back(composer):
    req = StoryRequest(verse="2.47", age_band="7-9", interests=["cricket"], name="Ravi", length="short")
    story = composer(BAD, BAD, GOOD, GOOD, GOOD, GOOD).compose(req)
    assert 0 in story.fallback_scenes  # both attempts at the opening were garbage
    assert story.scenes[1].narration.startswith("Ravi held his bat tight") and 1 not in story.fallback_scenes
    assert "This story is about" not in story.text()


def test_scene_gate(composer, library):
    c = composer()
    req = StoryRequest(verse="2.47", age_band="4-6", interests=["cricket"], name="Ravi")
    plan = c.plan(req, library.verse("2.47"))
    assert "the child is missing" in c.scene_problems("Leo played with the bat all day long. He was happy.", plan, req, "problem")
    assert "too hard to read for the age band" in c.scene_problems(
        "Ravi contemplated the extraordinarily complicated philosophical implications of competitive tournaments. "
        "Ravi's determination intensified considerably throughout the afternoon.", plan, req, "problem")
    assert "unknown name Zorblax" in " ".join(c.scene_problems("Ravi met Zorblax at the park. They played.", plan, req, "problem"))
    assert c.scene_problems("Ravi hit the ball far at the park. Leo clapped and cheered for him.", plan, req, "problem") == []


def test_war_verse_for_young_children_is_about_courage(composer):
    story = composer().compose(StoryRequest(verse="1.1", age_band="4-6", interests=["space"]))
    text = story.text().lower()
    assert "brave" in text and "fight" not in text and "war" not in text


def test_theme_suggests_a_gentle_verse(composer, library):
    story = composer().compose(StoryRequest(theme="sharing", age_band="7-9", interests=["drawing"]))
    card = library.card(library.verse(story.verse))
    assert "sharing" in card.themes and not card.sensitivity.flags
    with pytest.raises(InvalidInput, match="Unknown theme"):
        composer().compose(StoryRequest(theme="rocket_science"))
    with pytest.raises(InvalidInput):
        composer().compose(StoryRequest())


def test_regenerate_one_scene_keeps_the_rest(composer):
    req = StoryRequest(verse="2.47", age_band="7-9", interests=["cricket"], name="Ravi")
    c = composer(*[BAD] * 6, GOOD)  # 3 written scenes x 2 attempts fail, then the regenerated one passes
    story = c.compose(req)
    again = c.regenerate_scene(story, 1, req)
    assert again.scenes[1].narration.startswith("Ravi held his bat tight")
    assert [s.narration for i, s in enumerate(again.scenes) if i != 1] == \
        [s.narration for i, s in enumerate(story.scenes) if i != 1]
    with pytest.raises(InvalidInput):
        c.regenerate_scene(story, 9, req)


@pytest.mark.parametrize("bad", [{"name": "Ravi<script>"}, {"length": "epic"}, {"age_band": "1-2"}])
def test_bad_requests(bad):
    with pytest.raises(ValueError):
        StoryRequest(verse="2.47", **bad)


def test_age_to_band():
    assert [age_to_band(a) for a in (4, 6, 7, 9, 10, 12)] == ["4-6", "4-6", "7-9", "7-9", "10-12", "10-12"]


def test_library_search_filters_duplicate_favourite_delete(composer, tmp_path):
    store = StoryStore(Database(tmp_path / "db.sqlite3"))
    a = store.save(composer().compose(StoryRequest(verse="2.47", age_band="7-9", interests=["cricket"])))
    b = store.save(composer().compose(StoryRequest(theme="sharing", age_band="4-6", interests=["drawing"])))
    assert {r["id"] for r in store.list()} == {a.id, b.id}
    assert [r["id"] for r in store.list(verse="2.47")] == [a.id]
    assert [r["id"] for r in store.list(age_band="4-6")] == [b.id]
    assert [r["id"] for r in store.list(theme="sharing")] == [b.id]
    assert [r["id"] for r in store.list(search="cricket")] == [a.id]
    copy = store.duplicate(a.id)
    assert copy.id != a.id and copy.title.endswith("(copy)") and store.get(copy.id).scenes == a.scenes
    store.set_favourite(a.id, True)
    assert [r["id"] for r in store.list(favourites_only=True)] == [a.id]
    store.delete(a.id)
    with pytest.raises(InvalidInput):
        store.get(a.id)


def test_exports(composer, studio):
    story = composer().compose(StoryRequest(verse="2.47", age_band="7-9", interests=["cricket"], length="medium"))
    md = to_markdown(story)
    assert md.startswith(f"# {story.title}") and "कर्मण्येवाधिकारस्ते" in md and "## Quiz" in md
    assert Story.model_validate_json(to_json(story)) == story
    pdf = to_pdf(story, studio.settings.assets_dir / "fonts")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= len(story.scenes) + 3
    assert b"NotoSansDevanagari" in pdf  # the verse page embeds the bundled Devanagari font


def test_hindi_offline_says_so_plainly(composer):
    story = composer().compose(StoryRequest(verse="2.47", language="hi"))
    assert story.language == "en" and "English" in story.translation_note and story.kid_meaning_hi


def test_online_translation_with_the_network_replaced(composer, monkeypatch):
    tr = GoogleTranslator(probe=lambda host: True)
    monkeypatch.setattr(GoogleTranslator, "_call", lambda self, texts, target: [f"[{target}] {t}" for t in texts])
    c = composer()
    c.translator = tr
    story = c.compose(StoryRequest(verse="2.47", language="hi"))
    assert story.language == "hi" and story.scenes[0].narration.startswith("[hi] ")
    assert "Google" in story.translation_note
    offline = GoogleTranslator(probe=lambda host: False)
    with pytest.raises(TranslationUnavailable, match="internet"):
        offline.translate(["hello"], "hi")
    c.translator = offline
    story = c.compose(StoryRequest(verse="2.47", language="hi"))
    assert story.language == "en" and "internet" in story.translation_note


@pytest.mark.parametrize("interest", ["space", "drawing", "animals", "dance", "kite flying"])
def test_the_interest_is_in_every_story(composer, interest):
    story = composer().compose(StoryRequest(verse="6.5", age_band="7-9", interests=[interest]))
    assert interest in story.text().lower()
