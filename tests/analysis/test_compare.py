"""Session comparison: trends, meaningful changes, the CLI and the trend figure."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from emgkit import ConfigError
from emgkit.analysis.bridge import analyze_bridge
from emgkit.analysis.compare import MIN_CHANGE, compare_sessions
from emgkit.protocol import load_protocol
from emgkit.simulate import synthesize_session

PROTOCOL = load_protocol("bridge").shortened(max_reps=3)


@pytest.fixture(scope="module")
def rehab() -> list:
    # the same individual (seed) before and after: inhibited, then healthy
    out = []
    for profile in ("right_inhibition", "right_inhibition", "healthy"):
        rec, _ = synthesize_session(profile, fs=1000.0, protocol=PROTOCOL, seed=7)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(analyze_bridge(rec, PROTOCOL))
    return out


def test_trend_tables_and_meaningful_changes(rehab: list) -> None:
    c = compare_sessions(rehab, dates=["2024-03-01", "2024-01-15", "2024-05-20"])
    # sorted by date: the second given session is the first in time
    assert list(c.sessions["session"]) == ["2024-01-15", "2024-03-01", "2024-05-20"]
    sa = c.table("symmetry_angle")
    first = rehab[1].symmetry.set_index(["comparison", "muscle"])
    assert sa.loc[("single_leg_bridge", "glute_max", ""), "2024-01-15"] == pytest.approx(
        first.loc[("single_leg_bridge", "glute_max"), "symmetry_angle"]
    )
    t = c.trends.set_index(["session", "metric", "trial", "muscle", "side"])
    g = t.loc[("2024-05-20", "symmetry_angle", "single_leg_bridge", "glute_max", "")]
    # right glute recovered: SA from about -13 to about 0 -> meaningful
    assert g["change"] > 8 and g["meaningful"]
    assert g["threshold"] >= MIN_CHANGE["symmetry_angle"]
    # same profile and individual, only noise differs: no meaningful symmetry change
    same = t.loc[("2024-03-01", "symmetry_angle", "single_leg_bridge", "glute_max", "")]
    assert not same["meaningful"]
    assert (t.xs("2024-01-15")["change"] == 0).all()
    hold = c.table("hold_s")
    assert hold.loc[("slb_left", "", "")].tolist() == pytest.approx([10.0, 10.0, 10.0])
    mc = c.meaningful_changes()
    assert set(mc["session"]) <= {"2024-03-01", "2024-05-20"}
    assert (mc["change"].abs() > mc["threshold"]).all()


def test_compare_errors(rehab: list) -> None:
    with pytest.raises(ConfigError, match="at least two"):
        compare_sessions(rehab[:1])
    with pytest.raises(ConfigError, match="dates has 1"):
        compare_sessions(rehab, dates=["2024-01-01"])
    with pytest.raises(ConfigError, match="ISO"):
        compare_sessions(rehab[:2], dates=["yesterday", "today"])


def test_trend_figure(rehab: list, tmp_path: Path) -> None:
    from emgkit.report.trends import plot_trends

    c = compare_sessions(rehab, labels=["pre", "mid", "post"])
    out = tmp_path / "trends.png"
    fig = plot_trends(c, save=out)
    assert out.stat().st_size > 10_000
    assert len(fig.axes) == 4


def test_cli_compare_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from emgkit.cli import main
    from emgkit.io.edf import write_bdf

    paths = []
    for i, profile in enumerate(("right_inhibition", "healthy")):
        rec, _ = synthesize_session(profile, fs=1000.0, protocol=PROTOCOL, seed=5)
        p = tmp_path / f"s{i}.bdf"
        write_bdf(rec, p)
        paths.append(str(p))
    rc = main(
        [
            "compare",
            *paths,
            "--protocol",
            "bridge",
            "--labels",
            "pre",
            "post",
            "--out",
            str(tmp_path / "out"),
            "--figure",
            str(tmp_path / "t.png"),
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "symmetry angle" in text and "Meaningful changes" in text
    trends = pd.read_csv(tmp_path / "out" / "trends.csv")
    assert set(trends["session"]) == {"pre", "post"}
    assert (tmp_path / "t.png").exists()
