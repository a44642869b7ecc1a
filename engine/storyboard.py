"""Storyboards: a story as cards (title, scenes, recitation, end) with pictures, narration and timing.

The JSON carries ``schema_version``; older versions are migrated by :func:`load_storyboard`,
never rejected. Storyboards are autosaved in SQLite by :class:`StoryboardStore`.
"""

from __future__ import annotations

import json
import uuid
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from .errors import InvalidInput, StorageError
from .storage import Database
from .story_models import Story

SCHEMA_VERSION = 2
ASPECTS = {"16:9": (1280, 720), "9:16": (720, 1280)}
#: seconds of picture after the narration ends, and for cards without narration
PADDING_S = 0.8
SILENT_CARD_S = 3.0


class PictureSpec(BaseModel):
    description: str = ""
    setting: str = ""
    characters: list[str] = Field(default_factory=list)
    mood: str = "calm"
    caption: str = ""


class Card(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:8])
    kind: Literal["title", "scene", "recitation", "end"] = "scene"
    narration: str = Field("", max_length=3000)
    picture: PictureSpec = Field(default_factory=PictureSpec)
    picture_path: str | None = Field(None, description="an uploaded picture, used instead of drawing one")
    duration: float | None = Field(None, ge=1.0, le=120.0, description="seconds; empty means from the narration")
    voice: Literal["auto", "piper", "espeak", "edge"] = "auto"
    language: Literal["en", "hi", "sa"] = "en"
    transition: Literal["crossfade", "cut"] = "crossfade"
    audio_path: str | None = Field(None, description="recorded audio (the Sanskrit recitation) instead of a voice")


class Storyboard(BaseModel):
    schema_version: int = SCHEMA_VERSION
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    story_id: str | None = None
    title: str = "Untitled"
    verse: str = ""
    cards: list[Card] = Field(default_factory=list, max_length=60)
    aspect: Literal["16:9", "9:16"] = "16:9"
    fps: int = Field(24, ge=12, le=30)
    music: bool = True
    subtitles_burned: bool = True

    @property
    def size(self) -> tuple[int, int]:
        return ASPECTS[self.aspect]


def from_story(story: Story, recitation_path: str | None = None) -> Storyboard:
    """The default storyboard of a story: title card, one card per scene, the recitation, the moral."""
    cards = [Card(kind="title", picture=PictureSpec(description=f"Title card: {story.title}", mood="happy",
                                                    caption=f"{story.title} · भगवद गीता {story.verse}"),
                  narration=f"{story.title}. A story about the Bhagavad Gita, verse {story.verse}.")]
    for scene in story.scenes:
        cards.append(Card(narration=scene.narration, picture=PictureSpec(description=scene.picture, setting=scene.setting,
                                                                         characters=scene.characters, mood=scene.mood)))
    if recitation_path:
        cards.append(Card(kind="recitation", audio_path=recitation_path, language="sa",
                          picture=PictureSpec(description="Krishna with his flute", characters=["Krishna"], mood="calm",
                                              caption=f"भगवद गीता {story.verse}")))
    cards.append(Card(kind="end", narration=f"The big idea: {story.moral}",
                      picture=PictureSpec(description="Everyone together, smiling", mood="joyful", caption=story.moral)))
    return Storyboard(story_id=story.id, title=story.title, verse=story.verse, cards=cards)


def _migrate_v1(data: dict) -> dict:
    """Version 1 (no schema_version): {"title", "verse", "scenes": [{"text", "image", "seconds", "mood"}]}."""
    cards = []
    for s in data.get("scenes", []):
        cards.append({"narration": s.get("text", ""), "picture_path": s.get("image"), "duration": s.get("seconds"),
                      "picture": {"description": s.get("text", "")[:200], "mood": s.get("mood", "calm")}})
    return {"schema_version": 2, "title": data.get("title", "Untitled"), "verse": data.get("verse", ""), "cards": cards,
            "aspect": data.get("aspect", "16:9")}


def load_storyboard(data: dict | str) -> Storyboard:
    """A storyboard from JSON of any known version (older ones are migrated)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"That file is not valid JSON ({exc.msg} at line {exc.lineno}).") from exc
    if not isinstance(data, dict):
        raise InvalidInput("A storyboard file holds one JSON object.")
    version = data.get("schema_version", 1)
    if version == 1:
        data = _migrate_v1(data)
    elif version > SCHEMA_VERSION:
        raise InvalidInput(f"This storyboard was made by a newer Gita Tales (schema {version}); update the app.")
    try:
        return Storyboard.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"The storyboard has a problem at {'.'.join(map(str, first['loc']))}: {first['msg']}.") from exc


class StoryboardStore:
    def __init__(self, db: Database):
        self.db = db

    def save(self, board: Storyboard) -> None:
        with self.db.transaction() as conn:
            # an imported storyboard may name a story this library does not have: keep it, unlinked
            conn.execute("INSERT INTO storyboards(id, story_id, data) VALUES (?, (SELECT id FROM stories WHERE id = ?), ?) "
                         "ON CONFLICT(id) DO UPDATE SET data=excluded.data, story_id=excluded.story_id, "
                         "updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')",
                         (board.id, board.story_id, board.model_dump_json()))

    def get(self, board_id: str) -> Storyboard:
        with self.db.connect() as conn:
            row = conn.execute("SELECT data FROM storyboards WHERE id = ?", (board_id,)).fetchone()
        if row is None:
            raise InvalidInput(f"There is no saved storyboard {board_id!r}.")
        try:
            return load_storyboard(row["data"])
        except InvalidInput as exc:
            raise StorageError(f"The saved storyboard {board_id} could not be read: {exc}") from exc

    def for_story(self, story_id: str) -> Storyboard | None:
        with self.db.connect() as conn:
            row = conn.execute("SELECT id FROM storyboards WHERE story_id = ? ORDER BY updated_at DESC LIMIT 1",
                               (story_id,)).fetchone()
        return self.get(row["id"]) if row else None

    def list(self) -> list[dict]:
        with self.db.connect() as conn:
            rows = conn.execute("SELECT id, story_id, data, updated_at FROM storyboards ORDER BY updated_at DESC").fetchall()
        return [{"id": r["id"], "story_id": r["story_id"], "title": json.loads(r["data"]).get("title", ""),
                 "updated_at": r["updated_at"]} for r in rows]

    def delete(self, board_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM storyboards WHERE id = ?", (board_id,))
