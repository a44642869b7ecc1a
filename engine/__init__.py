"""Gita Tales engine: the UI-free package behind the studio, the kid app and the CLI.

Pages and apps import only what this module exports::

    from engine import open_studio
    studio = open_studio()
    verse = studio.library.verse("2.47")

Heavy parts (llama.cpp, chromadb, torch) are imported only when first used.
"""

from __future__ import annotations

import threading
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
        self._index = None
        self._chat = None
        self._lock = threading.Lock()

    @property
    def db(self):
        """The SQLite database (opened and migrated on first use)."""
        if self._db is None:
            from .storage import Database

            self._db = Database(self.settings.db_path)
        return self._db

    @property
    def chats(self):
        """Saved conversations (:class:`engine.chats.ChatStore`)."""
        from .chats import ChatStore

        return ChatStore(self.db)

    def search_index(self, progress=None):
        """The verse search index, built on first use (progress(fraction, message) reports)."""
        with self._lock:
            if self._index is None:
                from .retrieval import SearchIndex

                self._index = SearchIndex.open_or_build(self.library, self.settings.data_dir, progress=progress)
            return self._index

    def search(self, question: str, k: int = 5):
        """The ``k`` verses that best answer ``question`` (list of :class:`engine.retrieval.Hit`)."""
        return self.search_index().search(question, k=k)

    def chat_engine(self, progress=None):
        """The AI helper (:class:`engine.chat.ChatEngine`): index, chat model and safety guard loaded once."""
        index = self.search_index(progress)
        with self._lock:
            if self._chat is None:
                from .chat import ChatEngine

                s = self.settings
                # the chat model writes the opener only where settings ask for it (see Settings.chat_model_opener)
                runtime = self.runtime("chat") if s.chat_model_opener else None
                self._chat = ChatEngine(self.library, index, runtime, guard=self.guard(), seed=s.seed,
                                        temperature=s.temperature)
            return self._chat

    def model_path(self, role: str = "chat"):
        """The GGUF for ``role`` ("chat" or "stories"): GITA_MODEL_PATH if set, else the model chosen on the
        Training page, else the shipped GitaGPT where its evaluation made it the default for that role,
        else None (the bundled SmolLM2)."""
        if self.settings.model_path:
            return self.settings.model_path
        from .training import bundle
        from .training.registry import active_model

        chosen = active_model(self.settings.data_dir)
        if chosen is not None:
            return chosen
        if role in bundle.default_for(self.settings.assets_dir):
            return bundle.built_path(self.settings.assets_dir)
        return None

    def guard(self):
        """The kid-safety guard (:class:`engine.safety.SafetyGuard`)."""
        from .safety import get_guard

        return get_guard(self.settings.assets_dir, tuple(self.settings.helpline_countries))

    @property
    def stories(self):
        """Saved stories (:class:`engine.stories_store.StoryStore`)."""
        from .stories_store import StoryStore

        return StoryStore(self.db)

    @property
    def storyboards(self):
        """Saved storyboards (:class:`engine.storyboard.StoryboardStore`)."""
        from .storyboard import StoryboardStore

        return StoryboardStore(self.db)

    def render(self, board, out, stop_after: str = "video", progress=None, cancel=None, pictures: str = "illustrator"):
        """Render a storyboard to ``out`` (MP4, with the SRT beside it); see :mod:`engine.media.render`."""
        from .media.render import RenderOptions, render_storyboard

        options = RenderOptions(out=out, stop_after=stop_after, offline=self.settings.offline, pictures=pictures,
                                diffusion_model=self.settings.diffusion_model)
        return render_storyboard(board, options,
                                 self.settings.assets_dir, self.settings.data_dir / "media", progress=progress,
                                 cancel=cancel)

    def picture(self, spec, size=(1280, 720)):
        """Draw one storyboard picture (cached); returns its path."""
        from .media.pictures import Illustrator, PictureRequest

        req = PictureRequest(**spec.model_dump(), width=size[0], height=size[1])
        return Illustrator(self.settings.assets_dir).render(req, self.settings.data_dir / "media" / "pictures").path

    def narrate(self, text: str, language: str = "en", voice: str = "auto"):
        """Speak ``text`` into a cached WAV (:class:`engine.media.narration.NarrationResult`)."""
        from .media.narration import NarrationRequest, narrate

        return narrate(NarrationRequest(text=text, language=language, backend=voice),
                       self.settings.data_dir / "media" / "narration", offline=self.settings.offline)

    def story_composer(self, use_model: bool = True):
        """The story composer (:class:`engine.story.StoryComposer`) with the chat model and the guard."""
        from .story import StoryComposer
        from .translate import get_translator

        runtime = self.runtime("stories") if use_model else None
        return StoryComposer(self.library, runtime, self.guard(), translator=get_translator(self.settings.offline))

    def runtime(self, role: str = "chat"):
        """The language model (:class:`engine.llm.LlamaRuntime`) for ``role``, loaded once per process per file
        (the chat and the stories share it when they use the same model)."""
        from .llm import get_runtime

        s = self.settings
        return get_runtime(self.model_path(role), n_ctx=s.n_ctx, n_threads=s.n_threads, seed=s.seed)

    def ask(self, question: str, age_band: str = "8-10"):
        """Start an answer: iterate the returned :class:`engine.chat.ChatTurn` for text pieces."""
        return self.chat_engine().ask(question, age_band)

    @staticmethod
    def mask(text: str) -> str:
        """``text`` with phone numbers, emails, addresses and handles hidden (before anything is saved)."""
        from .safety import mask_personal_data

        return mask_personal_data(text)

    def doctor(self) -> dict:
        from .doctor import run_doctor

        return run_doctor(self.settings)


@lru_cache(maxsize=1)
def open_studio() -> Studio:
    """The process-wide :class:`Studio` for the settings in the environment."""
    return Studio(get_settings())
