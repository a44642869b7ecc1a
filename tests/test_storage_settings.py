import sqlite3

import pytest

from engine import InvalidInput, StorageError
from engine.settings import Settings, get_settings
from engine.storage import MIGRATIONS, Database


def test_database_is_created_migrated_and_in_wal_mode(tmp_path):
    db = Database(tmp_path / "sub" / "x.sqlite3")
    assert db.schema_version == len(MIGRATIONS)
    with db.connect() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"chats", "messages", "stories", "storyboards"} <= tables
    assert Database(db.path).schema_version == len(MIGRATIONS)  # idempotent


def test_transaction_rolls_back_on_error(tmp_path):
    db = Database(tmp_path / "x.sqlite3")
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO chats(id, title) VALUES ('a', 'first')")
        raise RuntimeError("crash in the middle")
    with db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM chats").fetchone()[0] == 0
    with db.transaction() as conn:
        conn.execute("INSERT INTO chats(id, title) VALUES ('a', 'first')")
    with db.connect() as conn:
        assert conn.execute("SELECT title FROM chats").fetchone()[0] == "first"


def test_corrupt_or_newer_database_gets_a_clear_error(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 200)
    with pytest.raises(StorageError, match="Move it aside"):
        Database(bad)
    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StorageError, match="newer Gita Tales"):
        Database(newer)


def test_settings_read_gita_variables_with_bounds(monkeypatch, tmp_path):
    monkeypatch.setenv("GITA_N_THREADS", "4")
    monkeypatch.setenv("GITA_DATA_DIR", str(tmp_path))
    s = Settings()
    assert s.n_threads == 4 and s.db_path.parent == tmp_path
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} needs a description"
    monkeypatch.setenv("GITA_N_THREADS", "0")
    get_settings.cache_clear()
    try:
        with pytest.raises(InvalidInput, match="GITA_N_THREADS"):
            get_settings()
    finally:
        get_settings.cache_clear()
