"""About: what Gita Tales is, credits and licences."""

from pathlib import Path

import streamlit as st

from components.state import get_studio

studio = get_studio()
st.title("ℹ️ About Gita Tales")
st.markdown((Path(studio.settings.assets_dir) / "CREDITS.md").read_text(encoding="utf-8"))
