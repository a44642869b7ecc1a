"""Home: what the studio is, and the verse of the day."""

import streamlit as st

from components import nav
from components.state import get_studio
from components.verse_view import kid_panel, recitation_player, sanskrit_block

studio = get_studio()
st.title("🪈 Gita Tales Studio")
st.write(
    "Stories, chats and videos that bring the Bhagavad Gita to children, "
    "made on this computer with no internet and no accounts."
)

verse = studio.library.verse_of_the_day()
st.header(f"🌞 Verse of the day: {verse.ref}")
left, right = st.columns([3, 2], gap="large")
with left:
    sanskrit_block(verse)
    recitation_player(studio, verse)
    st.write(verse.translation(studio.settings.english_author).text)
with right:
    kid_panel(studio, verse, key="votd")

st.divider()
st.subheader("Where to next?")
c1, c2, c3 = st.columns(3)
c1.page_link(nav.VERSE_LIBRARY, label="Read any verse", icon="📜")
c2.page_link(nav.THEMES, label="Find verses by feeling or theme", icon="🌈")
c3.page_link(nav.ABOUT, label="About and credits", icon="ℹ️")
