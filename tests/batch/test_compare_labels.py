"""Issue 11: `emgkit compare` keys sessions by date-time and session id, in time order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from emgkit.cli import main


def test_two_sessions_on_one_day_stay_two_in_time_order(
    session_files: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "trends"
    # given in reverse order: the afternoon session first
    argv = ["compare", str(session_files[1]), str(session_files[0]), "--out", str(out)]
    argv += ["--dates", "2024-05-01T15:00", "2024-05-01T09:30"]
    assert main(argv) == 0
    capsys.readouterr()
    sessions = pd.read_csv(out / "sessions.csv")
    assert list(sessions["session"]) == ["2024-05-01 09:30 ses-1", "2024-05-01 15:00 ses-2"]
    trends = pd.read_csv(out / "trends.csv")
    assert set(trends["session"]) == set(sessions["session"])
    # the first (morning) session is the reference: its changes are 0
    first = trends[trends["session"] == "2024-05-01 09:30 ses-1"]
    assert (first["change"].dropna() == 0).all() and len(first) > 0


def test_same_date_time_and_id_still_two_labels(session_files: list[Path]) -> None:
    from emgkit.cli.compare import session_labels
    from emgkit.io import read

    recs = [read(session_files[0]), read(session_files[0])]
    labels = session_labels(recs, [str(session_files[0])] * 2)
    assert labels == ["2024-05-01 09:30 ses-1", "2024-05-01 09:30 ses-1 #2"]
