"""Story composer and library pages through AppTest with the real model (slow)."""

import pytest
from streamlit.testing.v1 import AppTest

from components import nav

pytestmark = pytest.mark.slow
ENTRY = str(nav.PAGES_DIR.parent / "studio" / "app.py")


def test_compose_edit_undo_save_and_find_in_library(studio):
    at = AppTest.from_file(ENTRY, default_timeout=600)
    at.run()
    at.switch_page(str(nav.STORY_COMPOSER)).run()
    assert not at.exception
    at.text_input[0].input("2.47")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    areas = at.text_area
    assert len(areas) == 4  # a short story
    original = areas[0].value
    assert "cricket" in " ".join(a.value for a in areas)
    areas[0].input("Edited by the teacher.").run()
    assert at.text_area[0].value == "Edited by the teacher."
    next(b for b in at.button if "Undo" in b.label).click().run()
    assert at.text_area[0].value == original
    next(b for b in at.button if "Save" in b.label).click().run()
    assert any("Saved" in s.value for s in at.success)
    saved = studio.stories.list(verse="2.47")
    assert saved and saved[0]["title"]

    lib = AppTest.from_file(ENTRY, default_timeout=120)
    lib.run()
    lib.switch_page(str(nav.STORY_LIBRARY)).run()
    assert not lib.exception
    assert any(saved[0]["title"] in m.value for m in lib.markdown)
    lib.text_input[0].input("no such words anywhere").run()
    assert any("No saved stories" in i.value for i in lib.info)
