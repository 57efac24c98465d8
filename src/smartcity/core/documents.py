"""Plain PDF documents (receipts, decisions) with fpdf2.

The PDF core fonts cover Latin-1 only; German text fits, typographic quotes and dashes are
mapped to their plain forms, and anything else becomes "?" rather than failing the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from starlette.responses import Response

if TYPE_CHECKING:
    from smartcity.core.tenancy.models import Municipality

REPLACEMENTS = str.maketrans(
    {
        "„": '"',
        "“": '"',
        "”": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "€": "EUR",
        "…": "...",
    }
)


# The OpenAPI description of a route that answers with a PDF.
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


def local_time(moment: datetime, municipality: Municipality) -> str:
    """`moment` as the municipality's letters write it: "31.12.2026, 16:00 Uhr"."""
    return moment.astimezone(ZoneInfo(municipality.timezone)).strftime("%d.%m.%Y, %H:%M Uhr")


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF for the browser to show (inline), saved under `filename` if the user wants."""
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def latin1(text: str) -> str:
    return text.translate(REPLACEMENTS).encode("latin-1", "replace").decode("latin-1")


@dataclass
class Document:
    title: str
    issuer: str
    subtitle: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    small_print: list[str] = field(default_factory=list)

    def render(self) -> bytes:
        pdf = FPDF(format="A4")
        pdf.set_title(latin1(self.title))
        pdf.set_author(latin1(self.issuer))
        pdf.set_creator("smartcity")
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        pdf.cell(0, 6, latin1(self.issuer), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.multi_cell(0, 8, latin1(self.title), new_x="LMARGIN", new_y="NEXT")
        if self.subtitle:
            pdf.set_font("Helvetica", size=12)
            pdf.multi_cell(0, 7, latin1(self.subtitle), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        _facts(pdf, self.facts)
        pdf.set_font("Helvetica", size=11)
        for paragraph in self.paragraphs:
            pdf.multi_cell(0, 6, latin1(paragraph), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        if self.small_print:
            pdf.ln(4)
            pdf.set_font("Helvetica", size=7)
            for line in self.small_print:
                pdf.multi_cell(0, 3.5, latin1(line), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
        return bytes(pdf.output())


def _facts(pdf: FPDF, facts: Sequence[tuple[str, str]]) -> None:
    for label, value in facts:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.multi_cell(60, 6, latin1(label), new_x="RIGHT", new_y="TOP")
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 6, latin1(value) or "-", new_x="LMARGIN", new_y="NEXT")
    if facts:
        pdf.ln(4)
