"""The one engine object the studio shares between sessions (built once, thread-safe reads)."""

from __future__ import annotations

import streamlit as st

import engine


@st.cache_resource(show_spinner="Opening the Gita library…")
def get_studio() -> engine.Studio:
    return engine.open_studio()
