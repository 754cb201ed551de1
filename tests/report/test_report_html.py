"""The clinical report: well-formed self-contained HTML, escaping, determinism, PDF pages,
and a headless Chromium screenshot."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import warnings
from html.parser import HTMLParser
from typing import ClassVar

import numpy as np
import pytest

from emgkit.analysis.bridge import analyze_bridge
from emgkit.protocol import load_protocol
from emgkit.recording import Event, Recording
from emgkit.report.html import ReportPaths, write_report

EVIL_SUBJECT = "P<script>alert('s')</script>\"&"
EVIL_NOTES = "notes with <b>bold</b>, \"quotes\" & 'apostrophes' <img src=http://x/y.png>"
EVIL_FELT = "<img src=x onerror=alert(1)> glutes"
EVIL_CHANNEL = 'glute_max_L<i>"x"'


@pytest.fixture(scope="module")
def session() -> tuple[Recording, object]:
    from emgkit.simulate import synthesize_session

    proto = load_protocol("bridge").shortened(max_reps=2)
    rec, _ = synthesize_session("right_inhibition", fs=1000, protocol=proto, seed=1)
    chans = [
        dataclasses.replace(c, name=EVIL_CHANNEL) if c.name == "glute_max_L" else c
        for c in rec.channels
    ]
    info = dataclasses.replace(rec.info, subject=EVIL_SUBJECT, notes=EVIL_NOTES)
    slb = next(e for e in rec.events if e.label == "trial" and e.trial == "slb_right")
    events = [*rec.events, Event(slb.offset, 0.0, "felt", "slb_right", EVIL_FELT)]
    rec = Recording(rec.data, rec.fs, chans, events, rec.gaps, info)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyze_bridge(rec, proto)
    return rec, result


@pytest.fixture(scope="module")
def reports(session, tmp_path_factory) -> tuple[ReportPaths, ReportPaths]:
    rec, result = session
    a = write_report(rec, result, tmp_path_factory.mktemp("a"))
    b = write_report(rec, result, tmp_path_factory.mktemp("b"), basename="again")
    return a, b


class _Checker(HTMLParser):
    VOID: ClassVar[set[str]] = {
        "meta",
        "link",
        "br",
        "img",
        "hr",
        "input",
        "col",
        "wbr",
        "source",
        "area",
        "base",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.svg_depth = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(text: str) -> _Checker:
    p = _Checker()
    p.feed(text)
    p.close()
    return p


def test_html_well_formed_and_self_contained(reports):
    text = reports[0].html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    p = _parse(text)
    assert p.errors == []
    assert p.stack == []
    tags = [t for t, _ in p.tags]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    assert tags.count("svg") >= 5  # envelopes, %MVC bars, ratios, symmetry, onsets
    for tag, attrs in p.tags:
        if tag == "img":
            assert str(attrs.get("src", "")).startswith("data:")
        for key in ("src", "href", "xlink:href"):
            v = attrs.get(key)
            if v is not None:
                assert v.startswith(("#", "data:")), (tag, key, v)
    assert not re.search(r"url\(\s*['\"]?https?:", text)
    assert "@import" not in text
    # every section is there
    for sid in (
        "session",
        "quality",
        "mvc",
        "envelopes",
        "symmetry",
        "onsets",
        "reps",
        "fatigue",
        "pain",
        "variants",
        "interpretation",
        "methods",
    ):
        assert f'<section id="{sid}">' in text


def test_user_text_is_escaped(reports):
    text = reports[0].html.read_text(encoding="utf-8")
    for raw in (EVIL_SUBJECT, EVIL_NOTES, EVIL_FELT, EVIL_CHANNEL):
        assert raw not in text
    assert "<script" not in text.lower()
    assert "onerror" not in [k for _, a in _parse(text).tags for k in a]
    assert "P&lt;script&gt;alert(&#x27;s&#x27;)&lt;/script&gt;&quot;&amp;" in text
    assert "&lt;img src=x onerror=alert(1)&gt; glutes" in text
    # and the parsed text reads back exactly what the user typed
    plain = "".join(_parse(text).text)
    for raw in (EVIL_SUBJECT, EVIL_NOTES, EVIL_FELT, EVIL_CHANNEL):
        assert raw in plain


def test_report_content(session, reports):
    _rec, result = session
    text = reports[0].html.read_text(encoding="utf-8")
    # the MVC table names the position that gave the maximum for each channel
    for src in result.mvc["source_trial"]:
        assert src in text
    # pain ratings from the events, and the rest-trial noise floor
    assert "slb_right" in text and "Pain and felt muscles" in text
    assert "1000 Hz" in text and "effective order 8" in text
    assert "hamstrings and erector spinae firing before glute max is the usual healthy order" in (
        text.lower()
    )


def test_deterministic(reports):
    a, b = reports
    assert a.html.read_bytes() == b.html.read_bytes()
    assert a.pdf.read_bytes() == b.pdf.read_bytes()
    # the creation date is a fixed date, never the time of writing
    dates = re.findall(rb"/CreationDate \((D:\d{8})", a.pdf.read_bytes())
    assert dates == [b"D:20000101"]


def test_named_figures_also_as_png(session, reports, tmp_path):
    """``png=`` saves the report's own figure objects (what the demo's two PNGs are)."""
    from PIL import Image

    rec, result = session
    bars, nope = tmp_path / "bars.png", tmp_path / "nope.png"
    paths = write_report(rec, result, tmp_path, png={"pct_mvc": bars, "no_such_figure": nope})
    assert not nope.exists()
    with Image.open(bars) as im:
        assert im.format == "PNG"
        size = im.size
    # the report's %MVC bars at 110 dpi: as wide as plot_pct_mvc makes it for this session
    from emgkit.report.figures import plot_pct_mvc

    w, h = plot_pct_mvc(result).get_size_inches()
    assert size == (round(w * 110), round(h * 110))
    # and the report itself is the same as without it
    assert paths.html.read_bytes() == reports[0].html.read_bytes()
    assert paths.pdf.read_bytes() == reports[0].pdf.read_bytes()


def _pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def test_pdf_renders_to_pages(reports, tmp_path):
    pdf = reports[0].pdf
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    n = _pdf_page_count(data)
    assert n >= 5
    tool = shutil.which("pdftoppm")
    if tool is None:
        return  # structure checked above; rendering needs poppler-utils
    subprocess.run(
        [tool, "-r", "20", "-png", str(pdf), str(tmp_path / "p")], check=True, timeout=120
    )
    pages = sorted(tmp_path.glob("p*.png"))
    assert len(pages) == n
    from PIL import Image

    im = np.asarray(Image.open(pages[0]).convert("L"), dtype=float)
    assert (im < 200).mean() > 0.005  # text was drawn on the first page


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.skipif(
    _chromium() is None,
    reason="no chromium binary on this machine "
    "(apt-get install chromium) for the headless screenshot test",
)
def test_chromium_screenshot(reports, tmp_path):
    html_path = reports[0].html
    shot = tmp_path / "shot.png"
    cmd = [
        str(_chromium()),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1200,3000",
        f"--screenshot={shot}",
        html_path.resolve().as_uri(),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-2000:]
    assert "Uncaught" not in log and "ERROR:CONSOLE" not in log, log[-2000:]
    from PIL import Image

    im = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    assert im.shape[0] >= 1000 and im.shape[1] >= 1000
    nonwhite = (im.min(axis=2) < 235).mean()
    assert nonwhite > 0.02  # text, tables and figures, not a blank page
    assert im.std() > 10
    # nothing overflows the 1100 px page column: the strip between it and the scrollbar is
    # empty (a table or figure wider than the page would draw into it)
    margin = im[:, 1155:1175, :]
    assert (margin.min(axis=2) < 235).mean() < 0.002


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_pages_name_subject_number_and_never_truncate(reports):
    pdf = reports[0].pdf
    n = _pdf_page_count(pdf.read_bytes())
    for page in range(1, n + 1):
        text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        assert f"page {page} of {n}" in text
        assert "subject P<script>" in text  # the pseudonym, verbatim, on every page
        assert "..." not in text and "\u2026" not in text  # no cell or line cut short
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    # page one answers the questions before any detail section
    assert "Is glute max under-working on one side" in first
    assert "What limits these readings?" in first
    data = pdf.read_bytes()
    assert b"/Subtype /Image" not in data  # figures are vectors, not rasters
    assert data.count(b"/Outlines") >= 1 and b"/Link" in data  # bookmarks and clickable contents
