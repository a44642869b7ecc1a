"""Story library: find, open, duplicate, favourite, export and delete saved stories."""

import streamlit as st

from components import nav
from components.state import get_studio
from components.story_view import exports

studio = get_studio()
store = studio.stories
themes = studio.library.themes()
st.title("📚 Story library")

c1, c2, c3, c4, c5 = st.columns([3, 1, 1, 2, 1])
search = c1.text_input("Search", placeholder="title or words in the story")
verse = c2.text_input("Verse", placeholder="2.47")
age = c3.selectbox("Age", ["", "4-6", "7-9", "10-12"], format_func=lambda a: a or "any")
theme = c4.selectbox("Theme", [""] + list(themes), format_func=lambda t: themes[t].label if t else "any")
favs = c5.toggle("★ only")
rows = store.list(search=search, verse=verse.strip(), age_band=age, theme=theme, favourites_only=favs)
if not rows:
    st.info("No saved stories yet. Write one in the Story composer and press Save.")
for row in rows:
    with st.container(border=True):
        a, b = st.columns([5, 3])
        a.markdown(f"**{'★ ' if row['favourite'] else ''}{row['title']}**  \n"
                   f"Verse {row['verse_ref']} · ages {row['age_band']} · {row['updated_at'][:10]}")
        x1, x2, x3, x4, x5 = b.columns(5)
        if x1.button("Open", key=f"open-{row['id']}"):
            st.switch_page(nav.STORY_COMPOSER, query_params={"story": row["id"]})
        if x2.button("Copy", key=f"dup-{row['id']}", help="Duplicate"):
            store.duplicate(row["id"])
            st.rerun()
        if x3.button("☆" if not row["favourite"] else "★", key=f"fav-{row['id']}", help="Favourite"):
            store.set_favourite(row["id"], not row["favourite"])
            st.rerun()
        if x4.button("🎬", key=f"video-{row['id']}", help="Storyboard and video"):
            st.switch_page(nav.STORYBOARD, query_params={"story": row["id"]})
        if x5.button("🗑", key=f"del-{row['id']}", help="Delete"):
            st.session_state.confirm_story = row["id"]
        if st.session_state.get("confirm_story") == row["id"]:
            st.warning("Delete this story for good?")
            y, n = st.columns(2)
            if y.button("Delete", key=f"yes-{row['id']}", type="primary"):
                store.delete(row["id"])
                st.session_state.pop("confirm_story")
                st.rerun()
            if n.button("Keep", key=f"no-{row['id']}"):
                st.session_state.pop("confirm_story")
                st.rerun()
        if st.toggle("Downloads", key=f"exp-{row['id']}"):
            exports(studio, store.get(row["id"]), key=row["id"])
