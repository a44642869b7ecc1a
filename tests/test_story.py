"""Story composer: planning, the scene gate, fallbacks, regeneration, the library, exports, translation."""

import json

import pytest

from engine import InvalidInput
from engine.export import to_json, to_markdown, to_pdf
from engine.storage import Database
from engine.stories_store import StoryStore
from engine.story import MAX_ATTEMPTS, StoryComposer
from engine.story_models import GRADE_LIMITS, Story, StoryRequest, age_to_band
from engine.translate import GoogleTranslator, TranslationUnavailable
from tests import pdf_pages
from tests.fakes import FakeRuntime

GOOD = json.dumps({"narration": "Ravi held his bat tight. He missed the ball and felt sad. Leo smiled and said, "
                                "'Let us try again tomorrow.'", "picture": "Ravi and Leo at the park"})
#: a scene that follows the problem beat ("There was a big day coming, and Ravi wanted to win...")
GOOD_PROBLEM = json.dumps({"narration": "Ravi's big match was coming soon, and he really wanted to win. "
                                        "He worried about the match every night before bed."})
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
    story = composer(*[BAD] * MAX_ATTEMPTS, GOOD, GOOD, GOOD, GOOD).compose(req)
    assert 0 in story.fallback_scenes  # every attempt at the opening was garbage
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
    c = composer(*[BAD] * (3 * MAX_ATTEMPTS), GOOD_PROBLEM)  # all attempts at 3 written scenes fail; the regenerated one passes
    story = c.compose(req)
    again = c.regenerate_scene(story, 1, req)
    assert again.scenes[1].narration.startswith("Ravi's big match") and 1 not in again.fallback_scenes
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
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) >= len(story.scenes) + 3
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


def test_scene_gate_catches_what_a_grammar_lets_through(composer, library):
    """Glued or cut words, sentences that stop in the middle, copying the example, drifting from the beat."""
    c = composer()
    req = StoryRequest(verse="2.47", age_band="7-9", interests=["cricket"], name="Ravi")
    plan = c.plan(req, library.verse("2.47"))
    assert "made-up word withthem" in c.scene_problems(
        "Ravi went to the park withthem. He played cricket with Leo all day.", plan, req, "struggle")
    assert "a sentence stops in the middle" in c.scene_problems(
        "Ravi went to the park with his bat. He looked up at the blue sky with his.", plan, req, "struggle")
    assert "copies the worked example" in c.scene_problems(
        "Ravi held his dad's hand at the big school gate. His tummy felt funny and tight.", plan, req, "struggle")
    beat = plan.beats[1]
    assert "wanders away from the plan" in c.scene_problems(
        "Ravi ate a red apple in the kitchen. Then he painted the wall green and went to sleep.", plan, req,
        "problem", beat=beat)
    assert "only copies the plan" in c.scene_problems(beat, plan, req, "problem", beat=beat)
    assert c.scene_problems("Ravi's big match was coming soon, and he really wanted to win. "
                            "He worried about the match every night before bed.", plan, req, "problem", beat=beat) == []


def test_scene_grammar_shapes_the_model_output(composer, library):
    """The grammar compiles in llama.cpp and the composer sends it with every scene prompt."""
    from llama_cpp import LlamaGrammar

    from engine.story import SCENE_SHAPE, scene_grammar

    c = composer(GOOD, GOOD, GOOD, GOOD, GOOD, GOOD, GOOD)
    req = StoryRequest(verse="2.47", age_band="4-6", interests=["cricket"], name="Ravi", length="short")
    plan = c.plan(req, library.verse("2.47"))
    text = scene_grammar(plan, "4-6")
    assert 'first ::= "Ravi"' in text and f"{{{SCENE_SHAPE['4-6'][0] - 1},{SCENE_SHAPE['4-6'][1] - 1}}}" in text
    assert '"Ravi"' in text.split("name ::=")[1] and plan.friend in text.split("name ::=")[1]
    LlamaGrammar.from_string(text, verbose=False)  # raises if llama.cpp cannot parse it
    c.compose(req)
    assert c.runtime.grammars and all(g and g.startswith("root ::=") for g in c.runtime.grammars)
