"""Verse library: pick chapter and verse, or type a reference, and read it every way."""

import streamlit as st

import engine
from components.state import get_studio
from components.verse_view import verse_detail

studio = get_studio()
lib = studio.library
counts = lib.verse_counts()


def _select(verse: engine.Verse) -> None:
    st.session_state.lib_chapter, st.session_state.lib_verse = verse.chapter, verse.verse


# first visit, a shared link (?ref=2.47) or a jump from another page (lib_target)
target = st.session_state.pop("lib_target", None)
if target or "lib_chapter" not in st.session_state:
    try:
        _select(lib.verse(target or st.query_params.get("ref", "2.47")))
    except engine.GitaError as exc:
        st.warning(f"{exc} Showing 2.47 instead.")
        _select(lib.verse("2.47"))


def _go_to() -> None:
    try:
        _select(lib.verse(st.session_state.lib_goto))
        st.session_state.lib_error = None
    except engine.GitaError as exc:
        st.session_state.lib_error = str(exc)


def _step(delta: int) -> None:
    order = [(v.chapter, v.verse) for v in lib.verses]
    i = order.index((st.session_state.lib_chapter, st.session_state.lib_verse)) + delta
    st.session_state.lib_chapter, st.session_state.lib_verse = order[i % len(order)]


st.title("📜 Verse library")
c1, c2, c3 = st.columns([3, 1, 3])
c1.selectbox(
    "Chapter", list(counts), key="lib_chapter",
    format_func=lambda n: f"{n}. {lib.chapter(n).name_translation}",
    on_change=lambda: st.session_state.update(lib_verse=1),
)
c2.selectbox("Verse", list(range(1, counts[st.session_state.lib_chapter] + 1)), key="lib_verse")
c3.text_input("…or type a reference", key="lib_goto", on_change=_go_to,
              placeholder="2.47 · BG 2:47 · chapter 2 verse 47 · २.४७")
if st.session_state.get("lib_error"):
    st.error(st.session_state.lib_error)

verse = lib.verse_at(st.session_state.lib_chapter, st.session_state.lib_verse)
st.query_params["ref"] = verse.ref
b1, _, b2 = st.columns([1, 6, 1])
b1.button("◀ Previous", on_click=_step, args=(-1,), use_container_width=True)
b2.button("Next ▶", on_click=_step, args=(1,), use_container_width=True)
verse_detail(studio, verse)
