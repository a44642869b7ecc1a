"""The Gradio kid app: launched on a free port, called with gradio_client and driven in chromium (slow)."""

import os
import sys

import pytest

from tests.browser import SCREENSHOTS, browser_page, free_port, need_browser, serve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_url(studio):
    port = free_port()
    env_port = {"GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False"}
    os.environ.update(env_port)
    with serve([sys.executable, "app.py"], f"http://127.0.0.1:{port}/", timeout=240):
        yield f"http://127.0.0.1:{port}"


def test_chat_and_story_endpoints(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    answer = client.predict("What does 2.47 say?", api_name="/chat")
    assert "2.47" in answer and "Krishna" in answer
    crisis = client.predict("i want to unalive myself", api_name="/chat")
    assert "grown-up you trust" in crisis and "1098" in crisis
    story = client.predict("😨 Scared", "4-6", "🚀 Space", api_name="/story")
    assert story.startswith("## ") and "Bhagavad Gita" in story and "stars" in story


def test_chat_in_the_browser(app_url):
    need_browser()
    with browser_page(1200, 1100) as page:
        page.goto(app_url)
        box = page.get_by_placeholder("Type your question here…")
        box.wait_for(timeout=120_000)
        assert "AI helper" in page.inner_text("body")
        box.fill("Why do I get angry when my brother takes my toys?")
        page.get_by_role("button", name="Send ✨").click()
        page.get_by_text("📜 Bhagavad Gita").first.wait_for(timeout=240_000)
        page.wait_for_timeout(1000)
        assert "In the Bhagavad Gita, verse" in page.inner_text("body")
        # the verse's Sanskrit falls back to the bundled Devanagari face, not boxes where the browser has none
        assert "Gita Devanagari" in page.locator(".sanskrit").first.evaluate("el => getComputedStyle(el).fontFamily")
        loaded = page.evaluate("document.fonts.load(\"16px 'Gita Devanagari'\", 'कर्म')"
                               ".then(faces => faces.map(f => f.status))")
        assert loaded and all(s == "loaded" for s in loaded)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "kid_app.png"), full_page=True)


def test_story_time_gives_pictures_and_narration(studio):
    import app

    text, pictures, audio, card = app.story_ui("🐾 Animals", "4-6", "🐶 Animals")
    assert text.startswith("## ") and len(pictures) >= 4 and all(p.endswith(".png") for p, _ in pictures)
    assert audio.endswith(".wav") and "Bhagavad Gita" in card
