"""`emgkit batch` end to end (serial engine) and the cohort report's numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from emgkit.app.batch import analyze_many, read_results
from emgkit.cli import main
from emgkit.report.cohort import cohort_report, cohort_tables, session_metrics


@pytest.fixture(scope="module")
def results(session_files: list[Path], short_protocol: Any) -> pd.DataFrame:
    return analyze_many(
        session_files, engine="serial", protocol=short_protocol, progress=False
    ).results


def test_cli_batch_writes_everything_and_resumes(study: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "res" / "results.parquet"
    html = tmp_path / "res" / "cohort.html"
    argv = [
        "batch",
        str(study / "*.bdf"),
        "--out",
        str(out),
        "--csv",
        "--serial",
        "--report",
        str(html),
        "--param",
        "rms_window=0.1",
        "--no-progress",
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "5 sessions: 4 analysed, 0 from cache, 1 failed" in text
    assert "p03_broken.bdf: FormatError" in text
    table, meta = read_results(out)
    assert table["session"].nunique() == 2 and table["subject"].nunique() == 2
    assert meta["params"]["rms_window"] == 0.1
    assert (out.parent / "results.csv").is_file()
    assert (out.parent / "results.errors.csv").is_file()
    assert len(list((out.parent / "results.parquet.cache").glob("*.parquet"))) == 4
    page = html.read_text()
    assert page.count("<svg") == 2
    assert 'src="' not in page and 'href="http' not in page  # nothing loaded from outside
    # second run: everything from the cache
    assert main(argv) == 0
    assert "5 sessions: 0 analysed, 4 from cache, 1 failed" in capsys.readouterr().out


def test_cli_errors(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rc = main(["batch", str(tmp_path / "none*.bdf"), "--out", str(tmp_path / "r.parquet")])
    assert rc == 2
    assert "no session file matches" in capsys.readouterr().err
    (tmp_path / "x.bdf").write_bytes(b"junk")
    rc = main(
        [
            "batch",
            str(tmp_path / "x.bdf"),
            "--out",
            str(tmp_path / "r.parquet"),
            "--param",
            "nonsense",
            "--serial",
        ]
    )
    assert rc == 2
    assert "NAME=VALUE" in capsys.readouterr().err


def test_session_metrics_are_means_of_the_tidy_rows(results: pd.DataFrame) -> None:
    per = session_metrics(results)
    assert set(per["metric"]) == {"glute_ham", "glute_erector", "symmetry_angle"}
    assert len(per) == 4 * (2 + 2 + 1)  # sessions x (2 ratios x 2 sides + 1 angle)
    r = results
    sel = r[
        (r["session"] == "ses-1")
        & (r["subject"] == "P02")
        & (r["metric"] == "glute_ham")
        & (r["side"] == "right")
        & r["trial"].str.startswith("dlb")
    ]
    assert len(sel) == 5  # the five double-leg trials of the shipped protocol (v2: dlb_plain)
    got = per.query(
        "subject == 'P02' and session == 'ses-1' and metric == 'glute_ham' and side == 'right'"
    )["value"].item()
    assert got == pytest.approx(sel["value"].mean(), rel=1e-12)
    # ordered by subject, then date
    assert list(per.drop_duplicates(["subject", "session"])["session"]) == [
        "ses-1",
        "ses-2",
        "ses-1",
        "ses-2",
    ]


def test_cohort_distribution_is_over_subject_means(results: pd.DataFrame) -> None:
    per = session_metrics(results)
    dist = cohort_tables(per).set_index(["metric", "side"])
    subj_means = per[per["metric"] == "symmetry_angle"].groupby("subject")["value"].mean()
    row = dist.loc[("symmetry_angle", "both")]
    assert row["n_subjects"] == 2
    assert row["median"] == pytest.approx(subj_means.mean(), rel=1e-12)  # median of two
    assert row["min"] == pytest.approx(subj_means.min()) and row["max"] == pytest.approx(
        subj_means.max()
    )
    # the right-inhibited subject has the more negative angle
    assert subj_means["P02"] < subj_means["P01"] and subj_means["P02"] < -5


def test_cohort_report_is_reproducible(results: pd.DataFrame, tmp_path: Path) -> None:
    a = cohort_report(results, tmp_path / "a.html").read_bytes()
    b = cohort_report(results, tmp_path / "b.html").read_bytes()
    assert a == b
    assert b"<img" not in a and b"<script" not in a  # self-contained, static


def test_cohort_rejects_other_tables(tmp_path: Path) -> None:
    from emgkit.errors import ConfigError

    with pytest.raises(ConfigError, match="missing columns"):
        cohort_report(pd.DataFrame({"a": np.arange(3)}), tmp_path / "x.html")
