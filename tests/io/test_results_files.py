"""Tidy results files: every metric lands in one row, dtypes and metadata survive Parquet/CSV."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emgkit import __version__
from emgkit.analysis.bridge import AnalysisParams, BridgeResult
from emgkit.errors import ConfigError, FormatError
from emgkit.io.results import (
    RESULTS_FORMAT,
    TIDY_COLUMNS,
    read_results,
    tidy_results,
    write_results,
)
from emgkit.recording import SessionInfo


def _result() -> BridgeResult:
    mvc = pd.DataFrame(
        {
            "channel": ["glute_max_L", "glute_max_R"],
            "muscle": ["glute_max", "glute_max"],
            "side": ["left", "right"],
            "mvc_uv": [127.5, 142.25],
            "source_trial": ["mvc_glute_max_left", "mvc_glute_max_right"],
        }
    )
    reps = pd.DataFrame(
        {
            "trial": ["slb_left", "slb_left"],
            "task": ["single_leg_bridge"] * 2,
            "cue": ["standard"] * 2,
            "rep": [1, 2],
            "channel": ["glute_max_L", "glute_max_L"],
            "muscle": ["glute_max", "glute_max"],
            "side": ["left", "left"],
            "pct_mvc": [43.5, np.nan],
            "latency_s": [-0.006, 0.012],
        }
    )
    summary = pd.DataFrame(
        {"trial": ["slb_left"], "muscle": ["glute_max"], "side": ["left"], "pct_mvc": [43.5]}
    )
    ratios = pd.DataFrame(
        {
            "trial": ["dlb"],
            "rep": [1],
            "side": ["right"],
            "glute_ham": [0.8],
            "glute_erector": [0.3],
        }
    )
    symmetry = pd.DataFrame(
        {
            "comparison": ["dlb_squeeze"],
            "muscle": ["glute_max"],
            "symmetry_angle": [-12.4],
            "n_epochs": [15],
            "meaningful": [True],
        }
    )
    params = AnalysisParams(band=(25.0, 400.0), rms_window=0.05)
    return BridgeResult(mvc, reps, summary, ratios, symmetry, notes=["band-limited"], params=params)


def _info() -> SessionInfo:
    return SessionInfo(
        subject="P07", session="2", date=datetime(2026, 3, 1, 10, 30), device="cyton", gain=24.0
    )


def test_tidy_rows_carry_the_source_values() -> None:
    t = tidy_results(_result(), _info())
    assert list(t.columns) == list(TIDY_COLUMNS)
    # 2 mvc + 4 reps + 1 summary + 2 ratios + 3 symmetry; empty epochs/variants/pain add none
    assert len(t) == 2 + 4 + 1 + 2 + 3
    assert set(t["subject"]) == {"P07"} and set(t["session"]) == {"2"}
    row = t.query("table == 'mvc' and side == 'right'")
    assert row["metric"].tolist() == ["mvc_uv"] and row["value"].tolist() == [142.25]
    assert row["trial"].tolist() == ["mvc_glute_max_right"]  # source_trial -> trial
    lat = t.query("table == 'reps' and metric == 'latency_s' and rep == 2")
    assert lat["value"].tolist() == [0.012] and lat["cue"].tolist() == ["standard"]
    missing = t.query("table == 'reps' and metric == 'pct_mvc' and rep == 2")["value"]
    assert missing.isna().all()
    sym = t.query("table == 'symmetry'").set_index("metric")["value"]
    assert sym["meaningful"] == 1.0 and sym["n_epochs"] == 15.0 and sym["symmetry_angle"] == -12.4
    assert t.query("table == 'symmetry'")["trial"].unique().tolist() == ["dlb_squeeze"]
    assert t["rep"].dtype == "Int64" and t["value"].dtype == np.float64
    assert t.query("table == 'summary'")["rep"].isna().all()


def test_unknown_fields_and_columns_are_kept() -> None:
    @dataclasses.dataclass
    class Future:
        extra_table: pd.DataFrame
        params: AnalysisParams = dataclasses.field(default_factory=AnalysisParams)

    df = pd.DataFrame({"trial": ["t1"], "phase": ["lift"], "side": ["left"], "rfd": [3.5]})
    t = tidy_results(Future(df))
    assert "phase" in t.columns and t["phase"].tolist() == ["lift"]
    assert t["table"].tolist() == ["extra_table"] and t["value"].tolist() == [3.5]
    assert list(t.columns)[-2:] == ["metric", "value"]
    with pytest.raises(ConfigError, match="no DataFrame"):
        tidy_results(object())


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".tsv"])
def test_round_trip_dtypes_and_metadata(tmp_path: Path, suffix: str) -> None:
    res = _result()
    expected = tidy_results(res, _info())
    f = write_results(res, tmp_path / f"s01{suffix}", session=_info(), metadata={"source": "x.bdf"})
    df, meta = read_results(f)
    pd.testing.assert_frame_equal(df, expected)
    assert meta["format"] == RESULTS_FORMAT and meta["emgkit_version"] == __version__
    assert meta["params"] == json.loads(json.dumps(res.params.as_dict()))
    assert meta["params"]["band_low_hz"] == 25.0 and meta["params"]["rms_window_s"] == 0.05
    assert meta["session"]["subject"] == "P07" and meta["session"]["gain"] == 24.0
    assert meta["session"]["date"] == "2026-03-01T10:30:00"
    assert meta["notes"] == ["band-limited"] and meta["source"] == "x.bdf"


def test_parquet_metadata_is_in_the_schema(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    f = write_results(_result(), tmp_path / "r.parquet", session=_info())
    md = pq.read_schema(f).metadata
    assert md[b"emgkit_version"].decode() == __version__
    assert json.loads(md[b"emgkit"])["params"]["order"] == 4


def test_bad_results_files(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="no emgkit results header"):
        read_results(plain)
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "p.parquet")
    with pytest.raises(FormatError, match="without emgkit metadata"):
        read_results(tmp_path / "p.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(FormatError, match="not a readable Parquet"):
        read_results(tmp_path / "junk.parquet")
    with pytest.raises(ConfigError, match="not supported"):
        write_results(_result(), tmp_path / "r.xlsx")
