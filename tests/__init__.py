"""Helpers several test files share."""


def pdf_pages(pdf: bytes) -> int:
    """The number of pages in a PDF that fpdf2 wrote (its page objects, not the /Pages tree)."""
    return pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ")
