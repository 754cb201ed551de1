"""The clinical report of a bridge session: a self-contained HTML file and a PDF.

Figures are embedded as inline SVG (text kept as text, fixed hash salt), the style sheet is
inline and there is no script, so the HTML opens offline and is byte-identical for the same
input. Every piece of user text (subject, notes, channel names, event values) is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from emgkit.report._blocks import (
    FigureBlock,
    ItemList,
    Paragraph,
    Section,
    Table,
    build_sections,
    session_line,
)
from emgkit.report._svg import figure_drawings, figure_svg

if TYPE_CHECKING:
    from emgkit.analysis.bridge import BridgeResult
    from emgkit.analysis.interpret import Flag
    from emgkit.montage import Montage
    from emgkit.recording import Recording

__all__ = ["ReportPaths", "render_html", "write_report"]

_CSS = """
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;font-size:14px;line-height:1.45;
color:#222;max-width:1100px;margin:0 auto;padding:16px 24px;background:#fff}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;border-bottom:2px solid #6a3d9a;
padding-bottom:2px;margin-top:28px}h3{font-size:15px;margin:14px 0 4px}
.sub{color:#555;margin:0 0 12px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:12.5px}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top;
overflow-wrap:break-word}
th{background:#f1ecf6}tr:nth-child(even) td{background:#fafafa}
caption{caption-side:bottom;text-align:left;color:#555;font-size:12px;padding-top:3px}
figure{margin:10px 0 18px}figure svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:12px}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px}
ul.flags li{margin:3px 0}.lvl{font-weight:bold;font-size:11px;padding:1px 5px;border-radius:3px;
margin-right:6px}.lvl-notable{background:#fbe3e4;color:#a01c22}.lvl-info{background:#e3effb;
color:#1d4f91}.lvl-limitation{background:#eee;color:#444}
nav ol{columns:2;font-size:13px}
footer{color:#777;font-size:11px;margin-top:30px;border-top:1px solid #ddd;padding-top:6px}
@media print{nav{display:none}h2{page-break-after:avoid}figure{page-break-inside:avoid}}
"""


@dataclass(frozen=True, slots=True)
class ReportPaths:
    """Where :func:`write_report` wrote the report."""

    html: Path
    pdf: Path


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(t: Table) -> str:
    df = t.frame
    out = ["<table>"]
    if t.caption:
        out.append(f"<caption>{_esc(t.caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{_esc(c)}</th>" for c in df.columns) + "</tr></thead>")
    out.append("<tbody>")
    for row in df.itertuples(index=False):
        out.append("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _block(b: object, salt: str, svgs: dict[int, str] | None = None) -> str:
    if isinstance(b, Paragraph):
        cls = ' class="note"' if b.kind == "note" else ""
        return f"<p{cls}>{_esc(b.text)}</p>"
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, FigureBlock):
        return (
            f"<figure>{(svgs or {}).get(id(b.figure)) or figure_svg(b.figure, salt)}"
            f"<figcaption>{_esc(b.caption)}</figcaption></figure>"
        )
    if isinstance(b, ItemList):
        head = f"<h3>{_esc(b.title)}</h3>" if b.title else ""
        lis = []
        for level, text in b.items:
            tag = f'<span class="lvl lvl-{_esc(level)}">{_esc(level)}</span>' if level else ""
            lis.append(f"<li>{tag}{_esc(text)}</li>")
        return head + '<ul class="flags">' + "".join(lis) + "</ul>"
    raise TypeError(f"unknown report block {type(b).__name__}")


def render_html(
    rec: Recording,
    sections: list[Section],
    svgs: dict[int, str] | None = None,
    *,
    title: str | None = None,
    subtitle: str | None = None,
) -> str:
    """The report as one self-contained HTML5 document (no script, no external resource).

    ``svgs`` (from :func:`~emgkit.report._svg.figure_drawings`) are the figures already drawn;
    missing ones are drawn.

    Parameters
    ----------
    rec : Recording
        The recording; its session info, device and ``fs`` (Hz) fill the header line.
    sections : list of Section
        The report's content, in order (one table-of-contents entry each).
    svgs : dict of int to str, optional
        SVG text of each figure keyed by ``id(figure)``, as
        :func:`~emgkit.report._svg.figure_drawings` returns.
    title : str, optional
        Page title; by default "Gluteal bridge test: subject <subject>".
    subtitle : str, optional
        Line under the title; by default the session, date, device and sampling rate.

    Returns
    -------
    str
        The HTML document (UTF-8 text, ending with a newline).
    """
    info = rec.info
    title = title or f"Gluteal bridge test: subject {info.subject or 'anonymous'}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="sub">{_esc(subtitle)}</p>'
        if subtitle
        else f'<p class="sub">{_esc(session_line(info))}; device '
        f"{_esc(info.device or 'not recorded')}, {rec.fs:g} Hz. Surface EMG report generated by "
        "emgkit; not a diagnosis.</p>",
        "</header>",
        "<nav><ol>",
    ]
    parts += [f'<li><a href="#{s.id}">{_esc(s.title)}</a></li>' for s in sections]
    parts.append("</ol></nav>")
    k = 0
    for s in sections:
        parts.append(f'<section id="{s.id}">')
        parts.append(f"<h2>{_esc(s.title)}</h2>")
        for b in s.blocks:
            k += 1
            parts.append(_block(b, f"emgkit-report-{k}", svgs))
        parts.append("</section>")
    parts.append(
        "<footer>Generated by emgkit from the recording and its analysis parameters; the same "
        "input gives the same report. Interpretation statements are not a diagnosis.</footer>"
    )
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def write_report(
    recording: Recording,
    result: BridgeResult,
    out_dir: str | Path,
    *,
    flags: list[Flag] | None = None,
    basename: str = "report",
    montage: Montage | None = None,
    png: Mapping[str, str | Path] | None = None,
) -> ReportPaths:
    """Write the clinical report of a bridge session as HTML and PDF.

    Parameters
    ----------
    recording : Recording
        The session (channels with muscle and side, trial/rep/hold events, optional "pain" and
        "felt" events, a rest trial for the noise floor).
    result : BridgeResult
        Its analysis (:func:`emgkit.analysis.bridge.analyze_bridge`).
    out_dir : path
        Folder for ``<basename>.html`` and ``<basename>.pdf`` (created if missing).
    flags : list of Flag, optional
        Interpretation flags; by default :func:`emgkit.analysis.interpret.interpret` is called
        (when it is not implemented the report says "interpretation not available").
    basename : str
        File name without extension.
    montage : Montage, optional
        Placement details for the methods section (default: the montage named in the file).
    png : mapping of str to path, optional
        Also save some of the report's figures as PNG (110 dpi), by name: ``glute_sides``,
        ``trial_envelopes``, ``pct_mvc``, ``ratios``, ``symmetry``, ``onset_timeline``
        (a figure the report does not have is skipped). The same figure objects as the
        report's: nothing is recomputed.

    Returns
    -------
    ReportPaths
        ``html`` and ``pdf`` paths.
    """
    from matplotlib.figure import Figure

    from emgkit.report.pdf import write_pdf

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sections = build_sections(recording, result, flags=flags, montage=montage)
    html_path = out / f"{basename}.html"
    pdf_path = out / f"{basename}.pdf"
    # every figure drawn once: its SVG for the HTML and its PDF operators in the same pass
    svgs, drawings = figure_drawings(sections)
    html_path.write_text(render_html(recording, sections, svgs), encoding="utf-8")
    write_pdf(recording, sections, pdf_path, svgs, drawings=drawings)
    if png:
        for s in sections:
            for b in s.blocks:
                if isinstance(b, FigureBlock) and b.name in png:
                    b.figure.savefig(png[b.name], dpi=110, format="png")
    for s in sections:
        for b in s.blocks:
            if isinstance(b, FigureBlock) and isinstance(b.figure, Figure):
                b.figure.clear()
    return ReportPaths(html_path, pdf_path)
