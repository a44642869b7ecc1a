"""Gita Tales engine: the UI-free package behind the studio, the kid app and the CLI.

Pages and apps import only what this module exports::

    from engine import open_studio
    studio = open_studio()
    verse = studio.library.verse("2.47")

Heavy parts (llama.cpp, chromadb, torch) are imported only when first used.
"""

from __future__ import annotations

from functools import lru_cache

from .companion import CompanionCard, Theme
from .errors import DataError, GitaError, InvalidInput, ModelError, StorageError, VerseNotFound
from .library import VerseLibrary
from .models import Chapter, Translation, Verse
from .settings import Settings, get_settings

__version__ = "0.1.0"

__all__ = [
    "Chapter", "CompanionCard", "DataError", "GitaError", "InvalidInput", "ModelError", "Settings",
    "StorageError", "Studio", "Theme", "Translation", "Verse", "VerseLibrary", "VerseNotFound",
    "__version__", "get_settings", "open_studio",
]


class Studio:
    """Everything the apps use, built once per process from one :class:`Settings`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.library = VerseLibrary(settings.assets_dir)
        self._db = None

    @property
    def db(self):
        """The SQLite database (opened and migrated on first use)."""
        if self._db is None:
            from .storage import Database

            self._db = Database(self.settings.db_path)
        return self._db

    def doctor(self) -> dict:
        from .doctor import run_doctor

        return run_doctor(self.settings)


@lru_cache(maxsize=1)
def open_studio() -> Studio:
    """The process-wide :class:`Studio` for the settings in the environment."""
    return Studio(get_settings())
