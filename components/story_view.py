"""Story widgets: the editable story with undo, and the export buttons."""

from __future__ import annotations

import html

import streamlit as st

import engine
from engine.export import to_json, to_markdown, to_pdf
from engine.story_models import Story

UNDO_LIMIT = 30


def push_undo(story: Story) -> None:
    stack = st.session_state.setdefault("story_undo", [])
    stack.append(story.model_dump_json())
    del stack[:-UNDO_LIMIT]


def undo() -> Story | None:
    stack = st.session_state.get("story_undo", [])
    return Story.model_validate_json(stack.pop()) if stack else None


def exports(studio: engine.Studio, story: Story, key: str) -> None:
    c1, c2, c3 = st.columns(3)
    slug = "".join(ch if ch.isalnum() else "_" for ch in story.title)[:40] or "story"
    c1.download_button("⬇️ Markdown", to_markdown(story), f"{slug}.md", "text/markdown", key=f"md-{key}")
    c2.download_button("⬇️ JSON", to_json(story), f"{slug}.json", "application/json", key=f"json-{key}")
    c3.download_button("⬇️ PDF booklet", to_pdf(story, studio.settings.assets_dir / "fonts"), f"{slug}.pdf",
                       "application/pdf", key=f"pdf-{key}")


def verse_box(story: Story) -> None:
    st.markdown(f"#### 📜 Bhagavad Gita {story.verse}")
    st.html(f'<div class="sanskrit" lang="sa" style="font-size:1.2rem">{html.escape(story.sanskrit)}</div>')
    st.write(story.kid_meaning)
    if story.kid_meaning_hi:
        st.html(f'<div class="hindi">{html.escape(story.kid_meaning_hi)}</div>')


def classroom(story: Story) -> None:
    st.markdown(f"**💡 Moral:** {story.moral}")
    with st.expander("Discussion questions and quiz"):
        for i, q in enumerate(story.questions, 1):
            st.markdown(f"{i}. {q}")
        st.markdown("**Quiz**")
        for i, q in enumerate(story.quiz, 1):
            st.markdown(f"{i}. {q.question} — *{' / '.join(q.choices)}*  \n   Answer: **{q.answer}**")
