"""Story exports: Markdown, JSON, and a printable PDF booklet with Devanagari shaped by HarfBuzz."""

from __future__ import annotations

from pathlib import Path

from .fonts import pdf_fonts
from .story_models import Story


def to_markdown(story: Story) -> str:
    lines = [f"# {story.title}", "", f"*A story about Bhagavad Gita {story.verse}*", ""]
    for i, scene in enumerate(story.scenes, 1):
        lines += [f"## Scene {i}", "", scene.narration, "", f"> Picture: {scene.picture}", ""]
    lines += ["## The verse", "", f"**Bhagavad Gita {story.verse}**", "", story.sanskrit.replace("\n", "  \n"), "",
              story.kid_meaning, ""]
    if story.kid_meaning_hi:
        lines += [story.kid_meaning_hi, ""]
    lines += ["## The big idea", "", story.moral, "", "## Let's talk", ""]
    lines += [f"{i}. {q}" for i, q in enumerate(story.questions, 1)]
    lines += ["", "## Quiz", ""]
    for i, q in enumerate(story.quiz, 1):
        lines += [f"{i}. {q.question} ({' / '.join(q.choices)})", f"   - Answer: {q.answer}"]
    if story.translation_note:
        lines += ["", f"*{story.translation_note}*"]
    return "\n".join(lines) + "\n"


def to_json(story: Story) -> str:
    return story.model_dump_json(indent=2)


def to_pdf(story: Story, fonts_dir: Path, pictures: list[Path | None] | None = None) -> bytes:
    """A booklet: title page, one scene per page (with its picture when given), the verse page, questions."""
    from fpdf import FPDF

    pdf = FPDF(format="A5")
    pdf.set_auto_page_break(True, margin=14)
    pdf_fonts(pdf, fonts_dir)
    width = pdf.w - 2 * pdf.l_margin

    pdf.add_page()
    pdf.set_font("Noto", "B", 22)
    pdf.ln(40)
    pdf.multi_cell(width, 11, story.title, align="C")
    pdf.ln(6)
    pdf.set_font("Noto", "", 12)
    pdf.multi_cell(width, 7, f"A story about Bhagavad Gita {story.verse}", align="C")
    pdf.ln(10)
    pdf.set_font("Deva", "", 14)
    pdf.multi_cell(width, 9, story.sanskrit, align="C")

    pictures = pictures or []
    for i, scene in enumerate(story.scenes):
        pdf.add_page()
        pic = pictures[i] if i < len(pictures) else None
        if pic and Path(pic).exists():
            pdf.image(str(pic), w=width)
            pdf.ln(4)
        pdf.set_font("Noto", "B", 11)
        pdf.cell(width, 7, f"Scene {i + 1}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Noto", "", 13)
        pdf.multi_cell(width, 8, scene.narration)

    pdf.add_page()
    pdf.set_font("Noto", "B", 14)
    pdf.cell(width, 9, f"Bhagavad Gita {story.verse}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Deva", "", 14)
    pdf.multi_cell(width, 9, story.sanskrit)
    pdf.ln(3)
    pdf.set_font("Noto", "", 12)
    pdf.multi_cell(width, 7, story.kid_meaning)
    if story.kid_meaning_hi:
        pdf.ln(2)
        pdf.set_font("Deva", "", 12)
        pdf.multi_cell(width, 8, story.kid_meaning_hi)
    pdf.ln(4)
    pdf.set_font("Noto", "B", 12)
    pdf.multi_cell(width, 7, f"The big idea: {story.moral}")

    pdf.add_page()
    pdf.set_font("Noto", "B", 13)
    pdf.cell(width, 8, "Let's talk", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Noto", "", 11)
    for i, q in enumerate(story.questions, 1):
        pdf.multi_cell(width, 6.5, f"{i}. {q}")
    pdf.ln(4)
    pdf.set_font("Noto", "B", 13)
    pdf.cell(width, 8, "Quiz", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Noto", "", 11)
    for i, q in enumerate(story.quiz, 1):
        pdf.multi_cell(width, 6.5, f"{i}. {q.question}  ({' / '.join(q.choices)})")
    pdf.ln(3)
    pdf.set_font("Noto", "", 9)
    pdf.multi_cell(width, 5, "Answers: " + "; ".join(f"{i}. {q.answer}" for i, q in enumerate(story.quiz, 1)))
    return bytes(pdf.output())


def contact_sheet(title: str, cards: list, pictures: list[Path], fonts_dir: Path) -> bytes:
    """The storyboard on paper: a grid of pictures with card numbers and the start of each narration."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf_fonts(pdf, fonts_dir)
    pdf.set_auto_page_break(False)
    cols, rows = 3, 2
    cell_w = (pdf.w - 20) / cols
    cell_h = (pdf.h - 30) / rows
    for i, (card, pic) in enumerate(zip(cards, pictures)):
        if i % (cols * rows) == 0:
            pdf.add_page()
            pdf.set_font("Noto", "B", 14)
            pdf.set_xy(10, 8)
            pdf.cell(0, 8, f"{title} - storyboard")
        col, row = i % cols, (i // cols) % rows
        x, y = 10 + col * cell_w, 20 + row * cell_h
        img_w = cell_w - 6
        pdf.image(str(pic), x=x, y=y, w=img_w)
        pdf.set_font("Noto", "B", 9)
        pdf.set_xy(x, y + img_w * 9 / 16 + 1)
        pdf.cell(img_w, 5, f"{i + 1}. {card.kind}" + (f" · {card.duration:.0f} s" if card.duration else ""))
        pdf.set_font("Noto", "", 8)
        pdf.set_xy(x, y + img_w * 9 / 16 + 6)
        text = card.narration[:160] + ("…" if len(card.narration) > 160 else "")
        pdf.multi_cell(img_w, 4, text)
    return bytes(pdf.output())
