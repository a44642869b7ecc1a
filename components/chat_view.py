"""Chat widgets: the engine (built once for all sessions), verse cards under answers, starters."""

from __future__ import annotations

import html

import streamlit as st

import engine
from components.state import get_studio

STARTERS = [
    "Why do I get so angry when my brother takes my toys?",
    "I am scared of my exam tomorrow.",
    "My friend won't share with me. What should I do?",
    "What does 2.47 say?",
    "My grandma died. Where is she now?",
    "Who is Arjuna?",
]


@st.cache_resource(show_spinner=False)
def get_chat_engine():
    """The AI helper, shared by every session (its model is used under a lock)."""
    studio = get_studio()
    bar = st.progress(0.0, text="Getting the verse library ready (only the first time)…")
    chat = studio.chat_engine(progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
    bar.empty()
    return chat


def verse_card(studio: engine.Studio, ref: str, key: str) -> None:
    """A small card for a cited verse: Sanskrit, kid meaning, and the recitation where bundled."""
    verse = studio.library.verse(ref)
    card = studio.library.card(verse)
    with st.expander(f"📜 Bhagavad Gita {verse.ref}", expanded=False):
        st.html(f'<div class="sanskrit" lang="sa" style="font-size:1.2rem">{html.escape(verse.sanskrit)}</div>')
        if card:
            st.markdown(f"**For kids:** {card.kid_meaning}")
            st.caption(f"💡 {card.big_idea}")
        path = studio.library.recitation(verse)
        if path:
            st.audio(str(path), format="audio/mpeg")
