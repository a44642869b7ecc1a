"""The storyboard editor page through AppTest."""

from streamlit.testing.v1 import AppTest

from components import nav
from engine.story import StoryComposer
from engine.story_models import StoryRequest

ENTRY = str(nav.PAGES_DIR.parent / "studio" / "app.py")


def test_open_edit_undo_autosave(studio):
    story = StoryComposer(studio.library).compose(StoryRequest(verse="2.47", interests=["cricket"], name="Asha"))
    studio.stories.save(story)
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.run()
    at.switch_page(str(nav.STORYBOARD)).run()
    assert not at.exception
    at.selectbox[0].select(story.id).run()
    next(b for b in at.button if b.label == "Open storyboard").click().run()
    assert not at.exception
    areas = at.text_area
    assert len(areas) == len(story.scenes) + 3  # title, scenes, recitation, end
    assert len(at.get("imgs")) >= len(areas) or at.get("image")
    areas[1].input("Asha hits the ball very far.").run()
    saved = studio.storyboards.for_story(story.id)
    assert saved.cards[1].narration == "Asha hits the ball very far."  # autosaved
    next(b for b in at.button if "Undo" in b.label).click().run()
    assert at.text_area[1].value == story.scenes[0].narration
    assert studio.storyboards.for_story(story.id).cards[1].narration == story.scenes[0].narration
    next(b for b in at.button if "Redo" in b.label).click().run()
    assert at.text_area[1].value == "Asha hits the ball very far."
