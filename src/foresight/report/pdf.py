"""The PDF brief: the HTML brief laid out on A4 pages by WeasyPrint (the `pdf` extra).

WeasyPrint honours CSS paged media, so the print stylesheet's page margins carry the
TLP marking at the top and bottom of every page and the page number ("page 2 of 6").
"""

from __future__ import annotations

import logging

from foresight.errors import ReportError

INSTALL_HINT = "install it with: pip install 'foresight[pdf]'"


def html_to_pdf(html: str) -> bytes:
    """Lay out an HTML brief (self-contained: no outside file) as a PDF."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: a system library (Pango) is missing
        raise ReportError(f"writing a PDF needs WeasyPrint ({exc}); {INSTALL_HINT}") from None
    # WeasyPrint reports CSS it does not support (screen-only rules) as warnings.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        document = HTML(string=html, base_url=None)
        return document.write_pdf()
    except Exception as exc:  # a layout failure, whatever its kind, is a report problem
        raise ReportError(f"cannot lay out the PDF: {type(exc).__name__}: {exc}") from None
