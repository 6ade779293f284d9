"""Short Markdown texts (a lesson's explanations, a finding's why and fix) for rich-text labels, read
by Qt's own Markdown reader, as the lesson text is: one way to render Markdown in the window."""
from __future__ import annotations


def markdown_html(markdown: str) -> str:
    """Markdown (a lesson's ``explain``, its question's why, a verdict with inline HTML in front)
    as an HTML fragment for a rich-text label: Qt's Markdown reader (``QTextDocument.setMarkdown``,
    as the lesson text is shown), the body of its HTML without the document's own font."""
    from PySide6.QtGui import QTextDocument
    doc = QTextDocument()
    doc.setMarkdown(str(markdown))
    page = doc.toHtml()
    body = page.find("<body")
    start = page.find(">", body) + 1 if body >= 0 else 0
    end = page.rfind("</body>")
    return page[start:end if end >= 0 else len(page)].strip()
