"""The cohort report's first page: size, failed sessions, sessions without %MVC, and the glute
max single-leg outcome counts with the lower side."""

from __future__ import annotations

import numpy as np
import pandas as pd

from emgkit.report.cohort import cohort_report, cohort_summary


def _rows(session, subject, pct, sa, meaningful):
    base = {"session": session, "subject": subject, "date": "2026-12-01"}
    return [
        {
            **base,
            "trial": "dlb_squeeze",
            "muscle": "glute_max",
            "side": "left",
            "metric": "pct_mvc",
            "value": pct,
        },
        {
            **base,
            "trial": "single_leg_bridge",
            "muscle": "glute_max",
            "side": "both",
            "metric": "symmetry_angle",
            "value": sa,
        },
        {
            **base,
            "trial": "single_leg_bridge",
            "muscle": "glute_max",
            "side": "both",
            "metric": "meaningful",
            "value": meaningful,
        },
    ]


def test_cohort_first_page(tmp_path):
    results = pd.DataFrame(
        _rows("s1", "P1", 30.0, 14.0, 1.0)  # left lower (positive = right larger)
        + _rows("s2", "P2", 28.0, -12.0, 1.0)  # right lower
        + _rows("s3", "P3", 25.0, 2.0, 0.0)
        + _rows("s4", "P4", np.nan, np.nan, 0.0)  # %MVC refused
    )
    errors = pd.DataFrame(
        {"path": ["s5.bdf"], "error_type": ["ConfigError"], "message": ["no hold events"]}
    )
    lines = cohort_summary(results, errors)
    assert lines[0].startswith("4 subjects, 4 sessions analysed; 1 session(s) failed")
    assert "Failed: s5.bdf (no hold events)." in lines
    assert any(
        t.startswith("No usable %MVC in 1 session(s)")
        and t.endswith(": s4 (reason not in this batch table).")
        for t in lines
    )
    assert any(
        "likely asymmetric in 2 of 3 sessions (left side lower in 1, right side lower in 1)" in t
        for t in lines
    )
    page = cohort_report(results, tmp_path / "c.html", errors=errors).read_text()
    assert page.index("<h2>Summary</h2>") < page.index("<h2>Distributions across subjects</h2>")


def _gate(session, muscle, side, status, *issues):
    base = {"session": session, "subject": "P", "date": "", "trial": "quality"}
    rows = [{**base, "muscle": muscle, "side": side, "metric": "quality_status", "value": status}]
    rows += [
        {**base, "muscle": muscle, "side": side, "metric": f"issue_{c}", "value": 1.0}
        for c in issues
    ]
    return rows


def test_cohort_summary_names_the_failed_gate_and_channel():
    results = pd.DataFrame(
        _rows("s1", "P1", 30.0, 14.0, 1.0)
        + _gate("s1", "glute_max", "left", 0.0)
        + _rows("s2", "P2", np.nan, np.nan, 0.0)
        + _gate("s2", "glute_max", "right", 2.0, "flat")
        + _gate("s2", "hamstrings", "left", 1.0, "mains")  # a warning beside a failure
        + _rows("s3", "P3", 25.0, 2.0, 0.0)
        + _gate("s3", "erector_spinae", "left", 1.0, "mains", "ecg")
        + _rows("s4", "P4", np.nan, np.nan, 0.0)
        + _gate("s4", "glute_max", "left", 0.0)
    )
    lines = cohort_summary(results)
    assert (
        "Quality gates failed in 1 session(s) (the channel's numbers are left out): "
        "s2 (glute max right: flat signal)." in lines
    )
    assert (
        "Quality warnings (numbers kept, read with care) in 1 session(s): "
        "s3 (erector spinae left: mains interference, ECG in the signal)." in lines
    )
    assert any(
        t.endswith(": s2 (quality gate failed, above), s4 (MVC refused or missing).") for t in lines
    )


def test_batch_table_carries_the_quality_gate_of_each_channel():
    """End to end: a flat channel in a session reaches the cohort page by name."""
    import warnings

    from emgkit.analysis.bridge import analyze_bridge
    from emgkit.app.batch import tidy_result
    from emgkit.protocol import load_protocol
    from emgkit.recording import Recording
    from emgkit.simulate import synthesize_session

    proto = load_protocol("bridge").shortened(max_reps=2)
    rec, _ = synthesize_session("healthy", fs=1000, protocol=proto, seed=2)
    data = rec.data.copy()
    k = rec.channel_names.index("glute_max_R")
    data[:, k] = 0.0  # electrode off: a flat channel
    rec = Recording(data, rec.fs, rec.channels, rec.events, rec.gaps, rec.info)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze_bridge(rec, proto)
    assert res.quality.loc["glute_max_R", "status"] == "fail"
    table = tidy_result(res, "ses-flat", "P9", "2026-12-01")
    q = table[table["trial"] == "quality"]
    st = q[q["metric"] == "quality_status"].set_index(["muscle", "side"])["value"]
    assert st[("glute_max", "right")] == 2.0 and st[("glute_max", "left")] == 0.0
    lines = cohort_summary(table)
    failed = [t for t in lines if t.startswith("Quality gates failed")]
    assert failed and "ses-flat (glute max right: flat signal" in failed[0]
