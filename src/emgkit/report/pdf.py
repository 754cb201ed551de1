"""The PDF rendering of the report: A4 text pages (tables in monospace) and one page per figure.

Written with matplotlib's ``PdfPages`` with ``CreationDate`` removed, so the file is
byte-identical for the same input. Text is drawn with math parsing off (a ``$`` in a subject's
notes stays a dollar sign).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from emgkit.report._blocks import FigureBlock, ItemList, Paragraph, Section, Table

if TYPE_CHECKING:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from emgkit.recording import Recording

__all__ = ["write_pdf"]

_W, _H = 8.27, 11.69  # A4 portrait, inches
_MARGIN = 0.6
_TEXT_W = _W - 2 * _MARGIN


class _Pager:
    """Lays text out top to bottom on A4 pages and writes full pages to ``pdf``."""

    def __init__(self, pdf: PdfPages, footer: str) -> None:
        self.pdf = pdf
        self.footer = footer
        self.page_no = 0
        self.fig: Figure | None = None
        self.y = 0.0

    def _new(self) -> None:
        from matplotlib.figure import Figure

        self.flush()
        self.fig = Figure(figsize=(_W, _H))
        self.y = _H - _MARGIN

    def flush(self) -> None:
        if self.fig is not None:
            self.page_no += 1
            self._text(_MARGIN, 0.35, f"{self.footer}    page {self.page_no}", 7, colour="#777777")
            self.pdf.savefig(self.fig)
            self.fig.clear()
            self.fig = None

    def _text(
        self,
        x: float,
        y: float,
        s: str,
        size: float,
        *,
        weight: str = "normal",
        family: str = "DejaVu Sans",
        colour: str = "#222222",
    ) -> None:
        assert self.fig is not None
        self.fig.text(
            x / _W,
            y / _H,
            s,
            fontsize=size,
            fontweight=weight,
            family=family,
            color=colour,
            va="top",
            ha="left",
            parse_math=False,
        )

    def need(self, height: float) -> None:
        if self.fig is None or self.y - height < _MARGIN + 0.3:
            self._new()

    def heading(self, s: str, size: float = 13) -> None:
        self.need(0.9)
        self._text(_MARGIN, self.y, s, size, weight="bold", colour="#3f1f66")
        self.y -= size / 72 * 1.7

    def lines(
        self, lines: list[str], size: float, family: str = "DejaVu Sans", colour: str = "#222222"
    ) -> None:
        step = size / 72 * 1.35
        for ln in lines:
            self.need(step)
            self._text(_MARGIN, self.y, ln, size, family=family, colour=colour)
            self.y -= step
        self.y -= step * 0.5

    def paragraph(self, text: str, note: bool = False) -> None:
        size = 8.5
        width = int(_TEXT_W * 72 / (size * 0.55))
        self.lines(
            textwrap.wrap(text, width) or [""], size, colour="#8a5a00" if note else "#222222"
        )

    def table(self, t: Table) -> None:
        df = t.frame
        cols = [str(c) for c in df.columns]
        cells = [
            [s if len(s) <= 100 else s[:97] + "..." for s in df[c].astype(str)] for c in df.columns
        ]
        widths = [max([len(h), *(len(v) for v in col)]) for h, col in zip(cols, cells, strict=True)]
        text = ["  ".join(h.ljust(w) for h, w in zip(cols, widths, strict=True)).rstrip()]
        text.append("  ".join("-" * w for w in widths))
        for i in range(len(df)):
            text.append(
                "  ".join(col[i].ljust(w) for col, w in zip(cells, widths, strict=True)).rstrip()
            )
        longest = max((len(s) for s in text), default=1)
        size = max(4.5, min(7.5, _TEXT_W * 72 / (0.61 * longest)))
        self.lines(text, size, family="DejaVu Sans Mono")
        if t.caption:
            self.paragraph(t.caption)

    def figure(self, fb: FigureBlock, dpi: float = 150.0) -> None:
        """Draw the figure as a raster image across the text width (kept in the text flow)."""
        import numpy as np
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = fb.figure
        canvas = FigureCanvasAgg(fig)
        fig.set_dpi(dpi)  # rasterised: keeps the figure in the text flow
        canvas.draw()
        img = np.asarray(canvas.buffer_rgba())
        h_px, w_px = img.shape[:2]
        w = _TEXT_W
        h = w * h_px / w_px
        max_h = _H - 2 * _MARGIN - 0.9
        if h > max_h:
            w, h = w * max_h / h, max_h
        self.need(h + 0.1)
        assert self.fig is not None
        ax = self.fig.add_axes((_MARGIN / _W, (self.y - h) / _H, w / _W, h / _H))
        ax.imshow(img, interpolation="none", aspect="auto")
        ax.set_axis_off()
        self.y -= h + 0.08
        if fb.caption:
            self.paragraph(fb.caption)


def write_pdf(rec: Recording, sections: list[Section], path: str | Path) -> Path:
    """Write ``sections`` as a PDF at ``path`` (deterministic: no creation date)."""
    from matplotlib.backends.backend_pdf import PdfPages

    info = rec.info
    date = info.date.date().isoformat() if info.date else "date not recorded"
    footer = f"emgkit bridge report, subject {info.subject or 'anonymous'}, {date}"
    path = Path(path)
    meta = {
        "CreationDate": None,
        "Title": f"Gluteal bridge test: subject {info.subject or 'anonymous'}",
        "Creator": "emgkit",
    }
    with PdfPages(path, metadata=meta) as pdf:
        pg = _Pager(pdf, footer)
        pg.need(1.0)
        pg.heading(f"Gluteal bridge test: subject {info.subject or 'anonymous'}", 16)
        pg.paragraph(
            f"Session {info.session or '-'}, {date}; device {info.device or 'not recorded'}, "
            f"{rec.fs:g} Hz. Surface EMG report generated by emgkit; not a diagnosis."
        )
        for s in sections:
            pg.heading(s.title)
            for b in s.blocks:
                if isinstance(b, Paragraph):
                    pg.paragraph(b.text, note=b.kind == "note")
                elif isinstance(b, Table):
                    pg.table(b)
                elif isinstance(b, FigureBlock):
                    pg.figure(b)
                elif isinstance(b, ItemList):
                    if b.title:
                        pg.heading(b.title, 10)
                    for level, text in b.items:
                        tag = f"[{level}] " if level else "- "
                        pg.paragraph(tag + text)
        pg.flush()
    return path
