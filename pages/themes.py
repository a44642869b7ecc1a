"""Browse by theme: verses for anger, fear, sharing… from the kids' companion."""

import streamlit as st

from components import nav
from components.state import get_studio

studio = get_studio()
themes = studio.library.themes()
counts = {t: len(studio.library.verses_for_theme(t)) for t in themes}

st.title("🌈 Browse by theme")
st.write("Find verses that help with a feeling or a part of a child's life.")
theme_id = st.selectbox(
    "Theme", [t for t in themes if counts[t]] or list(themes), key="theme_pick",
    format_func=lambda t: f"{themes[t].label} · {themes[t].label_hi} ({counts[t]})",
)
theme = themes[theme_id]
st.caption(theme.description)

found = studio.library.verses_for_theme(theme_id)
if not found:
    st.info("No verse cards carry this theme yet.")
for verse, card in found[:60]:
    with st.container(border=True):
        st.markdown(f"**{verse.ref}** · {card.big_idea}")
        st.write(card.kid_meaning)
        if st.button("Open in the verse library", key=f"open-{verse.ref}"):
            st.session_state.lib_target = verse.ref
            st.switch_page(nav.VERSE_LIBRARY)
if len(found) > 60:
    st.caption(f"Showing 60 of {len(found)} verses.")
