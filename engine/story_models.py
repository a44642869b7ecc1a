"""Typed models of the story composer: what an educator asks for and the story that comes back.

The same models are what the page edits, what SQLite stores and what JSON export writes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field, field_validator

StoryAgeBand = Literal["4-6", "7-9", "10-12"]
#: Flesch-Kincaid grade that a story for each age band may reach
GRADE_LIMITS: dict[str, float] = {"4-6": 3.0, "7-9": 5.0, "10-12": 8.0}
SCENES_FOR_LENGTH = {"short": 4, "medium": 6}
STORY_SCHEMA_VERSION = 1


def age_to_band(age: int) -> StoryAgeBand:
    if age <= 6:
        return "4-6"
    return "7-9" if age <= 9 else "10-12"


class StoryRequest(BaseModel):
    """What the educator picked. Either a verse or a theme (which suggests a verse)."""

    verse: str | None = Field(None, description='verse reference, e.g. "2.47"')
    theme: str | None = Field(None, description="theme id from themes.yaml, used when no verse is given")
    age_band: StoryAgeBand = "7-9"
    interests: list[str] = Field(default_factory=lambda: ["animals"], max_length=5)
    name: str | None = Field(None, max_length=30, description="the child's first name; not stored unless saved")
    length: Literal["short", "medium"] = "short"
    language: Literal["en", "hi"] = "en"
    tone: Literal["gentle", "funny", "adventurous"] = "gentle"
    seed: int = Field(7, ge=0, le=2**31 - 1)

    @field_validator("interests")
    @classmethod
    def _interests(cls, v: list[str]) -> list[str]:
        clean = [i.strip().lower()[:30] for i in v if i and i.strip()]
        return clean or ["animals"]

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = " ".join(v.split())[:30]
        if v and not all(ch.isalpha() or ch in " -'" for ch in v):
            raise ValueError("a first name may use letters, spaces, hyphens and apostrophes only")
        return v.title() or None


class Scene(BaseModel):
    narration: str = Field(min_length=1, max_length=2000)
    picture: str = Field(default="", max_length=600, description="what the picture shows")
    characters: list[str] = Field(default_factory=list)
    mood: str = "calm"
    setting: str = ""
    role: str = Field("", description="opening, problem, struggle, verse, turn or resolution")
    fallback: bool = Field(False, description="filled from the plan because the model's text failed the gate")


class QuizItem(BaseModel):
    question: str
    choices: list[str] = Field(min_length=2)
    answer: str


class Story(BaseModel):
    schema_version: int = STORY_SCHEMA_VERSION
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    title: str
    verse: str
    sanskrit: str = ""
    kid_meaning: str = ""
    kid_meaning_hi: str = ""
    big_idea: str = ""
    moral: str
    scenes: list[Scene] = Field(min_length=1, max_length=12)
    questions: list[str] = Field(default_factory=list)
    quiz: list[QuizItem] = Field(default_factory=list)
    reading_grade: float = 0.0
    fallback_scenes: list[int] = Field(default_factory=list)
    language: str = "en"
    translation_note: str = ""
    themes: list[str] = Field(default_factory=list)
    request: StoryRequest | None = None
    favourite: bool = False
    created_at: str = Field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def text(self) -> str:
        return "\n\n".join(s.narration for s in self.scenes)

    def cli_json(self) -> dict:
        """The `gita-tales story --json` object (a stable contract)."""
        return {
            "title": self.title, "verse": self.verse, "moral": self.moral,
            "scenes": [{"narration": s.narration, "picture": s.picture, "characters": s.characters, "mood": s.mood}
                       for s in self.scenes],
            "questions": self.questions, "quiz": [q.model_dump() for q in self.quiz],
            "reading_grade": self.reading_grade, "fallback_scenes": self.fallback_scenes,
            "id": self.id, "language": self.language, "translation_note": self.translation_note,
            "sanskrit": self.sanskrit, "kid_meaning": self.kid_meaning,
        }
