"""Page styling: the bundled Devanagari font and a warm, child-friendly look."""

from __future__ import annotations

import streamlit as st

from engine.fonts import DEVANAGARI_FAMILY

#: DEVANAGARI_FAMILY is the bundled Noto Sans Devanagari, declared in .streamlit/config.toml (theme.fontFaces,
#: served from studio/static, a link to assets/fonts), so widgets and these classes share one font file
_CSS = """
.sanskrit {font-family: 'FAMILY', serif; font-size: 1.55rem; line-height: 2.3rem;
           color: #7a2e0e; background: #fff6e5; border-left: 6px solid #f4a62a;
           padding: 0.8rem 1.2rem; border-radius: 0.6rem; white-space: pre-line;}
.hindi {font-family: 'FAMILY', sans-serif; font-size: 1.1rem; line-height: 1.9rem;}
.translit {font-style: italic; color: #5b4a3a; white-space: pre-line;}
.kid-card {background: #eef7ff; border-radius: 0.8rem; padding: 0.9rem 1.1rem; border: 2px solid #9cc9f5;}
.big-idea {font-weight: 700; color: #1d5fa8; font-size: 1.1rem;}
""".replace("FAMILY", DEVANAGARI_FAMILY)


def apply_style() -> None:
    """Inject the styles (the fonts come with the theme); call once at the top of every run."""
    st.html(f"<style>{_CSS}</style>")
