"""The bundled Noto fonts (``assets/fonts/``, SIL Open Font License, ``OFL.txt``): one place names their files.

Latin text is set in Noto Sans, Devanagari (Sanskrit, Hindi) in Noto Sans Devanagari; Pillow shapes the
Devanagari through raqm, fpdf2 through its text shaping. ``.streamlit/config.toml`` (TOML, which cannot
import) names the Devanagari files and their family too; ``tests/test_pages.py`` checks that it names these."""

from __future__ import annotations

from pathlib import Path

LATIN_TTF = "NotoSans-Regular.ttf"
LATIN_BOLD_TTF = "NotoSans-Bold.ttf"
DEVANAGARI_TTF = "NotoSansDevanagari-Regular.ttf"
DEVANAGARI_BOLD_TTF = "NotoSansDevanagari-Bold.ttf"
ALL = (LATIN_TTF, LATIN_BOLD_TTF, DEVANAGARI_TTF, DEVANAGARI_BOLD_TTF)
#: the CSS family name the studio's theme (``.streamlit/config.toml``) and the kid app give the two Devanagari files
DEVANAGARI_FAMILY = "Gita Devanagari"


def pdf_fonts(pdf, fonts_dir: Path) -> None:
    """Register the bundled fonts with an fpdf2 document: "Noto" and "Deva" (regular, bold), "Deva" the fallback
    for Devanagari (bold in a bold line: a Hindi title), with text shaping on."""
    fonts_dir = Path(fonts_dir)
    pdf.add_font("Noto", "", str(fonts_dir / LATIN_TTF))
    pdf.add_font("Noto", "B", str(fonts_dir / LATIN_BOLD_TTF))
    pdf.add_font("Deva", "", str(fonts_dir / DEVANAGARI_TTF))
    pdf.add_font("Deva", "B", str(fonts_dir / DEVANAGARI_BOLD_TTF))
    pdf.set_fallback_fonts(["Deva"])
    pdf.set_text_shaping(True)
