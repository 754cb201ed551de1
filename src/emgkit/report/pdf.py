"""The PDF rendering of the report (fpdf2): A4 pages, vector figures, wrapping tables.

The same :class:`~emgkit.report._blocks.Section` list as the HTML is laid out with fpdf2:

* figures are the SVG the HTML embeds (drawn once by matplotlib, shared), placed as vectors;
* tables are real tables whose cells wrap (never cut with "..."), with the heading row repeated
  after a page break;
* a section heading is never left alone at the foot of a page (it moves to the next page with
  the start of its content);
* every page carries the subject pseudonym, the session date and "page n of N"; the contents on
  page one link to the sections, which are also PDF bookmarks.

The creation date is a fixed date (never the time of writing) and the file identifier derives
from the content, so the same input gives a byte-identical file. Fonts are DejaVu Sans
(shipped with matplotlib).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emgkit.report._blocks import FigureBlock, ItemList, Paragraph, Section, Table

if TYPE_CHECKING:
    from emgkit.recording import Recording

__all__ = ["write_pdf"]

_MARGIN = 15.0  # mm
#: The creation date written in every report PDF (a fixed date, so output is reproducible).
_FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)
_PURPLE = (63, 31, 102)


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _pdf_class() -> Any:
    from fpdf import FPDF

    class _Doc(FPDF):
        footer_text = ""

        def footer(self) -> None:
            self.set_y(-11)
            self.set_font("DejaVu Sans", "", 7)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, f"{self.footer_text}    page {self.page_no()} of {{nb}}", align="C")
            self.set_text_color(34, 34, 34)

    return _Doc


def _col_widths(pdf: Any, frame: Any, total: float) -> tuple[float, ...]:
    """Column widths (mm): every column at least as wide as its longest word (no word is
    broken), the remaining width shared in proportion to the column's longest text."""
    pad = 2.0
    mins, wants = [], []
    style, size = pdf.font_style, pdf.font_size_pt
    for c in frame.columns:
        texts = [str(v) for v in frame[c]]
        words = [w for t in texts for w in t.split()] or [""]
        pdf.set_font(style="B")  # the heading row is bold
        head = max((pdf.get_string_width(w) for w in str(c).split()), default=0.0)
        head_all = pdf.get_string_width(str(c))
        pdf.set_font(style=style, size=size)
        mins.append(max(head, *(pdf.get_string_width(w) for w in words)) + pad)
        body = max((pdf.get_string_width(t) for t in texts), default=0.0)
        wants.append(min(max(head_all, body) + pad, 70.0))
    base = sum(mins)
    if base >= total:
        return tuple(m * total / base for m in mins)
    extra = [max(w - m, 0.0) for w, m in zip(wants, mins, strict=True)]
    spare = total - base
    k = min(1.0, spare / sum(extra)) if sum(extra) > 0 else 0.0
    w = [m + e * k for m, e in zip(mins, extra, strict=True)]
    left = total - sum(w)
    return tuple(x + left * x / sum(w) for x in w)


