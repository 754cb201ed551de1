"""The PDF rendering of the report (fpdf2): A4 pages, vector figures, wrapping tables.

The same :class:`~emgkit.report._blocks.Section` list as the HTML is laid out with fpdf2:

* figures are vectors drawn in the same matplotlib pass as the SVG the HTML embeds (each figure
  is drawn once: :func:`emgkit.report._svg.figure_drawings`), their text kept as text; a
  figure given only as SVG is placed through fpdf2's SVG reader;
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
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emgkit.report._blocks import FigureBlock, ItemList, Paragraph, Section, Table, session_line

if TYPE_CHECKING:
    from emgkit.recording import Recording
    from emgkit.report._pdfdraw import PdfFigure

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


def _col_widths(w: _Writer, frame: Any, total: float) -> tuple[float, ...]:
    """Column widths (mm) of a table ``total`` mm wide.

    Every column is at least as wide as its longest word (no word is broken); the remaining
    width is shared in proportion to the column's longest text.
    """
    pad = 2 * _CELL_PAD + 0.4
    mins, wants = [], []
    size = w.size
    for c in frame.columns:
        texts = [str(v) for v in frame[c]]
        words = [x for t in texts for x in t.split()] or [""]
        w.font(size, "B")  # the heading row is bold
        head = max((w.width_of(x) for x in str(c).split()), default=0.0)
        head_all = w.width_of(str(c))
        w.font(size)
        mins.append(max(head, *(w.width_of(x) for x in words)) + pad)
        body = max((w.width_of(t) for t in texts), default=0.0)
        wants.append(min(max(head_all, body) + pad, 70.0))
    base = sum(mins)
    if base >= total:
        return tuple(m * total / base for m in mins)
    extra = [max(x - m, 0.0) for x, m in zip(wants, mins, strict=True)]
    spare = total - base
    k = min(1.0, spare / sum(extra)) if sum(extra) > 0 else 0.0
    out = [m + e * k for m, e in zip(mins, extra, strict=True)]
    left = total - sum(out)
    return tuple(x + left * x / sum(out) for x in out)


_CELL_PAD = 0.8  # mm, inside table cells
_GRID = (190, 190, 190)
_HEAD_FILL = (241, 236, 246)


class _Writer:
    """Text layout and drawing for the PDF report.

    Lays text out itself (greedy left-aligned line breaking on the font's glyph widths) and
    draws each line with ``cell``: fpdf2's ``multi_cell`` and ``table`` re-measure the whole
    line for every character added, which made text the largest cost of the report.
    """

    def __init__(
        self, pdf: Any, svgs: dict[int, str], drawings: dict[int, PdfFigure] | None = None
    ) -> None:
        self.pdf = pdf
        self.svgs = svgs
        self.drawings = drawings or {}
        self.width = pdf.w - 2 * _MARGIN
        self.size = 9.0
        self._widths: dict[tuple[str, float], dict[str, float]] = {}

    def font(self, size: float, style: str = "") -> None:
        self.size = size
        self.pdf.set_font("DejaVu Sans", style, size)

    def width_of(self, text: str) -> float:
        """Width of ``text`` in mm in the current font (cached per word)."""
        pdf = self.pdf
        cache = self._widths.setdefault((pdf.current_font.fontkey, pdf.font_size_pt), {})
        got = cache.get(text)
        if got is None:
            cw = pdf.current_font.cw
            got = sum(cw[ord(c)] for c in text) * pdf.font_size_pt * 0.001 / pdf.k
            cache[text] = got
        return got

    def wrap(self, text: str, width: float) -> list[str]:
        """Break ``text`` into lines no wider than ``width`` mm.

        Words longer than a line are split between characters; newlines are kept.
        """
        lines: list[str] = []
        space = self.width_of(" ")
        for para in text.split("\n"):
            cur: list[str] = []
            cur_w = 0.0
            for word in para.split():
                ww = self.width_of(word)
                if ww > width:  # a word wider than the line: split after _ / - first
                    if cur:
                        lines.append(" ".join(cur))
                        cur, cur_w = [], 0.0
                    piece = ""
                    for part in re.split(r"(?<=[_/-])", word):
                        if piece and self.width_of(piece + part) > width:
                            lines.append(piece)
                            piece = ""
                        if self.width_of(part) > width:  # still too wide: between characters
                            for ch in part:
                                if piece and self.width_of(piece + ch) > width:
                                    lines.append(piece)
                                    piece = ""
                                piece += ch
                        else:
                            piece += part
                    cur, cur_w = [piece], self.width_of(piece)
                    continue
                if cur and cur_w + space + ww > width:
                    lines.append(" ".join(cur))
                    cur, cur_w = [word], ww
                else:
                    cur_w += (space if cur else 0.0) + ww
                    cur.append(word)
            lines.append(" ".join(cur))
        return lines

    def text(
        self, text: str, h: float, *, fill: bool = False, indent: float = 0.0, first: str = ""
    ) -> None:
        """Draw ``text`` as left-aligned lines of height ``h`` (mm) over the text width.

        Page breaks are added as needed; ``first`` is a prefix on the first line with the rest
        indented under it.
        """
        pdf = self.pdf
        cm = pdf.c_margin
        hang = self.width_of(first) if first else 0.0
        avail = self.width - indent - 2 * cm - hang
        for i, line in enumerate(self.wrap(text, avail)):
            pdf.set_x(_MARGIN + indent + (hang if i else 0.0))
            w = self.width - indent - (hang if i else 0.0)
            pdf.cell(w, h, (first + line) if i == 0 else line, fill=fill)
            pdf.ln(h)

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
        self.text(text, size * 0.5)
        self.pdf.set_text_color(34, 34, 34)
        self.pdf.ln(1.5)

    def paragraph(self, text: str, note: bool = False) -> None:
        self.font(9)
        if note:
            pdf = self.pdf
            pdf.set_fill_color(255, 248, 225)
            cm, pdf.c_margin = pdf.c_margin, 2.0
            self.keep(4.4 + 3.0)
            pdf.cell(self.width, 1.5, "", fill=True, new_x="LMARGIN", new_y="NEXT")
            self.text(text, 4.4, fill=True)
            pdf.cell(self.width, 1.5, "", fill=True, new_x="LMARGIN", new_y="NEXT")
            pdf.c_margin = cm
            pdf.set_fill_color(255, 255, 255)
        else:
            self.text(text, 4.4)
        self.pdf.ln(2)

    def _row(
        self,
        cells: list[list[str]],
        widths: tuple[float, ...],
        lh: float,
        head: bool,
        heading: list[list[str]] | None,
    ) -> None:
        """One table row, split over pages when it is taller than what is left."""
        pdf = self.pdf
        n = max(len(c) for c in cells)
        i = 0
        while i < n:
            room = int((pdf.page_break_trigger - pdf.get_y() - 2 * _CELL_PAD) // lh)
            if room < min(n - i, 2):
                pdf.add_page()
                if heading is not None:
                    self._row(heading, widths, lh, True, None)
                continue
            k = min(n - i, room)
            h = k * lh + 2 * _CELL_PAD
            y = pdf.get_y()
            x = _MARGIN
            self.font(self.size, "B" if head else "")
            for lines, w in zip(cells, widths, strict=True):
                pdf.rect(x, y, w, h, style="DF" if head else "D")
                for j, line in enumerate(lines[i : i + k]):
                    pdf.set_xy(x, y + _CELL_PAD + j * lh)
                    pdf.cell(w, lh, line)
                x += w
            pdf.set_xy(_MARGIN, y + h)
            i += k

    def table(self, t: Table) -> None:
        df = t.frame
        pdf = self.pdf
        self.font(7.5)
        self.keep(18)
        widths = _col_widths(self, df, self.width)
        lh = 3.6
        cm = pdf.c_margin
        pdf.c_margin = _CELL_PAD
        pdf.set_draw_color(*_GRID)
        pdf.set_line_width(0.2)
        pdf.set_fill_color(*_HEAD_FILL)
        self.font(7.5, "B")
        heading = [
            self.wrap(str(c), w - 2 * _CELL_PAD) for c, w in zip(df.columns, widths, strict=True)
        ]
        self._row(heading, widths, lh, True, None)
        self.font(7.5)
        for values in df.itertuples(index=False):
            cells = [
                self.wrap(str(v), w - 2 * _CELL_PAD) for v, w in zip(values, widths, strict=True)
            ]
            self._row(cells, widths, lh, False, heading)
        pdf.c_margin = cm
        pdf.set_fill_color(255, 255, 255)
        pdf.set_draw_color(0, 0, 0)
        self.pdf.ln(1)
        if t.caption:
            self.font(7.5)
            self.pdf.set_text_color(85, 85, 85)
            self.text(t.caption, 3.6)
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
        drawn = self.drawings.get(id(fig))
        if drawn is not None and drawn.complete:
            y = self.pdf.get_y()
            drawn.place(self.pdf, _MARGIN, y, w)
            self.pdf.set_text_color(34, 34, 34)  # the figure's text set its own colours
            self.pdf.set_y(y + h)
        else:
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
            self.text(fb.caption, 3.6)
            self.pdf.set_text_color(34, 34, 34)
        self.pdf.ln(2)

    def items(self, b: ItemList) -> None:
        if b.title:
            self.heading(b.title, 10.5, keep=20)
        self.font(8.5)
        for level, text in b.items:
            self.text(text, 4.0, first=f"[{level}] " if level else "- ")
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
    drawings: dict[int, PdfFigure] | None = None,
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
    drawings : dict, optional
        PDF drawing of each figure keyed by ``id(figure)``, recorded when its SVG was drawn
        (:func:`emgkit.report._svg.figure_drawings`); placed instead of parsing the SVG.

    Returns
    -------
    Path
        ``path``.
    """
    info = rec.info
    subject = info.subject or "anonymous"
    date = info.date.date().isoformat() if info.date else "date not recorded"
    pdf = _pdf_class()(orientation="P", unit="mm", format="A4")
    where = date if subtitle else session_line(info)  # a progress report spans sessions
    pdf.footer_text = f"emgkit bridge report - subject {subject} - {where}"
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
    w = _Writer(pdf, svgs or {}, drawings)
    w.heading(title, 16, keep=10)
    w.font(9)
    w.paragraph(
        subtitle
        or f"{session_line(info)}; device {info.device or 'not recorded'}, "
        f"{rec.fs:g} Hz. Surface EMG report generated by emgkit; not a diagnosis."
    )
    links = {s.id: pdf.add_link() for s in sections}
    w.font(8)
    pdf.set_text_color(29, 79, 145)
    # the contents: one clickable line per section, two columns
    col_w = w.width / 2
    for i, s in enumerate(sections):
        x = _MARGIN + (i % 2) * col_w
        if i % 2 == 0 and i:
            pdf.ln(4)
        pdf.set_x(x)
        pdf.cell(col_w, 4, f"{i + 1}. {s.title}", link=links[s.id])
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
