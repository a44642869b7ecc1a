import pytest

from engine import InvalidInput
from engine.chats import ChatStore
from engine.storage import Database


@pytest.fixture
def store(tmp_path):
    return ChatStore(Database(tmp_path / "db.sqlite3"))


def test_chats_are_saved_listed_and_deleted(store):
    a = store.new_chat("5-7")
    store.add_exchange(a, "why do I get angry?", "Big feelings happen.", "answer", ["2.62", "2.63"])
    b = store.new_chat()
    store.add_exchange(b, "I want to kms", "Please tell a grown-up.", "redirect_adult", [])
    msgs = store.messages(a)
    assert [m.role for m in msgs] == ["user", "assistant"] and msgs[1].citations == ["2.62", "2.63"]
    listed = {c.id: c for c in store.list()}
    assert listed[a].title == "why do I get angry?" and not listed[a].flagged and listed[a].age_band == "5-7"
    assert listed[b].flagged
    assert [c.id for c in store.list(flagged_only=True)] == [b]
    store.delete(a)
    assert store.get(a) is None and store.messages(a) == []


def test_unknown_chat_is_a_clear_error(store):
    with pytest.raises(InvalidInput, match="start a new chat"):
        store.add_exchange("nope", "q", "a")


def test_history_survives_a_new_store_object(tmp_path):
    s1 = ChatStore(Database(tmp_path / "db.sqlite3"))
    cid = s1.new_chat()
    s1.add_exchange(cid, "hi", "hello")
    s2 = ChatStore(Database(tmp_path / "db.sqlite3"))
    assert [m.content for m in s2.messages(cid)] == ["hi", "hello"]
