"""Figures as inline SVG, drawn once and shared by the HTML and the PDF report."""

from __future__ import annotations

import io
import re

from matplotlib.figure import Figure

from emgkit.report._blocks import FigureBlock, Section

__all__ = ["figure_svg", "figure_svgs"]


def figure_svg(fig: Figure, salt: str) -> str:
    """``fig`` as an inline ``<svg>`` element: text as text, fixed ids, no metadata or date."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return svg.strip()


def figure_svgs(sections: list[Section]) -> dict[int, str]:
    """Every figure of ``sections`` drawn once as SVG, keyed by ``id(figure)``.

    The salt of each figure is its block number, so the same sections give the same SVG; HTML
    and PDF both use these strings (figures are never drawn twice).
    """
    out: dict[int, str] = {}
    k = 0
    for s in sections:
        for b in s.blocks:
            k += 1
            if isinstance(b, FigureBlock):
                out[id(b.figure)] = figure_svg(b.figure, f"emgkit-report-{k}")
    return out
