"""The studio in a real browser (Debian chromium via Playwright); saves the README screenshots."""

import pytest

from tests.browser import SCREENSHOTS, browser_page, need_browser, streamlit_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def studio_url():
    need_browser()
    with streamlit_server() as url:
        yield url


def test_verse_2_47_in_the_browser(studio_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as page:
        page.goto(f"{studio_url}/verse_library?ref=2.47")
        sanskrit = page.get_by_test_id("stHtml").filter(has_text="कर्मण्येवाधिकारस्ते").first
        sanskrit.wait_for(timeout=60_000)
        assert "कर्मण्येवाधिकारस्ते मा फलेषु कदाचन" in page.inner_text("body")
        # the Sanskrit is drawn with the bundled Devanagari font
        family = page.locator(".sanskrit").first.evaluate("el => getComputedStyle(el).fontFamily")
        assert "Gita Devanagari" in family
        assert page.evaluate("document.fonts.check(\"16px 'Gita Devanagari'\", 'कर्म')")
        # widgets too: the theme's font list falls back to the bundled face, which the app serves, so the
        # language toggle's "हिन्दी" is not drawn as boxes in a browser without a Devanagari font
        toggle = page.get_by_text("हिन्दी").first
        assert "Gita Devanagari" in toggle.evaluate("el => getComputedStyle(el).fontFamily")
        assert page.evaluate("fetch('app/static/NotoSansDevanagari-Regular.ttf').then(r => r.status)") == 200
        loaded = page.evaluate("document.fonts.load(\"16px 'Gita Devanagari'\", 'हिन्दी')"
                               ".then(faces => faces.map(f => f.status))")
        assert loaded and all(s == "loaded" for s in loaded)
        page.wait_for_timeout(800)
        page.screenshot(path=str(SCREENSHOTS / "verse_library.png"), full_page=True)

        page.get_by_label("…or type a reference").fill("19.2")
        page.keyboard.press("Enter")
        page.get_by_text("the Gita has 18 chapters").wait_for(timeout=30_000)


@pytest.mark.parametrize("path,name,expect", [("", "home", "Verse of the day"),
                                              ("themes", "themes", "Browse by theme"),
                                              ("about", "about", "gita/gita"),
                                              ("training", "training", "Start training")])
def test_page_screenshots(studio_url, path, name, expect):
    with browser_page() as page:
        page.goto(f"{studio_url}/{path}")
        page.get_by_text(expect).first.wait_for(timeout=60_000)
        page.wait_for_timeout(800)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_chat_in_the_browser(studio_url):
    with browser_page() as page:
        page.goto(f"{studio_url}/chat")
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=60_000)
        box.fill("Why do I get so angry when my brother takes my toys?")
        box.press("Enter")
        page.get_by_text("In the Bhagavad Gita, verse").first.wait_for(timeout=240_000)
        page.get_by_text("📜 Bhagavad Gita").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert "AI helper" in page.inner_text("body")
        page.screenshot(path=str(SCREENSHOTS / "chat.png"), full_page=True)


def test_story_and_storyboard_screenshots(studio_url, studio):
    from engine.story import StoryComposer
    from engine.story_models import StoryRequest

    story = StoryComposer(studio.library).compose(StoryRequest(verse="2.47", interests=["cricket"], name="Asha",
                                                              length="medium"))
    studio.stories.save(story)
    with browser_page() as page:
        page.goto(f"{studio_url}/story_composer?story={story.id}")
        page.get_by_text("Write this scene again").first.wait_for(timeout=120_000)
        page.wait_for_timeout(800)
        page.screenshot(path=str(SCREENSHOTS / "story_composer.png"), full_page=False)
        page.goto(f"{studio_url}/story_library")
        page.get_by_text(story.title).first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(SCREENSHOTS / "story_library.png"), full_page=False)
        page.goto(f"{studio_url}/storyboard?story={story.id}")
        page.get_by_text("Render the video").first.wait_for(timeout=120_000)
        page.wait_for_timeout(1500)
        assert page.locator("img").count() >= len(story.scenes)
        page.screenshot(path=str(SCREENSHOTS / "storyboard.png"), full_page=False)
