"""Figures drawn once: inline SVG for the HTML and, in the same pass, PDF drawing operators."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from matplotlib.figure import Figure

from emgkit.report._blocks import FigureBlock, Section
from emgkit.report._pdfdraw import PdfFigure, PdfOps, Tee

__all__ = ["figure_drawings", "figure_svg", "figure_svgs"]


def figure_svg(fig: Figure, salt: str, pdf: PdfOps | None = None) -> str:
    """``fig`` as an inline ``<svg>`` element: text as text, fixed ids, no metadata or date.

    Parameters
    ----------
    fig : Figure
        The figure.
    salt : str
        SVG hash salt (the element ids derive from it; a fixed salt gives fixed output).
    pdf : PdfOps, optional
        Also records the figure's PDF drawing into this, in the same drawing pass (the SVG is
        the same either way).

    Returns
    -------
    str
        The ``<svg>`` element.
    """
    import matplotlib

    buf = io.StringIO()
    if pdf is not None:
        # savefig draws through Figure.draw(renderer): draw once through a renderer that
        # hands every call to the SVG renderer and to the PDF recorder
        def draw(renderer: object) -> None:
            Figure.draw(fig, Tee(renderer, pdf))  # type: ignore[arg-type]

        fig.draw = draw  # type: ignore[method-assign]
    try:
        with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
            fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        if pdf is not None:
            del fig.draw
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return svg.strip()


def _numbered_figures(sections: list[Section]) -> Iterator[tuple[Figure, str]]:
    """Every figure of ``sections`` with its SVG salt, ``emgkit-report-<block number>``.

    The salt depends only on the figure's place, so the same sections give the same SVG.
    """
    k = 0
    for s in sections:
        for b in s.blocks:
            k += 1
            if isinstance(b, FigureBlock):
                yield b.figure, f"emgkit-report-{k}"


def figure_drawings(sections: list[Section]) -> tuple[dict[int, str], dict[int, PdfFigure]]:
    """Every figure of ``sections`` drawn once: SVG for the HTML, PDF operators for the PDF.

    Both are keyed by ``id(figure)``; the SVG is the same as :func:`figure_svgs` gives.
    """
    svgs: dict[int, str] = {}
    pdfs: dict[int, PdfFigure] = {}
    for fig, salt in _numbered_figures(sections):
        w, h = (float(v) * 72.0 for v in fig.get_size_inches())
        ops = PdfOps(w, h)
        svgs[id(fig)] = figure_svg(fig, salt, ops)
        pdfs[id(fig)] = ops.figure
    return svgs, pdfs


def figure_svgs(sections: list[Section]) -> dict[int, str]:
    """Every figure of ``sections`` drawn once as SVG only, keyed by ``id(figure)``."""
    return {id(fig): figure_svg(fig, salt) for fig, salt in _numbered_figures(sections)}
