"""The story library in SQLite: save, list with search and filters, open, duplicate, favourite, delete."""

from __future__ import annotations

import json
import uuid

from pydantic import ValidationError

from .errors import InvalidInput, StorageError
from .storage import Database
from .story_models import Story


class StoryStore:
    def __init__(self, db: Database):
        self.db = db

    def save(self, story: Story) -> Story:
        """Insert or update ``story`` (one transaction). The child's name is kept only if it is in the text."""
        data = story.model_dump_json()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO stories(id, title, verse_ref, age_band, themes, favourite, data) VALUES (?,?,?,?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET title=excluded.title, verse_ref=excluded.verse_ref, "
                "age_band=excluded.age_band, themes=excluded.themes, favourite=excluded.favourite, data=excluded.data, "
                "updated_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (story.id, story.title, story.verse, story.request.age_band if story.request else "",
                 json.dumps(story.themes), int(story.favourite), data))
        return story

    def get(self, story_id: str) -> Story:
        with self.db.connect() as conn:
            row = conn.execute("SELECT data FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            raise InvalidInput(f"There is no saved story {story_id!r}.")
        try:
            return Story.model_validate_json(row["data"])
        except ValidationError as exc:
            raise StorageError(f"The saved story {story_id} could not be read ({exc.error_count()} problems).") from exc

    def list(self, search: str = "", verse: str = "", age_band: str = "", theme: str = "",
             favourites_only: bool = False) -> list[dict]:
        sql = "SELECT id, title, verse_ref, age_band, themes, favourite, updated_at FROM stories WHERE 1=1"
        args: list = []
        if search:
            sql += " AND (title LIKE ? OR data LIKE ?)"
            args += [f"%{search}%", f"%{search}%"]
        if verse:
            sql += " AND verse_ref = ?"
            args.append(verse)
        if age_band:
            sql += " AND age_band = ?"
            args.append(age_band)
        if theme:
            sql += " AND themes LIKE ?"
            args.append(f'%"{theme}"%')
        if favourites_only:
            sql += " AND favourite = 1"
        sql += " ORDER BY updated_at DESC, rowid DESC"
        with self.db.connect() as conn:
            return [dict(r) | {"themes": json.loads(r["themes"])} for r in conn.execute(sql, args).fetchall()]

    def duplicate(self, story_id: str) -> Story:
        copy = self.get(story_id).model_copy(update={"id": uuid.uuid4().hex[:12], "favourite": False})
        copy.title = f"{copy.title} (copy)"
        return self.save(copy)

    def set_favourite(self, story_id: str, favourite: bool) -> None:
        story = self.get(story_id)
        self.save(story.model_copy(update={"favourite": favourite}))

    def delete(self, story_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))
