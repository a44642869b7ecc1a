"""Every studio page, driven by Streamlit's AppTest (no browser)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import nav
from engine import fonts

ENTRY = str(nav.PAGES_DIR.parent / "studio" / "app.py")
TIMEOUT = 30


@pytest.fixture
def app():
    at = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def page_html(at) -> str:
    return " ".join(str(getattr(el, "proto", el)) for el in at.get("html"))


def test_home_shows_verse_of_the_day(app, library):
    votd = library.verse_of_the_day()
    assert any(f"Verse of the day: {votd.ref}" in h.value for h in app.header)
    assert votd.sanskrit.splitlines()[0] in page_html(app)
    assert app.get("audio"), "the verse of the day has a recitation player"


def test_the_theme_serves_the_bundled_devanagari_font():
    """Widgets and the .sanskrit and .hindi classes draw Devanagari with the bundled font, which the studio
    serves (studio/static links to assets/fonts), not with whatever the browser has (boxes, in many)."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    # Streamlit also reads the config beside the main script: the theme holds from any working directory
    assert (root / "studio" / ".streamlit" / "config.toml").resolve() == (root / ".streamlit" / "config.toml").resolve()
    assert config["server"]["enableStaticServing"]
    assert f"'{fonts.DEVANAGARI_FAMILY}'" in config["theme"]["font"]
    faces = config["theme"]["fontFaces"]
    assert {f["family"] for f in faces} == {fonts.DEVANAGARI_FAMILY} and {f["weight"] for f in faces} == {400, 700}
    for face in faces:
        assert (root / "studio" / "static" / face["url"].removeprefix("app/static/")).is_file(), face
    # the files the engine names (engine/fonts.py): the config cannot import them
    assert {f["url"].removeprefix("app/static/") for f in faces} == {fonts.DEVANAGARI_TTF, fonts.DEVANAGARI_BOLD_TTF}
    assert all((root / "assets" / "fonts" / name).is_file() for name in fonts.ALL)


def test_verse_library_defaults_to_2_47_and_shows_everything(app):
    app.switch_page(str(nav.VERSE_LIBRARY)).run()
    assert not app.exception
    html = page_html(app)
    assert "कर्मण्येवाधिकारस्ते" in html and "karmaṇy-evādhikāras" in html
    assert ".sanskrit {font-family:" in html and "Gita Devanagari" in html  # the bundled font (the theme declares it)
    assert app.selectbox(key="lib_chapter").value == 2 and app.selectbox(key="lib_verse").value == 47
    assert app.get("audio")
    assert len(app.selectbox(key="translator").options) == 7
    assert "karmaṇi" in list(app.table[0].value["Sanskrit"])


def test_verse_library_typed_reference_and_errors(app):
    app.switch_page(str(nav.VERSE_LIBRARY)).run()
    app.text_input(key="lib_goto").input("Chapter 12, verse 13").run()
    assert (app.selectbox(key="lib_chapter").value, app.selectbox(key="lib_verse").value) == (12, 13)
    assert not app.error
    app.text_input(key="lib_goto").input("19.2").run()
    assert any("18 chapters" in e.value for e in app.error)
    assert (app.selectbox(key="lib_chapter").value, app.selectbox(key="lib_verse").value) == (12, 13)
    app.text_input(key="lib_goto").input("x" * 100_000).run()
    assert not app.exception and any("characters" in e.value for e in app.error)


def test_verse_library_no_recitation_note_and_navigation(app):
    app.switch_page(str(nav.VERSE_LIBRARY)).run()
    app.selectbox(key="lib_chapter").select(1).run()
    assert app.selectbox(key="lib_verse").value == 1
    app.selectbox(key="lib_verse").select(2).run()
    assert not app.get("audio")
    assert any("No recitation" in c.value for c in app.caption)
    next_button = next(b for b in app.button if "Next" in b.label)
    next_button.click().run()
    assert app.selectbox(key="lib_verse").value == 3


def test_theme_page_lists_verses(app, library):
    app.switch_page(str(nav.THEMES)).run()
    assert not app.exception
    theme = app.selectbox(key="theme_pick").value
    expected = library.verses_for_theme(theme)
    if expected:
        assert any(expected[0][1].big_idea in m.value for m in app.markdown)


def test_about_credits_the_dataset(app):
    app.switch_page(str(nav.ABOUT)).run()
    text = " ".join(m.value for m in app.markdown)
    assert "gita/gita" in text and "Unlicense" in text and "not Krishna and not a person" in text