class _Writer:
    def __init__(self, pdf: Any, svgs: dict[int, str]) -> None:
        self.pdf = pdf
        self.svgs = svgs
        self.width = pdf.w - 2 * _MARGIN

    def font(self, size: float, style: str = "") -> None:
        self.pdf.set_font("DejaVu Sans", style, size)

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.pdf.will_page_break(height):
            self.pdf.add_page()

    def heading(
        self, text: str, size: float = 13.0, link: int | None = None, keep: float = 40
    ) -> None:
        self.keep(keep)
        if link is not None:
            self.pdf.set_link(link, y=self.pdf.get_y())
            self.pdf.start_section(text, level=0)
        self.font(size, "B")
        self.pdf.set_text_color(*_PURPLE)
        self.pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(34, 34, 34)
        self.pdf.ln(1.5)

    def paragraph(self, text: str, note: bool = False) -> None:
        self.font(9)
        if note:
            self.pdf.set_fill_color(255, 248, 225)
            self.pdf.multi_cell(
                0, 4.4, text, fill=True, padding=(1.5, 2.0), new_x="LMARGIN", new_y="NEXT"
            )
            self.pdf.set_fill_color(255, 255, 255)
        else:
            self.pdf.multi_cell(0, 4.4, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def table(self, t: Table) -> None:
        from fpdf.fonts import FontFace

        df = t.frame
        self.font(7.5)
        self.keep(18)
        self.pdf.set_fill_color(255, 255, 255)
        with self.pdf.table(
            col_widths=_col_widths(self.pdf, df, self.width),
            width=self.width,
            text_align="LEFT",
            line_height=3.6,
            headings_style=FontFace(emphasis="BOLD", fill_color=(241, 236, 246)),
            repeat_headings=1,
            padding=0.8,
        ) as table:
            row = table.row()
            for c in df.columns:
                row.cell(str(c))
            for values in df.itertuples(index=False):
                row = table.row()
                for v in values:
                    row.cell(str(v))
        self.pdf.ln(1)
        if t.caption:
            self.font(7.5)
            self.pdf.set_text_color(85, 85, 85)
            self.pdf.multi_cell(0, 3.6, t.caption, new_x="LMARGIN", new_y="NEXT")
            self.pdf.set_text_color(34, 34, 34)
        self.pdf.ln(2)

    def figure(self, fb: FigureBlock) -> None:
        fig = fb.figure
        fw, fh = (float(x) for x in fig.get_size_inches())
        w = min(self.width, fw * 25.4)
        h = w * fh / fw
        avail = self.pdf.h - 2 * _MARGIN - 10
        if h > avail:
            w, h = w * avail / h, avail
        self.keep(h + 10)
        svg = self.svgs.get(id(fig))
        if svg is None:
            from emgkit.report._svg import figure_svg

            svg = figure_svg(fig, f"emgkit-pdf-{id(fig)}")
        self.pdf.set_fill_color(0, 0, 0)  # SVG text without a fill colour is black
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.image(io.BytesIO(svg.encode("utf-8")), x=_MARGIN, w=w, h=h)
        self.pdf.set_fill_color(255, 255, 255)
        if fb.caption:
            self.font(7.5)
            self.pdf.set_text_color(85, 85, 85)
            self.pdf.multi_cell(0, 3.6, fb.caption, new_x="LMARGIN", new_y="NEXT")
            self.pdf.set_text_color(34, 34, 34)
        self.pdf.ln(2)

    def items(self, b: ItemList) -> None:
        if b.title:
            self.heading(b.title, 10.5, keep=20)
        for level, text in b.items:
            tag = f"[{level}] " if level else "- "
            self.font(8.5)
            self.pdf.multi_cell(0, 4.0, tag + text, new_x="LMARGIN", new_y="NEXT")
            self.pdf.ln(0.8)
        self.pdf.ln(1.5)


def write_pdf(
    rec: Recording,
    sections: list[Section],
    path: str | Path,
    svgs: dict[int, str] | None = None,
    *,
    title: str | None = None,
    subtitle: str | None = None,
) -> Path:
    """Write ``sections`` as a PDF at ``path`` (deterministic: fixed date, content-derived id).

    Parameters
    ----------
    rec : Recording
        The session (subject pseudonym, session, date, device for the title and footers).
    sections : list of Section
        The report content (:func:`emgkit.report._blocks.build_sections`).
    path : path
        Output file.
    svgs : dict, optional
        SVG text of each figure keyed by ``id(figure)`` (the HTML's, so figures are drawn
        once); figures missing from it are drawn here.
    title, subtitle : str, optional
        Replace the session title and the session/device line (e.g. a progress report).

    Returns
    -------
    Path
        ``path``.
    """
    info = rec.info
    subject = info.subject or "anonymous"
    date = info.date.date().isoformat() if info.date else "date not recorded"
    pdf = _pdf_class()(orientation="P", unit="mm", format="A4")
    pdf.footer_text = f"emgkit bridge report - subject {subject} - {date}"
    fonts = _font_dir()
    pdf.add_font("DejaVu Sans", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu Sans", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_creation_date(_FIXED_DATE)  # never 'now': same input, same bytes
    title = title or f"Gluteal bridge test: subject {subject}"
    pdf.set_title(title)
    pdf.set_creator("emgkit")
    pdf.set_lang("en")
    pdf.set_text_color(34, 34, 34)
    pdf.add_page()
    w = _Writer(pdf, svgs or {})
    w.heading(title, 16, keep=10)
    w.font(9)
    w.paragraph(
        subtitle
        or f"Session {info.session or '-'}, {date}; device {info.device or 'not recorded'}, "
        f"{rec.fs:g} Hz. Surface EMG report generated by emgkit; not a diagnosis."
    )
    links = {s.id: pdf.add_link() for s in sections}
    w.font(8)
    pdf.set_text_color(29, 79, 145)
    toc = "   ".join(f"{i}. {s.title}" for i, s in enumerate(sections, 1))
    # the contents: one clickable line per section, two columns
    col_w = w.width / 2
    for i, s in enumerate(sections):
        x = _MARGIN + (i % 2) * col_w
        if i % 2 == 0 and i:
            pdf.ln(4)
        pdf.set_x(x)
        pdf.cell(col_w, 4, f"{i + 1}. {s.title}", link=links[s.id])
    del toc
    pdf.ln(7)
    pdf.set_text_color(34, 34, 34)
    for s in sections:
        w.heading(s.title, 13, link=links[s.id])
        for b in s.blocks:
            if isinstance(b, Paragraph):
                w.paragraph(b.text, note=b.kind == "note")
            elif isinstance(b, Table):
                w.table(b)
            elif isinstance(b, FigureBlock):
                w.figure(b)
            elif isinstance(b, ItemList):
                w.items(b)
    path = Path(path)
    data = bytes(pdf.output())
    path.write_bytes(data)
    return path
