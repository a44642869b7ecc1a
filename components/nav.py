"""Paths of the studio's pages, for links and page switches (absolute, so any page can link)."""

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
HOME = PAGES_DIR / "home.py"
VERSE_LIBRARY = PAGES_DIR / "verse_library.py"
THEMES = PAGES_DIR / "themes.py"
ABOUT = PAGES_DIR / "about.py"
CHAT = PAGES_DIR / "chat.py"
STORY_COMPOSER = PAGES_DIR / "story_composer.py"
STORY_LIBRARY = PAGES_DIR / "story_library.py"
STORYBOARD = PAGES_DIR / "storyboard.py"
TRAINING = PAGES_DIR / "training.py"
