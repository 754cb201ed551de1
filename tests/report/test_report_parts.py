"""Report building blocks with known answers: filter corners, signal quality, methods text,
interpretation fallback, the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.signal import butter, sosfiltfilt

from emgkit.analysis.bridge import AnalysisParams, BridgeResult
from emgkit.analysis.interpret import Flag
from emgkit.recording import Channel, Event, Gap, Recording, SessionInfo
from emgkit.report._blocks import ItemList, Paragraph, _interpretation
from emgkit.report._quality import signal_quality
from emgkit.report.methods import REFERENCES, methods_paragraphs, zero_phase_corners


@pytest.mark.parametrize(("fs", "low", "high"), [(1000.0, 20.0, 450.0), (2000.0, 30.0, 450.0)])
def test_zero_phase_corners_are_minus_3_db_of_filtfilt(fs, low, high):
    lo, hi = zero_phase_corners(fs, low, high, 4)
    assert hi is not None and low < lo < 1.25 * low and 0.9 * high < hi < high
    sos = butter(4, [low, high], btype="bandpass", fs=fs, output="sos")
    t = np.arange(int(20 * fs)) / fs
    for f in (lo, hi):
        y = sosfiltfilt(sos, np.sin(2 * np.pi * f * t))
        mid = y[len(y) // 4 : 3 * len(y) // 4]
        gain_db = 20 * np.log10(np.sqrt(2) * mid.std())
        assert gain_db == pytest.approx(-3.0, abs=0.05)


def test_zero_phase_corners_band_limited_has_no_low_pass():
    lo, hi = zero_phase_corners(250.0, 20.0, 450.0, 4)
    assert hi is None and 20.0 < lo < 25.0


def _quality_recording() -> Recording:
    fs = 1000.0
    n = int(20 * fs)
    rng = np.random.default_rng(3)
    t = np.arange(n) / fs
    noise = rng.normal(0, 5.0, n)
    clipped = np.clip(rng.normal(0, 50.0, n), -40.0, 40.0)
    data = np.column_stack(
        [
            noise,
            np.zeros(n),
            rng.normal(0, 5.0, n) + 20.0 * np.sin(2 * np.pi * 50 * t),
            clipped,
            rng.normal(0, 5.0, n),
        ]
    )
    data[12000:12500, :] = np.nan
    return Recording(
        data,
        fs,
        ["good", "flat", "mains", "clip", "gappy"],
        events=[Event(0.0, 10.0, "trial", "rest")],
        gaps=[Gap(12000, 500)],
        info=SessionInfo(power_line_hz=50.0),
    )


def test_signal_quality_known_faults():
    q = signal_quality(_quality_recording()).set_index("channel")
    assert not q.loc["good", "flat"] and q.loc["flat", "flat"]
    assert q.loc["flat", "status"].startswith("flat")
    # 20 uV peak sine = 14.14 uV RMS on the mains channel, measured in the rest trial
    assert q.loc["mains", "mains_uv"] == pytest.approx(20 / np.sqrt(2), rel=0.05)
    assert q.loc["mains", "mains_hz"] == 50.0
    assert "mains 50 Hz" in q.loc["mains", "status"]
    assert q.loc["good", "mains_uv"] < 1.0
    # N(0, 50) clipped at +-40 uV: P(|x| > 40) = 2 * (1 - Phi(0.8)) = 42.4 %
    assert q.loc["clip", "clipping_pct"] == pytest.approx(42.4, abs=1.5)
    assert "clipping" in q.loc["clip", "status"]
    assert q.loc["good", "missing_pct"] == pytest.approx(2.5)
    assert "gaps" in q.loc["good", "status"]
    # noise floor: white noise of SD 5 uV, raw rest window (10th percentile of 100 ms RMS)
    assert 4.0 < q.loc["good", "noise_uv"] <= 5.0


def test_signal_quality_uses_filtered_rest_rms():
    rec = _quality_recording()
    filt = np.full(rec.data.shape, 3.0)
    q = signal_quality(rec, filt)
    assert np.allclose(q["noise_uv"], 3.0)


def _result(notes: list[str] | None = None) -> BridgeResult:
    mvc = pd.DataFrame(
        [
            {
                "channel": "glute_max_L",
                "muscle": "glute_max",
                "side": "left",
                "mvc_uv": 150.0,
                "source_trial": "mvc_glute_max_standing_left",
                "n_mvc_holds": 3,
            }
        ]
    )
    empty = pd.DataFrame()
    return BridgeResult(mvc, empty, empty, empty, empty, notes=notes or [], params=AnalysisParams())


def test_methods_text_states_isek_items():
    from emgkit.montage import load_montage

    mont = load_montage("bridge6")
    rec = Recording(
        np.zeros((2000, len(mont.channels))),
        2000.0,
        mont.channels,
        info=SessionInfo(device="cyton", montage="bridge6", hardware_bandwidth_hz=524.0, gain=24.0),
    )
    secs = methods_paragraphs(rec, _result())
    text = " ".join(s.text for s in secs)
    for needed in (
        "inter-electrode distance 20 mm",
        "SENIAM",
        "Sampling rate 2000 Hz",
        "hardware bandwidth about 524 Hz",
        "gain 24",
        "Butterworth order 4",
        "effective order 8",
        "band-pass 20-450 Hz",
        "100 ms",
        "RMS over the plateau of each MVC hold",
        "mvc_glute_max_standing_left",
        "No notch",
        "bipolar",
    ):
        assert needed in text, needed
    lo, hi = zero_phase_corners(2000.0, 20.0, 450.0, 4)
    assert f"effective -3 dB band {lo:.1f}-{hi:.1f} Hz" in text
    for s in secs:
        for key in s.cites:
            assert key in REFERENCES


def test_methods_band_limited_recording_says_so():
    rec = Recording(
        np.zeros((500, 1)),
        250.0,
        [Channel("g", "glute_max", "left")],
        info=SessionInfo(hardware_bandwidth_hz=65.0),
    )
    text = " ".join(s.text for s in methods_paragraphs(rec, _result()))
    assert "not applied" in text and "band-limited" in text and "65 Hz" in text
    assert "electrode type, size and inter-electrode distance not recorded" in text


def test_interpretation_not_available(monkeypatch):
    import emgkit.analysis.interpret as interp

    def boom(result):
        raise NotImplementedError

    monkeypatch.setattr(interp, "interpret", boom)
    sec = _interpretation(_result(["recorded at 250 Hz"]), None)
    texts = [b.text for b in sec.blocks if isinstance(b, Paragraph)]
    assert any("Interpretation not available" in t for t in texts)
    lists = [b for b in sec.blocks if isinstance(b, ItemList)]
    assert lists[-1].items == (("limitation", "recorded at 250 Hz"),)


def test_interpretation_groups_flags_by_level():
    flags = [
        Flag(
            "onset_order", "info", "Hamstrings first: the usual order.", references=("Lewis 2009",)
        ),
        Flag(
            "glute_asymmetry",
            "notable",
            "Right glute max lower.",
            muscle="glute_max",
            side="right",
            evidence={"symmetry_angle": -11.7},
            references=("Zifchock 2008",),
        ),
    ]
    sec = _interpretation(_result(), flags)
    lists = [b for b in sec.blocks if isinstance(b, ItemList)]
    assert [lst.items[0][0] for lst in lists] == ["notable", "info"]
    notable = lists[0].items[0][1]
    assert "[glute max, right]" in notable and "(Zifchock 2008)" in notable
    # the raw evidence dictionary stays out of the clinical text
    assert "symmetry_angle" not in notable and "-11.7" not in notable


def test_cli_report(tmp_path, capsys):
    from emgkit.cli import main
    from emgkit.io.edf import write_bdf
    from emgkit.protocol import load_protocol
    from emgkit.simulate import synthesize_session

    proto = load_protocol("bridge").shortened(max_reps=1)
    rec, _ = synthesize_session("healthy", fs=1000, protocol=proto, seed=2)
    path = tmp_path / "s.bdf"
    write_bdf(rec, path)
    rc = main(["report", str(path), "--out", str(tmp_path / "out"), "--name", "r1"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "r1.html" in out and "r1.pdf" in out
    assert (tmp_path / "out" / "r1.html").stat().st_size > 10_000
    assert (tmp_path / "out" / "r1.pdf").read_bytes().startswith(b"%PDF")


def test_minmax_decimate_keeps_every_peak_and_real_samples():
    from emgkit.report.figures import minmax_decimate

    rng = np.random.default_rng(0)
    n = 10_007  # not a multiple of the columns
    t = np.arange(n) / 1000.0
    y = rng.normal(size=n)
    spikes = [17, 4_321, 9_999]
    y[spikes] = [50.0, 80.0, -60.0]  # single-sample peaks that block means would flatten
    y[6_000:6_100] = np.nan  # a gap
    td, yd = minmax_decimate(t, y, 200)
    assert td.size <= 400
    assert np.all(np.diff(td) >= 0)  # time order kept
    for k in spikes:
        assert y[k] in yd and t[k] in td
    real = np.isfinite(yd)
    idx = np.searchsorted(t, td[real])
    np.testing.assert_array_equal(y[idx], yd[real])  # every point is a real sample
    assert np.nanmax(yd) == np.nanmax(y) and np.nanmin(yd) == np.nanmin(y)
    _, short_y = minmax_decimate(t[:300], y[:300], 200)
    assert short_y.size == 300  # nothing to reduce


def test_pdf_text_wrapping_never_exceeds_the_width_and_keeps_every_word():
    from fpdf import FPDF

    from emgkit.report.pdf import _font_dir, _Writer

    pdf = FPDF()
    pdf.add_font("DejaVu Sans", "", str(_font_dir() / "DejaVuSans.ttf"))
    pdf.add_page()
    w = _Writer(pdf, {})
    w.font(7.5)
    text = "single_and_double_leg glute max " * 5 + "x" * 80 + "\nnext line"
    for width in (12.0, 30.0, 90.0):
        lines = w.wrap(text, width)
        assert all(w.width_of(line) <= width + 1e-9 for line in lines)
        assert "".join("".join(lines).split()) == "".join(text.split())
    assert w.wrap(text, 90.0)[-1] == "next line"  # an explicit newline is kept
    assert pdf.get_string_width("glute max") == pytest.approx(w.width_of("glute max"))


def test_unlabelled_session_is_named_by_file_or_said_so(tmp_path):
    import dataclasses
    import shutil
    import subprocess

    from emgkit.report._blocks import session_line, session_name
    from emgkit.report.html import render_html
    from emgkit.report.pdf import write_pdf

    rec = _quality_recording()
    info = dataclasses.replace(rec.info, session="", extra={"source_file": "P07_visit2.bdf"})
    rec = Recording(rec.data, rec.fs, rec.channels, rec.events, rec.gaps, info)
    assert session_name(info) == "file P07_visit2.bdf"
    assert session_line(info) == "Session from file P07_visit2.bdf, date not recorded"
    page = render_html(rec, [])
    assert "Session from file P07_visit2.bdf, date not recorded;" in page
    assert "Session -" not in page
    bare = dataclasses.replace(info, extra={})
    assert session_line(bare) == "Session not labelled, date not recorded"
    assert session_line(dataclasses.replace(bare, session="S2")).startswith("Session S2, ")
    # the PDF says it in the header line and in every page's footer
    pdf = write_pdf(rec, [], tmp_path / "r.pdf")
    if shutil.which("pdftotext") is None:
        return
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert text.count("Session from file P07_visit2.bdf, date not recorded") == 2
    assert "Session -" not in text


def test_mvc_section_states_the_definition_the_analysis_used():
    # the report said "highest 500 ms mean" while the analysis used the plateau RMS
    from emgkit.analysis.params import AnalysisParams
    from emgkit.report._blocks import _mvc_definition

    plateau = _mvc_definition(AnalysisParams())
    assert "plateau" in plateau and "first 1 s and last 0.5 s" in plateau
    assert "highest 500 ms mean" not in plateau
    peak = _mvc_definition(AnalysisParams(mvc_method="peak_window", mvc_window=0.5))
    assert "highest 500 ms mean of the 100 ms RMS envelope" in peak
    assert "reads high" in peak
