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
        t.startswith("No usable %MVC in 1 session(s)") and t.endswith(": s4.") for t in lines
    )
    assert any(
        "likely asymmetric in 2 of 3 sessions (left side lower in 1, right side lower in 1)" in t
        for t in lines
    )
    page = cohort_report(results, tmp_path / "c.html", errors=errors).read_text()
    assert page.index("<h2>Summary</h2>") < page.index("<h2>Distributions across subjects</h2>")
