"""Letters as PDF (receipts, decisions) with fpdf2, laid out as an official German letter
after DIN 5008 (form B): the letterhead, the address field with the sender line above the
addressee, the information block with the references and the date on the right, the subject
in bold, the text ranged left (never justified: that leaves wide gaps), fold and hole marks
at the left edge and the page number at the foot.

The PDF core fonts are used with the Windows-1252 encoding, which holds the German letters,
"€", typographic quotes and dashes; anything else becomes "?" rather than failing the letter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fpdf import FPDF, FontFace
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from smartcity.core.tenancy.models import Municipality, MunicipalityProfile
from smartcity.core.web import i18n

ENCODING = "windows-1252"
# DIN 5008 form B, in millimetres from the page's top left corner.
LEFT = 25.0
RIGHT = 20.0
ADDRESS_TOP = 45.0  # the address field: 85 × 45 mm
SENDER_LINE_TOP = 50.0
RECIPIENT_TOP = 62.7
INFO_LEFT = 125.0  # the information block beside the address field
INFO_TOP = 50.0
SUBJECT_TOP = 98.5
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5
GREY = (90, 90, 90)

# The OpenAPI description of a route that answers with a PDF.
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


def local_time(moment: datetime, municipality: Municipality, language: str = "de") -> str:
    """`moment` as the municipality's letters write it: "31.12.2026, 16:00 Uhr" (English:
    "31 December 2026, 16:00")."""
    return i18n.moment(moment, municipality.timezone, language)


@dataclass(frozen=True)
class Sender:
    """Who a municipality's letters come from: its postal address (for the sender line) and
    how to reach it (for the information block), as its profile gives them."""

    address: str = ""
    phone: str = ""
    email: str = ""


def sender_of(db: Session, municipality: Municipality) -> Sender:
    profile = db.scalar(
        select(MunicipalityProfile).where(MunicipalityProfile.municipality_id == municipality.id)
    )
    if profile is None:
        return Sender()
    return Sender(
        profile.contact_address or "", profile.contact_phone or "", profile.contact_email or ""
    )


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF for the browser to show (inline), saved under `filename` if the user wants."""
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def printable(text: str) -> str:
    """`text` as the core fonts can print it."""
    return text.encode(ENCODING, "replace").decode(ENCODING)


@dataclass
class Document:
    """A letter. `title` is its subject; `facts` a table of label and value below the text;
    `recipient` the lines of the address field; `references` the information block (our
    reference, the office, its contact, the date)."""

    title: str
    issuer: str
    subtitle: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    small_print: list[str] = field(default_factory=list)
    office: str = ""
    sender_address: str = ""
    recipient: list[str] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)
    language: str = "de"

    def render(self) -> bytes:
        pdf = _Letter(self.language)
        pdf.core_fonts_encoding = ENCODING
        pdf.set_title(printable(self.title))
        pdf.set_author(printable(self.issuer))
        pdf.set_creator("smartcity")
        pdf.set_margins(LEFT, 20, RIGHT)
        pdf.set_auto_page_break(True, margin=22)
        pdf.add_page()
        self._letterhead(pdf)
        self._address_field(pdf)
        self._information_block(pdf)
        pdf.set_xy(LEFT, SUBJECT_TOP)
        pdf.set_font("Helvetica", style="B", size=12)
        pdf.multi_cell(0, 6, printable(self.title), new_x="LMARGIN", new_y="NEXT")
        if self.subtitle:
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 6, printable(self.subtitle), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_font("Helvetica", size=11)
        for paragraph in self.paragraphs:
            pdf.multi_cell(0, 5.5, printable(paragraph), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        _facts(pdf, self.facts)
        if self.small_print:
            pdf.ln(4)
            pdf.set_font("Helvetica", size=7)
            pdf.set_text_color(*GREY)
            for line in self.small_print:
                pdf.multi_cell(0, 3.5, printable(line), align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
            pdf.set_text_color(0)
        return bytes(pdf.output())

    def _letterhead(self, pdf: FPDF) -> None:
        pdf.set_xy(LEFT, 15)
        pdf.set_font("Helvetica", style="B", size=15)
        pdf.cell(0, 7, printable(self.issuer), new_x="LMARGIN", new_y="NEXT")
        if self.office:
            pdf.set_font("Helvetica", size=11)
            pdf.cell(0, 6, printable(self.office), new_x="LMARGIN", new_y="NEXT")

    def _address_field(self, pdf: FPDF) -> None:
        # The sender line: small, in one line above the addressee, seen in a window envelope.
        parts = [self.issuer, self.office, *self.sender_address.splitlines()]
        sender = " · ".join(p.strip() for p in parts if p.strip())
        pdf.set_xy(LEFT, SENDER_LINE_TOP)
        pdf.set_font("Helvetica", style="U", size=7)
        pdf.cell(85, 4, printable(sender)[:110])
        pdf.set_font("Helvetica", size=10)
        pdf.set_xy(LEFT, RECIPIENT_TOP)
        for line in self.recipient[:6]:
            pdf.cell(85, 4.5, printable(line), new_x="LMARGIN", new_y="NEXT")

    def _information_block(self, pdf: FPDF) -> None:
        y = INFO_TOP
        for label, value in self.references:
            pdf.set_xy(INFO_LEFT, y)
            pdf.set_font("Helvetica", size=7)
            pdf.set_text_color(*GREY)
            pdf.cell(0, 3.5, printable(label))
            pdf.set_text_color(0)
            pdf.set_font("Helvetica", size=9)
            pdf.set_xy(INFO_LEFT, y + 3.5)
            pdf.multi_cell(210 - INFO_LEFT - RIGHT, 4.2, printable(value), align="L")
            y = pdf.get_y() + 1.5


class _Letter(FPDF):
    """The marks at the left edge and the page number on every page."""

    def __init__(self, language: str) -> None:
        super().__init__(format="A4")
        self.language = language

    def header(self) -> None:
        self.set_draw_color(150)
        self.set_line_width(0.2)
        for y in FOLD_MARKS:
            self.line(4, y, 8, y)
        self.line(4, HOLE_MARK, 10, HOLE_MARK)
        if self.page_no() > 1:
            self.set_y(20)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.set_text_color(*GREY)
        text = "Seite {} von {{nb}}" if self.language == "de" else "Page {} of {{nb}}"
        self.cell(0, 5, text.format(self.page_no()), align="R")
        self.set_text_color(0)


def _facts(pdf: FPDF, facts: list[tuple[str, str]]) -> None:
    """Label and value side by side; a long label or value wraps inside its own column, and
    the row grows with the taller of the two (nothing runs into the next row)."""
    if not facts:
        return
    pdf.set_font("Helvetica", size=10)
    label_style = FontFace(emphasis="BOLD")
    with pdf.table(
        width=210 - LEFT - RIGHT,
        align="LEFT",
        col_widths=(62, 103),
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
        padding=(1.2, 1.5, 1.2, 0),
        text_align="LEFT",
        v_align="TOP",
    ) as table:
        for label, value in facts:
            row = table.row()
            row.cell(printable(label), style=label_style)
            row.cell(printable(value) or "–")
    pdf.ln(3)
