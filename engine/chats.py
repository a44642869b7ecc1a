"""Saved conversations in SQLite: one row per chat, one per message. Nothing else about the child."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from .errors import InvalidInput
from .storage import Database

TITLE_CHARS = 60


@dataclass(frozen=True)
class SavedMessage:
    role: str
    content: str
    action: str
    citations: list[str]
    created_at: str


@dataclass(frozen=True)
class ChatSummary:
    id: str
    title: str
    age_band: str
    flagged: bool
    updated_at: str
    messages: int


class ChatStore:
    """Create, list, read and delete saved chats."""

    def __init__(self, db: Database):
        self.db = db

    def new_chat(self, age_band: str = "8-10") -> str:
        chat_id = uuid.uuid4().hex[:12]
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO chats(id, age_band) VALUES (?, ?)", (chat_id, age_band))
        return chat_id

    def add_exchange(self, chat_id: str, question: str, answer: str, action: str = "answer",
                     citations: list[str] | None = None) -> None:
        """Save a question and its answer together (one transaction: both or neither)."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT title FROM chats WHERE id = ?", (chat_id,)).fetchone()
            if row is None:
                raise InvalidInput(f"There is no saved chat {chat_id!r}; start a new chat.")
            conn.execute("INSERT INTO messages(chat_id, role, content) VALUES (?, 'user', ?)", (chat_id, question))
            conn.execute("INSERT INTO messages(chat_id, role, content, action, citations) VALUES (?, 'assistant', ?, ?, ?)",
                         (chat_id, answer, action, json.dumps(citations or [])))
            title = row["title"] or (question[:TITLE_CHARS] + ("…" if len(question) > TITLE_CHARS else ""))
            conn.execute("UPDATE chats SET title = ?, flagged = MAX(flagged, ?), "
                         "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                         (title, int(action != "answer"), chat_id))

    def set_age_band(self, chat_id: str, age_band: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE chats SET age_band = ? WHERE id = ?", (age_band, chat_id))

    def messages(self, chat_id: str) -> list[SavedMessage]:
        with self.db.connect() as conn:
            rows = conn.execute("SELECT role, content, action, citations, created_at FROM messages "
                                "WHERE chat_id = ? ORDER BY id", (chat_id,)).fetchall()
        return [SavedMessage(r["role"], r["content"], r["action"], json.loads(r["citations"]), r["created_at"])
                for r in rows]

    def get(self, chat_id: str) -> ChatSummary | None:
        return next((c for c in self.list(limit=None) if c.id == chat_id), None)

    def list(self, limit: int | None = 50, flagged_only: bool = False) -> list[ChatSummary]:
        sql = ("SELECT c.id, c.title, c.age_band, c.flagged, c.updated_at, count(m.id) AS n FROM chats c "
               "LEFT JOIN messages m ON m.chat_id = c.id " + ("WHERE c.flagged = 1 " if flagged_only else "") +
               "GROUP BY c.id ORDER BY c.updated_at DESC, c.rowid DESC" + (f" LIMIT {int(limit)}" if limit else ""))
        with self.db.connect() as conn:
            rows = conn.execute(sql).fetchall()
        return [ChatSummary(r["id"], r["title"] or "New chat", r["age_band"], bool(r["flagged"]), r["updated_at"], r["n"])
                for r in rows]

    def delete(self, chat_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,))
