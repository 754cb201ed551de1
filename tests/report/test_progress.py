"""`emgkit progress`: visits in chronological order, same-day sessions apart, the change against
the threshold, one pseudonym only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings

import pytest

from emgkit.analysis.bridge import analyze_bridge
from emgkit.errors import ConfigError
from emgkit.report.progress import Visit, progress_table, write_progress_report


@pytest.fixture(scope="module")
def visits() -> list[Visit]:
    from emgkit.protocol import load_protocol
    from emgkit.simulate import synthesize_session

    proto = load_protocol("bridge").shortened(max_reps=2)
    out = []
    plan = [
        ("right_inhibition", dt.datetime(2026, 11, 2, 15, 0), "s2"),
        ("right_inhibition", dt.datetime(2026, 11, 2, 9, 0), "s1"),  # same day, earlier
        ("healthy", dt.datetime(2026, 12, 7, 9, 0), "s3"),
    ]
    for i, (profile, when, sid) in enumerate(plan):
        rec, _ = synthesize_session(profile, fs=1000, protocol=proto, seed=10 + i)
        rec.info = dataclasses.replace(rec.info, subject="P007", date=when, session=sid)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(Visit(rec, analyze_bridge(rec, proto)))
    return out


def test_progress_table_order_and_change(visits):
    df = progress_table(visits)
    assert list(df["session"]) == ["s1", "s2", "s3"]
    assert list(df["date-time"]) == ["2026-11-02 09:00", "2026-11-02 15:00", "2026-12-07 09:00"]
    assert df["sa"].iloc[0] < 0 and df["sa"].iloc[1] < 0  # right side lower while inhibited
    assert df["change_first"].iloc[0] == 0
    assert df["change_first"].iloc[2] == pytest.approx(df["sa"].iloc[2] - df["sa"].iloc[0])
    assert df["change_previous"].iloc[2] == pytest.approx(df["sa"].iloc[2] - df["sa"].iloc[1])
    # recovery: the last visit moved towards symmetry by more than the threshold
    assert df["change_first"].iloc[2] > df["threshold"].iloc[2]


def test_progress_report_files_and_refusal(visits, tmp_path):
    html, pdf = write_progress_report(visits, tmp_path)
    text = html.read_text()
    assert "Progress across visits: subject P007" in text
    assert "beyond ±" in text
    assert pdf.read_bytes().startswith(b"%PDF")
    other = dataclasses.replace(visits[0].recording.info, subject="P008")
    rec = visits[0].recording.copy()
    rec.info = other
    with pytest.raises(ConfigError, match="one pseudonym"):
        progress_table([*visits, Visit(rec, visits[0].result)])
