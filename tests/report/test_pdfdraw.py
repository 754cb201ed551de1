"""Figures drawn once: the SVG and the PDF operators come from one matplotlib pass."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import numpy as np
import pytest
from matplotlib.figure import Figure

from emgkit.recording import Recording
from emgkit.report._blocks import FigureBlock, Paragraph, Section
from emgkit.report._pdfdraw import PdfFigure
from emgkit.report._svg import figure_drawings, figure_svg, figure_svgs
from emgkit.report.pdf import write_pdf


def _figure() -> Figure:
    fig = Figure(figsize=(4.0, 2.0))  # 288 x 144 points
    ax = fig.add_axes((0.25, 0.25, 0.5, 0.5))  # axes from (72, 36) to (216, 108) points
    ax.plot([0.0, 1.0], [0.0, 1.0], color="#ff0000", lw=2.0)
    ax.bar([0.5], [0.5], 0.2, color="#0000ff", alpha=0.25)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.text(0.5, 0.9, "Title here", fontsize=10, fontweight="bold")
    ax.set_ylabel("rotated label")
    return fig


def _sections(fig: Figure) -> list[Section]:
    return [Section("s", "A section", [Paragraph("text"), FigureBlock(fig, "caption")])]


def test_svg_is_the_same_with_and_without_the_pdf_recorder():
    fig = _figure()
    secs = _sections(fig)
    svgs, drawings = figure_drawings(secs)
    assert svgs == figure_svgs(secs)  # the recorder does not change a byte of the SVG
    assert list(drawings) == [id(fig)]
    assert svgs[id(fig)] == figure_svg(fig, "emgkit-report-2")


def test_recorded_operators_and_text():
    fig = _figure()
    _, drawings = figure_drawings(_sections(fig))
    d = drawings[id(fig)]
    assert isinstance(d, PdfFigure) and d.complete
    assert (d.width, d.height) == (288.0, 144.0)
    ops = b"".join(it[1] for it in d.items if it[0] == "ops")
    # the red diagonal from the axes' bottom left (72, 36) to its top right (216, 108), 2 pt,
    # clipped to the axes
    assert b"72 36 m\n216 108 l\n S" in ops
    assert b"1 0 0 RG 2 w" in ops
    assert b"72 36 144 72 re W n" in ops
    # the bar at a quarter opacity: its own run of operators with fill alpha 0.25
    alpha = [it for it in d.items if it[0] == "ops" and it[3] == 0.25]
    assert alpha and b"0 0 1 rg" in alpha[0][1]
    texts = {it[4]: it for it in d.items if it[0] == "text"}
    title = texts["Title here"]
    assert title[1] == pytest.approx(144.0) and title[5] == 10.0 and title[6] is True
    # baseline y is counted up from the bottom (the SVG canvas counts down): above 0.9 * 144
    # minus the descent, below the top
    assert 125.0 < title[2] < 133.0
    assert texts["rotated label"][3] == pytest.approx(90.0)
    assert "0.5" in texts  # tick labels are text


def test_a_figure_the_recorder_cannot_draw_falls_back_to_the_svg(tmp_path):
    fig = Figure(figsize=(3.0, 2.0))
    ax = fig.add_subplot()
    ax.imshow(np.arange(12.0).reshape(3, 4))
    secs = _sections(fig)
    svgs, drawings = figure_drawings(secs)
    assert not drawings[id(fig)].complete
    rec = Recording(np.zeros((10, 1)), 100.0, ["ch"])
    path = write_pdf(rec, secs, tmp_path / "r.pdf", svgs, drawings=drawings)
    assert path.read_bytes().startswith(b"%PDF")  # placed through the SVG reader instead


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_figure_text_in_the_pdf_is_text(tmp_path):
    fig = _figure()
    secs = _sections(fig)
    svgs, drawings = figure_drawings(secs)
    rec = Recording(np.zeros((10, 1)), 100.0, ["ch"])
    path = write_pdf(rec, secs, tmp_path / "r.pdf", svgs, drawings=drawings)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Title here" in text and "rotated label" in text
    # the page holds the recorded operators (the red line in the figure's coordinates)
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", path.read_bytes(), re.S)
    body = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    assert b"1 0 0 RG 2 w" in body


def test_a_recorder_failure_costs_no_figure(tmp_path, monkeypatch):
    # matplotlib's private path converter gone (a future version): the SVG is unchanged and
    # the PDF places the figure through the SVG reader
    from emgkit.report import _pdfdraw

    fig = _figure()
    secs = _sections(fig)
    expected = figure_svgs(secs)
    monkeypatch.setattr(_pdfdraw, "_to_string", None)
    svgs, drawings = figure_drawings(secs)
    assert svgs == expected
    assert not drawings[id(fig)].complete
    rec = Recording(np.zeros((10, 1)), 100.0, ["ch"])
    path = write_pdf(rec, secs, tmp_path / "r.pdf", svgs, drawings=drawings)
    assert path.read_bytes().startswith(b"%PDF")
