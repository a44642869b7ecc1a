"""Gita Tales studio: the Streamlit entry (`make run`). Its theme, ``.streamlit/config.toml``, is found from any
working directory: Streamlit reads the config beside the main script too, and ``studio/.streamlit`` links to it."""

import streamlit as st

from components import nav
from components.style import apply_style

st.set_page_config(page_title="Gita Tales Studio", page_icon="🪈", layout="wide")
apply_style()
navigation = st.navigation(
    [
        st.Page(nav.HOME, title="Home", icon="🏠", default=True),
        st.Page(nav.VERSE_LIBRARY, title="Verse library", icon="📜", url_path="verse_library"),
        st.Page(nav.CHAT, title="Chat with the Gita helper", icon="🪈", url_path="chat"),
        st.Page(nav.STORY_COMPOSER, title="Story composer", icon="📖", url_path="story_composer"),
        st.Page(nav.STORY_LIBRARY, title="Story library", icon="📚", url_path="story_library"),
        st.Page(nav.STORYBOARD, title="Storyboard and video", icon="🎬", url_path="storyboard"),
        st.Page(nav.TRAINING, title="Training GitaGPT", icon="🧠", url_path="training"),
        st.Page(nav.THEMES, title="Browse by theme", icon="🌈", url_path="themes"),
        st.Page(nav.ABOUT, title="About", icon="ℹ️", url_path="about"),
    ]
)
navigation.run()
