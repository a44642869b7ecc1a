"""How a verse is shown: Sanskrit, transliteration, meanings, translations, recitation, kid card."""

from __future__ import annotations

import html

import streamlit as st

import engine


def sanskrit_block(verse: engine.Verse) -> None:
    text = html.escape(verse.sanskrit)
    st.html(f'<div class="sanskrit" lang="sa" data-testid="sanskrit">{text}</div>')


def recitation_player(studio: engine.Studio, verse: engine.Verse) -> None:
    path = studio.library.recitation(verse)
    if path:
        st.caption("🔊 Listen to the Sanskrit recitation")
        st.audio(str(path), format="audio/mpeg")
    else:
        st.caption("🔇 No recitation is bundled for this verse (129 verses have one: all of chapters 2 and 12 and well-known verses).")


def kid_panel(studio: engine.Studio, verse: engine.Verse, key: str) -> None:
    """The companion card with an English / Hindi toggle, or a note while it is not written."""
    card = studio.library.card(verse)
    st.subheader("🧒 Kid meaning")
    if card is None:
        st.info("The kids' card for this verse is still being written.")
        return
    lang = st.segmented_control("Language", ["English", "हिन्दी"], default="English", key=f"kidlang-{key}")
    if lang == "हिन्दी":
        st.html(f'<div class="kid-card hindi" lang="hi">{html.escape(card.kid_meaning_hi)}</div>')
    else:
        st.html(f'<div class="kid-card">{html.escape(card.kid_meaning)}</div>')
    st.html(f'<p class="big-idea">💡 {html.escape(card.big_idea)}</p>')
    themes = studio.library.themes()
    st.caption("Themes: " + ", ".join(themes[t].label for t in card.themes if t in themes))
    with st.expander("Questions a child might ask"):
        for q in card.kid_questions:
            st.markdown(f"- {q}")
        st.markdown(f"**Story idea:** {card.story_seed}")
    if card.sensitivity.flags:
        st.warning(f"For grown-ups ({', '.join(card.sensitivity.flags)}): {card.sensitivity.note}")


def verse_detail(studio: engine.Studio, verse: engine.Verse) -> None:
    """The full verse view of the library page."""
    chapter = studio.library.chapter(verse.chapter)
    st.markdown(f"### Bhagavad Gita {verse.ref}")
    st.caption(f"Chapter {chapter.number}: {chapter.name_translation} ({chapter.name_meaning}) · spoken by {verse.speaker}")
    left, right = st.columns([3, 2], gap="large")
    with left:
        sanskrit_block(verse)
        st.html(f'<p class="translit">{html.escape(verse.transliteration)}</p>')
        recitation_player(studio, verse)
        authors = [t.author for t in verse.translations]
        default = authors.index(studio.settings.english_author) if studio.settings.english_author in authors else 0
        author = st.selectbox("Translation", authors, index=default, key="translator",
                              format_func=lambda a: f"{a} ({verse.translation(a).language.title()})")
        t = verse.translation(author)
        css = "hindi" if t.language == "hindi" else ""
        st.html(f'<div class="{css}" style="font-size:1.1rem">{html.escape(t.text)}</div>')
        with st.expander("Word by word"):
            pairs = verse.word_meaning_pairs()
            st.table({"Sanskrit": [w for w, _ in pairs], "Meaning": [m for _, m in pairs]})
    with right:
        kid_panel(studio, verse, key=verse.ref)
    with st.expander(f"About chapter {chapter.number}"):
        st.write(chapter.summary)
